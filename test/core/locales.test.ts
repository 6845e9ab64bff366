import { describe, expect, it } from 'vitest';
import { LANGUAGES, readLocaleResources } from '../../core/i18n.ts';

type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}

const PLURAL = /_(zero|one|two|few|many|other)$/;
const resources = readLocaleResources();
const keysOf = (lng: string) => {
  const keys = new Map<string, string>();
  for (const [ns, tree] of Object.entries(resources[lng] ?? {})) for (const [k, v] of flatten(tree as Tree)) keys.set(`${ns}:${k}`, v);
  return keys;
};

describe('locales', () => {
  const ru = keysOf('ru');
  const en = keysOf('en');
  const base = (keys: Map<string, string>) => new Set([...keys.keys()].map((k) => k.replace(PLURAL, '')));

  it('have the same keys in every language (plural forms aside)', () => {
    expect(LANGUAGES).toEqual(['ru', 'en']);
    expect([...base(ru)].sort()).toEqual([...base(en)].sort());
  });

  it('give every Russian plural its one, few, many and other forms', () => {
    const plurals = [...ru.keys()].filter((k) => PLURAL.test(k)).map((k) => k.replace(PLURAL, ''));
    expect(plurals.length).toBeGreaterThan(0);
    for (const key of new Set(plurals)) {
      for (const form of ['one', 'few', 'many', 'other']) expect(ru.has(`${key}_${form}`), `${key}_${form}`).toBe(true);
    }
  });

  it('give every English plural its one and other forms', () => {
    for (const key of new Set([...en.keys()].filter((k) => PLURAL.test(k)).map((k) => k.replace(PLURAL, '')))) {
      for (const form of ['one', 'other']) expect(en.has(`${key}_${form}`), `${key}_${form}`).toBe(true);
    }
  });

  it('use the same placeholders in every language', () => {
    const placeholders = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
    for (const key of base(ru)) {
      const ruText = ru.get(key) ?? ru.get(`${key}_other`)!;
      const enText = en.get(key) ?? en.get(`${key}_other`)!;
      expect(placeholders(enText), key).toEqual(placeholders(ruText));
    }
  });
});
