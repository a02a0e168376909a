import path from 'node:path';
import { z } from 'zod';
import type { Settings } from './domain/settings.js';

/**
 * The portal's configuration. This module is the only reader of `process.env`;
 * every variable is documented in `.env.example` and the README.
 */

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const positiveInt = z.coerce.number().int().positive();

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  // A string of digits: z.coerce would read an empty PORT= as 0 (a random port).
  PORT: z
    .string()
    .regex(/^\d{1,5}$/, 'a port number, 0–65535')
    .transform(Number)
    .pipe(z.number().max(65535))
    .default(3000),
  /** The address people use to reach the portal; links in e-mails point here. */
  PUBLIC_URL: z.url().optional(),
  DATABASE_URL: z.string().min(1).default('sqlite:./data/konsult.sqlite'),
  /** Seed demo data into an empty database at start. */
  SEED_DEMO: booleanFlag.optional(),
  /** Secret for CSRF tokens and other signatures; generated into the data directory when unset (not in production). */
  SESSION_SECRET: z.string().min(32).optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  SESSION_IDLE_MINUTES: positiveInt.default(120),
  SESSION_ABSOLUTE_HOURS: positiveInt.default(24 * 7),
  /** Marks cookies Secure. Defaults to true when PUBLIC_URL is https. */
  COOKIE_SECURE: booleanFlag.optional(),
  /** Trust X-Forwarded-* from a reverse proxy on loopback (nginx in front). */
  TRUST_PROXY: booleanFlag.default(false),
  /** scrypt cost parameter N as a power of two (17 = OWASP's recommendation). */
  PASSWORD_HASH_LOG_N: z.coerce.number().int().min(10).max(20).default(17),
  LOGIN_MAX_FAILURES_PER_ACCOUNT: positiveInt.default(5),
  LOGIN_MAX_FAILURES_PER_ADDRESS: positiveInt.default(20),
  LOGIN_WINDOW_MINUTES: positiveInt.default(15),
  /** SMTP server for outgoing e-mail, e.g. smtp://user:pass@mail.example.ee:587. Unset: e-mails are stored and readable on the "Sent e-mail" page. */
  SMTP_URL: z.string().min(1).optional(),
  MAIL_FROM: z.string().min(3).default('Konsult <noreply@konsult.localhost>'),
  SUPPORT_EMAIL: z.email().default('abi@konsult.ee'),
  SUPPORT_SKYPE: z.string().min(1).default('kannatanuabi'),
  SUPPORT_PHONE: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** How many experts of the chosen field a general inquiry goes to, picked at random. */
  RANDOM_INVITATIONS: positiveInt.max(25).default(3),
  /** How many inquiries one customer may send in 24 hours (a brake on spam to experts). */
  INQUIRIES_PER_DAY: positiveInt.max(1000).default(30),
  /** Who takes payments: the embedded test page (`sandbox`) or Montonio. */
  /** Required in production: the sandbox lets anyone mark an order paid, so it is never a silent default there. */
  PAYMENT_PROVIDER: z.enum(['sandbox', 'montonio']).optional(),
  MONTONIO_ACCESS_KEY: z.string().min(1).optional(),
  MONTONIO_SECRET_KEY: z.string().min(16).optional(),
  /** Montonio's API: the sandbox by default, https://stargate.montonio.com/api for real money. */
  MONTONIO_API_URL: z.url().default('https://sandbox-stargate.montonio.com/api'),
  /** Minutes a customer has to pay before the order is cancelled and the inquiry opens again. */
  PAYMENT_TIMEOUT_MINUTES: positiveInt.min(5).max(24 * 60).default(30),
  /** Days after the work is marked done when it is accepted by itself if the customer does nothing. */
  AUTO_ACCEPT_DAYS: positiveInt.max(90).default(14),
  /** The portal's fee on accepted work, in percent (two decimals at most). */
  PORTAL_FEE_PERCENT: z.coerce.number().min(0).max(50).multipleOf(0.01).default(15),
  /** Largest upload in megabytes (inquiries, messages, deliveries); at most 25. */
  MAX_FILE_MEGABYTES: positiveInt.max(25).default(10),
  /** Files per inquiry, message or delivery; at most 10. */
  MAX_FILES_PER_MESSAGE: positiveInt.max(10).default(5),
  /**
   * Seconds an anonymous visitor's directory or profile page is served from memory (0: never).
   * Defaults to 5 in production and 0 elsewhere, so a change shows at once while developing.
   */
  PUBLIC_PAGE_CACHE_SECONDS: z.coerce.number().int().min(0).max(300).optional(),
  /**
   * Seconds a signed-in visitor's own page (My menu, an inquiry, the mailbox, a conversation) may
   * be sent again as drawn, while nothing has been written to the database since (0: never). Any
   * change shows at once; only what the page says of the time may be this old (decision 024).
   */
  PRIVATE_PAGE_CACHE_SECONDS: z.coerce.number().int().min(0).max(300).default(5),
  /** Run the background worker (outbox delivery, sweeps) inside the web process. */
  RUN_WORKER: booleanFlag.default(true),
  /**
   * Where uploaded files live: unset for DATA_DIR/files on this machine, or s3://bucket[/prefix]
   * for any S3-compatible store (then S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, and S3_ENDPOINT
   * for a store that is not Amazon's).
   */
  FILE_STORE: z
    .string()
    .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[A-Za-z0-9._/-]*)?$/, 's3://bucket or s3://bucket/prefix (a bucket name is 3–63 lower-case letters, digits, dots and hyphens)')
    .optional(),
  /** The S3 endpoint, e.g. http://127.0.0.1:9000; default Amazon's for S3_REGION. */
  S3_ENDPOINT: z.url().optional(),
  S3_REGION: z.string().regex(/^[a-z0-9-]{2,32}$/, 'a region name such as eu-north-1').default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /** Address buckets as endpoint/bucket/key (default with S3_ENDPOINT) instead of bucket.endpoint/key. */
  S3_FORCE_PATH_STYLE: booleanFlag.optional(),
});

/** Where uploaded files are kept. */
export type FileStoreConfig =
  | { kind: 'disk'; root: string }
  | { kind: 's3'; endpoint: string; bucket: string; prefix: string; region: string; accessKeyId: string; secretAccessKey: string; pathStyle: boolean };

export type Config = {
  env: 'development' | 'production' | 'test';
  isDevelopment: boolean;
  /**
   * The Sent e-mail page open to everyone, signed in or not: outside production and only while
   * no SMTP server is set, when the stored e-mails never leave and the page is the only mailbox.
   */
  isSentEmailOpen: boolean;
  host: string;
  port: number;
  publicUrl: string;
  databaseUrl: string;
  seedDemo: boolean;
  sessionSecret: string | undefined;
  dataDir: string;
  session: { idleMs: number; absoluteMs: number; cookieSecure: boolean };
  trustProxy: boolean;
  passwordHashLogN: number;
  login: { maxFailuresPerAccount: number; maxFailuresPerAddress: number; windowMs: number };
  mail: { smtpUrl: string | undefined; from: string };
  logLevel: string;
  runWorker: boolean;
  fileStore: FileStoreConfig;
  /** How long anonymous directory and profile pages are served from memory; 0: not at all. */
  publicPageCacheMs: number;
  /** How long a signed-in visitor's own page may be sent again while the database is unchanged; 0: not at all. */
  privatePageCacheMs: number;
  payments: {
    provider: 'sandbox' | 'montonio';
    montonio: { accessKey: string; secretKey: string; apiUrl: string } | undefined;
  };
  /** The starting values of the settings admins change in the back office. */
  settings: Settings;
};

export class ConfigError extends Error {}

/** Parses the environment into a Config, failing fast with every problem listed. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new ConfigError(`Invalid configuration:\n${problems}`);
  }
  const e = parsed.data;
  if (e.PAYMENT_PROVIDER === 'montonio' && (!e.MONTONIO_ACCESS_KEY || !e.MONTONIO_SECRET_KEY)) {
    throw new ConfigError('Invalid configuration:\n  MONTONIO_ACCESS_KEY, MONTONIO_SECRET_KEY: required when PAYMENT_PROVIDER=montonio');
  }
  if (e.NODE_ENV === 'production' && !e.SESSION_SECRET) {
    throw new ConfigError('Invalid configuration:\n  SESSION_SECRET: required in production (at least 32 characters)');
  }
  if (e.NODE_ENV === 'production' && !e.PAYMENT_PROVIDER) {
    throw new ConfigError(
      'Invalid configuration:\n  PAYMENT_PROVIDER: required in production: montonio for real payments, or sandbox for a demo (anyone can then mark an order paid)',
    );
  }
  if (e.FILE_STORE && (!e.S3_ACCESS_KEY_ID || !e.S3_SECRET_ACCESS_KEY)) {
    throw new ConfigError('Invalid configuration:\n  S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY: required when FILE_STORE=s3://…');
  }
  const displayHost = e.HOST === '0.0.0.0' || e.HOST === '::' ? 'localhost' : e.HOST;
  const publicUrl = (e.PUBLIC_URL ?? `http://${displayHost === '127.0.0.1' ? 'localhost' : displayHost}:${e.PORT}`).replace(/\/+$/, '');
  return {
    env: e.NODE_ENV,
    isDevelopment: e.NODE_ENV !== 'production',
    isSentEmailOpen: e.NODE_ENV !== 'production' && !e.SMTP_URL,
    host: e.HOST,
    port: e.PORT,
    publicUrl,
    databaseUrl: e.DATABASE_URL,
    seedDemo: e.SEED_DEMO ?? e.NODE_ENV !== 'production',
    sessionSecret: e.SESSION_SECRET,
    dataDir: e.DATA_DIR,
    session: {
      idleMs: e.SESSION_IDLE_MINUTES * 60_000,
      absoluteMs: e.SESSION_ABSOLUTE_HOURS * 3_600_000,
      cookieSecure: e.COOKIE_SECURE ?? publicUrl.startsWith('https://'),
    },
    trustProxy: e.TRUST_PROXY,
    passwordHashLogN: e.PASSWORD_HASH_LOG_N,
    login: {
      maxFailuresPerAccount: e.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      maxFailuresPerAddress: e.LOGIN_MAX_FAILURES_PER_ADDRESS,
      windowMs: e.LOGIN_WINDOW_MINUTES * 60_000,
    },
    mail: { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM },
    logLevel: e.LOG_LEVEL,
    runWorker: e.RUN_WORKER,
    fileStore: fileStoreOf(e),
    publicPageCacheMs: (e.PUBLIC_PAGE_CACHE_SECONDS ?? (e.NODE_ENV === 'production' ? 5 : 0)) * 1_000,
    privatePageCacheMs: e.PRIVATE_PAGE_CACHE_SECONDS * 1_000,
    payments: {
      provider: e.PAYMENT_PROVIDER ?? 'sandbox',
      montonio:
        e.MONTONIO_ACCESS_KEY && e.MONTONIO_SECRET_KEY
          ? { accessKey: e.MONTONIO_ACCESS_KEY, secretKey: e.MONTONIO_SECRET_KEY, apiUrl: e.MONTONIO_API_URL.replace(/\/+$/, '') }
          : undefined,
    },
    settings: {
      randomInvitations: e.RANDOM_INVITATIONS,
      inquiriesPerDay: e.INQUIRIES_PER_DAY,
      portalFeeBasisPoints: Math.round(e.PORTAL_FEE_PERCENT * 100),
      autoAcceptDays: e.AUTO_ACCEPT_DAYS,
      paymentTimeoutMinutes: e.PAYMENT_TIMEOUT_MINUTES,
      supportEmail: e.SUPPORT_EMAIL,
      supportPhone: e.SUPPORT_PHONE ?? '',
      supportSkype: e.SUPPORT_SKYPE,
      maxFileMegabytes: e.MAX_FILE_MEGABYTES,
      maxFilesPerMessage: e.MAX_FILES_PER_MESSAGE,
    },
  };
}

/** FILE_STORE and the S3_* variables as one setting (the keys were checked by loadConfig). */
function fileStoreOf(e: z.infer<typeof envSchema>): FileStoreConfig {
  if (!e.FILE_STORE) return { kind: 'disk', root: path.join(e.DATA_DIR, 'files') };
  const [bucket = '', ...prefix] = e.FILE_STORE.slice('s3://'.length).split('/');
  return {
    kind: 's3',
    endpoint: (e.S3_ENDPOINT ?? `https://s3.${e.S3_REGION}.amazonaws.com`).replace(/\/+$/, ''),
    bucket,
    prefix: prefix.filter(Boolean).join('/'),
    region: e.S3_REGION,
    accessKeyId: e.S3_ACCESS_KEY_ID ?? '',
    secretAccessKey: e.S3_SECRET_ACCESS_KEY ?? '',
    pathStyle: e.S3_FORCE_PATH_STYLE ?? e.S3_ENDPOINT !== undefined,
  };
}
