import { performance } from 'node:perf_hooks';
import { loadConfig, ConfigError } from './config.js';
import { buildContainer } from './container.js';
import { migrateToLatest } from './db/migrate.js';
import { seedDemoData } from './db/seed-demo.js';
import { buildApp } from './http/app.js';
import { exitGracefullyOnSignals } from './shutdown.js';
import { scheduledSweeps } from './use-cases/sweeps.js';
import { startWorker } from './workers/worker.js';

/** How long a shutdown waits for the requests in flight and the worker's tick before it cuts them off. */
const shutdownGraceMs = 10_000;

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

  // From the signal on, new connections are refused and a request arriving on an open one is
  // answered 503 (so /readyz is no longer ready); the requests in flight and the worker's tick
  // are let finish (both at once: the worker stops claiming e-mails while requests finish).
  let isAppClosed = false;
  let isWorkerStopped = worker === undefined;
  exitGracefullyOnSignals({
    logger,
    graceMs: shutdownGraceMs,
    async drain() {
      // Node's server.close() closes the connections idle at that moment; a keep-alive connection
      // whose request was in flight goes idle later and would hold the close up until its
      // keep-alive timeout (72 s), so idle ones are closed again as they appear.
      const idleCloser = setInterval(() => app.server.closeIdleConnections(), 100);
      try {
        await Promise.all([app.close().then(() => (isAppClosed = true)), worker?.stop().then(() => (isWorkerStopped = true))]);
      } finally {
        clearInterval(idleCloser);
      }
      container.mailer?.close();
      await container.database.destroy();
    },
    unfinished: () =>
      new Promise((resolve) =>
        app.server.getConnections((_error, openConnections) =>
          resolve({ openConnections, unfinished: [...(isAppClosed ? [] : ['requests']), ...(isWorkerStopped ? [] : ['worker tick'])] }),
        ),
      ),
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
