import { randomBytes } from 'node:crypto';
import { audit } from '../audit/audit-log.ts';
import type { Db } from '../db/database.ts';
import type { ApiScope } from '../db/generated/enums.ts';
import { sha256 } from '../util/ids.ts';

export interface ApiPrincipal {
  tokenId: string;
  name: string;
  scopes: ApiScope[];
}

const TOKEN_PREFIX = 'kbt_';
// Writing last-used on every call would turn each read into a write; a minute's precision is enough.
const LAST_USED_PRECISION_MS = 60_000;

export function createApiTokenService(db: Db) {
  /** Creates a token; the secret is returned once and only its hash is kept. */
  async function create(name: string, scopes: ApiScope[]): Promise<{ token: string; id: string }> {
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const record = await db.apiToken.create({
      data: { name, scopes: [...new Set(scopes)], prefix: token.slice(0, 12), tokenHash: sha256(token) },
    });
    await audit(db, { actorType: 'SYSTEM', actorId: null, action: 'api_token.create', entityType: 'ApiToken', entityId: record.id, details: { name, scopes } });
    return { token, id: record.id };
  }

  async function authenticate(token: string): Promise<ApiPrincipal | null> {
    if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
    const record = await db.apiToken.findUnique({ where: { tokenHash: sha256(token) } });
    if (!record || record.revokedAt) return null;
    if (!record.lastUsedAt || Date.now() - record.lastUsedAt.getTime() > LAST_USED_PRECISION_MS) {
      await db.apiToken.update({ where: { id: record.id }, data: { lastUsedAt: new Date() } });
    }
    return { tokenId: record.id, name: record.name, scopes: record.scopes };
  }

  async function revoke(id: string): Promise<boolean> {
    const { count } = await db.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
    return count > 0;
  }

  return { create, authenticate, revoke };
}

export type ApiTokenService = ReturnType<typeof createApiTokenService>;
