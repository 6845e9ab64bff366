import type { Language } from '../i18n.ts';

/** A text in both of Kabinet's languages (catalogue entries are edited by HR through the API). */
export interface Localized {
  ru: string;
  en: string;
}

interface FieldBase {
  /** Stable key of the value in a request's `fields` (latin, snake_case). */
  key: string;
  label: Localized;
  /** An optional field may be skipped (the bot offers a "skip" button). */
  optional?: boolean;
}

/**
 * What a certificate type asks the employee, one question at a time. Each kind knows how to read an answer typed in
 * the chat or sent by the API, and how to show a stored value.
 */
export type FieldDefinition =
  | (FieldBase & { kind: 'choice'; options: { value: string; label: Localized }[] })
  | (FieldBase & { kind: 'text'; maxLength: number })
  /** A calendar year, or up to `multiple` distinct years ("2024, 2025"), from `yearsBack` years ago to this year. */
  | (FieldBase & { kind: 'year'; yearsBack: number; multiple?: number })
  /** Two dates, from ≤ to, not in the past, at most `maxDays` long. */
  | (FieldBase & { kind: 'date_range'; maxDays: number })
  /** Number of paper copies, 0…max (0: electronic only). */
  | (FieldBase & { kind: 'copies'; max: number })
  | (FieldBase & { kind: 'yes_no' })
  /**
   * The kind of leave, chosen among the employee's vacation balances: a choice whose options are known only for a
   * given employee (`resolveFields`). Leave applications only.
   */
  | (FieldBase & { kind: 'leave_type' });

export type FieldKind = FieldDefinition['kind'];

export type FieldValue = string | number | number[] | boolean | { from: string; to: string };

export type FieldProblemCode =
  | 'required'
  | 'unknown_option'
  | 'too_long'
  | 'not_a_year'
  | 'year_out_of_range'
  | 'too_many_years'
  | 'not_a_date_range'
  | 'date_in_past'
  | 'range_reversed'
  | 'range_too_long'
  | 'not_a_number'
  | 'copies_out_of_range'
  | 'not_yes_no';

export type FieldParse = { ok: true; value: FieldValue } | { ok: false; code: FieldProblemCode; params?: Record<string, string | number> };

const fail = (code: FieldProblemCode, params?: Record<string, string | number>): FieldParse => ({ ok: false, code, ...(params ? { params } : {}) });
const YES = new Set(['да', 'д', 'yes', 'y', 'true', '1', '+']);
const NO = new Set(['нет', 'н', 'no', 'n', 'false', '0', '-']);
const DAY_MS = 86_400_000;

/** `DD.MM.YYYY` (as people type in Russia) or ISO `YYYY-MM-DD`; null for anything else or a date that does not exist. */
export function parseDay(raw: string): string | null {
  const text = raw.trim();
  const ru = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(text);
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const [y, m, d] = ru ? [Number(ru[3]), Number(ru[2]), Number(ru[1])] : iso ? [Number(iso[1]), Number(iso[2]), Number(iso[3])] : [0, 0, 0];
  if (!y || y < 1900 || y > 2200) return null;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return date.toISOString().slice(0, 10);
}

/**
 * Reads one answer. `raw` is what the employee typed or pressed (a choice's value, "yes"/"no"), or what an API
 * client sent (its JSON value is accepted too). `today` is `YYYY-MM-DD` in the company's time zone.
 */
export function parseFieldValue(field: FieldDefinition, raw: unknown, today: string): FieldParse {
  if (raw === null || raw === undefined || (typeof raw === 'string' && raw.trim() === '')) return fail('required');
  const text = typeof raw === 'string' ? raw.trim() : '';
  switch (field.kind) {
    case 'leave_type':
      // Unresolved: there is nothing to choose from (see resolveFields).
      return fail('unknown_option');
    case 'choice': {
      const option = field.options.find((o) => o.value === (typeof raw === 'string' ? text : String(raw)));
      return option ? { ok: true, value: option.value } : fail('unknown_option');
    }
    case 'text': {
      if (typeof raw !== 'string') return fail('required');
      // Control characters (and NUL, which PostgreSQL refuses) never belong in a certificate.
      const clean = text.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ');
      return clean.length > field.maxLength ? fail('too_long', { max: field.maxLength }) : { ok: true, value: clean };
    }
    case 'year': {
      const parts = Array.isArray(raw) ? raw.map(String) : typeof raw === 'number' ? [String(raw)] : text.split(/[\s,;]+/).filter(Boolean);
      const max = field.multiple ?? 1;
      const thisYear = Number(today.slice(0, 4));
      const years = new Set<number>();
      for (const part of parts) {
        if (!/^\d{4}$/.test(part)) return fail('not_a_year');
        const year = Number(part);
        if (year > thisYear || year < thisYear - field.yearsBack) return fail('year_out_of_range', { from: thisYear - field.yearsBack, to: thisYear });
        years.add(year);
      }
      if (years.size === 0) return fail('not_a_year');
      if (years.size > max) return fail('too_many_years', { max });
      const sorted = [...years].sort((a, b) => a - b);
      return { ok: true, value: field.multiple ? sorted : sorted[0]! };
    }
    case 'date_range': {
      let from: string | null;
      let to: string | null;
      if (typeof raw === 'object' && !Array.isArray(raw)) {
        const r = raw as { from?: unknown; to?: unknown };
        from = typeof r.from === 'string' ? parseDay(r.from) : null;
        to = typeof r.to === 'string' ? parseDay(r.to) : null;
      } else {
        // "01.02.2027 – 14.02.2027", "с 01.02.2027 по 14.02.2027", "2027-02-01 2027-02-14": the two dates are what count.
        const days = text.match(/\d{1,2}\.\d{1,2}\.\d{4}|\d{4}-\d{2}-\d{2}/g) ?? [];
        from = days.length === 2 ? parseDay(days[0]!) : null;
        to = days.length === 2 ? parseDay(days[1]!) : null;
      }
      if (!from || !to) return fail('not_a_date_range');
      if (from < today) return fail('date_in_past');
      if (to < from) return fail('range_reversed');
      const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
      if (days > field.maxDays) return fail('range_too_long', { max: field.maxDays });
      return { ok: true, value: { from, to } };
    }
    case 'copies': {
      const n = typeof raw === 'number' ? raw : /^\d{1,3}$/.test(text) ? Number(text) : NaN;
      if (!Number.isInteger(n)) return fail('not_a_number');
      return n < 0 || n > field.max ? fail('copies_out_of_range', { max: field.max }) : { ok: true, value: n };
    }
    case 'yes_no': {
      if (typeof raw === 'boolean') return { ok: true, value: raw };
      const lower = text.toLowerCase();
      return YES.has(lower) ? { ok: true, value: true } : NO.has(lower) ? { ok: true, value: false } : fail('not_yes_no');
    }
  }
}

const formatDay = (day: string, language: Language) =>
  new Intl.DateTimeFormat(language === 'ru' ? 'ru-RU' : 'en-GB', { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${day}T00:00:00Z`));

/** A stored value as a person reads it, in their language. `yes`/`no` come from the caller's translations. */
export function formatFieldValue(field: FieldDefinition, value: FieldValue, language: Language, words: { yes: string; no: string }): string {
  switch (field.kind) {
    case 'choice':
      return field.options.find((o) => o.value === value)?.label[language] ?? String(value);
    case 'year':
      return Array.isArray(value) ? value.join(', ') : String(value);
    case 'date_range': {
      const range = value as { from: string; to: string };
      return `${formatDay(range.from, language)} – ${formatDay(range.to, language)}`;
    }
    case 'yes_no':
      return value ? words.yes : words.no;
    case 'leave_type':
      return String(value);
    default:
      return String(value);
  }
}

/** A field as asked of one employee: dynamic kinds become plain choices. */
export type ResolvedField = Exclude<FieldDefinition, { kind: 'leave_type' }>;

/**
 * The fields as one employee is asked them: a `leave_type` becomes a choice among their vacation balances (value:
 * the payroll system's type code, label: its name). The bot asks these, the service checks answers against them.
 */
export function resolveFields(fields: FieldDefinition[], context: { leaveTypes: { code: string; name: string }[] }): ResolvedField[] {
  return fields.map((field): ResolvedField => {
    if (field.kind !== 'leave_type') return field;
    const { kind: _kind, ...base } = field;
    return { ...base, kind: 'choice', options: context.leaveTypes.map((t) => ({ value: t.code, label: { ru: t.name, en: t.name } })) };
  });
}

export const FIELD_KINDS: readonly FieldKind[] = ['choice', 'text', 'year', 'date_range', 'copies', 'yes_no', 'leave_type'];
export const MAX_FIELDS = 20;
const KEY = /^[a-z][a-z0-9_]{0,31}$/;
/** Option values travel in callback data (64 bytes with the rest), so they stay short and plain. */
const OPTION_VALUE = /^[A-Za-z0-9_-]{1,32}$/;
const MAX_LABEL = 200;

export interface DefinitionProblem {
  /** e.g. "fields[2].options[0].value" */
  path: string;
  code: 'invalid_key' | 'duplicate_key' | 'unknown_kind' | 'bad_label' | 'bad_option' | 'duplicate_option' | 'out_of_range' | 'too_many_fields';
}

/**
 * Checks a type's fields as an admin edits them (the API schema checks the shape; this checks what the shape
 * cannot say): keys unique and plain, labels in both languages, options usable as buttons, limits in range.
 */
export function fieldDefinitionProblems(fields: unknown): DefinitionProblem[] {
  if (!Array.isArray(fields)) return [{ path: 'fields', code: 'unknown_kind' }];
  const problems: DefinitionProblem[] = [];
  if (fields.length > MAX_FIELDS) problems.push({ path: 'fields', code: 'too_many_fields' });
  const keys = new Set<string>();
  const label = (value: unknown) => {
    const l = value as Partial<Localized> | undefined;
    return typeof l?.ru === 'string' && typeof l.en === 'string' && l.ru.trim() !== '' && l.en.trim() !== '' && l.ru.length <= MAX_LABEL && l.en.length <= MAX_LABEL;
  };
  const int = (value: unknown, min: number, max: number) => Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
  fields.forEach((raw: unknown, i) => {
    const at = `fields[${i}]`;
    const field = (raw ?? {}) as Record<string, unknown>;
    if (typeof field.key !== 'string' || !KEY.test(field.key)) problems.push({ path: `${at}.key`, code: 'invalid_key' });
    else if (keys.has(field.key)) problems.push({ path: `${at}.key`, code: 'duplicate_key' });
    else keys.add(field.key);
    if (!label(field.label)) problems.push({ path: `${at}.label`, code: 'bad_label' });
    if (field.optional !== undefined && typeof field.optional !== 'boolean') problems.push({ path: `${at}.optional`, code: 'out_of_range' });
    switch (field.kind) {
      case 'choice': {
        const options = field.options;
        if (!Array.isArray(options) || options.length === 0 || options.length > 20) {
          problems.push({ path: `${at}.options`, code: 'bad_option' });
          break;
        }
        const values = new Set<string>();
        options.forEach((o: unknown, j) => {
          const option = (o ?? {}) as Record<string, unknown>;
          if (typeof option.value !== 'string' || !OPTION_VALUE.test(option.value) || !label(option.label)) problems.push({ path: `${at}.options[${j}]`, code: 'bad_option' });
          else if (values.has(option.value)) problems.push({ path: `${at}.options[${j}].value`, code: 'duplicate_option' });
          else values.add(option.value);
        });
        break;
      }
      case 'text':
        if (!int(field.maxLength, 1, 1000)) problems.push({ path: `${at}.maxLength`, code: 'out_of_range' });
        break;
      case 'year':
        if (!int(field.yearsBack, 0, 50)) problems.push({ path: `${at}.yearsBack`, code: 'out_of_range' });
        if (field.multiple !== undefined && !int(field.multiple, 1, 10)) problems.push({ path: `${at}.multiple`, code: 'out_of_range' });
        break;
      case 'date_range':
        if (!int(field.maxDays, 1, 3660)) problems.push({ path: `${at}.maxDays`, code: 'out_of_range' });
        break;
      case 'copies':
        if (!int(field.max, 0, 20)) problems.push({ path: `${at}.max`, code: 'out_of_range' });
        break;
      case 'yes_no':
      case 'leave_type':
        break;
      default:
        problems.push({ path: `${at}.kind`, code: 'unknown_kind' });
    }
  });
  return problems;
}

/** A definition with only what its kind knows (whatever else an API client sent is not stored). */
export function cleanFieldDefinition(field: FieldDefinition): FieldDefinition {
  const label = { ru: field.label.ru.trim(), en: field.label.en.trim() };
  const base = { key: field.key, label, ...(field.optional ? { optional: true } : {}) };
  switch (field.kind) {
    case 'choice':
      return { ...base, kind: 'choice', options: field.options.map((o) => ({ value: o.value, label: { ru: o.label.ru.trim(), en: o.label.en.trim() } })) };
    case 'text':
      return { ...base, kind: 'text', maxLength: field.maxLength };
    case 'year':
      return { ...base, kind: 'year', yearsBack: field.yearsBack, ...(field.multiple !== undefined ? { multiple: field.multiple } : {}) };
    case 'date_range':
      return { ...base, kind: 'date_range', maxDays: field.maxDays };
    case 'copies':
      return { ...base, kind: 'copies', max: field.max };
    case 'yes_no':
      return { ...base, kind: 'yes_no' };
    case 'leave_type':
      return { ...base, kind: 'leave_type' };
  }
}
