// Child processes of the load benchmark: every one is tracked from spawn to exit, so no path
// (error, Ctrl-C, the overall time limit) leaves a server or `db init` running behind us.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const children = new Set();

/** Spawns a tracked child; it leaves the set when it exits. */
export function spawnTracked(command, args, options) {
  const child = spawn(command, args, options);
  children.add(child);
  child.exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
    child.once('error', (error) => {
      children.delete(child);
      resolve({ code: null, signal: null, error });
    });
  });
  return child;
}

/** SIGTERM, then SIGKILL after `graceMs` if it is still there. */
export async function stopChild(child, graceMs = 15_000) {
  if (child.exitCode !== null || child.signalCode !== null) return child.exited;
  child.kill('SIGTERM');
  let timer;
  const killed = new Promise((resolve) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, graceMs);
  });
  await Promise.race([child.exited, killed]);
  clearTimeout(timer);
  return child.exited;
}

export function stopAllChildren(graceMs) {
  return Promise.all([...children].map((child) => stopChild(child, graceMs)));
}

/** Last resort (process exit): nothing asynchronous can run any more, so SIGKILL. */
export function killAllChildrenNow() {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {}
  }
}

export async function freePort() {
  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Kilobytes of resident memory of a process (VmRSS), or its peak since it started (VmHWM: it
 * catches spikes between samples), or undefined once it is gone.
 */
export function rssKb(pid, field = 'VmRSS') {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1]);
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/**
 * Seconds the process's main thread has spent runnable but waiting for a CPU (the run queue).
 * On a loaded machine this, not the work itself, is what a single-threaded server loses.
 */
export function runQueueSeconds(pid = 'self') {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9;
  } catch {
    return undefined;
  }
}

/** Samples VmRSS every `everyMs` until stopped; reports peak and last in MB. */
export function sampleRss(pid, everyMs = 250) {
  let peak = 0;
  let last = 0;
  let first;
  let samples = 0;
  const take = () => {
    const kb = rssKb(pid);
    if (kb === undefined) return;
    first ??= kb;
    last = kb;
    peak = Math.max(peak, kb);
    samples += 1;
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      take();
      clearInterval(timer);
      return { firstMb: (first ?? 0) / 1024, peakMb: peak / 1024, finalMb: last / 1024, samples };
    },
  };
}

/**
 * Starts `mcpops serve --http` from the built bin on a free loopback port; its log goes to
 * `logFile`. Resolves once /health answers, with the child, its URL and a way to stop it.
 */
export async function startServer({ cli, databaseUrl, env, cwd, logFile, timeoutMs = 60_000 }) {
  const port = await freePort();
  const fd = openSync(logFile, 'w');
  let child;
  try {
    child = spawnTracked(
      process.execPath,
      [cli, 'serve', '--http', '--port', String(port), '--database-url', databaseUrl],
      // Its own session, as a service would have: with scheduler autogroups (Linux default) the
      // server then gets its own CPU share instead of splitting ours with the load generator.
      // Still tracked: every exit path of the benchmark stops it.
      { env, cwd, stdio: ['ignore', 'ignore', fd], detached: true },
    );
  } finally {
    closeSync(fd);
  }
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`serve --http exited (${child.exitCode ?? child.signalCode}): ${tail(logFile)}`);
    }
    const ok = await fetch(`${base}/health`, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      await stopChild(child, 2000);
      throw new Error(`serve --http did not answer /health within ${timeoutMs} ms: ${tail(logFile)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, pid: child.pid, base, url: `${base}/mcp`, stop: (graceMs) => stopChild(child, graceMs) };
}

function tail(file) {
  try {
    return readFileSync(file, 'utf8').slice(-1500);
  } catch {
    return '(no log)';
  }
}
