import { loadConfig, ConfigError } from './config.js';
import { buildContainer } from './container.js';
import { migrateToLatest } from './db/migrate.js';
import { scheduledSweeps } from './use-cases/sweeps.js';
import { startWorker } from './workers/worker.js';

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

  let isShuttingDown = false;
  const shutdown = async (signal: string) => {
    if (isShuttingDown) return;
    isShuttingDown = true;
    logger.info({ signal }, 'worker shutting down');
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    await worker.stop();
    clearInterval(keepAlive);
    container.mailer?.close();
    await container.database.destroy();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error(error);
  }
  process.exit(1);
});
