/**
 * Typed callback data: one codec per kind of button, used both by whoever draws the button (a feature's keyboard, a
 * renderer of a job's intent) and by the feature that handles the press, so the two cannot drift apart.
 * Wire format: `prefix:field1:field2…`, at most 64 bytes (Telegram's limit). Whatever a press carries is untrusted:
 * `unpack` returns null for anything that is not exactly what `pack` makes, and handlers check ownership anyway.
 */

export interface FieldCodec<T> {
  /** A regular expression source that matches exactly the encoded values (no ':' in it). */
  pattern: string;
  encode(value: T): string;
  /** null for text that matches the pattern but is no value (e.g. a number out of range). */
  decode(text: string): T | null;
}

type Values<F extends Record<string, FieldCodec<unknown>>> = { [K in keyof F]: F[K] extends FieldCodec<infer T> ? T : never };

export interface CallbackCodec<F extends Record<string, FieldCodec<unknown>>> {
  prefix: string;
  pack(values: Values<F>): string;
  unpack(data: string | undefined): Values<F> | null;
  /** Matches the exact shape of this codec's data (for `composer.callbackQuery`). */
  filter: RegExp;
  /** Matches any data with this codec's prefix, well formed or not: stale or forged buttons. */
  anyWithPrefix: RegExp;
}

const MAX_BYTES = 64;
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function callbackCodec<F extends Record<string, FieldCodec<unknown>>>(prefix: string, fields: F): CallbackCodec<F> {
  if (!/^[a-z][a-z0-9-]*$/.test(prefix)) throw new Error(`callback prefix must be lower-case letters, digits, -: ${prefix}`);
  const names = Object.keys(fields) as (keyof F & string)[];
  const filter = new RegExp(`^${escapeRegExp(prefix)}${names.map((n) => `:(${fields[n]!.pattern})`).join('')}$`);
  return {
    prefix,
    filter,
    anyWithPrefix: new RegExp(`^${escapeRegExp(prefix)}(:|$)`),
    pack(values) {
      const data = [prefix, ...names.map((n) => fields[n]!.encode(values[n]))].join(':');
      if (Buffer.byteLength(data) > MAX_BYTES) throw new Error(`callback data of ${prefix} is longer than ${MAX_BYTES} bytes`);
      if (!filter.test(data)) throw new Error(`callback data of ${prefix} does not match its own pattern`);
      return data;
    },
    unpack(data) {
      const match = data === undefined ? null : filter.exec(data);
      if (!match) return null;
      const values: Record<string, unknown> = {};
      for (const [i, n] of names.entries()) {
        const value = fields[n]!.decode(match[i + 1]!);
        if (value === null) return null;
        values[n] = value;
      }
      return values as Values<F>;
    },
  };
}

/** A UUID as 22 base64url characters: a button carries an opaque id well inside the 64 bytes. */
export const uuidField: FieldCodec<string> = {
  pattern: '[A-Za-z0-9_-]{22}',
  encode: (uuid) => Buffer.from(uuid.replace(/-/g, ''), 'hex').toString('base64url'),
  decode(short) {
    const hex = Buffer.from(short, 'base64url').toString('hex');
    if (hex.length !== 32) return null;
    // base64url of 16 bytes has 4 spare bits in its last character: only the canonical spelling is a value.
    if (Buffer.from(hex, 'hex').toString('base64url') !== short) return null;
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  },
};

/** A four-digit year. */
export const yearField: FieldCodec<number> = {
  pattern: '\\d{4}',
  encode: (year) => String(year),
  decode: (text) => Number(text),
};
