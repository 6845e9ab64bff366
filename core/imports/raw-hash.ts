import { createHash, hash } from 'node:crypto';
import type { ImportKind } from '../db/generated/enums.ts';

/**
 * The hash of an uploaded row as it arrived: its JSON text, byte for byte (an item of a JSON envelope or a line of
 * NDJSON as sent, or `JSON.stringify` of a row that came parsed, which gives the same bytes for a row sent without
 * spaces). The kind and the normalization version are part of it: bumping the version retires every stored hash.
 * Rows that differ only in spacing, key order or a number's spelling take the full path, where their fingerprint
 * still finds them unchanged (and the hash they came with is stored, for the next time they come alike).
 */
export function rawHash(kind: ImportKind, version: number, json: string | Buffer): string {
  const prefix = `${kind}:${version}\n`;
  if (typeof json === 'string') return hash('sha256', prefix + json, 'base64url');
  const length = prefix.length + json.length;
  // A row too large for the scratch buffer (rows are a few KB; an upload may hold a freak one) is hashed in parts,
  // so that the buffer never grows and keeps no memory after it.
  if (length > scratch.length) return createHash('sha256').update(prefix).update(json).digest('base64url');
  // One-shot hashing of prefix and bytes together, through a buffer reused from row to row: rows are hashed by the
  // hundred thousand, and a fresh buffer (or Hash object) for each one is most of what they would cost.
  scratch.write(prefix, 0, 'latin1');
  json.copy(scratch, prefix.length);
  return hash('sha256', scratch.subarray(0, length), 'base64url');
}

const scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * `fingerprint` (util/ids.ts) for a value holding no BigInt: the same bytes, without a replacer function called for
 * every key and value.
 */
export function jsonFingerprint(value: unknown): string {
  return hash('sha1', JSON.stringify(value), 'base64url');
}
