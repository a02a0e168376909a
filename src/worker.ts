import { loadConfig, ConfigError } from './config.js';
import { buildContainer } from './container.js';
import { migrateToLatest } from './db/migrate.js';
import { exitGracefullyOnSignals } from './shutdown.js';
import { scheduledSweeps } from './use-cases/sweeps.js';
import { startWorker } from './workers/worker.js';

/**
 * How long a shutdown waits for the tick in flight: an SMTP send may take 25 s at most (the
 * mailer's timeouts, src/workers/outbox-worker.ts), and marking it a moment more.
 */
const shutdownGraceMs = 30_000;

/**
 * The background worker as a process of its own (`npm run worker`): config → container →
 * migrations → worker loop, with a graceful shutdown on SIGINT/SIGTERM that lets the tick in
 * flight finish. Run the web process with RUN_WORKER=false next to it; any number of these
 * may run against the same database.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const container = buildContainer(config);
  const { logger, deps } = container;

  const applied = await migrateToLatest(deps.db);
  if (applied.length > 0) logger.info({ migrations: applied }, 'migrations applied');

  if (!container.mailer) logger.warn('SMTP_URL is not set: e-mails stay stored, the worker only does housekeeping');
  const worker = startWorker({ db: deps.db, clock: deps.clock, mailer: container.mailer, logger, sessionIdleMs: config.session.idleMs, sweeps: scheduledSweeps(deps) });
  logger.info({ database: deps.engine, smtp: container.mailer !== undefined }, 'Konsult worker is running');

  // Keeps the process alive: the worker's own timer is unref'd so it never holds a web process open.
  const keepAlive = setInterval(() => undefined, 1 << 30);

  // No new tick starts; the e-mails being handed to the SMTP server are let finish and marked
  // (the rest of their batch is handed back for the next worker). A tick cut off by the grace
  // period leaves its e-mails to go out again once their lease has run out.
  exitGracefullyOnSignals({
    logger,
    label: 'worker ',
    graceMs: shutdownGraceMs,
    async drain() {
      await worker.stop();
      clearInterval(keepAlive);
      container.mailer?.close();
      await container.database.destroy();
    },
    unfinished: async () => ({ unfinished: ['worker tick'] }),
  });
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error(error);
  }
  process.exit(1);
});
