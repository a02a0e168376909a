import type { Locale } from '../domain/roles.js';
import { en } from './en.js';
import { et } from './et.js';

type Leaves<T, Prefix extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${Prefix}${K}` : Leaves<T[K], `${Prefix}${K}.`>;
}[keyof T & string];

type StripPlural<K extends string> = K extends `${infer Base}_${'one' | 'other'}` ? Base : K;

/** Every key of the catalog, with plural forms named by their base key. */
export type MessageKey = StripPlural<Leaves<typeof et>>;

export type TranslateParams = Record<string, string | number>;

/** Translates a catalog key in one locale; `count` picks the plural form. */
export type Translate = (key: MessageKey, params?: TranslateParams) => string;

export const defaultLocale: Locale = 'et';

/**
 * A text of the catalog made ready to fill (decision 028): the text itself when it has no
 * placeholder, else its pieces, literal text at even places and parameter names at odd ones.
 */
type Template = string | readonly string[];
/** A catalog entry: a text, its plural forms (key_one, key_other) by Intl plural category, or both. */
type Entry = { text?: Template; plurals?: Map<string, Template> };

const placeholder = /\{\{(\w+)\}\}/;

function compile(text: string): Template {
  return placeholder.test(text) ? text.split(placeholder) : text;
}

/** Every text of a catalog by its dotted key; plural forms under their base key. */
function entriesOf(catalog: object, into = new Map<string, Entry>(), prefix = ''): Map<string, Entry> {
  for (const [name, value] of Object.entries(catalog)) {
    if (typeof value !== 'string') {
      entriesOf(value as object, into, `${prefix}${name}.`);
      continue;
    }
    into.set(`${prefix}${name}`, { ...into.get(`${prefix}${name}`), text: compile(value) });
    const plural = /^(.*)_(zero|one|two|few|many|other)$/.exec(name);
    if (plural) {
      const entry = into.get(`${prefix}${plural[1]}`) ?? {};
      (entry.plurals ??= new Map()).set(plural[2]!, compile(value));
      into.set(`${prefix}${plural[1]}`, entry);
    }
  }
  return into;
}

/**
 * Fills a template: each placeholder gets its parameter as text; one without a parameter stays
 * as written, so a missing value shows rather than vanishing. A value is never read for
 * placeholders again, so a name someone typed as "{{x}}" stays as they typed it.
 */
function fill(template: Template, params: TranslateParams | undefined): string {
  if (typeof template === 'string') return template;
  let text = template[0]!;
  for (let i = 1; i < template.length; i += 2) {
    const value = params?.[template[i]!];
    text += (value === undefined ? `{{${template[i]}}}` : String(value)) + template[i + 1]!;
  }
  return text;
}

/** The plural form a numeric count asks for (or "other" when the catalog lacks it); the plain text otherwise. */
function formOf(entry: Entry, count: string | number | undefined, rules: Intl.PluralRules): Template | undefined {
  if (entry.plurals && typeof count === 'number') {
    const form = entry.plurals.get(rules.select(count)) ?? entry.plurals.get('other');
    if (form !== undefined) return form;
  }
  return entry.text;
}

const catalogs: Record<Locale, object> = { et, en };
const compiledCatalogs = new Map<Locale, Map<string, Entry>>();
const translators = new Map<Locale, Translate>();

/** A locale's catalog, compiled once and shared (English falls back on the Estonian one). */
function compiledCatalog(locale: Locale): Map<string, Entry> {
  let entries = compiledCatalogs.get(locale);
  if (!entries) compiledCatalogs.set(locale, (entries = entriesOf(catalogs[locale])));
  return entries;
}

/**
 * The translate function for a locale (made once): a key missing in the locale is looked up in
 * Estonian, and a key missing there too answers itself. With a numeric `count`, a key that has
 * plural forms takes the form the locale's plural rules pick ("1 day", "2 days").
 */
export function translator(locale: Locale): Translate {
  let t = translators.get(locale);
  if (!t) {
    const entries = compiledCatalog(locale);
    const fallback = locale === defaultLocale ? undefined : compiledCatalog(defaultLocale);
    const pluralRules = new Intl.PluralRules(locale);
    t = (key, params) => {
      const entry = entries.get(key) ?? fallback?.get(key);
      const template = entry && formOf(entry, params?.['count'], pluralRules);
      return template === undefined ? key : fill(template, params);
    };
    translators.set(locale, t);
  }
  return t;
}

/** True for a string that names a supported locale. */
export function isLocale(value: unknown): value is Locale {
  return value === 'et' || value === 'en';
}
