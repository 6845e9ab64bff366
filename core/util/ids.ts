import { createHash, randomBytes } from 'node:crypto';

/**
 * UUID version 7 (RFC 9562): time-ordered, so rows inserted together sit together in the primary-key index.
 * Generated here (not by the database) so that a payslip's lines can be inserted in the same batch as the payslip.
 */
export function uuidv7(now = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Stable fingerprint of a normalized value: BigInt and Date serialize deterministically. */
export function fingerprint(value: unknown): string {
  return createHash('sha1')
    .update(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)))
    .digest('base64url');
}
