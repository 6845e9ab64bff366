import type { Language } from '../i18n.ts';

const LOCALES: Record<Language, string> = { ru: 'ru-RU', en: 'en-GB' };

// Intl formatters are costly to build and cheap to reuse.
const money = new Map<Language, Intl.NumberFormat>();
const quantity = new Map<Language, Intl.NumberFormat>();
const months = new Map<Language, Intl.DateTimeFormat>();
const dateTimes = new Map<string, Intl.DateTimeFormat>();
const dates = new Map<Language, Intl.DateTimeFormat>();

/** Kopecks as the user reads money: "1 234,56 ₽" in Russian, "₽1,234.56" in English. */
export function formatMoney(kopecks: bigint, language: Language): string {
  let f = money.get(language);
  if (!f) {
    f = new Intl.NumberFormat(LOCALES[language], { style: 'currency', currency: 'RUB', currencyDisplay: 'narrowSymbol' });
    money.set(language, f);
  }
  return f.format(Number(kopecks) / 100);
}

/** Days and hours: "22", "7,5". */
export function formatQuantity(value: { toString(): string } | null, language: Language): string {
  if (value === null) return '';
  let f = quantity.get(language);
  if (!f) {
    f = new Intl.NumberFormat(LOCALES[language], { maximumFractionDigits: 2 });
    quantity.set(language, f);
  }
  return f.format(Number(value.toString()));
}

/** "2026-10" → "октябрь 2026 г." / "October 2026"; `capitalized` for the start of a label ("Октябрь 2026 г."). */
export function formatPeriod(period: string, language: Language, capitalized = false): string {
  let f = months.get(language);
  if (!f) {
    f = new Intl.DateTimeFormat(LOCALES[language], { month: 'long', year: 'numeric', timeZone: 'UTC' });
    months.set(language, f);
  }
  const [y, m] = period.split('-').map(Number) as [number, number];
  const text = f.format(new Date(Date.UTC(y, m - 1, 1)));
  return capitalized ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}

export function formatDateTime(date: Date, language: Language, timeZone: string): string {
  const key = `${language}|${timeZone}`;
  let f = dateTimes.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(LOCALES[language], { dateStyle: 'short', timeStyle: 'short', timeZone });
    dateTimes.set(key, f);
  }
  return f.format(date);
}

/** Calendar dates stored as UTC midnight: "21.12.2026" / "21/12/2026". */
export function formatDate(date: Date, language: Language): string {
  let f = dates.get(language);
  if (!f) {
    f = new Intl.DateTimeFormat(LOCALES[language], { dateStyle: 'short', timeZone: 'UTC' });
    dates.set(language, f);
  }
  return f.format(date);
}
