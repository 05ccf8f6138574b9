/** Where a command writes, what it reads from the environment, and when it should stop. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted to stop a long-running command (`collect`); by default on SIGINT or SIGTERM. */
  readonly signal?: AbortSignal;
}
