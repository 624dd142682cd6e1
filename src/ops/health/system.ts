import { readFile, statfs } from 'node:fs/promises';
import { availableParallelism, freemem, loadavg, totalmem } from 'node:os';
import { type HealthCheck, judge, percentPerfdata } from './types.js';

export const loadCheck: HealthCheck = {
  id: 'system.load',
  component: 'system',
  async run(ctx) {
    const cpus = availableParallelism();
    const perCpu = loadavg()[0] / cpus;
    if (process.platform === 'win32') return { skip: 'load average is not available on Windows' };
    const t = ctx.thresholds.load_per_cpu;
    const status = judge(perCpu, t);
    return {
      status,
      value: Number(perCpu.toFixed(2)),
      threshold: t,
      message: `load ${loadavg()[0].toFixed(2)} over ${cpus} CPU(s) (${perCpu.toFixed(2)} per CPU, 1 min)`,
      remedy:
        status === 'OK'
          ? null
          : 'Find the busy processes (top); scale out serve replicas or move to more CPUs.',
      perfdata: [
        { label: 'load_per_cpu', value: Number(perCpu.toFixed(2)), warn: t.warn, crit: t.crit, min: 0 },
      ],
    };
  },
};

/** Memory in use, counting reclaimable page cache as free (MemAvailable) where Linux reports it. */
export const memoryCheck: HealthCheck = {
  id: 'system.memory',
  component: 'system',
  async run(ctx) {
    const total = totalmem();
    let available = freemem();
    const info = await readFile('/proc/meminfo', 'utf8').catch(() => '');
    const match = /MemAvailable:\s+(\d+) kB/.exec(info);
    if (match) available = Number(match[1]) * 1024;
    const used = 1 - available / total;
    const t = ctx.thresholds.memory;
    const status = judge(used, t);
    return {
      status,
      value: Number(used.toFixed(4)),
      threshold: t,
      message: `memory ${(used * 100).toFixed(0)} % used (${(available / 1024 ** 3).toFixed(1)} of ${(total / 1024 ** 3).toFixed(1)} GB available)`,
      remedy: status === 'OK' ? null : 'Lower pool sizes and work_mem, or move to a larger machine.',
      perfdata: [percentPerfdata('memory_used', used, t, 1)],
    };
  },
};

/** Free space where local backups go (a folder target), else the folder the embedded database lives in. */
export const diskCheck: HealthCheck = {
  id: 'system.disk',
  component: 'system',
  async run(ctx) {
    const target = ctx.config.backupTarget;
    if (!target || /^(azure|https?):\/\//.test(target)) return { skip: 'no local backup folder configured' };
    const path = target.startsWith('file://') ? new URL(target).pathname : target;
    let stats: Awaited<ReturnType<typeof statfs>>;
    try {
      stats = await statfs(path);
    } catch (error) {
      return {
        status: 'CRITICAL',
        value: null,
        threshold: null,
        message: `backup folder ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
        remedy:
          'Create the folder (or mount the volume) and give mcpops write access, or fix MCPOPS_BACKUP_TARGET.',
      };
    }
    const used = 1 - stats.bavail / stats.blocks;
    const t = ctx.thresholds.disk;
    const status = judge(used, t);
    const freeGb = (stats.bavail * stats.bsize) / 1024 ** 3;
    return {
      status,
      value: Number(used.toFixed(4)),
      threshold: t,
      message: `backup folder ${path}: disk ${(used * 100).toFixed(0)} % used, ${freeGb.toFixed(1)} GB free`,
      remedy: status === 'OK' ? null : 'Prune old backups (retention) or grow the volume.',
      perfdata: [percentPerfdata('backup_disk_used', used, t, 1)],
    };
  },
};
