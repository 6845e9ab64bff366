import { createHash, randomUUID } from 'node:crypto';

/**
 * UUID version 7 (RFC 9562): time-ordered, so rows inserted together sit together in the primary-key index.
 * Generated here (not by the database) so that a payslip's lines can be inserted in the same batch as the payslip.
 */
export function uuidv7(now = Date.now()): string {
  // A version 4 UUID from Node's cached entropy gives the 74 random bits and the variant; the first 48 bits become
  // the time and the version nibble 7. (randomBytes per id cost more than the rest of a payslip's preparation.)
  const random = randomUUID();
  const time = now.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`;
}

export const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Stable fingerprint of a normalized value: BigInt and Date serialize deterministically. */
export function fingerprint(value: unknown): string {
  return createHash('sha1')
    .update(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)))
    .digest('base64url');
}
