import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { scanEnvelope } from '../../core/imports/json-envelope.ts';

// What every other JSON body of the API goes through: the scan must never accept a body this parser refuses, and
// must read the items of a body it accepts exactly as this parser does.
const defaultParser = Fastify().getDefaultJsonParser('error', 'error');
function usualParse(text: string): { ok: true; value: unknown } | { ok: false } {
  let result: { ok: true; value: unknown } | { ok: false } = { ok: false };
  defaultParser({} as never, text, (error, value) => {
    result = error ? { ok: false } : { ok: true, value };
  });
  return result;
}

const itemsOf = (text: string) => {
  const scanned = scanEnvelope(Buffer.from(text));
  return scanned && scanned.starts.map((start, k) => JSON.parse(scanned.raw.toString('utf8', start, scanned.ends[k])) as unknown);
};

describe('scanEnvelope', () => {
  it('finds the items of an envelope as JSON.parse reads them, spacing, BOM, other keys and a repeated key included', () => {
    const items = [{ a: 1, b: [1, 2, { c: 'x' }] }, 'text', -1.5e-3, null, true, false, [], {}, { s: 'при\u0432ет "q" \\ \n \u0001 \ud83d\ude00' }];
    expect(itemsOf(JSON.stringify({ items }))).toEqual(items);
    expect(itemsOf(`\ufeff \r\n{ "before": {"items": 1}, "items" : ${JSON.stringify(items, null, 2)} , "after": [ ] }\n`)).toEqual(items);
    expect(itemsOf('{"items": [1], "items": [2, 3]}')).toEqual([2, 3]);
    expect(itemsOf('{"\\u0069tems": [{"a": 0}]}')).toEqual([{ a: 0 }]);
    expect(itemsOf('{"items": []}')).toEqual([]);
    // The item's bytes are exactly the value, without the spaces around it: what the raw hash is taken of.
    const scanned = scanEnvelope(Buffer.from('{"items":[ {"a":1} ,\n{"b":2}]}'))!;
    expect(scanned.starts.map((s, k) => scanned.raw.toString('utf8', s, scanned.ends[k]))).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('leaves to the usual parser whatever is not a well-formed envelope or carries a refused key', () => {
    const refused = [
      '', ' ', '[]', '"items"', '{}', '{"items": 1}', '{"items": [1], "items": {}}', '{"item": []}',
      '{"items": [1,]}', '{"items": [01]}', '{"items": [1.]}', '{"items": [.5]}', '{"items": [+1]}', '{"items": [1e]}', '{"items": [-]}',
      '{"items": ["a\u0001"]}', '{"items": ["\\x"]}', '{"items": ["\\u12"]}', '{"items": ["abc]}', '{"items": [tru]}', '{"items": [nul]}',
      '{"items": [1]} x', '{"items": [1]}}', '{"items": [1]', '{"items" [1]}', '{items: [1]}', "{'items': [1]}", '{"items": [1] "a": 2}',
      '{"items": [{"__proto__": {"x": 1}}]}', '{"items": [{"\\u005f_proto__": 1}]}', '{"__proto__": 1, "items": []}',
      '{"items": [{"constructor": {"prototype": {}}}]}', '{"constructor": {"prototype": 1}, "items": []}',
      `{"items": [${'['.repeat(300)}${']'.repeat(300)}]}`,
      // Only space, tab, CR and LF are JSON whitespace; a BOM only at the very start; no escaped forms of the keys.
      '{"items": [1]}\v', '\u00a0{"items": [1]}', '{"items":\u2028[1]}', '{"items": [1]}\ufeff', ' \ufeff{"items": [1]}',
      '{"items": [{"\\u0063onstructor": {"\\u0070rototype": 1}}]}', '{"items": [{"__pro\\u0074o__": 1}]}',
      '{"items": [Infinity]}', '{"items": [0x1]}', '{"items": [1e400x]}',
    ];
    for (const text of refused) expect(scanEnvelope(Buffer.from(text)), text).toBeNull();
    // Numbers JSON allows, however odd; invalid UTF-8 inside a string is read as the usual parser reads it (U+FFFD).
    expect(itemsOf('{"items": [-0, 1E+2, 1e400, 0.5e-7]}')).toEqual([-0, 100, Infinity, 0.5e-7]);
    const invalidUtf8 = Buffer.concat([Buffer.from('{"items": ["a'), Buffer.from([0xff, 0xc0, 0xaf, 0xed, 0xa0, 0x80]), Buffer.from('"]}')]);
    const scanned = scanEnvelope(invalidUtf8)!;
    expect(JSON.parse(scanned.raw.toString('utf8', scanned.starts[0], scanned.ends[0]))).toEqual((JSON.parse(invalidUtf8.toString('utf8')) as { items: unknown[] }).items[0]);
    // A key merely named so is fine where the usual parser takes it.
    expect(itemsOf('{"items": [{"constructor": {"a": 1}, "prototype": 2}]}')).toEqual([{ constructor: { a: 1 }, prototype: 2 }]);
  });

  it('never accepts a body the usual parser refuses, and reads accepted ones alike (random bodies and mutations)', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
    const value = (depth: number): unknown => {
      const r = random();
      if (depth > 3 || r < 0.3) return pick([0, -1, 1.25e10, 3.5, 'a', 'при"вет\\', '', null, true, false, '\u0000\u001f\u2028']);
      if (r < 0.6) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
      const keys = ['a', 'items', 'constructor', 'prototype', 'name', 'x y'];
      return Object.fromEntries(Array.from({ length: Math.floor(random() * 4) }, () => [pick(keys), value(depth + 1)]));
    };
    const alphabet = ['{', '}', '[', ']', '"', ',', ':', ' ', '\\', '0', '1', '-', '.', 'e', 'u', 'n', 't', '\n', '\u0001', '__proto__'];
    let accepted = 0;
    let wholeAccepted = 0;
    for (let n = 0; n < 3000; n++) {
      const envelope = { items: Array.from({ length: Math.floor(random() * 5) }, () => value(0)) };
      const whole = JSON.stringify(envelope, null, random() < 0.5 ? 0 : 1);
      // Unmutated (no repeated key): taken by the scan exactly when the usual parser takes it.
      expect(itemsOf(whole) !== null, whole).toBe(usualParse(whole).ok);
      if (itemsOf(whole) !== null) wholeAccepted++;
      let text = whole;
      for (let m = Math.floor(random() * 3); m >= 0; m--) {
        const at = Math.floor(random() * (text.length + 1));
        const op = random();
        if (op < 0.33) text = text.slice(0, at) + text.slice(at + 1);
        else if (op < 0.66) text = text.slice(0, at) + pick(alphabet) + text.slice(at);
        else text = text.slice(0, at) + pick(alphabet) + text.slice(at + 1);
      }
      const scanned = itemsOf(text);
      if (scanned === null) continue;
      accepted++;
      const usual = usualParse(text);
      expect(usual.ok, text).toBe(true);
      expect(scanned, text).toEqual((usual as { value: { items: unknown[] } }).value.items);
    }
    // Enough bodies of each kind are accepted for the check to mean something.
    expect(wholeAccepted).toBeGreaterThan(2000);
    expect(accepted).toBeGreaterThan(300);
  });
});

describe('rawHash', () => {
  it('hashes a row the same from its bytes, small or larger than the scratch buffer, as from its text', async () => {
    const { rawHash } = await import('../../core/imports/raw-hash.ts');
    for (const size of [10, 64 * 1024 - 20, 64 * 1024, 200 * 1024]) {
      const text = JSON.stringify({ s: 'я'.repeat(size / 2) });
      expect(rawHash('PAYSLIPS', 3, Buffer.from(text))).toBe(rawHash('PAYSLIPS', 3, text));
    }
    expect(rawHash('PAYSLIPS', 3, '{}')).not.toBe(rawHash('PAYSLIPS', 4, '{}'));
    expect(rawHash('PAYSLIPS', 3, '{}')).not.toBe(rawHash('EMPLOYEES', 3, '{}'));
  });
});
