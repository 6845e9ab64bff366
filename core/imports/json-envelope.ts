// A JSON upload (`{"items": [...]}`) read from its bytes: the body is checked to be JSON exactly as the parser of
// every other JSON body would check it, and each item's bytes are found without building the item. The runner then
// hashes an item's bytes to find it unchanged, and parses only the items it has to store: an unchanged re-upload
// never turns its megabytes into objects, and a first upload holds a batch of parsed rows at a time instead of all.

/** Where the items of an envelope are in its body: item `k` is `raw[starts[k]..ends[k])`. */
export interface EnvelopeItems {
  raw: Buffer;
  starts: number[];
  ends: number[];
}

type Spans = { starts: number[]; ends: number[] };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/** Deeper bodies take the usual path (parsed whole): no upload row comes near it, and the scan recurses. */
const MAX_DEPTH = 256;

const enum Key {
  Other,
  Items,
  Proto,
  Constructor,
  Prototype,
}

const isDigit = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x39;
const isHex = (c: number | undefined) =>
  c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66));

/** Marks "not what the fast path takes": the caller parses the body the usual way, which decides about it. */
const NO = -1;

/**
 * A strict JSON scanner over bytes. Every method takes the index of a value's first byte and returns the index just
 * after it, or NO. Anything it cannot vouch for is NO, never a guess: the usual parser then has the last word.
 */
class Scanner {
  items: Spans | null = null;

  constructor(private readonly b: Buffer) {}

  ws(i: number): number {
    const b = this.b;
    while (i < b.length) {
      const c = b[i]!;
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      i++;
    }
    return i;
  }

  value(i: number, depth: number): number {
    const c = this.b[i];
    if (c === QUOTE) return this.string(i);
    if (c === OPEN_OBJECT) return this.object(i, depth + 1, false);
    if (c === OPEN_ARRAY) return this.array(i, depth + 1);
    if (c === 0x74) return this.literal(i, 'true');
    if (c === 0x66) return this.literal(i, 'false');
    if (c === 0x6e) return this.literal(i, 'null');
    return this.number(i);
  }

  string(i: number): number {
    const b = this.b;
    const n = b.length;
    i++;
    while (i < n) {
      const c = b[i]!;
      if (c === QUOTE) return i + 1;
      if (c < 0x20) return NO;
      if (c === BACKSLASH) {
        const e = b[i + 1];
        if (e === 0x75) {
          if (!isHex(b[i + 2]) || !isHex(b[i + 3]) || !isHex(b[i + 4]) || !isHex(b[i + 5])) return NO;
          i += 6;
          continue;
        }
        // " \ / b f n r t
        if (e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
          i += 2;
          continue;
        }
        return NO;
      }
      i++;
    }
    return NO;
  }

  number(i: number): number {
    const b = this.b;
    if (b[i] === 0x2d) i++;
    if (b[i] === 0x30) i++;
    else if (isDigit(b[i])) while (isDigit(b[i])) i++;
    else return NO;
    if (b[i] === 0x2e) {
      i++;
      if (!isDigit(b[i])) return NO;
      while (isDigit(b[i])) i++;
    }
    if (b[i] === 0x65 || b[i] === 0x45) {
      i++;
      if (b[i] === 0x2b || b[i] === 0x2d) i++;
      if (!isDigit(b[i])) return NO;
      while (isDigit(b[i])) i++;
    }
    return i;
  }

  literal(i: number, word: string): number {
    for (let k = 0; k < word.length; k++) if (this.b[i + k] !== word.charCodeAt(k)) return NO;
    return i + word.length;
  }

  /** An array; with `spans`, where each of its elements is. */
  array(i: number, depth: number, spans?: Spans): number {
    if (depth > MAX_DEPTH) return NO;
    const b = this.b;
    i = this.ws(i + 1);
    if (b[i] === CLOSE_ARRAY) return i + 1;
    for (;;) {
      const start = i;
      i = this.value(i, depth);
      if (i === NO) return NO;
      if (spans) {
        spans.starts.push(start);
        spans.ends.push(i);
      }
      i = this.ws(i);
      if (b[i] === COMMA) i = this.ws(i + 1);
      else if (b[i] === CLOSE_ARRAY) return i + 1;
      else return NO;
    }
  }

  /**
   * An object. The keys the JSON body parser refuses (prototype poisoning: `__proto__` anywhere, `prototype` in the
   * value of a `constructor`) make it NO, so that the body gets that parser's answer. The body's own object (`top`)
   * notes where the elements of its last `items` array are, in `items` (null when that `items` is no array).
   */
  object(i: number, depth: number, constructorValue: boolean, top = false): number {
    if (depth > MAX_DEPTH) return NO;
    const b = this.b;
    i = this.ws(i + 1);
    if (b[i] === CLOSE_OBJECT) return i + 1;
    for (;;) {
      if (b[i] !== QUOTE) return NO;
      const keyStart = i;
      i = this.string(i);
      if (i === NO) return NO;
      const key = this.key(keyStart, i);
      if (key === Key.Proto || (constructorValue && key === Key.Prototype)) return NO;
      i = this.ws(i);
      if (b[i] !== COLON) return NO;
      i = this.ws(i + 1);
      if (top && key === Key.Items) {
        // As JSON.parse reads a repeated key: the last one counts.
        this.items = b[i] === OPEN_ARRAY ? { starts: [], ends: [] } : null;
        i = this.items ? this.array(i, depth + 1, this.items) : this.value(i, depth);
      } else i = key === Key.Constructor && b[i] === OPEN_OBJECT ? this.object(i, depth + 1, true) : this.value(i, depth);
      if (i === NO) return NO;
      i = this.ws(i);
      if (b[i] === COMMA) i = this.ws(i + 1);
      else if (b[i] === CLOSE_OBJECT) return i + 1;
      else return NO;
    }
  }

  /**
   * Which of the keys that matter the string at [start, end) (quotes included) is, escapes decoded. Called for
   * every key of the body: it compares bytes in place and allocates only for a key with escapes.
   */
  key(start: number, end: number): Key {
    const b = this.b;
    for (let k = start + 1; k < end - 1; k++) {
      if (b[k] === BACKSLASH) return keyOf(JSON.parse(b.toString('utf8', start, end)) as string);
    }
    switch (end - start - 2) {
      case 5:
        return this.is(start + 1, 'items') ? Key.Items : Key.Other;
      case 9:
        return this.is(start + 1, '__proto__') ? Key.Proto : this.is(start + 1, 'prototype') ? Key.Prototype : Key.Other;
      case 11:
        return this.is(start + 1, 'constructor') ? Key.Constructor : Key.Other;
      default:
        return Key.Other;
    }
  }

  private is(at: number, word: string): boolean {
    for (let k = 0; k < word.length; k++) if (this.b[at + k] !== word.charCodeAt(k)) return false;
    return true;
  }
}

function keyOf(text: string): Key {
  if (text === 'items') return Key.Items;
  if (text === '__proto__') return Key.Proto;
  if (text === 'constructor') return Key.Constructor;
  if (text === 'prototype') return Key.Prototype;
  return Key.Other;
}

/**
 * The items of a body that is a JSON object with an `items` array, as JSON.parse (behind the prototype-poisoning
 * check of the body parser) would read it: the last `items` key counts, other keys are skipped. Null for anything
 * else (not JSON, not an envelope, a refused key, nesting deeper than MAX_DEPTH): such a body is parsed the usual
 * way, whose answer (a 400, or an envelope the usual path takes) it then gets.
 */
export function scanEnvelope(raw: Buffer): EnvelopeItems | null {
  const s = new Scanner(raw);
  const start = s.ws(raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf ? 3 : 0);
  if (raw[start] !== OPEN_OBJECT) return null;
  const end = s.object(start, 1, false, true);
  if (end === NO || s.ws(end) !== raw.length || s.items === null) return null;
  return { raw, ...s.items };
}
