import { cpus, loadavg, totalmem, release, platform } from 'node:os';
import { readFileSync } from 'node:fs';

/** The machine a run was made on, as the report prints it. */
export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  /** 1-minute load average when the run started and when it ended: how busy the machine was. */
  readonly loadAtStart: number;
  loadAtEnd: number;
  /** CPU time stolen by the hypervisor during the run, as a share of all CPU time (Linux only). */
  stealShare: number | null;
  readonly startedAt: string;
  finishedAt: string;
}

export function describeMachine(): Machine {
  const cores = cpus();
  return {
    cpu: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
    loadAtStart: round(loadavg()[0]!),
    loadAtEnd: round(loadavg()[0]!),
    stealShare: null,
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
  };
}

/** Fills in the end-of-run fields; `stealBefore` is what {@link readCpuTimes} gave at the start. */
export function finishMachine(machine: Machine, before: CpuTimes | undefined): Machine {
  machine.loadAtEnd = round(loadavg()[0]!);
  machine.finishedAt = new Date().toISOString();
  const after = readCpuTimes();
  if (before && after && after.total > before.total) {
    machine.stealShare = round((after.steal - before.steal) / (after.total - before.total), 3);
  }
  return machine;
}

export interface CpuTimes {
  readonly steal: number;
  readonly total: number;
}

/** All-CPU times from /proc/stat, or undefined where there is no such file. */
export function readCpuTimes(): CpuTimes | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    return { steal: fields[7] ?? 0, total: fields.reduce((a, b) => a + b, 0) };
  } catch {
    return undefined;
  }
}

function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
