import { stackBinary } from '../../../scripts/stack/components.js';
import { readShipped, replaceAt, type Config, type Scratch } from './config.js';
import { freeAddress, freePort, httpOk, onFreePorts, startProcess, type StackProcess } from './process.js';

/** A running collector, from one of the shipped configurations with its addresses changed. */
export interface RunningCollector {
  readonly process: StackProcess;
  /** The OTLP/HTTP base URL, for startTelemetry({ endpoint }), when the config has the receiver. */
  readonly otlpHttp?: string;
  /** The OTLP/gRPC `host:port`, when the config has the receiver. */
  readonly otlpGrpc?: string;
  /** The Prometheus exporter's `host:port`, when the config has it. */
  readonly prometheus?: string;
}

/**
 * Runs the collector built from collector/builder-config.yaml with a shipped configuration.
 * `rewrite` changes that configuration's addresses (or, where a test says so, a timing); the
 * health check and the collector's own telemetry are moved to free ports here.
 */
export function startCollector(
  name: string,
  scratch: Scratch,
  shipped: string,
  rewrite: (config: Config) => Promise<Partial<Omit<RunningCollector, 'process'>>>,
): Promise<RunningCollector> {
  return onFreePorts(() => startCollectorOnce(name, scratch, shipped, rewrite));
}

async function startCollectorOnce(
  name: string,
  scratch: Scratch,
  shipped: string,
  rewrite: (config: Config) => Promise<Partial<Omit<RunningCollector, 'process'>>>,
): Promise<RunningCollector> {
  const binary = stackBinary('otelcol');
  const config = readShipped(shipped);
  const health = await freeAddress();
  replaceAt(config, ['extensions', 'health_check', 'endpoint'], health);
  const addresses = await rewrite(config);
  // The collector's own metrics are served on :8888 unless told otherwise: a fixed port that
  // another collector on the machine may hold. The shipped files leave it at that default.
  (config.service as Config).telemetry = {
    metrics: {
      readers: [{ pull: { exporter: { prometheus: { host: '127.0.0.1', port: await freePort() } } } }],
    },
  };
  const file = scratch.write(`${name}.yaml`, config);
  const process = await startProcess(name, binary, [`--config=${file}`], () => httpOk(`http://${health}/`));
  return { process, ...addresses };
}

/** The agent (collector/otelcol.yaml), sending traces to `jaegerOtlpGrpc`. */
export function startAgent(
  name: string,
  scratch: Scratch,
  jaegerOtlpGrpc: string,
): Promise<RunningCollector> {
  return startCollector(name, scratch, 'otelcol.yaml', async (config) => {
    const otlpGrpc = await freeAddress();
    const otlpHttp = await freeAddress();
    const prometheus = await freeAddress();
    replaceAt(config, ['receivers', 'otlp', 'protocols', 'grpc', 'endpoint'], otlpGrpc);
    replaceAt(config, ['receivers', 'otlp', 'protocols', 'http', 'endpoint'], otlpHttp);
    replaceAt(config, ['exporters', 'otlp_grpc/jaeger', 'endpoint'], jaegerOtlpGrpc);
    replaceAt(config, ['exporters', 'prometheus', 'endpoint'], prometheus);
    return { otlpGrpc, otlpHttp: `http://${otlpHttp}`, prometheus };
  });
}

/** A tail sampler (collector/gateway/sampler.yaml) sending the traces it keeps to `jaegerOtlpGrpc`. */
export function startSampler(
  name: string,
  scratch: Scratch,
  jaegerOtlpGrpc: string,
  decisionWait: string,
): Promise<RunningCollector> {
  return startCollector(name, scratch, 'gateway/sampler.yaml', async (config) => {
    const otlpGrpc = await freeAddress();
    replaceAt(config, ['receivers', 'otlp', 'protocols', 'grpc', 'endpoint'], otlpGrpc);
    replaceAt(config, ['exporters', 'otlp_grpc/jaeger', 'endpoint'], jaegerOtlpGrpc);
    // A timing: how long the sampler waits for a trace's spans before deciding.
    replaceAt(config, ['processors', 'tail_sampling', 'decision_wait'], decisionWait);
    return { otlpGrpc };
  });
}

/**
 * A load balancer (collector/gateway/loadbalancer.yaml) in front of the given samplers. The shipped
 * DNS resolver finds the samplers as the addresses of one name on one port; on loopback they differ
 * by port, so the test lists them instead: the same routing by trace id over the same set.
 */
export function startLoadBalancer(
  name: string,
  scratch: Scratch,
  samplers: readonly string[],
): Promise<RunningCollector> {
  return startCollector(name, scratch, 'gateway/loadbalancer.yaml', async (config) => {
    const otlpGrpc = await freeAddress();
    const otlpHttp = await freeAddress();
    const prometheus = await freeAddress();
    replaceAt(config, ['receivers', 'otlp', 'protocols', 'grpc', 'endpoint'], otlpGrpc);
    replaceAt(config, ['receivers', 'otlp', 'protocols', 'http', 'endpoint'], otlpHttp);
    replaceAt(config, ['exporters', 'load_balancing', 'resolver'], { static: { hostnames: samplers } });
    replaceAt(config, ['exporters', 'prometheus', 'endpoint'], prometheus);
    return { otlpGrpc, otlpHttp: `http://${otlpHttp}`, prometheus };
  });
}
