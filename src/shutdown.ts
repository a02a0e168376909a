import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';

export type ShutdownOptions = {
  logger: Logger;
  /** Put before each log message ("worker " for the worker process). */
  label?: string;
  /** How long the drain may take before what is still running is cut off (exit 1). */
  graceMs: number;
  /** Lets the work in flight finish and closes everything; resolves when it is done. */
  drain(): Promise<void>;
  /** What is still running, logged when the grace period is over. */
  unfinished(): Promise<Record<string, unknown>>;
};

/**
 * SIGTERM (systemd, the cluster script) or SIGINT (Ctrl-C): drain, then exit 0. A second signal
 * does not cut the drain short, only the grace period does: then whatever is still running is
 * logged and the process exits 1, so a hung client or SMTP server cannot keep it forever.
 */
export function exitGracefullyOnSignals(options: ShutdownOptions): void {
  const { logger, graceMs } = options;
  const label = options.label ?? '';
  let startedAt: number | undefined;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (startedAt !== undefined) {
      logger.info({ signal, elapsedMs: Math.round(performance.now() - startedAt) }, `${label}already shutting down, still waiting for the work in flight`);
      return;
    }
    const began = performance.now();
    startedAt = began;
    const elapsedMs = () => Math.round(performance.now() - began);
    logger.info({ signal, graceMs }, `${label}shutting down`);
    setTimeout(() => {
      void options.unfinished().then((unfinished) => {
        logger.error({ signal, elapsedMs: elapsedMs(), ...unfinished }, `${label}shutdown grace period over, exiting with work unfinished`);
        exitAfterLogs(logger, 1);
      });
    }, graceMs);
    try {
      await options.drain();
    } catch (error) {
      logger.error({ err: error, signal, elapsedMs: elapsedMs() }, `${label}shutdown failed`);
      exitAfterLogs(logger, 1);
      return;
    }
    logger.info({ signal, elapsedMs: elapsedMs() }, `${label}shut down`);
    exitAfterLogs(logger, 0);
  };
  process.on('SIGINT', (signal) => void shutdown(signal));
  process.on('SIGTERM', (signal) => void shutdown(signal));
}

/**
 * Exits once the logger has written out what it holds, so the last lines are not lost (but
 * after 2 s in any case: a log pipe nobody reads must not keep the process).
 */
function exitAfterLogs(logger: Logger, code: number): void {
  setTimeout(() => process.exit(code), 2_000).unref();
  logger.flush(() => process.exit(code));
}
