import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import i18next, { type i18n, type Resource, type TFunction } from 'i18next';

export const LANGUAGES = ['ru', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'ru';
export type { TFunction };

export const LOCALES_DIR = fileURLToPath(new URL('../locales', import.meta.url));

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
  // Passing the language and namespace straight to `t` gives the same strings several times faster.
  const fixed = new Map<string, TFunction>();
  const fixedT = (language: Language, namespace: string): TFunction => {
    const key = `${language}|${namespace}`;
    let t = fixed.get(key);
    if (!t) {
      t = ((k: string | string[], options?: Record<string, unknown>) => instance.t(k, { ...options, lng: language, ns: namespace })) as TFunction;
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
