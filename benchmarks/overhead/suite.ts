import { Bench } from 'tinybench';
import { summarize, type Summary } from '../lib/stats.js';
import { createSubjects, type Subject } from './subjects.js';

export interface OverheadSettings {
  /** Interleaved rounds; each round measures every subject once, in a rotated order. */
  readonly rounds: number;
  /** Milliseconds each subject is measured for in each round, after `warmupMs` of warm-up. */
  readonly timeMs: number;
  readonly warmupMs: number;
  /** Microseconds of busy CPU added to each job of queuetel's modes: the harness's regression switch. */
  readonly regressionMicros: number;
  /** Subjects to measure; all when unset. The bare baseline always runs. */
  readonly subjects?: readonly string[];
  /** Called after each subject of each round. */
  readonly onProgress?: (done: number, total: number, label: string) => void;
}

/** The per-job cost of one subject over the bare handler. */
export interface SubjectResult {
  readonly id: string;
  readonly label: string;
  readonly group: Subject['group'];
  readonly description: string;
  /** Median job latency per round, in µs. */
  readonly p50Micros: Summary;
  /** µs per job over the bare handler: this subject's median minus the bare handler's, per round. */
  readonly overheadMicros: Summary;
  /** The same from means, which include the garbage-collection pauses a median leaves out. */
  readonly meanOverheadMicros: Summary;
  /** Process CPU time per job (all threads, garbage collection included) over the bare handler's, per round. */
  readonly cpuOverheadMicros: Summary;
  /** Jobs timed over all rounds. */
  readonly jobs: number;
}

export interface OverheadRun {
  readonly settings: Omit<OverheadSettings, 'onProgress'>;
  readonly subjects: SubjectResult[];
}

interface Round {
  readonly p50: number;
  readonly mean: number;
  readonly cpu: number;
}

declare const gc: (() => void) | undefined;

/**
 * Measures every subject in `rounds` interleaved rounds with tinybench, one job per call, each
 * call timed on its own. The order rotates from round to round, so no subject always runs right
 * after the same neighbour (and its garbage). Overheads are paired within a round, so a slow patch
 * of the machine moves a subject and the baseline together; the result is the median over rounds.
 */
export async function runOverhead(settings: OverheadSettings): Promise<OverheadRun> {
  const subjects = await createSubjects({ regressionMicros: settings.regressionMicros }, settings.subjects);
  const rounds = new Map<string, Round[]>(subjects.map((s) => [s.id, []]));
  const jobs = new Map<string, number>(subjects.map((s) => [s.id, 0]));
  const total = settings.rounds * subjects.length;
  let done = 0;
  let job = 0;
  try {
    for (let round = 0; round < settings.rounds; round++) {
      for (const subject of rotate(subjects, round)) {
        // Each subject starts from a clean heap where the runtime allows (node --expose-gc).
        if (typeof gc === 'function') gc();
        const bench = new Bench({ time: settings.timeMs, warmupTime: settings.warmupMs });
        let cpuAtStart = process.cpuUsage();
        let cpuMicros = 0;
        bench.add(subject.id, () => subject.run(job++), {
          async: true,
          beforeAll: (mode) => {
            if (mode === 'run') cpuAtStart = process.cpuUsage();
          },
          afterAll: (mode) => {
            if (mode !== 'run') return;
            const used = process.cpuUsage(cpuAtStart);
            cpuMicros = used.user + used.system;
          },
        });
        await bench.run();
        const result = bench.tasks[0]!.result;
        if (result.state !== 'completed') {
          const reason = 'error' in result ? String(result.error) : result.state;
          throw new Error(`${subject.label} did not complete: ${reason}`);
        }
        const count = result.latency.samplesCount;
        rounds.get(subject.id)!.push({
          p50: result.latency.p50 * 1000,
          mean: result.latency.mean * 1000,
          cpu: cpuMicros / count,
        });
        jobs.set(subject.id, jobs.get(subject.id)! + count);
        settings.onProgress?.(++done, total, subject.label);
      }
    }
    const problems: string[] = [];
    for (const subject of subjects) problems.push(...(await subject.verify(jobs.get(subject.id)!)));
    if (problems.length > 0)
      throw new Error(`the telemetry under test was not recorded:\n${problems.join('\n')}`);
  } finally {
    for (const subject of subjects) await subject.close();
  }

  const bare = rounds.get('bare')!;
  const over = (own: Round[], pick: (round: Round) => number) => own.map((r, i) => pick(r) - pick(bare[i]!));
  const { onProgress: _, ...kept } = settings;
  return {
    settings: kept,
    subjects: subjects.map((subject) => {
      const own = rounds.get(subject.id)!;
      return {
        id: subject.id,
        label: subject.label,
        group: subject.group,
        description: subject.description,
        p50Micros: summarize(own.map((r) => r.p50)),
        overheadMicros: summarize(over(own, (r) => r.p50)),
        meanOverheadMicros: summarize(over(own, (r) => r.mean)),
        cpuOverheadMicros: summarize(over(own, (r) => r.cpu)),
        jobs: jobs.get(subject.id)!,
      };
    }),
  };
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
