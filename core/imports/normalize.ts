import { parsePhoneNumberFromString } from 'libphonenumber-js/min';

// Turning what a payroll system sends into what Kabinet stores. Each function returns `undefined` for "absent"
// and throws FieldProblem for a value that is present but wrong, so callers can report the field.

export class FieldProblem extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

const blank = (v: unknown): boolean => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/**
 * Russian numbers arrive in every shape HR ever typed: "8 (912) 345-67-89", "+7 912 3456789", "9123456789".
 * Telegram shares contacts as bare digits without "+" ("79123456789", "380501234567", "4915112345678"), so digits
 * that are not a Russian national number are read as international. Every number is checked against the
 * numbering plan of its country (libphonenumber, minimal metadata). Result: E.164, the form every comparison uses.
 */
export function normalizePhone(raw: string | null | undefined): string | undefined {
  if (blank(raw)) return undefined;
  const text = String(raw).trim();
  if (!/^[+\d\s()\-.]+$/.test(text)) throw new FieldProblem('invalid_phone');
  const digits = text.replace(/\D/g, '');
  // Without "+", a valid Russian reading wins ("4951234567" is Moscow, not Germany): Kabinet serves Russian
  // companies, and a misread number would send codes to a stranger. Otherwise the digits are international.
  const readings = text.startsWith('+') ? [digits] : [russianNational(digits), digits];
  for (const reading of readings) {
    if (reading === undefined) continue;
    const parsed = parsePhoneNumberFromString(`+${reading}`);
    if (parsed?.isValid()) return parsed.number;
  }
  throw new FieldProblem('invalid_phone');
}

/**
 * "8 912 …" and "7 912 …" (11 digits with the trunk prefix or the country code) and "912 …", "495 …" (10 digits).
 * Ten digits starting with 8 are left out: far more often a mobile with a digit missing ("8 912 345 67 8") than
 * an 8xx area code written without its trunk prefix.
 */
function russianNational(digits: string): string | undefined {
  if (digits.length === 11 && (digits.startsWith('8') || digits.startsWith('7'))) return `7${digits.slice(1)}`;
  if (digits.length === 10 && !digits.startsWith('8')) return `7${digits}`;
  return undefined;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/;

export function normalizeEmail(raw: string | null | undefined): string | undefined {
  if (blank(raw)) return undefined;
  const text = String(raw).trim().toLowerCase();
  if (text.length > 254 || !EMAIL.test(text)) throw new FieldProblem('invalid_email');
  return text;
}

/**
 * Money as integer kopecks. Numbers are read through their decimal text, never multiplied as floats:
 * 0.29 * 100 is 28.999999999999996, but "0.29" is exactly 29 kopecks.
 */
export function toKopecks(raw: number | string | null | undefined): bigint | undefined {
  if (blank(raw)) return undefined;
  const text = typeof raw === 'number' ? numberText(raw) : String(raw).trim().replace(/\s/g, '').replace(',', '.');
  const match = /^(-)?(\d{1,15})(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) throw new FieldProblem('invalid_amount');
  const [, sign, whole, fraction = ''] = match;
  const kopecks = BigInt(whole!) * 100n + BigInt(fraction.padEnd(2, '0'));
  return sign ? -kopecks : kopecks;
}

function numberText(n: number): string {
  if (!Number.isFinite(n)) throw new FieldProblem('invalid_amount');
  // toString gives the shortest text that round-trips, e.g. 12345.67 → "12345.67"; exponents mean out of range.
  const text = n.toString();
  if (/e/i.test(text)) throw new FieldProblem('invalid_amount');
  return text;
}

/** Days and hours: non-negative decimals with at most two places, kept as text for Prisma's Decimal. */
export function toQuantity(raw: number | string | null | undefined): string | undefined {
  if (blank(raw)) return undefined;
  const text = typeof raw === 'number' ? numberText(raw) : String(raw).trim().replace(',', '.');
  if (!/^-?\d{1,5}(\.\d{1,2})?$/.test(text)) throw new FieldProblem('invalid_number');
  return text;
}

/**
 * The years a payroll date can plausibly fall in. Outside them a date is a typo or a placeholder ("0000-01-01"),
 * and JavaScript would even read years 0–99 as 1900–1999.
 */
const FIRST_YEAR = 1900;
const LAST_YEAR = 2100;

/**
 * Dates as 1С writes them: "2024-03-01", or ISO with time "2024-03-01T00:00:00". 1С's empty date
 * ("0001-01-01T00:00:00") means no date.
 */
export function toDate(raw: string | null | undefined): Date | undefined {
  if (blank(raw)) return undefined;
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(String(raw).trim());
  if (!match) throw new FieldProblem('invalid_date');
  const [y, m, d] = match.slice(1).map(Number) as [number, number, number];
  if (match[1] === '0001') return undefined;
  if (y < FIRST_YEAR || y > LAST_YEAR) throw new FieldProblem('invalid_date');
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) throw new FieldProblem('invalid_date');
  return date;
}

/** "YYYY-MM"; also accepts a date in that month ("2026-10-01", as 1С stores periods). */
export function toPeriod(raw: string): string {
  const match = /^(\d{4})-(0[1-9]|1[0-2])(?:-01(?:T[\d:]+)?)?$/.exec(raw.trim());
  const year = Number(match?.[1]);
  if (!match || year < FIRST_YEAR || year > LAST_YEAR) throw new FieldProblem('invalid_period');
  return `${match[1]}-${match[2]}`;
}

const INN_10 = [2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN_12_A = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN_12_B = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];

const checkDigit = (digits: number[], weights: number[]) =>
  (weights.reduce((sum, w, i) => sum + w * digits[i]!, 0) % 11) % 10;

/** ИНН with its check digits: 10 digits for a company, 12 for an individual entrepreneur. */
export function normalizeInn(raw: string | null | undefined): string | undefined {
  if (blank(raw)) return undefined;
  const text = String(raw).trim();
  if (!/^\d{10}$|^\d{12}$/.test(text)) throw new FieldProblem('invalid_inn');
  const d = [...text].map(Number);
  const valid =
    text.length === 10
      ? checkDigit(d, INN_10) === d[9]
      : checkDigit(d, INN_12_A) === d[10] && checkDigit(d, INN_12_B) === d[11];
  if (!valid) throw new FieldProblem('invalid_inn');
  return text;
}

export function normalizeKpp(raw: string | null | undefined): string | undefined {
  if (blank(raw)) return undefined;
  const text = String(raw).trim().toUpperCase();
  if (!/^\d{4}[\dA-Z]{2}\d{3}$/.test(text)) throw new FieldProblem('invalid_kpp');
  return text;
}

export const optionalText = (raw: string | null | undefined): string | undefined =>
  blank(raw) ? undefined : String(raw).trim();
