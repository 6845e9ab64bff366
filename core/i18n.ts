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
  return {
    t: (language, namespace) => instance.getFixedT(language, namespace ?? 'common'),
    pick: (hint) => {
      for (const part of (hint ?? '').split(',')) {
        const tag = part.split(';')[0]?.trim().toLowerCase().slice(0, 2);
        if (tag && (LANGUAGES as readonly string[]).includes(tag)) return tag as Language;
      }
      return DEFAULT_LANGUAGE;
    },
  };
}
