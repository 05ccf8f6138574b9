import type { Attributes } from '@opentelemetry/api';

/** Where the collector's metrics go: the Meter API, or a queuetel metric producer. */
export interface HealthOutput {
  recordCollection(durationSeconds: number): void;
  recordError(errorType: string): void;
  /** Adds terminal outcomes the collector counted itself to `queuetel.job.outcomes` (lost-attempts.ts). */
  recordOutcomes(attributes: Attributes, count: number): void;
  /** Stops reporting: a stopped collector leaves no series behind. */
  detach(): void;
}
