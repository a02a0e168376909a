import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { en } from '../../src/i18n/en.js';
import { et } from '../../src/i18n/et.js';
import { isLocale, translator, type MessageKey } from '../../src/i18n/index.js';
import { projectRoot } from '../../src/project-root.js';

type Catalog = { [key: string]: string | Catalog };

/** Every leaf of a catalog as a dotted key with its text. */
function leaves(catalog: Catalog, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(catalog)) {
    if (typeof value === 'string') out.set(`${prefix}${key}`, value);
    else for (const [k, v] of leaves(value, `${prefix}${key}.`)) out.set(k, v);
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|tsx)$/.test(entry.name) ? [full] : [];
  });
}

const etKeys = leaves(et as unknown as Catalog);
const enKeys = leaves(en as unknown as Catalog);

/** True when the key resolves in the catalog, directly or as a plural base (key_one/key_other). */
function resolves(keys: Map<string, string>, key: string): boolean {
  return keys.has(key) || (keys.has(`${key}_one`) && keys.has(`${key}_other`));
}

describe('the message catalogs', () => {
  it('have exactly the same keys in Estonian and English', () => {
    expect([...enKeys.keys()].sort()).toEqual([...etKeys.keys()].sort());
  });

  it('have no empty Estonian text', () => {
    const empty = [...etKeys].filter(([, text]) => text.trim() === '').map(([key]) => key);
    expect(empty).toEqual([]);
  });

  it('have no empty English text', () => {
    const empty = [...enKeys].filter(([, text]) => text.trim() === '').map(([key]) => key);
    expect(empty).toEqual([]);
  });

  it('use the same placeholders in both languages', () => {
    const placeholders = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
    const different = [...etKeys]
      .filter(([key, text]) => JSON.stringify(placeholders(text)) !== JSON.stringify(placeholders(enKeys.get(key) ?? '')))
      .map(([key]) => key);
    expect(different).toEqual([]);
  });

  it('has every key the source code asks for with t(\'…\') in both languages', () => {
    const used = new Set<string>();
    for (const file of sourceFiles(path.join(projectRoot(), 'src'))) {
      const text = fs.readFileSync(file, 'utf8');
      for (const match of text.matchAll(/\bt\('([a-zA-Z0-9_.]+)'/g)) used.add(match[1]!);
    }
    expect(used.size).toBeGreaterThan(50);
    const missing = [...used].filter((key) => !resolves(etKeys, key) || !resolves(enKeys, key));
    expect(missing).toEqual([]);
  });

  it('has every catalog key the source code names in a key property in both languages', () => {
    // Keys handed to components and e-mails rather than to t(): titleKey="…", labelKey: '…', label="…".
    const used = new Set<string>();
    for (const file of sourceFiles(path.join(projectRoot(), 'src'))) {
      const text = fs.readFileSync(file, 'utf8');
      const pattern = /\b(?:\w*Key|label|title|lead|button|hint)(?:=|: )["']([a-z][a-zA-Z0-9]*\.[a-zA-Z0-9_.]+)["']/g;
      for (const match of text.matchAll(pattern)) used.add(match[1]!);
    }
    expect(used.size).toBeGreaterThan(10);
    const missing = [...used].filter((key) => !resolves(etKeys, key) || !resolves(enKeys, key));
    expect(missing).toEqual([]);
  });

  it('has every flash message in both languages', async () => {
    const { flashKeys } = await import('../../src/http/context.js');
    const missing = flashKeys.filter((key) => !resolves(etKeys, key) || !resolves(enKeys, key));
    expect(missing).toEqual([]);
  });
});

describe('the translator', () => {
  it('speaks Estonian and English', () => {
    expect(translator('et')('nav.login')).toBe('Logi sisse');
    expect(translator('en')('nav.login')).toBe('Sign in');
  });

  it('picks the plural form by count', () => {
    const t = translator('en');
    expect(t('admin.usersTotal', { count: 1 })).toBe('1 user');
    expect(t('admin.usersTotal', { count: 3 })).toBe('3 users');
  });

  it('fills placeholders without escaping (the views escape)', () => {
    expect(translator('et')('myMenu.greeting', { name: 'Õie & <Mäger>' })).toBe('Tere, Õie & <Mäger>!');
  });

  it('gives each set of parameters its own text, however often it is asked', () => {
    const t = translator('et');
    for (let round = 0; round < 3; round += 1) {
      expect(t('experts.resultCount', { count: 0 })).toBe('Leitud 0 eksperti');
      expect(t('experts.resultCount', { count: 1 })).toBe('Leitud 1 ekspert');
      expect(t('experts.resultCount', { count: 2 })).toBe('Leitud 2 eksperti');
      expect(t('experts.languagesLine', { languages: 'eesti' })).toBe('Keeled: eesti');
      expect(t('experts.languagesLine', { languages: 'vene' })).toBe('Keeled: vene');
      expect(t('experts.noRatings')).toBe('Hinnanguid veel pole');
      expect(translator('en')('experts.noRatings')).toBe('No ratings yet');
    }
    const long = 'x'.repeat(5_000);
    expect(t('experts.languagesLine', { languages: long })).toBe(`Keeled: ${long}`);
  });

  it('fills each placeholder with its own parameter, numbers as written', () => {
    const t = translator('en');
    expect(t('common.pageOf', { page: '1', pages: '2' })).toBe('Page 1 of 2');
    expect(t('common.pageOf', { page: 3, pages: 12 })).toBe('Page 3 of 12');
  });

  it('never reads what a person typed as a placeholder of its own', () => {
    const t = translator('et');
    expect(t('myMenu.greeting', { name: '{{name}} {{count}}', count: 2 })).toBe('Tere, {{name}} {{count}}!');
  });

  it('shows a placeholder whose parameter is missing instead of dropping it', () => {
    expect(translator('en')('common.pageOf', { page: 1 })).toBe('Page 1 of {{pages}}');
  });

  it('answers an unknown key with the key itself', () => {
    expect(translator('en')('no.such.key' as MessageKey)).toBe('no.such.key');
  });

  it('knows exactly the supported locales', () => {
    expect(isLocale('et')).toBe(true);
    expect(isLocale('en')).toBe(true);
    expect(isLocale('ru')).toBe(false);
    expect(isLocale('ET')).toBe(false);
    expect(isLocale(['et'])).toBe(false);
    expect(isLocale(undefined)).toBe(false);
  });
});
