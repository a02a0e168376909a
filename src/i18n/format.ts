import type { Locale } from '../domain/roles.js';

const timeZone = 'Europe/Tallinn';
const intlLocale: Record<Locale, string> = { et: 'et-EE', en: 'en-GB' };

const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();

function dateTimeFormat(locale: Locale, options: Intl.DateTimeFormatOptions, key: string): Intl.DateTimeFormat {
  const cacheKey = `${locale}:${key}`;
  let format = dateTimeFormats.get(cacheKey);
  if (!format) {
    format = new Intl.DateTimeFormat(intlLocale[locale], { timeZone, ...options });
    dateTimeFormats.set(cacheKey, format);
  }
  return format;
}

/**
 * Formatted dates by locale, style and instant. Intl takes a few microseconds per date and a
 * page shows dozens, mostly the same ones each time it is shown; the cache starts over when full.
 */
const formattedDates = new Map<string, string>();
const maxFormattedDates = 20_000;

function formatCached(locale: Locale, options: Intl.DateTimeFormatOptions, key: string, value: string | Date): string {
  const cacheKey = `${locale}:${key}:${typeof value === 'string' ? value : value.getTime()}`;
  let text = formattedDates.get(cacheKey);
  if (text === undefined) {
    text = dateTimeFormat(locale, options, key).format(new Date(value));
    if (formattedDates.size >= maxFormattedDates) formattedDates.clear();
    formattedDates.set(cacheKey, text);
  }
  return text;
}

/** A date and time as people in Estonia read it (Europe/Tallinn). */
export function formatDateTime(locale: Locale, value: string | Date): string {
  return formatCached(locale, { dateStyle: 'medium', timeStyle: 'short' }, 'dt', value);
}

/** A calendar date in Europe/Tallinn. */
export function formatDate(locale: Locale, value: string | Date): string {
  return formatCached(locale, { dateStyle: 'long' }, 'd', value);
}

const moneyFormats = new Map<Locale, Intl.NumberFormat>();

/** Integer cents as euros, e.g. 12345 → "123,45 €" in Estonian. */
export function formatMoney(locale: Locale, cents: number): string {
  let format = moneyFormats.get(locale);
  if (!format) {
    format = new Intl.NumberFormat(intlLocale[locale], { style: 'currency', currency: 'EUR' });
    moneyFormats.set(locale, format);
  }
  return format.format(cents / 100);
}

const decimalFormats = new Map<Locale, Intl.NumberFormat>();

/** A rating average such as 4.5 as the reader writes it ("4,5" in Estonian). */
export function formatDecimal(locale: Locale, value: number): string {
  let format = decimalFormats.get(locale);
  if (!format) {
    format = new Intl.NumberFormat(intlLocale[locale], { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    decimalFormats.set(locale, format);
  }
  return format.format(value);
}
