import type { Locale } from '../domain/roles.js';
import { keptAnswers } from '../memo.js';

const timeZone = 'Europe/Tallinn';
const intlLocale: Record<Locale, string> = { et: 'et-EE', en: 'en-GB' };

/** One Intl format per locale, made when first asked for (making one costs far more than using it). */
function perLocale<F>(make: (intlLocale: string) => F): (locale: Locale) => F {
  const formats = new Map<Locale, F>();
  return (locale) => {
    let format = formats.get(locale);
    if (format === undefined) {
      format = make(intlLocale[locale]);
      formats.set(locale, format);
    }
    return format;
  };
}

/**
 * A date format whose answers are kept by locale and instant: Intl takes a few microseconds per
 * date and a page shows dozens, mostly the same ones each time it is shown.
 */
function keptFormat(options: Intl.DateTimeFormatOptions): (locale: Locale, value: string | Date) => string {
  const format = perLocale((intl) => new Intl.DateTimeFormat(intl, { timeZone, ...options }));
  const kept = keptAnswers<string, string>(10_000);
  return (locale, value) => kept(`${locale}|${typeof value === 'string' ? value : value.getTime()}`, () => format(locale).format(new Date(value)));
}

/** A date and time as people in Estonia read it (Europe/Tallinn). */
export const formatDateTime = keptFormat({ dateStyle: 'medium', timeStyle: 'short' });

/** A calendar date in Europe/Tallinn. */
export const formatDate = keptFormat({ dateStyle: 'long' });

/**
 * A number format whose answers are kept by locale and number, as dates are: pages show the same
 * prices and ratings again and again. `scale` divides the number first (cents to euros).
 */
function keptNumberFormat(options: Intl.NumberFormatOptions, scale = 1): (locale: Locale, value: number) => string {
  const format = perLocale((intl) => new Intl.NumberFormat(intl, options));
  const kept = keptAnswers<string, string>(10_000);
  return (locale, value) => kept(`${locale}|${value}`, () => format(locale).format(value / scale));
}

/** Integer cents as euros, e.g. 12345 → "123,45 €" in Estonian. */
export const formatMoney = keptNumberFormat({ style: 'currency', currency: 'EUR' }, 100);

/** A rating average such as 4.5 as the reader writes it ("4,5" in Estonian). */
export const formatDecimal = keptNumberFormat({ minimumFractionDigits: 1, maximumFractionDigits: 1 });
