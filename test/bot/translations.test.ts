import i18next, { type i18n } from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTranslator, DEFAULT_LANGUAGE, LANGUAGES, readLocaleResources, type Translator } from '../../core/i18n.ts';

/**
 * The bot's `t` fills in strings i18next resolved once (core/i18n.ts, compiledT). Every string of every locale file,
 * in every plural form and context, with and without its placeholders, must read exactly as i18next itself gives it.
 */
const PLURAL_SUFFIX = /_(zero|one|two|few|many|other)$/;
const COUNTS = [0, 1, 2, 3, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111, 1.5, 18.67, -1];

function leaves(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}

const placeholders = (text: string) => [...text.matchAll(/\{\{\s*([A-Za-z_]\w*)\s*\}\}/g)].map((m) => m[1]!);

describe('translations', () => {
  const resources = readLocaleResources();
  let reference: i18n;
  let translator: Translator;

  beforeAll(() => {
    // i18next exactly as core/i18n.ts sets it up, called the plain way.
    reference = i18next.createInstance();
    void reference.init({
      resources, lng: DEFAULT_LANGUAGE, fallbackLng: DEFAULT_LANGUAGE, supportedLngs: [...LANGUAGES],
      ns: Object.keys(resources[DEFAULT_LANGUAGE] ?? {}), defaultNS: 'common', initAsync: false,
      interpolation: { escapeValue: false }, returnNull: false,
    });
    translator = createTranslator();
  });

  const expectSame = (lng: (typeof LANGUAGES)[number], ns: string, key: string, options?: Record<string, unknown>) => {
    const expected = reference.t(key, { ...options, lng, ns });
    // Twice: the first call resolves and keeps the string, the second fills in what was kept.
    expect(translator.t(lng, ns)(key, options), `${lng} ${ns}:${key} ${JSON.stringify(options)}`).toBe(expected);
    expect(translator.t(lng, ns)(key, options), `${lng} ${ns}:${key} ${JSON.stringify(options)} (again)`).toBe(expected);
  };

  it('gives every string of every locale as i18next does, in every plural form and context', () => {
    let checked = 0;
    for (const lng of LANGUAGES) {
      for (const [ns, tree] of Object.entries(resources[lng]!)) {
        const keys = leaves(tree);
        for (const leaf of keys) {
          const base = leaf.replace(PLURAL_SUFFIX, '');
          const names = [...new Set(keys.filter((k) => k.startsWith(base)).flatMap((k) => placeholders(String(reference.t(k, { lng, ns, skipInterpolation: true })))))];
          const filled = Object.fromEntries(names.map((name, i) => [name, i % 2 ? `«${name}»` : i * 7]));
          // Every reading of the key: as it is, and cut at each `_` as a context (`code_sent_sms` is `code_sent`
          // with context `sms`).
          const readings: { key: string; context?: string }[] = [{ key: base }];
          for (let at = base.indexOf('_'); at > 0; at = base.indexOf('_', at + 1)) readings.push({ key: base.slice(0, at), context: base.slice(at + 1) });
          for (const { key, context } of readings) {
            const ctx = context === undefined ? {} : { context };
            expectSame(lng, ns, key, { ...ctx });
            expectSame(lng, ns, key, { ...ctx, ...filled });
            for (const count of COUNTS) expectSame(lng, ns, key, { ...ctx, ...filled, count });
            checked++;
          }
        }
        // A key named with its namespace, from another namespace's `t`.
        const first = keys[0]!;
        expectSame(lng, 'common', `${ns}:${first.replace(PLURAL_SUFFIX, '')}`, { count: 3 });
      }
    }
    expect(checked).toBeGreaterThan(200);
  });

  it('hands anything unusual to i18next and still reads as i18next does', () => {
    const cases: [string, string, Record<string, unknown>?][] = [
      ['common', 'no.such.key'],
      ['common', 'linking:no_such_key', { count: 2 }],
      // Values written as they are, `$` patterns and braces included.
      ['common', 'vacation.title', { date: '$& $1 {{date}} $t(menu.help)' }],
      // A missing placeholder, a null one, an object one, one not used, an option i18next reads itself.
      ['common', 'vacation.title'],
      ['common', 'vacation.title', { date: null }],
      ['common', 'vacation.title', { date: { day: 1 } }],
      ['common', 'vacation.title', { date: '1.1.2027', unused: 1 }],
      ['common', 'vacation.title', { date: '1.1.2027', defaultValue: 'x' }],
      ['common', 'no.such.key', { defaultValue: 'given' }],
      // Counts and contexts of other types.
      ['common', 'days', { count: '3', formatted: '3' }],
      ['common', 'days', { count: Number.NaN, formatted: 'NaN' }],
      ['common', 'days', { count: 2, formatted: '2', context: '' }],
      ['linking', 'code_sent', { minutes: 10, context: 'sms' }],
      ['linking', 'code_sent', { minutes: 10, context: 'nonexistent' }],
      ['linking', 'code_sent', { minutes: 10, context: 7 }],
    ];
    for (const lng of LANGUAGES) for (const [ns, key, options] of cases) expectSame(lng, ns, key, options);
    // An array of keys: the first that exists.
    for (const lng of LANGUAGES) {
      expect(translator.t(lng)(['no.such.key', 'menu.help'])).toBe(reference.t(['no.such.key', 'menu.help'], { lng, ns: 'common' }));
    }
  });
});
