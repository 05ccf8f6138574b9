import { pairedRatios, summarize, type Summary } from '../lib/stats.js';
import { PATTERNS, type PatternId } from './patterns.js';
import type { Configuration, ConsumeSettings } from './system.js';
import { Lane, type HandlerKind, type TrialResult } from './trial.js';

/** One cell of the throughput matrix: how jobs arrive, how they are fetched, what the handler does. */
export interface Cell {
  readonly pattern: PatternId;
  readonly handler: HandlerKind;
  readonly settings: ConsumeSettings;
}

export interface ComparisonOptions {
  /** Interleaved rounds at most; each runs every configuration once. */
  readonly rounds: number;
  /** Seconds of load per trial, at the measured capacity. */
  readonly trialSeconds: number;
  readonly regressionMicros: number;
  /** Jobs per second the schedule is sized for; measured with a burst of the baseline when unset. */
  readonly capacity?: number;
  /** Give every lane a short warm-up backlog before the rounds. Default true. */
  readonly warmUp?: boolean;
  /** Called after every trial. */
  readonly onTrial?: (configuration: string, round: number) => void;
  /** Asked after each round whether enough rounds have run; the gate stops early this way. */
  readonly enough?: (ratios: ReadonlyMap<string, readonly number[]>) => boolean;
}

/** How one configuration did in a cell, over all rounds. */
export interface ConfigurationResult {
  readonly id: string;
  readonly label: string;
  readonly throughput: Summary;
  /** Throughput over the baseline's in the same round, one ratio per round. */
  readonly ratio: Summary;
  readonly ratios: number[];
  readonly latencyMs: { readonly p50: Summary; readonly p95: Summary; readonly p99: Summary };
  readonly cpuMicrosPerJob: Summary;
  readonly loopMicrosPerJob: Summary;
}

export interface CellResult {
  readonly cell: Cell;
  /** What the baseline drained per second in the calibration burst, which sized the schedule. */
  readonly capacity: number;
  readonly jobsPerTrial: number;
  readonly configurations: ConfigurationResult[];
}

/**
 * Runs one cell for every configuration, interleaved: every round runs each configuration once, in
 * an order from a balanced Latin square (A B, B A for two), so that over the rounds each follows
 * each other equally often and none always inherits the same neighbour's leftovers. Each
 * configuration keeps its queue and workers for the whole cell (a {@link Lane}), so consecutive
 * trials are close together in time and a slow patch of the machine falls on both sides of a pair.
 * The first configuration is the baseline; every other is compared with it round by round.
 */
export async function compare(
  configurations: readonly Configuration[],
  cell: Cell,
  options: ComparisonOptions,
): Promise<CellResult> {
  if (configurations.length === 0) throw new Error('nothing to compare');
  const lanes: Lane[] = [];
  try {
    for (const configuration of configurations) {
      lanes.push(
        await Lane.open(configuration, {
          settings: cell.settings,
          handler: cell.handler,
          regressionMicros: options.regressionMicros,
        }),
      );
    }
    return await compareLanes(lanes, cell, options);
  } finally {
    for (const lane of lanes) await lane.close();
  }
}

async function compareLanes(
  lanes: readonly Lane[],
  cell: Cell,
  options: ComparisonOptions,
): Promise<CellResult> {
  const baseline = lanes[0]!;
  // Calibration: a short backlog for the baseline, twice (the first also warms it up). Its drain
  // rate sizes every schedule of the cell, so all configurations get the same jobs at the same times.
  const probe = PATTERNS.burst.schedule(cell.handler === 'noop' ? 1500 : 400, 0.5);
  const warmUp = options.warmUp ?? true;
  let capacity = options.capacity;
  if (capacity === undefined) {
    await baseline.run(probe);
    capacity = (await baseline.run(probe)).throughput;
  } else if (warmUp) {
    await baseline.run(probe);
  }
  const schedule = PATTERNS[cell.pattern].schedule(capacity, options.trialSeconds);
  if (warmUp) for (const lane of lanes.slice(1)) await lane.run(probe);

  const configurations = lanes.map((lane) => lane.configuration);
  const results = new Map<string, TrialResult[]>(configurations.map((c) => [c.id, []]));
  for (let round = 0; ; round++) {
    const order = balancedOrder(lanes.length, round).map((i) => lanes[i]!);
    for (const lane of order) {
      results.get(lane.configuration.id)!.push(await lane.run(schedule));
      options.onTrial?.(lane.configuration.id, round);
    }
    if (round + 1 >= options.rounds) break;
    if (options.enough?.(ratiosOf(configurations, results))) break;
  }

  const ratios = ratiosOf(configurations, results);
  return {
    cell,
    capacity,
    jobsPerTrial: schedule.total,
    configurations: configurations.map((configuration) => {
      const trials = results.get(configuration.id)!;
      return {
        id: configuration.id,
        label: configuration.label,
        throughput: summarize(trials.map((t) => t.throughput)),
        ratio: summarize(ratios.get(configuration.id)!),
        ratios: ratios.get(configuration.id)!,
        latencyMs: {
          p50: summarize(trials.map((t) => t.latencyMs.p50)),
          p95: summarize(trials.map((t) => t.latencyMs.p95)),
          p99: summarize(trials.map((t) => t.latencyMs.p99)),
        },
        cpuMicrosPerJob: summarize(trials.map((t) => t.cpuMicrosPerJob)),
        loopMicrosPerJob: summarize(trials.map((t) => t.loopMicrosPerJob)),
      };
    }),
  };
}

/**
 * Row `round` of a Williams design: orders of 0..n-1 in which, over n rows (2n when n is odd), every
 * item immediately follows every other item equally often.
 */
export function balancedOrder(n: number, round: number): number[] {
  // First row 0, 1, n-1, 2, n-2, ...; the others shift it by one; odd n adds the rows reversed.
  const first: number[] = [];
  for (let low = 0, high = n - 1, takeLow = true; first.length < n; takeLow = !takeLow) {
    first.push(takeLow ? low++ : high--);
  }
  const rows = n % 2 === 0 ? n : 2 * n;
  const row = round % rows;
  const shifted = first.map((item) => (item + (row % n)) % n);
  return row < n ? shifted : shifted.reverse();
}

function ratiosOf(
  configurations: readonly Configuration[],
  results: ReadonlyMap<string, TrialResult[]>,
): Map<string, number[]> {
  const base = results.get(configurations[0]!.id)!.map((t) => t.throughput);
  return new Map(
    configurations.map((c) => {
      const own = results.get(c.id)!.map((t) => t.throughput);
      return [c.id, pairedRatios(base.slice(0, own.length), own)];
    }),
  );
}
