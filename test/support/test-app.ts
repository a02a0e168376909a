import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ManualClock } from '../../src/adapters/clock.js';
import { createScryptHasher } from '../../src/adapters/password-hasher.js';
import { loadConfig, type Config } from '../../src/config.js';
import { buildContainer } from '../../src/container.js';
import type { DatabaseHandle } from '../../src/db/database.js';
import type { RandomSource } from '../../src/domain/inquiries.js';
import { buildApp } from '../../src/http/app.js';
import type { RouteEnv } from '../../src/http/routes/route-env.js';
import type { Deps } from '../../src/use-cases/deps.js';
import { createTestDatabase } from './test-db.js';
import { Browser } from './browser.js';

export type TestApp = {
  app: FastifyInstance;
  deps: Deps;
  database: DatabaseHandle;
  clock: ManualClock;
  config: Config;
  /** A new cookie-keeping client, like a separate browser. */
  browser(): Browser;
  close(): Promise<void>;
};

export type TestAppOptions = {
  env?: Record<string, string>;
  /** The random source for random choices (default: crypto). */
  random?: RandomSource;
  extraRoutes?: (app: FastifyInstance, env: RouteEnv) => void;
  /** A database the test made itself (one of several handles to it); the test destroys it. */
  database?: DatabaseHandle;
};

/**
 * The whole portal on a fresh database, with a clock the test moves and a cheap password hash
 * (scrypt N=2^10: the same code path, a fraction of the cost).
 */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase());
  const clock = new ManualClock();
  // Uploaded files and the like go to a folder of this test's own.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'konsult-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    PUBLIC_URL: 'http://konsult.test',
    SESSION_SECRET: 'test-secret-test-secret-test-secret-0123',
    PASSWORD_HASH_LOG_N: '10',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    // The sandbox answers payments in-process (explicit: production refuses to start without a choice).
    PAYMENT_PROVIDER: 'sandbox',
    ...options.env,
  });
  // The sandbox payment provider's server-to-server notifications reach this app in-process.
  const delivery: { app?: FastifyInstance } = {};
  const container = buildContainer(config, {
    database,
    clock,
    hasher: createScryptHasher(10),
    paymentDelivery: async (url, body) => {
      const response = await delivery.app!.inject({ method: 'POST', url: new URL(url).pathname, payload: body });
      if (response.statusCode >= 300) throw new Error(`notification answered ${response.statusCode}`);
    },
    ...(options.random ? { random: options.random } : {}),
  });
  const app = await buildApp({
    config,
    deps: container.deps,
    secret: container.secret,
    logger: false,
    ...(options.extraRoutes ? { extraRoutes: options.extraRoutes } : {}),
  });
  await app.ready();
  delivery.app = app;
  return {
    app,
    deps: container.deps,
    database,
    clock,
    config,
    browser: () => new Browser(app),
    async close() {
      await app.close();
      if (!options.database) await database.destroy();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
