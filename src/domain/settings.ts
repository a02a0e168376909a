/**
 * Settings staff change at run time in the back office (issue 8). The environment gives each
 * one's starting value (config.ts); a change made on the settings page wins over it and is
 * recorded in the audit log.
 */
export type Settings = {
  /** How many experts of the chosen field a general inquiry goes to, picked at random. */
  randomInvitations: number;
  /** How many inquiries one customer may send in 24 hours. */
  inquiriesPerDay: number;
  /** The portal's fee on accepted work, in basis points (1 500 = 15 %). */
  portalFeeBasisPoints: number;
  /** Days after "marked done" when work is accepted by itself. */
  autoAcceptDays: number;
  /** Minutes a customer has to pay before the order is cancelled. */
  paymentTimeoutMinutes: number;
  supportEmail: string;
  supportPhone: string;
  supportSkype: string;
  /** Largest file people may upload to inquiries, messages and deliveries, in megabytes. */
  maxFileMegabytes: number;
  /** Files per message, inquiry or delivery. */
  maxFilesPerMessage: number;
};

export type SettingKey = keyof Settings;

type NumberRule = { kind: 'integer'; min: number; max: number };
type TextRule = { kind: 'text'; maxLength: number; isRequired: boolean; pattern?: RegExp };

/** Bounds of each setting, in the settings page's order; the upload limits stay under what the HTTP layer accepts at most. */
export const settingRules: Record<SettingKey, NumberRule | TextRule> = {
  randomInvitations: { kind: 'integer', min: 1, max: 25 },
  inquiriesPerDay: { kind: 'integer', min: 1, max: 1000 },
  portalFeeBasisPoints: { kind: 'integer', min: 0, max: 5000 },
  paymentTimeoutMinutes: { kind: 'integer', min: 5, max: 24 * 60 },
  autoAcceptDays: { kind: 'integer', min: 1, max: 90 },
  supportEmail: { kind: 'text', maxLength: 254, isRequired: true, pattern: /^[^\s@]+@[^\s@]+\.[^\s@]+$/ },
  supportPhone: { kind: 'text', maxLength: 40, isRequired: false, pattern: /^\+?[0-9 ()-]{5,40}$/ },
  supportSkype: { kind: 'text', maxLength: 100, isRequired: false, pattern: /^[A-Za-z0-9._:,-]{2,100}$/ },
  maxFileMegabytes: { kind: 'integer', min: 1, max: 25 },
  maxFilesPerMessage: { kind: 'integer', min: 1, max: 10 },
};

export const settingKeys = Object.keys(settingRules) as SettingKey[];

/** The HTTP layer's hard ceilings: the upload settings can never exceed them. */
export const uploadCeilings = { maxBytes: 25 * 1024 * 1024, maxFiles: 10 } as const;

export type SettingProblem = 'required' | 'notANumber' | 'outOfRange' | 'invalid';

/** The problems of a candidate set of settings, by key; empty when every value is acceptable. */
export function settingsProblems(candidate: Record<SettingKey, number | string>): Partial<Record<SettingKey, SettingProblem>> {
  const problems: Partial<Record<SettingKey, SettingProblem>> = {};
  for (const key of settingKeys) {
    const rule = settingRules[key];
    const value = candidate[key];
    if (rule.kind === 'integer') {
      if (typeof value !== 'number' || !Number.isInteger(value)) problems[key] = 'notANumber';
      else if (value < rule.min || value > rule.max) problems[key] = 'outOfRange';
    } else {
      const text = typeof value === 'string' ? value : '';
      if (text === '') {
        if (rule.isRequired) problems[key] = 'required';
      } else if (text.length > rule.maxLength || (rule.pattern && !rule.pattern.test(text))) problems[key] = 'invalid';
    }
  }
  return problems;
}

/** The keys whose values differ, in the order of the settings page. */
export function changedSettings(before: Settings, after: Settings): SettingKey[] {
  return settingKeys.filter((key) => before[key] !== after[key]);
}

/** Parses a stored value back into the setting's type; undefined when it no longer fits the rule. */
export function parseStoredSetting(key: SettingKey, stored: string): number | string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(stored);
  } catch {
    return undefined;
  }
  const rule = settingRules[key];
  if (rule.kind === 'integer') return typeof value === 'number' && Number.isInteger(value) && value >= rule.min && value <= rule.max ? value : undefined;
  return typeof value === 'string' && value.length <= rule.maxLength ? value : undefined;
}

/** The upload limits the settings give. */
export function uploadLimitsOf(settings: Pick<Settings, 'maxFileMegabytes' | 'maxFilesPerMessage'>): { maxBytes: number; maxFiles: number } {
  return { maxBytes: settings.maxFileMegabytes * 1024 * 1024, maxFiles: settings.maxFilesPerMessage };
}
