import { describe, expect, it } from 'vitest';
import { FieldProblem, normalizeEmail, normalizeInn, normalizeKpp, normalizePhone, toDate, toKopecks, toPeriod, toQuantity } from '../../core/imports/normalize.ts';
import { companyInn } from '../../prisma/seed/hr-generator.ts';

const problem = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof FieldProblem ? error.reason : 'other';
  }
  return 'none';
};

describe('phone numbers become E.164', () => {
  it.each([
    ['8 (912) 345-67-89', '+79123456789'],
    ['+7 912 345 67 89', '+79123456789'],
    ['79123456789', '+79123456789'],
    ['9123456789', '+79123456789'],
    ['8-495-123-45-67', '+74951234567'],
    ['+375 29 123-45-67', '+375291234567'],
    ['495 123-45-67', '+74951234567'],
  ])('Russian formats and international with "+": %s → %s', (raw, e164) => expect(normalizePhone(raw)).toBe(e164));

  // Telegram shares a contact's number as bare digits: foreign ones must link like Russian ones.
  it.each([
    ['380501234567', '+380501234567'],
    ['375291234567', '+375291234567'],
    ['4915112345678', '+4915112345678'],
    ['77012345678', '+77012345678'],
    ['12125551234', '+12125551234'],
    ['81312345678', '+81312345678'],
    ['+49 151 1234 5678', '+4915112345678'],
  ])('digits without "+" that are not a Russian number are international: %s → %s', (raw, e164) => expect(normalizePhone(raw)).toBe(e164));

  it('reads every spelling of one number as the same E.164, so they compare equal', () => {
    const spellings = ['+380 50 123 45 67', '380501234567', '+380(50)123-45-67'];
    expect(new Set(spellings.map((s) => normalizePhone(s)))).toEqual(new Set(['+380501234567']));
  });

  it.each(['12345', '+7 912 345', 'звонить Маше', '+0123456789', '8912345678', '+12345678', '+7 123 456 78 90', '2345678901'])(
    'refuses %s (not a number of any country\'s plan)',
    (raw) => expect(problem(() => normalizePhone(raw))).toBe('invalid_phone'),
  );
  it('treats empty as absent', () => {
    expect(normalizePhone('  ')).toBeUndefined();
    expect(normalizePhone(null)).toBeUndefined();
  });
});

describe('money becomes integer kopecks, never through floats', () => {
  it.each([
    [0.29, 29n], [0.1, 10n], [85000, 8_500_000n], [12345.67, 1_234_567n], ['1 234,56', 123_456n], ['-15.5', -1550n], ['0', 0n],
    [999999999999.99, 99_999_999_999_999n],
  ])('%s → %s', (raw, kopecks) => expect(toKopecks(raw)).toBe(kopecks));
  it.each([[1.005], ['12.345'], ['abc'], [Number.NaN], [1e21], ['1e5']])('refuses %s', (raw) => expect(problem(() => toKopecks(raw))).toBe('invalid_amount'));
});

describe('dates and periods as 1С writes them', () => {
  it('reads plain and ISO dates, and 1С\'s empty date as absent', () => {
    expect(toDate('2024-03-01')?.toISOString()).toBe('2024-03-01T00:00:00.000Z');
    expect(toDate('2024-03-01T00:00:00')?.toISOString()).toBe('2024-03-01T00:00:00.000Z');
    expect(toDate('0001-01-01T00:00:00')).toBeUndefined();
    expect(problem(() => toDate('2024-02-30'))).toBe('invalid_date');
    expect(problem(() => toDate('01.03.2024'))).toBe('invalid_date');
  });
  it('refuses years no payroll date falls in, instead of reading 0000–0099 as 1900–1999', () => {
    for (const raw of ['0000-01-01', '0099-12-31', '1899-12-31', '2101-01-01', '9999-12-31T00:00:00']) {
      expect(problem(() => toDate(raw)), raw).toBe('invalid_date');
    }
    expect(toDate('1900-01-01')?.toISOString()).toBe('1900-01-01T00:00:00.000Z');
    expect(toDate('2100-12-31')?.toISOString()).toBe('2100-12-31T00:00:00.000Z');
    for (const raw of ['0000-01', '0001-01', '1899-12', '2101-01']) expect(problem(() => toPeriod(raw)), raw).toBe('invalid_period');
  });
  it('reads periods as months', () => {
    expect(toPeriod('2026-10')).toBe('2026-10');
    expect(toPeriod('2026-10-01T00:00:00')).toBe('2026-10');
    expect(problem(() => toPeriod('2026-13'))).toBe('invalid_period');
    expect(problem(() => toPeriod('2026-10-15'))).toBe('invalid_period');
  });
  it('reads days and hours as decimals', () => {
    expect(toQuantity(2.33)).toBe('2.33');
    expect(toQuantity('14,5')).toBe('14.5');
    expect(problem(() => toQuantity('1.234'))).toBe('invalid_number');
  });
});

describe('ИНН, КПП and e-mail', () => {
  it('checks ИНН check digits', () => {
    expect(normalizeInn('7707083893')).toBe('7707083893');
    expect(normalizeInn(companyInn('667101234'))).toBe(companyInn('667101234'));
    expect(normalizeInn('500100732259')).toBe('500100732259');
    expect(problem(() => normalizeInn('7707083894'))).toBe('invalid_inn');
    expect(problem(() => normalizeInn('770708389'))).toBe('invalid_inn');
  });
  it('checks КПП shape', () => {
    expect(normalizeKpp('770701001')).toBe('770701001');
    expect(problem(() => normalizeKpp('7707'))).toBe('invalid_kpp');
  });
  it('lower-cases e-mail and refuses garbage', () => {
    expect(normalizeEmail(' M.Ivanova@Romashka.RU ')).toBe('m.ivanova@romashka.ru');
    expect(problem(() => normalizeEmail('m.ivanova@'))).toBe('invalid_email');
  });
});
