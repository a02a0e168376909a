import { performance } from 'node:perf_hooks';
import { loadConfig, ConfigError } from './config.js';
import { buildContainer } from './container.js';
import { migrateToLatest } from './db/migrate.js';
import { seedDemoData } from './db/seed-demo.js';
import { buildApp } from './http/app.js';
import { scheduledSweeps } from './use-cases/sweeps.js';
import { startWorker } from './workers/worker.js';

/** config → container → migrations → app → listen, with a graceful shutdown on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const startedAt = performance.now();
  const config = loadConfig();
  const container = buildContainer(config);
  const { logger, deps } = container;

  const applied = await migrateToLatest(deps.db);
  if (applied.length > 0) logger.info({ migrations: applied }, 'migrations applied');
  if (config.seedDemo && (await seedDemoData(deps.db, deps.hasher, deps.clock))) {
    logger.info('demo data seeded (see README for the demo accounts)');
  }

  const app = await buildApp({ config, deps, secret: container.secret, logger });
  const worker = config.runWorker
    ? startWorker({ db: deps.db, clock: deps.clock, mailer: container.mailer, logger, sessionIdleMs: config.session.idleMs, sweeps: scheduledSweeps(deps) })
    : undefined;

  await app.listen({ host: config.host, port: config.port });
  logger.info(
    { url: config.publicUrl, database: deps.engine, startupMs: Math.round(performance.now() - startedAt), rssMb: Math.round(process.memoryUsage().rss / 1048576) },
    `Konsult is running at ${config.publicUrl}`,
  );

  let isShuttingDown = false;
  const shutdown = async (signal: string) => {
    if (isShuttingDown) return;
    isShuttingDown = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await app.close(); // stops accepting, lets in-flight requests finish
    await worker?.stop();
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
