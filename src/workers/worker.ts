import type { Logger } from 'pino';
import type { Clock } from '../adapters/clock.js';
import { iso, isoPlus } from '../adapters/clock.js';
import type { Mailer } from '../adapters/mailer.js';
import type { Db } from '../db/database.js';
import { deleteEndedRateWindows } from '../db/repositories/rate-limit-repository.js';
import { deleteExpiredSessions } from '../db/repositories/session-repository.js';
import { deliverDueEmails } from './outbox-worker.js';

export type WorkerOptions = {
  db: Db;
  clock: Clock;
  mailer: Mailer | undefined;
  logger: Logger;
  sessionIdleMs: number;
  intervalMs?: number;
};

export type RunningWorker = { stop(): Promise<void> };

/**
 * The background loop: outbox delivery every few seconds and housekeeping (expired sessions,
 * ended rate-limit windows) every few minutes. Runs in the web process by default.
 */
export function startWorker(options: WorkerOptions): RunningWorker {
  const intervalMs = options.intervalMs ?? 2_000;
  let isStopping = false;
  let lastHousekeeping = 0;
  let current: Promise<void> = Promise.resolve();

  const tick = async () => {
    try {
      if (options.mailer) await deliverDueEmails(options.db, options.clock, options.mailer);
      const now = options.clock.now();
      if (now.getTime() - lastHousekeeping > 5 * 60_000) {
        lastHousekeeping = now.getTime();
        await deleteExpiredSessions(options.db, iso(now), isoPlus(now, -options.sessionIdleMs));
        await deleteEndedRateWindows(options.db, iso(now));
      }
    } catch (error) {
      options.logger.error({ err: error }, 'worker tick failed');
    }
  };

  const timer = setInterval(() => {
    if (isStopping) return;
    current = current.then(tick);
  }, intervalMs);
  timer.unref();

  return {
    async stop() {
      isStopping = true;
      clearInterval(timer);
      await current;
    },
  };
}
