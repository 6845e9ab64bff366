import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * PDF passwords are encrypted, not hashed: each payslip PDF is encrypted with the password itself, so Kabinet must
 * be able to read it back. AES-256-GCM with a key derived from PDF_PASSWORD_KEY (kept in the environment, not the
 * database): a stolen database alone reveals nothing, and a tampered value fails authentication.
 */
export function createPasswordBox(secret: string) {
  const key = Buffer.from(hkdfSync('sha256', secret, 'kabinet', 'pdf-password-v1', 32));
  return {
    seal(password: string): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(password, 'utf8'), cipher.final()]);
      return `v1.${iv.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}.${data.toString('base64url')}`;
    },
    open(sealed: string): string | null {
      const [version, iv, tag, data] = sealed.split('.');
      if (version !== 'v1' || !iv || !tag || data === undefined) return null;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        return null;
      }
    },
  };
}

export type PasswordBox = ReturnType<typeof createPasswordBox>;

/** 8–64 characters with at least one letter and one digit (the 1С guide asks for strong passwords). */
export function passwordProblem(password: string): 'too_short' | 'too_long' | 'too_simple' | null {
  if (password.length < 8) return 'too_short';
  if (password.length > 64) return 'too_long';
  if (!/\p{L}/u.test(password) || !/\d/.test(password)) return 'too_simple';
  return null;
}
