import type { Clock } from '../adapters/clock.js';
import type { FileStore } from '../adapters/file-store.js';
import type { PasswordHasher } from '../adapters/password-hasher.js';
import type { Db, Engine } from '../db/database.js';
import type { PaymentProvider } from '../adapters/payments/provider.js';
import type { RandomSource } from '../domain/inquiries.js';
import type { TtlCache } from '../adapters/ttl-cache.js';
import type { DocumentTypeRow, FieldRow } from '../db/schema.js';
import type { SettingsStore } from './settings.js';

/** What every use case may use; built once by the container. */
export type Deps = {
  db: Db;
  engine: Engine;
  clock: Clock;
  hasher: PasswordHasher;
  fileStore: FileStore;
  isCommonPassword: (candidate: string) => boolean;
  publicUrl: string;
  mail: { from: string; deliverBySmtp: boolean };
  session: { idleMs: number; absoluteMs: number };
  login: { maxFailuresPerAccount: number; maxFailuresPerAddress: number; windowMs: number };
  /** Uniform random integers for the random choice of experts (crypto by default). */
  random: RandomSource;
  payments: { provider: PaymentProvider };
  /** Settings staff change in the back office (random invitations, fee, limits, support contacts …). */
  settings: SettingsStore;
  /**
   * Listing data that may be PUBLIC_PAGE_CACHE_SECONDS old (decision 015): the active fields as
   * the directory and profiles show them, the directory's totals per filter, and every document
   * type (hidden ones too) by which an inquiry's page names its type (decision 018).
   */
  listings: { activeFields: TtlCache<FieldRow[]>; directoryTotals: TtlCache<number>; documentTypes: TtlCache<DocumentTypeRow[]> };
};

/** How long each kind of single-use link stays valid. */
export const tokenLifetimeMs = {
  verify_email: 48 * 3_600_000,
  reset_password: 60 * 60_000,
  change_email: 24 * 3_600_000,
} as const;
