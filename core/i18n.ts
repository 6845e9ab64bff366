import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import i18next, { type i18n, type Resource, type TFunction } from 'i18next';
import { projectPath } from './project-root.ts';

export const LANGUAGES = ['ru', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'ru';
export type { TFunction };

export const LOCALES_DIR = projectPath('locales');

/** Every `locales/<lng>/<namespace>.json`, read once at start-up. */
export function readLocaleResources(dir = LOCALES_DIR): Resource {
  const resources: Resource = {};
  for (const lng of LANGUAGES) {
    resources[lng] = {};
    for (const file of readdirSync(path.join(dir, lng)).filter((f) => f.endsWith('.json'))) {
      resources[lng][path.basename(file, '.json')] = JSON.parse(readFileSync(path.join(dir, lng, file), 'utf8'));
    }
  }
  return resources;
}

export interface Translator {
  /** A `t` fixed to one language; the global language is never switched (requests run concurrently). */
  t(language: Language, namespace?: string): TFunction;
  /** Best match for an Accept-Language header or Telegram's language_code. */
  pick(hint: string | undefined | null): Language;
}

export function createTranslator(): Translator {
  const instance: i18n = i18next.createInstance();
  const resources = readLocaleResources();
  void instance.init({
    resources,
    lng: DEFAULT_LANGUAGE,
    fallbackLng: DEFAULT_LANGUAGE,
    supportedLngs: [...LANGUAGES],
    ns: Object.keys(resources[DEFAULT_LANGUAGE] ?? {}),
    defaultNS: 'common',
    initAsync: false,
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  // getFixedT's function copies every i18next option on each call (tens of µs); a bot answer makes a dozen calls.
  // Passing the language and namespace straight to `t` gives the same strings several times faster, and a string
  // i18next has resolved once is then filled in without it (see compiledT).
  const fixed = new Map<string, TFunction>();
  const fixedT = (language: Language, namespace: string): TFunction => {
    const key = `${language}|${namespace}`;
    let t = fixed.get(key);
    if (!t) {
      t = compiledT(instance, language, namespace);
      fixed.set(key, t);
    }
    return t;
  };
  return {
    t: (language, namespace) => fixedT(language, namespace ?? 'common'),
    pick: (hint) => {
      for (const part of (hint ?? '').split(',')) {
        const tag = part.split(';')[0]?.trim().toLowerCase().slice(0, 2);
        if (tag && (LANGUAGES as readonly string[]).includes(tag)) return tag as Language;
      }
      return DEFAULT_LANGUAGE;
    },
  };
}

/** A resolved string cut at its `{{placeholders}}`: text, name, text, name, …, text. */
type Template = { parts: string[]; names: Set<string> };
/** What i18next itself must answer: a missing key, a fallback language, nesting, formats, unusual options. */
const BY_I18NEXT = 'i18next' as const;
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
/** Options `t` reads beyond placeholders (count and context are looked at here). */
const SELECTORS = new Set(['count', 'context']);
/** Templates cached per language and namespace at most: keys and their plural and context variants are finite. */
const MAX_TEMPLATES = 5_000;

function compile(text: string): Template | null {
  if (text.includes('$t(')) return null;
  const parts = text.split(PLACEHOLDER);
  // Anything else in braces (a format, `{{- unescaped}}`, a path) is left to i18next.
  if (parts.some((part, i) => i % 2 === 0 && part.includes('{{'))) return null;
  return { parts, names: new Set(parts.filter((_, i) => i % 2 === 1)) };
}

/**
 * `t` for one language and namespace that gives i18next's strings without running i18next on every call: the key is
 * resolved by i18next once per plural form and context (its own lookup order and plural rules) and the result is
 * kept cut at its placeholders; later calls only fill them in (escapeValue is off, values are written as they
 * are). Anything the cut template cannot reproduce exactly goes to i18next: a key missing in this language (its
 * fallback picks plural forms by another language's rules), nesting, formats, a placeholder without a string or
 * number value, an option other than count, context and the placeholders themselves.
 */
function compiledT(instance: i18n, language: Language, namespace: string): TFunction {
  const viaI18next = (key: unknown, options?: Record<string, unknown>) =>
    instance.t(key as string, { ...options, lng: language, ns: namespace });
  const rule = new Intl.PluralRules(language);
  const templates = new Map<string, Template | typeof BY_I18NEXT>();

  const resolve = (key: string, count: number | undefined, context: string | undefined): Template | typeof BY_I18NEXT => {
    const details = instance.t(key, { lng: language, ns: namespace, count, context, skipInterpolation: true, returnDetails: true });
    const { res, usedLng, usedNS, exactUsedKey } = details as unknown as { res: unknown; usedLng: string; usedNS: string; exactUsedKey: string };
    const found = typeof res === 'string' && usedLng === language && instance.getResource(usedLng, usedNS, exactUsedKey) === res;
    return (found && compile(res)) || BY_I18NEXT;
  };

  return ((key: unknown, options?: Record<string, unknown>) => {
    if (typeof key !== 'string') return viaI18next(key, options);
    const count = options?.count;
    const context = options?.context;
    if ((count !== undefined && (typeof count !== 'number' || !Number.isFinite(count))) || (context !== undefined && typeof context !== 'string')) {
      return viaI18next(key, options);
    }
    // The plural form as i18next picks it (its `_zero` lookup for 0 included), and the context, name the variant.
    const form = count === undefined ? '' : count === 0 ? 'zero' : rule.select(count);
    const variant = form === '' && !context ? key : `${key}\u0000${form}\u0000${context ?? ''}`;
    let template = templates.get(variant);
    if (template === undefined) {
      template = resolve(key, count, context || undefined);
      if (templates.size < MAX_TEMPLATES) templates.set(variant, template);
    }
    if (template === BY_I18NEXT) return viaI18next(key, options);
    if (options) {
      for (const name in options) if (!SELECTORS.has(name) && !template.names.has(name)) return viaI18next(key, options);
    }
    const { parts } = template;
    let text = parts[0]!;
    for (let i = 1; i < parts.length; i += 2) {
      const value = options?.[parts[i]!];
      if (typeof value !== 'string' && typeof value !== 'number') return viaI18next(key, options);
      text += value + parts[i + 1]!;
    }
    return text;
  }) as TFunction;
}
