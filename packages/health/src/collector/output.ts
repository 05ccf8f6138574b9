/** Where the collector's metrics go: the Meter API, or a queuetel metric producer. */
export interface HealthOutput {
  recordCollection(durationSeconds: number): void;
  recordError(errorType: string): void;
  /** Stops reporting: a stopped collector leaves no series behind. */
  detach(): void;
}
