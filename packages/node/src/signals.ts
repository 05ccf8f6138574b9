const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Runs `shutdown` when the process gets SIGTERM or SIGINT, so that what was recorded before a
 * deploy or a Ctrl-C still reaches the collector. Returns a function that removes the handlers.
 *
 * A listener stops Node's default of exiting on the signal. When the application has no listener
 * of its own, the signal is raised again once telemetry is flushed, so the process ends as it would
 * have without this; when it has one, ending the process is left to it.
 */
export function flushOnSignals(shutdown: () => Promise<void>): () => void {
  const onSignal = (signal: NodeJS.Signals): void => {
    remove();
    const alone = process.listenerCount(signal) === 0;
    void shutdown().finally(() => {
      if (alone) process.kill(process.pid, signal);
    });
  };
  const remove = (): void => {
    for (const signal of SIGNALS) process.removeListener(signal, onSignal);
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return remove;
}
