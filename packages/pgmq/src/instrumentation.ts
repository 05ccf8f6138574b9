// The `@queuetel/pgmq/instrumentation` entry: apart from the main one because it needs
// `@opentelemetry/instrumentation` (an optional peer, which NodeSDK users already have).
import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import { InstrumentationBase, type InstrumentationConfig } from '@opentelemetry/instrumentation';
import { getGlobalMetricProducer, resolveOptions } from '@queuetel/core';
import { SCOPE } from './message-adapter.js';
import { setClientDefaults, type ClientDefaults } from './sdk-defaults.js';
import type { PgmqOptions } from './types.js';

/** Options of {@link PgmqInstrumentation}: those a `PgmqClient` takes, plus `enabled`. */
export interface PgmqInstrumentationConfig extends InstrumentationConfig, PgmqOptions {}

/**
 * Puts queuetel's pgmq client in a `NodeSDK`'s `instrumentations` list. pgmq has no JavaScript
 * client to patch: queuetel's `PgmqClient` is the client, so while this instrumentation is enabled,
 * every `PgmqClient` made records with the tracer and meter providers the SDK hands over, and with
 * this instrumentation's options (a client's own options win, field by field).
 *
 * `disable()` applies to clients made afterwards, which record nothing; a client keeps what it was
 * made with. See docs/pgmq.md.
 */
export class PgmqInstrumentation extends InstrumentationBase<PgmqInstrumentationConfig> {
  // Plain fields, not #private ones: the base constructor calls enable() before a subclass's
  // fields exist, so nothing reached from there may depend on them.
  private givenTracerProvider: TracerProvider | undefined;
  private givenMeterProvider: MeterProvider | undefined;

  constructor(config: PgmqInstrumentationConfig = {}) {
    super(SCOPE.name, SCOPE.version, config);
  }

  /** Checks the options once, here, as a `PgmqClient` does; a bad one throws naming it. */
  override setConfig(config: PgmqInstrumentationConfig = {}): void {
    const { enabled: _enabled, ...options } = config;
    resolveOptions(options);
    super.setConfig(config);
  }

  /** No module to hook: the client is queuetel's own and asks for its options when made. */
  protected override init(): [] {
    return [];
  }

  override setTracerProvider(tracerProvider: TracerProvider): void {
    super.setTracerProvider(tracerProvider);
    this.givenTracerProvider = tracerProvider;
  }

  override setMeterProvider(meterProvider: MeterProvider): void {
    super.setMeterProvider(meterProvider);
    this.givenMeterProvider = meterProvider;
  }

  override enable(): void {
    super.enable();
    setClientDefaults(this.defaults);
  }

  override disable(): void {
    super.disable();
    setClientDefaults(this.defaults);
  }

  /** What new clients are told: a getter, not a field, since the base constructor calls enable() before fields exist. */
  private get defaults(): ClientDefaults {
    return ((this as { [DEFAULTS]?: ClientDefaults })[DEFAULTS] ??= {
      optionsFor: (options) => this.optionsFor(options),
    });
  }

  /**
   * A client's options: its own, completed with this instrumentation's. Metrics take queuetel's
   * pre-aggregated path when a queuetel metric producer is registered (see `queuetelMetrics()` in
   * `@queuetel/node`), else the meter provider the SDK handed over; spans the SDK's tracer provider.
   */
  private optionsFor(options: PgmqOptions | undefined): PgmqOptions {
    if (!this.isEnabled()) return { ...options, tracing: false, metrics: false };
    const { enabled: _enabled, ...own } = this.getConfig();
    const merged: PgmqOptions = { ...own, ...options };
    const metricsChosen = merged.meterProvider !== undefined || merged.metricProducer !== undefined;
    return {
      ...merged,
      tracerProvider: merged.tracerProvider ?? this.givenTracerProvider,
      meterProvider:
        metricsChosen || getGlobalMetricProducer() !== undefined
          ? merged.meterProvider
          : this.givenMeterProvider,
    };
  }
}

const DEFAULTS = Symbol('queuetel.pgmq.instrumentation.defaults');
