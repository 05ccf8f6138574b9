import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { COLLECTOR } from './tools.js';

/**
 * No collector binary or Docker engine runs here, so the configs are checked as far as that
 * allows: they parse, every pipeline names components that are defined (and nothing defined goes
 * unused), and the services, ports and paths the files name agree with each other.
 */

type Components = Record<string, unknown>;
interface CollectorConfig {
  extensions?: Components;
  receivers: Components;
  processors?: Components;
  exporters: Components;
  service: {
    extensions?: string[];
    pipelines: Record<string, { receivers: string[]; processors?: string[]; exporters: string[] }>;
  };
}

function readYaml<T>(path: string): T {
  return parse(readFileSync(`${COLLECTOR}${path}`, 'utf8')) as T;
}

const CONFIGS = ['otelcol.yaml', 'gateway/loadbalancer.yaml', 'gateway/sampler.yaml'];

describe.each(CONFIGS)('collector config %s', (file) => {
  const config = readYaml<CollectorConfig>(file);
  const pipelines = Object.entries(config.service.pipelines);

  it('has pipelines that reference only defined components, and uses every component it defines', () => {
    const used = {
      receivers: new Set<string>(),
      processors: new Set<string>(),
      exporters: new Set<string>(),
    };
    for (const [name, pipeline] of pipelines) {
      expect(['traces', 'metrics', 'logs']).toContain(name.split('/')[0]);
      expect(pipeline.receivers.length, name).toBeGreaterThan(0);
      expect(pipeline.exporters.length, name).toBeGreaterThan(0);
      for (const kind of ['receivers', 'processors', 'exporters'] as const) {
        for (const id of pipeline[kind] ?? []) {
          expect(Object.keys(config[kind] ?? {}), `${name} ${kind} ${id}`).toContain(id);
          used[kind].add(id);
        }
      }
    }
    for (const kind of ['receivers', 'processors', 'exporters'] as const) {
      expect([...used[kind]].sort(), kind).toEqual(Object.keys(config[kind] ?? {}).sort());
    }
    expect((config.service.extensions ?? []).sort()).toEqual(Object.keys(config.extensions ?? {}).sort());
  });

  it('puts memory_limiter first in every pipeline', () => {
    for (const [name, pipeline] of pipelines) {
      expect(pipeline.processors?.[0], name).toBe('memory_limiter');
    }
  });

  it('uses the component names of current collectors (otlp_grpc, not the deprecated otlp exporter)', () => {
    for (const id of Object.keys(config.exporters)) {
      expect(id.split('/')[0], id).not.toMatch(/^(otlp|otlphttp|logging)$/);
    }
  });
});

describe('the agent config (otelcol.yaml)', () => {
  const config = readYaml<CollectorConfig>('otelcol.yaml');
  const otlp = config.receivers.otlp as {
    protocols: { grpc: { endpoint: string }; http: { endpoint: string } };
  };

  it('receives OTLP over gRPC on 4317 and HTTP on 4318, on every interface', () => {
    expect(otlp.protocols.grpc.endpoint).toBe('0.0.0.0:4317');
    expect(otlp.protocols.http.endpoint).toBe('0.0.0.0:4318');
  });

  it('batches, sends traces to Jaeger over OTLP and metrics to Prometheus', () => {
    const { traces, metrics } = config.service.pipelines;
    expect(traces?.processors?.some((p) => p.startsWith('batch'))).toBe(true);
    expect(metrics?.processors?.some((p) => p.startsWith('batch'))).toBe(true);
    expect(traces?.exporters).toEqual(['otlp_grpc/jaeger']);
    expect((config.exporters['otlp_grpc/jaeger'] as { endpoint: string }).endpoint).toBe('jaeger:4317');
    expect(metrics?.exporters).toEqual(['prometheus']);
  });

  it("keeps the Prometheus exporter's default naming, which the dashboard and rules are written for", () => {
    const prometheus = config.exporters.prometheus as { endpoint: string; translation_strategy: string };
    expect(prometheus.translation_strategy).toBe('UnderscoreEscapingWithSuffixes');
    expect(prometheus.endpoint).toBe('0.0.0.0:8889');
  });

  it('sends metrics on within 200 ms, its share of the 10 s budget', () => {
    expect((config.processors?.['batch/metrics'] as { timeout: string }).timeout).toBe('200ms');
  });
});

describe('the gateway configs', () => {
  const balancer = readYaml<CollectorConfig>('gateway/loadbalancer.yaml');
  const sampler = readYaml<CollectorConfig>('gateway/sampler.yaml');
  const compose = readYaml<Compose>('docker-compose.gateway.yaml');

  it('route spans by trace id to every sampler the DNS name resolves to', () => {
    const loadbalancing = balancer.exporters.load_balancing as {
      routing_key: string;
      resolver: { dns: { hostname: string; port: string } };
    };
    expect(loadbalancing.routing_key).toBe('traceID');
    expect(balancer.service.pipelines.traces?.exporters).toEqual(['load_balancing']);
    expect(Object.keys(compose.services)).toContain(loadbalancing.resolver.dns.hostname);
    const samplerOtlp = sampler.receivers.otlp as { protocols: { grpc: { endpoint: string } } };
    expect(samplerOtlp.protocols.grpc.endpoint).toBe(`0.0.0.0:${loadbalancing.resolver.dns.port}`);
  });

  it('sample whole traces before batching them for Jaeger, keeping every failed one', () => {
    const traces = sampler.service.pipelines.traces!;
    expect(traces.processors).toEqual(['memory_limiter', 'tail_sampling', 'batch/traces']);
    const policies = (
      sampler.processors?.tail_sampling as { policies: { type: string; status_code?: unknown }[] }
    ).policies;
    expect(policies.find((p) => p.type === 'status_code')?.status_code).toEqual({ status_codes: ['ERROR'] });
  });

  it('serve metrics from the load balancer, where Prometheus already scrapes', () => {
    expect(balancer.service.pipelines.metrics?.exporters).toEqual(['prometheus']);
    expect((balancer.exporters.prometheus as { endpoint: string }).endpoint).toBe('0.0.0.0:8889');
  });
});

interface Compose {
  services: Record<
    string,
    {
      image?: string;
      ports?: string[];
      volumes?: string[];
      depends_on?: string[];
      environment?: Record<string, string>;
    }
  >;
}

describe('docker-compose.yaml', () => {
  const compose = readYaml<Compose>('docker-compose.yaml');
  const overlay = readYaml<Compose>('docker-compose.gateway.yaml');
  const services = compose.services;

  it('runs the collector, Jaeger, Prometheus, Alertmanager and Grafana', () => {
    expect(Object.keys(services).sort()).toEqual([
      'alertmanager',
      'collector',
      'grafana',
      'jaeger',
      'prometheus',
    ]);
  });

  it('pins every image to a version', () => {
    for (const [name, service] of [...Object.entries(services), ...Object.entries(overlay.services)]) {
      if (!service.image) continue;
      expect(service.image, name).toMatch(/:v?\d+\.\d+\.\d+$/);
    }
    expect(overlay.services.sampler?.image).toBe(services.collector?.image);
  });

  it('mounts only files and folders that exist in collector/', () => {
    for (const [name, service] of [...Object.entries(services), ...Object.entries(overlay.services)]) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        expect(source, name).toMatch(/^\.\//);
        // The secrets folder is there; its password file is the user's to create.
        expect(existsSync(`${COLLECTOR}${source.slice(2)}`), `${name}: ${source}`).toBe(true);
      }
    }
  });

  it('depends only on services it defines', () => {
    const names = new Set([...Object.keys(services), ...Object.keys(overlay.services)]);
    for (const [name, service] of [...Object.entries(services), ...Object.entries(overlay.services)]) {
      for (const dependency of service.depends_on ?? []) expect(names, name).toContain(dependency);
    }
  });

  it('publishes the OTLP ports and the UIs the walkthrough opens', () => {
    expect(services.collector?.ports).toEqual(['4317:4317', '4318:4318']);
    expect(services.jaeger?.ports).toEqual(['16686:16686']);
    expect(services.prometheus?.ports).toEqual(['9090:9090']);
    expect(services.alertmanager?.ports).toEqual(['9093:9093']);
    expect(services.grafana?.ports).toEqual(['3000:3000']);
  });

  it('agrees with the service names and ports that the other configs use', () => {
    const prometheus = readYaml<{
      scrape_configs: { honor_labels: boolean; static_configs: { targets: string[] }[] }[];
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    }>('prometheus/prometheus.yml');
    const scrape = prometheus.scrape_configs[0]!;
    expect(scrape.static_configs[0]!.targets).toEqual(['collector:8889']);
    // Keeps job and instance as the exporter set them from each worker's resource.
    expect(scrape.honor_labels).toBe(true);
    expect(prometheus.alerting.alertmanagers[0]!.static_configs[0]!.targets).toEqual(['alertmanager:9093']);
    expect(services.prometheus?.volumes).toContain('./prometheus/rules:/etc/prometheus/rules:ro');

    const datasources = readYaml<{ datasources: { uid: string; url: string }[] }>(
      'grafana/provisioning/datasources/datasources.yaml',
    ).datasources;
    expect(datasources.map((d) => [d.uid, d.url])).toEqual([
      ['prometheus', 'http://prometheus:9090'],
      ['jaeger', 'http://jaeger:16686'],
    ]);
    const providers = readYaml<{ providers: { options: { path: string } }[] }>(
      'grafana/provisioning/dashboards/dashboards.yaml',
    ).providers;
    expect(services.grafana?.volumes).toContain(`./grafana/dashboards:${providers[0]!.options.path}:ro`);
  });
});
