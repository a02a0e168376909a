import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Clock } from '../adapters/clock.js';
import { iso, isoPlus } from '../adapters/clock.js';
import type { Mailer } from '../adapters/mailer.js';
import type { Db } from '../db/database.js';
import { endExpiredLeaves } from '../db/repositories/expert-repository.js';
import { deleteEndedRateWindows } from '../db/repositories/rate-limit-repository.js';
import { deleteExpiredSessions } from '../db/repositories/session-repository.js';
import { deliverDueEmails, emailBatchSize } from './outbox-worker.js';

export type WorkerOptions = {
  db: Db;
  clock: Clock;
  mailer: Mailer | undefined;
  logger: Logger;
  sessionIdleMs: number;
  /** Further housekeeping run every minute (the inquiry deadline sweep). */
  sweeps?: readonly (() => Promise<unknown>)[];
  intervalMs?: number;
};

export type RunningWorker = {
  /** Stops scheduling ticks and resolves once the tick in flight (if any) has finished. */
  stop(): Promise<void>;
};

const housekeepingEveryMs = 60_000;
/** The longest one tick goes on delivering a backlog before housekeeping gets its turn. */
const maxDeliveryMsPerTick = 30_000;

/**
 * The background loop: outbox delivery every few seconds and housekeeping (expired sessions,
 * ended rate-limit windows, experts' leave that reached its return day, inquiry deadlines) every minute. Runs in the web process by default, or alone
 * (`npm run worker`); several may run at once, the outbox lease keeps each e-mail to one.
 *
 * The next tick is scheduled only when the last one has finished, so a slow SMTP server never
 * piles ticks up, and `stop()` can wait for exactly the one in flight.
 */
export function startWorker(options: WorkerOptions): RunningWorker {
  const intervalMs = options.intervalMs ?? 2_000;
  let isStopping = false;
  let lastHousekeeping = 0;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;

  const tick = async () => {
    try {
      if (options.mailer) {
        // A full batch sent means more may be due: go on at once, so a backlog (a burst of notices,
        // the queue after an SMTP outage) drains at the mail server's pace, not 20 e-mails per tick.
        // A pass that sends fewer (nothing left, or a failing server) waits for the next tick.
        const until = performance.now() + maxDeliveryMsPerTick;
        let sent = emailBatchSize;
        while (sent === emailBatchSize && !isStopping && performance.now() < until) {
          sent = await deliverDueEmails(options.db, options.clock, options.mailer, { shouldStop: () => isStopping });
        }
      }
      const now = options.clock.now();
      if (now.getTime() - lastHousekeeping > housekeepingEveryMs) {
        lastHousekeeping = now.getTime();
        await deleteExpiredSessions(options.db, iso(now), isoPlus(now, -options.sessionIdleMs));
        await deleteEndedRateWindows(options.db, iso(now));
        await endExpiredLeaves(options.db, iso(now));
        for (const sweep of options.sweeps ?? []) await sweep();
      }
    } catch (error) {
      options.logger.error({ err: error }, 'worker tick failed');
    }
  };

  const schedule = () => {
    if (isStopping) return;
    timer = setTimeout(() => {
      inFlight = tick().finally(() => {
        inFlight = undefined;
        schedule();
      });
    }, intervalMs);
    timer.unref();
  };
  schedule();

  return {
    async stop() {
      isStopping = true;
      clearTimeout(timer);
      await inFlight;
    },
  };
}
