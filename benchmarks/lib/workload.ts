/**
 * The jobs every suite runs: a webhook-delivery queue whose jobs carry three domain labels, as in
 * queuetel's README. A few combinations in rotation (4 projects, 3 endpoints, 2 statuses, rotating
 * together: 12 distinct combinations), so per-combination lookups are exercised as in a real worker
 * rather than always hitting one cached series.
 */

export interface JobLabels {
  readonly project: string;
  readonly endpoint: string;
  readonly status: number;
}

/** The three labels the benchmarks declare, read from the job data. */
export const BENCH_LABELS = {
  project: { from: 'data.project' },
  endpoint: { from: 'data.endpoint' },
  http_status_code: { from: 'data.status', normalize: (code: unknown) => `${String(code)[0]}xx` },
} as const;

const PROJECTS = ['acme', 'globex', 'initech', 'umbrella'];
const ENDPOINTS = ['/hooks/orders', '/hooks/users', '/hooks/billing'];
const STATUSES = [200, 503];

export function jobLabels(i: number): JobLabels {
  return {
    project: PROJECTS[i % PROJECTS.length]!,
    endpoint: ENDPOINTS[i % ENDPOINTS.length]!,
    status: STATUSES[i % STATUSES.length]!,
  };
}
