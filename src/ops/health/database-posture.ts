import { inspectRolePosture, judgeRolePosture, type PostureFinding } from '../../db/posture.js';
import type { HealthCheck } from './types.js';

/**
 * The serve roles' posture: superuser or BYPASSRLS (row-level security off), tables without
 * FORCE RLS and write grants are CRITICAL; a role that does not exist yet (db init not run) or
 * a login role without read-only default is a WARNING.
 */
export const servePostureCheck: HealthCheck = {
  id: 'db.serve_role',
  component: 'database',
  database: true,
  async run(ctx) {
    const client = await ctx.db!.pool.connect();
    const findings: Array<PostureFinding & { missing: boolean }> = [];
    try {
      const roles = [
        { role: ctx.config.serveRole, purpose: 'reader' as const },
        { role: ctx.config.serveLoginRole, purpose: 'login' as const },
      ];
      for (const { role, purpose } of roles) {
        const posture = await inspectRolePosture(client, role);
        for (const finding of judgeRolePosture(posture, purpose))
          findings.push({ ...finding, missing: !posture.exists });
      }
    } finally {
      client.release();
    }
    const critical = findings.filter((f) => f.level === 'error' && !f.missing);
    const status = critical.length ? 'CRITICAL' : findings.length ? 'WARNING' : 'OK';
    const first = critical[0] ?? findings[0];
    return {
      status,
      value: critical.length ? 'unsafe' : findings.length ? 'incomplete' : 'safe',
      threshold: null,
      message: findings.length
        ? findings.map((f) => f.message).join('; ')
        : `${ctx.config.serveLoginRole} → ${ctx.config.serveRole}: no superuser, no BYPASSRLS, RLS forced, no write grants`,
      remedy: first ? first.fix : null,
    };
  },
};
