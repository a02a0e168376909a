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

/** A date and time as people in Estonia read it (Europe/Tallinn). */
export function formatDateTime(locale: Locale, value: string | Date): string {
  return dateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }, 'dt').format(new Date(value));
}

/** A calendar date in Europe/Tallinn. */
export function formatDate(locale: Locale, value: string | Date): string {
  return dateTimeFormat(locale, { dateStyle: 'long' }, 'd').format(new Date(value));
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
