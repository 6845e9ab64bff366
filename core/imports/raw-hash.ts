import { hash } from 'node:crypto';
import type { ImportKind } from '../db/generated/enums.ts';

/**
 * The hash of an uploaded row as it arrived: its JSON text as `JSON.stringify` writes the parsed value, so that the
 * same row hashes alike from the JSON envelope and from NDJSON, whatever the spacing. The kind and the
 * normalization version are part of it: bumping the version retires every stored hash. A key order or a number's
 * spelling that differs only makes the row take the full path (where its fingerprint still finds it unchanged).
 */
export function rawHash(kind: ImportKind, version: number, item: unknown): string {
  return hash('sha256', `${kind}:${version}\n${JSON.stringify(item)}`, 'base64url');
}

/**
 * `fingerprint` (util/ids.ts) for a value holding no BigInt: the same bytes, without a replacer function called for
 * every key and value.
 */
export function jsonFingerprint(value: unknown): string {
  return hash('sha1', JSON.stringify(value), 'base64url');
}
