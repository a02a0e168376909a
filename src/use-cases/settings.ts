import { performance } from 'node:perf_hooks';
import { iso } from '../adapters/clock.js';
import { listSettingRows, saveSetting } from '../db/repositories/settings-repository.js';
import type { Executor } from '../db/repositories/user-repository.js';
import { DomainError } from '../domain/errors.js';
import { hasRole, type Actor } from '../domain/roles.js';
import { changedSettings, parseStoredSetting, settingKeys, settingsProblems, type SettingKey, type Settings } from '../domain/settings.js';
import { recordAudit } from './audit.js';
import type { Deps } from './deps.js';

/** How long a process trusts its copy before reading the table again (another process may have saved). */
const maxAgeMs = 5_000;

/**
 * The settings as this process knows them: read synchronously by use cases, refreshed from the
 * database at most every few seconds (and at once after a change made here).
 */
export class SettingsStore {
  private values: Settings;
  private loadedAt = Number.NEGATIVE_INFINITY;

  constructor(readonly defaults: Settings) {
    this.values = defaults;
  }

  current(): Settings {
    return this.values;
  }

  /** Reads the stored values over the defaults. */
  async refresh(db: Executor): Promise<Settings> {
    const rows = await listSettingRows(db);
    const values: Settings = { ...this.defaults };
    for (const row of rows) {
      if (!(settingKeys as string[]).includes(row.key)) continue;
      const key = row.key as SettingKey;
      const value = parseStoredSetting(key, row.value);
      if (value !== undefined) (values as Record<SettingKey, number | string>)[key] = value;
    }
    this.replace(values);
    return values;
  }

  async refreshIfStale(db: Executor): Promise<void> {
    if (performance.now() - this.loadedAt > maxAgeMs) await this.refresh(db);
  }

  replace(values: Settings): void {
    this.values = values;
    this.loadedAt = performance.now();
  }
}

function assertAdmin(actor: Actor): void {
  if (!hasRole(actor, 'admin')) throw new DomainError('FORBIDDEN', { entity: 'settings' });
}

/** The current settings, fresh from the database, for the settings page. */
export async function settingsForAdmin(deps: Pick<Deps, 'db' | 'settings'>, actor: Actor): Promise<Settings> {
  assertAdmin(actor);
  return deps.settings.refresh(deps.db);
}

/**
 * Saves the settings an admin submitted. Refused as a whole (VALIDATION naming each field) when
 * any value is out of bounds; each changed value is recorded in the audit log with its old and
 * new value, in the same transaction. Returns the keys that changed.
 */
export async function updateSettings(deps: Deps, actor: Actor, candidate: Record<SettingKey, number | string>): Promise<SettingKey[]> {
  assertAdmin(actor);
  const problems = settingsProblems(candidate);
  if (Object.keys(problems).length > 0) throw new DomainError('VALIDATION', { fields: problems });
  const after = candidate as Settings;
  const changed = await deps.db.transaction().execute(async (trx) => {
    const before = await deps.settings.refresh(trx);
    const keys = changedSettings(before, after);
    const at = iso(deps.clock.now());
    for (const key of keys) {
      await saveSetting(trx, key, JSON.stringify(after[key]), at, actor.id);
      await recordAudit(trx, deps, actor, 'settings_changed', { type: 'setting', id: key }, { before: before[key], after: after[key] });
    }
    return keys;
  });
  deps.settings.replace({ ...after });
  return changed;
}
