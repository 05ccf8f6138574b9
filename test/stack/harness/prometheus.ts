import { join } from 'node:path';
import { REPO_ROOT, stackBinary, type StackProgram } from '../../../scripts/stack/components.js';
import { readShipped, replaceAt, valueAt, type Config, type Scratch } from './config.js';
import { freeAddress, httpOk, onFreePorts, startProcess, type StackProcess } from './process.js';

export const SHIPPED_RULES = join(REPO_ROOT, 'collector', 'prometheus', 'rules', 'queuetel-alerts.yml');

export interface Sample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

export interface FiringAlert {
  readonly labels: Record<string, string>;
  readonly state: 'pending' | 'firing';
}

export interface RunningPrometheus {
  readonly process: StackProcess;
  readonly url: string;
  /** An instant query; throws on a query error, so a broken expression fails by its message. */
  query(expr: string): Promise<Sample[]>;
  /** The exemplars of a selector over the last `seconds`. */
  exemplars(expr: string, seconds: number): Promise<{ labels: Record<string, string>; value: number }[]>;
  alerts(): Promise<FiringAlert[]>;
}

export interface PrometheusOptions {
  /** Debian's Prometheus 2 (`prometheus`) or the Prometheus 3 the build script makes (`prometheus3`). */
  readonly program: Extract<StackProgram, 'prometheus' | 'prometheus3'>;
  /** The collector's Prometheus exporter to scrape, as the shipped config does; omit for OTLP only. */
  readonly scrape?: string;
  /** Alertmanager's `host:port`, as the shipped config's target; omit to send alerts nowhere. */
  readonly alertmanager?: string;
  /** Rule files to load in place of the shipped rules directory; default the shipped rules. */
  readonly ruleFiles?: readonly string[];
  /**
   * Replaces the shipped evaluation interval, and sets how often firing alerts are sent again
   * (`--rules.alert.resend-delay`, 1 m by default): timings, for alert tests that cannot wait.
   * Prometheus finds its Alertmanager a few seconds after start; an alert that fired before then
   * would otherwise reach it a minute later.
   */
  readonly alertTimings?: { readonly evaluationInterval: string; readonly resendDelay: string };
  /** Prometheus 3's own OTLP receiver (`--web.enable-otlp-receiver`). */
  readonly otlp?: boolean;
}

/** Prometheus with collector/prometheus/prometheus.yml, its addresses and rule paths changed. */
export function startPrometheus(
  name: string,
  scratch: Scratch,
  options: PrometheusOptions,
): Promise<RunningPrometheus> {
  return onFreePorts(() => startPrometheusOnce(name, scratch, options));
}

async function startPrometheusOnce(
  name: string,
  scratch: Scratch,
  options: PrometheusOptions,
): Promise<RunningPrometheus> {
  const binary = stackBinary(options.program);
  const config = readShipped('prometheus/prometheus.yml');
  replaceAt(config, ['rule_files'], options.ruleFiles ?? [SHIPPED_RULES]);
  const alertmanagers = valueAt(config, ['alerting', 'alertmanagers']) as Config[];
  replaceAt(
    alertmanagers[0]!,
    ['static_configs'],
    [{ targets: options.alertmanager ? [options.alertmanager] : [] }],
  );
  const scrapes = valueAt(config, ['scrape_configs']) as Config[];
  if (options.scrape) replaceAt(scrapes[0]!, ['static_configs'], [{ targets: [options.scrape] }]);
  else replaceAt(config, ['scrape_configs'], []);
  if (options.alertTimings) {
    replaceAt(config, ['global', 'evaluation_interval'], options.alertTimings.evaluationInterval);
  }
  const file = scratch.write(`${name}.yml`, config);

  const address = await freeAddress();
  const url = `http://${address}`;
  const args = [
    `--config.file=${file}`,
    `--storage.tsdb.path=${scratch.path(`${name}-data`)}`,
    `--web.listen-address=${address}`,
    // Exemplars are what link a slow job's histogram bucket to its trace.
    '--enable-feature=exemplar-storage',
  ];
  if (options.otlp) args.push('--web.enable-otlp-receiver');
  if (options.alertTimings) args.push(`--rules.alert.resend-delay=${options.alertTimings.resendDelay}`);
  const process = await startProcess(name, binary, args, () => httpOk(`${url}/-/ready`));

  async function api<T>(path: string, params: Record<string, string>): Promise<T> {
    const response = await fetch(`${url}${path}?${new URLSearchParams(params).toString()}`, {
      signal: AbortSignal.timeout(5000),
    });
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success')
      throw new Error(`${name} ${path} ${JSON.stringify(params)}: ${body.error}`);
    return body.data;
  }
  return {
    process,
    url,
    async query(expr) {
      const data = await api<{
        resultType: string;
        result: { metric: Record<string, string>; value: [number, string] }[];
      }>('/api/v1/query', { query: expr });
      if (data.resultType !== 'vector') throw new Error(`${expr}: expected a vector, got ${data.resultType}`);
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    async exemplars(expr, seconds) {
      const now = Date.now() / 1000;
      const data = await api<{ exemplars: { labels: Record<string, string>; value: string }[] }[]>(
        '/api/v1/query_exemplars',
        { query: expr, start: String(now - seconds), end: String(now) },
      );
      return data.flatMap((series) =>
        series.exemplars.map((e) => ({ labels: e.labels, value: Number(e.value) })),
      );
    },
    async alerts() {
      const data = await api<{ alerts: FiringAlert[] }>('/api/v1/alerts', {});
      return data.alerts;
    },
  };
}
