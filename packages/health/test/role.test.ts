import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { monitoringRoleSql } from '@queuetel/health';

describe('the monitoring-role script', () => {
  it('ships as sql/monitoring-role.sql, exactly as generated for the default role', () => {
    const shipped = readFileSync(new URL('../sql/monitoring-role.sql', import.meta.url), 'utf8');
    expect(shipped).toBe(monitoringRoleSql());
  });

  it('grants only named columns, never a payload column, and no write', () => {
    const sql = monitoringRoleSql({ role: 'watcher' });
    expect(sql).toContain("('job', ARRAY['name', 'state', 'start_after', 'created_on', 'blocked'])");
    for (const payload of ["'data'", "'output'", "'message'", "'headers'"])
      expect(sql).not.toContain(payload);
    const statements = sql
      .split('\n')
      .filter((line) => !line.trimStart().startsWith('--'))
      .join('\n');
    const grants = statements.match(/GRANT [^;]*/g) ?? [];
    expect(grants.length).toBeGreaterThan(3);
    for (const grant of grants) expect(grant).toMatch(/^GRANT (SELECT|USAGE|EXECUTE)\b/);
    expect(sql).toContain('GRANT EXECUTE ON FUNCTION queuetel.pgmq_metrics_all() TO watcher');
  });

  it('limits the grants to the schemas named, when some are', () => {
    expect(monitoringRoleSql({ pgBossSchemas: ['jobs', 'billing_jobs'] })).toContain(
      "AND n.nspname = ANY (ARRAY['jobs', 'billing_jobs'])",
    );
    expect(monitoringRoleSql()).not.toContain('n.nspname = ANY');
  });
});
