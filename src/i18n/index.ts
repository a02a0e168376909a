import i18next, { type i18n } from 'i18next';
import type { Locale } from '../domain/roles.js';
import { en } from './en.js';
import { et } from './et.js';
import { keptAnswers } from '../memo.js';

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

let instance: i18n | undefined;

function getInstance(): i18n {
  if (!instance) {
    instance = i18next.createInstance();
    // Resources are bundled, so init is synchronous with initAsync: false.
    void instance.init({
      lng: defaultLocale,
      fallbackLng: defaultLocale,
      supportedLngs: ['et', 'en'],
      resources: { et: { translation: et }, en: { translation: en } },
      initAsync: false,
      // Views escape every string themselves (src/http/jsx.ts); escaping here would double it.
      interpolation: { escapeValue: false },
      returnNull: false,
    });
  }
  return instance;
}

const translators = new Map<Locale, Translate>();
const maxCachedTexts = 20_000;
const maxCachedParamLength = 200;

/** The translate function for a locale (cached). */
export function translator(locale: Locale): Translate {
  let t = translators.get(locale);
  if (!t) {
    const fixed = getInstance().getFixedT(locale);
    // A lookup through i18next costs 10–30 µs and a page makes a few hundred, so results are
    // kept: texts without parameters for good, texts with short parameters by their parameters
    // (at most 20 000 entries, the cache starts over when full; long ones, such as a message
    // someone wrote, are not kept).
    const kept = keptAnswers<string, string>(maxCachedTexts);
    t = (key, params) => {
      if (!params) return kept(key, () => fixed(key, {}));
      // The key names each parameter and gives a text's length before it, so two different sets
      // of parameters never share a key (cheaper than JSON.stringify, which showed in profiles).
      let cacheKey = key;
      for (const name in params) {
        const value = params[name];
        if (typeof value !== 'string') {
          cacheKey += `\u0000${name}\u0000${value}`;
        } else if (value.length > maxCachedParamLength) {
          return fixed(key, params);
        } else {
          cacheKey += `\u0000${name}\u0000${value.length}:${value}`;
        }
      }
      return kept(cacheKey, () => fixed(key, params));
    };
    translators.set(locale, t);
  }
  return t;
}

/** True for a string that names a supported locale. */
export function isLocale(value: unknown): value is Locale {
  return value === 'et' || value === 'en';
}
