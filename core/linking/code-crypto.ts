import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';

/** Six digits from the CSPRNG, leading zeros kept. */
export const generateCode = (): string => String(randomInt(0, 1_000_000)).padStart(6, '0');

/**
 * Keyed hash bound to the code's row: without the key a stolen table is useless, and equal codes of two rows
 * never hash alike.
 */
export const hashCode = (secret: string, codeId: string, code: string): string =>
  createHmac('sha256', secret).update(`${codeId}:${code}`).digest('hex');

export function codeMatches(secret: string, codeId: string, code: string, storedHash: string | null): boolean {
  // A decoy or not-yet-sent code still costs one HMAC and one comparison, like a real one.
  const expected = Buffer.from(storedHash ?? '0'.repeat(64), 'hex');
  const actual = Buffer.from(hashCode(secret, codeId, code), 'hex');
  return timingSafeEqual(expected, actual) && storedHash !== null;
}
