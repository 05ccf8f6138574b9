// The `@queuetel/pg-boss/instrumentation` entry: apart from the main one because it needs
// `@opentelemetry/instrumentation` (an optional peer, which NodeSDK users already have), whose
// newer lines ask for a newer API and Node than queuetel's main entry does.
import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import {
  InstrumentationBase,
  InstrumentationNodeModuleDefinition,
  type InstrumentationConfig,
} from '@opentelemetry/instrumentation';
import { getGlobalMetricProducer } from '@queuetel/core';
import { describe } from '@queuetel/core/internal';
import { checkInstrumentOptions, instrumentPgBoss } from './instrument.js';
import { SCOPE } from './job-adapter.js';
import type { InstrumentedPgBoss, PgBossInstrumentationOptions, PgBossLike } from './types.js';

/** The module name the instrumentation hooks: what applications `require` or `import`. */
export const PG_BOSS_MODULE = 'pg-boss';
/** The pg-boss releases the hook patches: 10.x (CommonJS) through 12.x (ESM only). */
export const PG_BOSS_VERSIONS = '>=10.1.0 <13';

/** Options of {@link PgBossInstrumentation}: those of `instrumentPgBoss()`, plus `enabled`. */
export interface PgBossInstrumentationConfig extends InstrumentationConfig, PgBossInstrumentationOptions {}

type BossClass = new (...args: never[]) => PgBossLike;
type ModuleExports = BossClass | { PgBoss?: BossClass; default?: unknown };

/**
 * Instruments pg-boss as the application loads it, for a `NodeSDK`'s `instrumentations` list:
 * every `PgBoss` made afterwards records what `instrumentPgBoss()` records, with the tracer and
 * meter providers the SDK hands over (or those given in the options). CommonJS (10.x) is hooked on
 * `require`; ESM (11.x, 12.x) needs the `--import` registration of `@opentelemetry/instrumentation`'s
 * loader hook, as every ESM instrumentation does. See docs/pg-boss.md.
 *
 * `disable()` puts back the original methods of every instance it instrumented, and instances made
 * while disabled are left alone; `enable()` instruments the live ones again.
 */
export class PgBossInstrumentation extends InstrumentationBase<PgBossInstrumentationConfig> {
  // Plain fields, not #private ones: the base constructor calls init() and enable() before a
  // subclass's fields exist, so nothing reached from there may depend on them.
  private givenTracerProvider: TracerProvider | undefined;
  private givenMeterProvider: MeterProvider | undefined;
  private readonly live = new Set<WeakRef<PgBossLike>>();
  private readonly constructorOptions = new WeakMap<PgBossLike, unknown>();
  private readonly handles = new WeakMap<PgBossLike, InstrumentedPgBoss>();
  private readonly subclasses = new WeakMap<BossClass, BossClass>();

  constructor(config: PgBossInstrumentationConfig = {}) {
    super(SCOPE.name, SCOPE.version, config);
  }

  /** Checks the options once, here, as `instrumentPgBoss()` does; a bad one throws naming it. */
  override setConfig(config: PgBossInstrumentationConfig = {}): void {
    const { enabled: _enabled, ...options } = config;
    checkInstrumentOptions(options);
    super.setConfig(config);
  }

  override setTracerProvider(tracerProvider: TracerProvider): void {
    super.setTracerProvider(tracerProvider);
    this.givenTracerProvider = tracerProvider;
  }

  override setMeterProvider(meterProvider: MeterProvider): void {
    super.setMeterProvider(meterProvider);
    this.givenMeterProvider = meterProvider;
  }

  /** What `instrumentPgBoss()` would have returned for `boss`, such as its `eachJob()`; undefined if not instrumented. */
  instrumented(boss: object): InstrumentedPgBoss | undefined {
    return this.handles.get(boss as PgBossLike);
  }

  protected override init() {
    return new InstrumentationNodeModuleDefinition(
      PG_BOSS_MODULE,
      [PG_BOSS_VERSIONS],
      (exports: ModuleExports) => this.patch(exports),
      () => this.unpatchInstances(),
    );
  }

  private patch(exports: ModuleExports): ModuleExports {
    // Re-enabling after disable() gets the module's original exports again; the subclass handed out
    // the first time is still what the application holds, so only the live instances need redoing.
    for (const ref of this.live) {
      const boss = ref.deref();
      if (boss && !this.handles.has(boss)) this.instrument(boss);
    }
    // 10.x: `module.exports = PgBoss`, with the methods made per instance in the constructor.
    if (typeof exports === 'function') return this.subclassOf(exports);
    // 11.x and 12.x: `export class PgBoss`.
    if (typeof exports.PgBoss === 'function') exports.PgBoss = this.subclassOf(exports.PgBoss);
    else this._diag.warn('pg-boss exports no PgBoss class; it is left uninstrumented');
    return exports;
  }

  /** A subclass that instruments each instance as it is made, so methods made in the constructor (10.x) are covered too. */
  private subclassOf(original: BossClass): BossClass {
    const known = this.subclasses.get(original);
    if (known) return known;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the subclass's constructor needs the instrumentation, not the instance.
    const instrumentation = this;
    const Base = original as unknown as new (...args: unknown[]) => PgBossLike;
    class InstrumentedPgBossClass extends Base {
      constructor(...args: unknown[]) {
        super(...args);
        instrumentation.track(this, args[0]);
        if (instrumentation.isEnabled()) instrumentation.instrument(this);
      }
    }
    // Keep the name error messages and `constructor.name` show.
    Object.defineProperty(InstrumentedPgBossClass, 'name', { value: original.name });
    const subclass = InstrumentedPgBossClass as unknown as BossClass;
    this.subclasses.set(original, subclass);
    return subclass;
  }

  private track(boss: PgBossLike, constructorOptions: unknown): void {
    this.live.add(new WeakRef(boss));
    this.constructorOptions.set(boss, constructorOptions);
  }

  private instrument(boss: PgBossLike): void {
    try {
      this.handles.set(boss, instrumentPgBoss(boss, this.optionsFor(boss)));
    } catch (error) {
      // Telemetry never stops the application from making its PgBoss.
      this._diag.error(`could not instrument a PgBoss instance: ${describe(error)}`);
    }
  }

  private unpatchInstances(): void {
    for (const ref of this.live) {
      const boss = ref.deref();
      if (!boss) {
        this.live.delete(ref);
        continue;
      }
      this.handles.get(boss)?.uninstrument();
      this.handles.delete(boss);
    }
  }

  /**
   * The options for one instance. Explicit options win. Otherwise metrics take queuetel's
   * pre-aggregated path when a queuetel metric producer is registered (see `queuetelMetrics()` in
   * `@queuetel/node`), else the meter provider the SDK handed over; spans go to the SDK's tracer provider.
   */
  private optionsFor(boss: PgBossLike): PgBossInstrumentationOptions {
    const { enabled: _enabled, ...options } = this.getConfig();
    const metricsChosen = options.meterProvider !== undefined || options.metricProducer !== undefined;
    const meterProvider =
      metricsChosen || getGlobalMetricProducer() !== undefined
        ? options.meterProvider
        : this.givenMeterProvider;
    return {
      ...options,
      tracerProvider: options.tracerProvider ?? this.givenTracerProvider,
      meterProvider,
      builtInTelemetry:
        options.builtInTelemetry ?? builtInTelemetryOf(boss, this.constructorOptions.get(boss)),
    };
  }
}

/**
 * Whether pg-boss 12.38+ was told to keep its own telemetry off; read from the options the
 * application gave the constructor, which `instrumentPgBoss()` cannot see.
 */
function builtInTelemetryOf(boss: PgBossLike, constructorOptions: unknown): boolean | undefined {
  if (typeof boss.getInstances !== 'function') return undefined;
  const openTelemetry =
    constructorOptions !== null && typeof constructorOptions === 'object'
      ? (constructorOptions as { openTelemetry?: { enabled?: unknown } }).openTelemetry
      : undefined;
  return openTelemetry?.enabled === false ? false : undefined;
}
