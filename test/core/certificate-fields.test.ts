import { describe, expect, it } from 'vitest';
import { CATALOGUE_SEED } from '../../core/certificates/catalogue-seed.ts';
import { type FieldDefinition, formatFieldValue, parseDay, parseFieldValue } from '../../core/certificates/certificate-fields.ts';

const TODAY = '2026-11-30';
const label = { ru: 'x', en: 'x' };
const parse = (field: FieldDefinition, raw: unknown) => parseFieldValue(field, raw, TODAY);

describe('certificate fields', () => {
  it('choice: only the offered values', () => {
    const f: FieldDefinition = { key: 'p', kind: 'choice', label, options: [{ value: 'bank', label: { ru: 'В банк', en: 'Bank' } }] };
    expect(parse(f, 'bank')).toEqual({ ok: true, value: 'bank' });
    expect(parse(f, 'prison')).toEqual({ ok: false, code: 'unknown_option' });
    expect(formatFieldValue(f, 'bank', 'ru', { yes: 'да', no: 'нет' })).toBe('В банк');
  });

  it('text: trimmed, control characters removed, length limited', () => {
    const f: FieldDefinition = { key: 'c', kind: 'text', maxLength: 10, label };
    expect(parse(f, '  Фран\u0000ция \n')).toEqual({ ok: true, value: 'Фран ция' });
    expect(parse(f, 'x'.repeat(11))).toEqual({ ok: false, code: 'too_long', params: { max: 10 } });
    expect(parse(f, '   ')).toEqual({ ok: false, code: 'required' });
  });

  it('year: this year or up to N back; several when allowed, sorted and distinct', () => {
    const one: FieldDefinition = { key: 'y', kind: 'year', yearsBack: 5, label };
    const many: FieldDefinition = { key: 'y', kind: 'year', yearsBack: 5, multiple: 3, label };
    expect(parse(one, '2025')).toEqual({ ok: true, value: 2025 });
    expect(parse(one, 2025)).toEqual({ ok: true, value: 2025 });
    expect(parse(one, '2027')).toMatchObject({ ok: false, code: 'year_out_of_range', params: { from: 2021, to: 2026 } });
    expect(parse(one, '2024, 2025')).toEqual({ ok: false, code: 'too_many_years', params: { max: 1 } });
    expect(parse(one, 'прошлый')).toEqual({ ok: false, code: 'not_a_year' });
    expect(parse(many, '2025, 2024 2025')).toEqual({ ok: true, value: [2024, 2025] });
    expect(parse(many, [2023, 2024])).toEqual({ ok: true, value: [2023, 2024] });
  });

  it('date range: two real dates, not in the past, in order, not too long', () => {
    const f: FieldDefinition = { key: 't', kind: 'date_range', maxDays: 30, label };
    expect(parse(f, '01.02.2027 – 14.02.2027')).toEqual({ ok: true, value: { from: '2027-02-01', to: '2027-02-14' } });
    expect(parse(f, 'с 1.2.2027 по 14.2.2027')).toEqual({ ok: true, value: { from: '2027-02-01', to: '2027-02-14' } });
    expect(parse(f, { from: '2027-02-01', to: '2027-02-01' })).toEqual({ ok: true, value: { from: '2027-02-01', to: '2027-02-01' } });
    expect(parse(f, '30.02.2027 – 14.03.2027')).toEqual({ ok: false, code: 'not_a_date_range' });
    expect(parse(f, '01.11.2026 – 14.12.2026')).toEqual({ ok: false, code: 'date_in_past' });
    expect(parse(f, '14.02.2027 – 01.02.2027')).toEqual({ ok: false, code: 'range_reversed' });
    expect(parse(f, '01.02.2027 – 14.03.2027')).toEqual({ ok: false, code: 'range_too_long', params: { max: 30 } });
    expect(formatFieldValue(f, { from: '2027-02-01', to: '2027-02-14' }, 'ru', { yes: '', no: '' })).toBe('01.02.2027 – 14.02.2027');
  });

  it('copies and yes/no', () => {
    const c: FieldDefinition = { key: 'c', kind: 'copies', max: 5, label };
    const yn: FieldDefinition = { key: 'w', kind: 'yes_no', label };
    expect(parse(c, '0')).toEqual({ ok: true, value: 0 });
    expect(parse(c, 6)).toEqual({ ok: false, code: 'copies_out_of_range', params: { max: 5 } });
    expect(parse(c, '2.5')).toEqual({ ok: false, code: 'not_a_number' });
    expect(parse(yn, 'Да')).toEqual({ ok: true, value: true });
    expect(parse(yn, false)).toEqual({ ok: true, value: false });
    expect(parse(yn, 'может быть')).toEqual({ ok: false, code: 'not_yes_no' });
  });

  it('parses the dates people type', () => {
    expect(parseDay('1.2.2027')).toBe('2027-02-01');
    expect(parseDay('2027-02-29')).toBeNull();
    expect(parseDay('0000-01-01')).toBeNull();
  });

  it('seeds the certificates the issue asks for, with unique codes and field keys', () => {
    const codes = CATALOGUE_SEED.map((e) => e.code);
    expect(codes).toEqual(expect.arrayContaining(['EMPLOYMENT', 'NDFL_2', 'VISA', 'EARNINGS', 'VACATION_BALANCE', 'WORK_RECORD', 'LEAVE']));
    expect(new Set(codes).size).toBe(codes.length);
    for (const entry of CATALOGUE_SEED) expect(new Set(entry.fields.map((f) => f.key)).size, entry.code).toBe(entry.fields.length);
  });
});
