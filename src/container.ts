import fs from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { systemClock, type Clock } from './adapters/clock.js';
import { loadCommonPasswords } from './adapters/common-passwords.js';
import { createSmtpMailer, type Mailer } from './adapters/mailer.js';
import { createDiskFileStore, type FileStore } from './adapters/file-store.js';
import { createS3FileStore } from './adapters/s3-file-store.js';
import { createScryptHasher, type PasswordHasher } from './adapters/password-hasher.js';
import { createMontonioProvider } from './adapters/payments/montonio.js';
import type { PaymentProvider } from './adapters/payments/provider.js';
import { createSandboxProvider, type NotificationDelivery } from './adapters/payments/sandbox.js';
import { cryptoRandom } from './adapters/random.js';
import { randomToken, sign } from './adapters/tokens.js';
import { TtlCache } from './adapters/ttl-cache.js';
import type { RandomSource } from './domain/inquiries.js';
import type { Config, FileStoreConfig } from './config.js';
import { openDatabase, type DatabaseHandle } from './db/database.js';
import type { Deps } from './use-cases/deps.js';
import { SettingsStore } from './use-cases/settings.js';

export type Container = {
  config: Config;
  database: DatabaseHandle;
  deps: Deps;
  logger: Logger;
  secret: string;
  mailer: Mailer | undefined;
};

export type ContainerOverrides = {
  database?: DatabaseHandle;
  clock?: Clock;
  hasher?: PasswordHasher;
  logger?: Logger;
  mailer?: Mailer;
  fileStore?: FileStore;
  random?: RandomSource;
  /** How the sandbox payment provider sends its notifications (tests deliver them in-process). */
  paymentDelivery?: NotificationDelivery;
};

/** The secret for CSRF tokens: from the environment, or generated once into the data directory. */
function loadSecret(config: Config): string {
  if (config.sessionSecret) return config.sessionSecret;
  const file = path.join(config.dataDir, '.session-secret');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    fs.mkdirSync(config.dataDir, { recursive: true });
    const secret = randomToken(32);
    fs.writeFileSync(file, secret, { mode: 0o600 });
    return secret;
  }
}

/** The file store the configuration names: this machine's disk, or an S3-compatible store. */
function buildFileStore(config: FileStoreConfig, dataDir: string): FileStore {
  return config.kind === 's3' ? createS3FileStore(config, path.join(dataDir, 'upload-tmp')) : createDiskFileStore(config.root);
}

/** The payment provider the configuration names. */
function buildPaymentProvider(config: Config, db: DatabaseHandle['db'], secret: string, clock: Clock, delivery: NotificationDelivery | undefined): PaymentProvider {
  if (config.payments.provider === 'montonio' && config.payments.montonio) {
    return createMontonioProvider({ ...config.payments.montonio, baseUrl: config.payments.montonio.apiUrl, clock });
  }
  // The sandbox signs with a key of its own, derived from the portal's secret.
  return createSandboxProvider({ db, secret: sign(secret, 'sandbox-payments'), publicUrl: config.publicUrl, clock, ...(delivery ? { deliver: delivery } : {}) });
}

/** The composition root: builds every dependency from the configuration. */
export function buildContainer(config: Config, overrides: ContainerOverrides = {}): Container {
  const logger = overrides.logger ?? pino({ level: config.logLevel, redact: ['req.headers.cookie', 'req.headers.authorization'] });
  const database =
    overrides.database ??
    openDatabase(config.databaseUrl, {
      checkpointInBackground: { onError: (error) => logger.error({ err: error }, 'checkpointing the write-ahead log on its own thread failed; the commits copy what it leaves') },
    });
  const mailer = overrides.mailer ?? (config.mail.smtpUrl ? createSmtpMailer(config.mail.smtpUrl, config.mail.from) : undefined);
  const secret = loadSecret(config);
  const clock = overrides.clock ?? systemClock;
  const deps: Deps = {
    db: database.db,
    engine: database.engine,
    clock,
    hasher: overrides.hasher ?? createScryptHasher(config.passwordHashLogN),
    fileStore: overrides.fileStore ?? buildFileStore(config.fileStore, config.dataDir),
    isCommonPassword: loadCommonPasswords(),
    publicUrl: config.publicUrl,
    mail: { from: config.mail.from, deliverBySmtp: mailer !== undefined },
    session: { idleMs: config.session.idleMs, absoluteMs: config.session.absoluteMs },
    login: config.login,
    random: overrides.random ?? cryptoRandom,
    payments: {
      provider: buildPaymentProvider(config, database.db, secret, clock, overrides.paymentDelivery),
    },
    settings: new SettingsStore(config.settings),
    listings: {
      activeFields: new TtlCache(config.publicPageCacheMs, clock, 1),
      directoryTotals: new TtlCache(config.publicPageCacheMs, clock),
      documentTypes: new TtlCache(config.publicPageCacheMs, clock, 1),
    },
  };
  return { config, database, deps, logger, secret, mailer };
}
