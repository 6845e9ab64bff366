import { randomBytes } from 'node:crypto';
import { actorFields, apiTokenActor, SYSTEM_ACTOR, type Actor, type ApiTokenActor } from '../access/actor.ts';
import { authorize } from '../access/permissions.ts';
import { audit } from '../audit/audit-log.ts';
import { systemClock, type Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import type { ApiScope } from '../db/generated/enums.ts';
import { sha256 } from '../util/ids.ts';

export interface ApiPrincipal {
  tokenId: string;
  name: string;
  scopes: ApiScope[];
  /** The token as the actor services check and audit. */
  actor: ApiTokenActor;
}

const TOKEN_PREFIX = 'kbt_';
// Writing last-used on every call would turn each read into a write; a minute's precision is enough.
const LAST_USED_PRECISION_MS = 60_000;

export function createApiTokenService(db: Db, clock: Clock = systemClock) {
  /**
   * Creates a token; the secret is returned once and only its hash is kept. Only the system (CLI commands) may:
   * a token that could mint tokens would survive its own revocation.
   */
  async function create(name: string, scopes: ApiScope[], actor: Actor = SYSTEM_ACTOR): Promise<{ token: string; id: string }> {
    authorize(actor, 'api-tokens.manage');
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const record = await db.apiToken.create({
      data: { name, scopes: [...new Set(scopes)], prefix: token.slice(0, 12), tokenHash: sha256(token) },
    });
    await audit(db, { ...actorFields(actor), action: 'api_token.create', entityType: 'ApiToken', entityId: record.id, details: { name, scopes } });
    return { token, id: record.id };
  }

  async function authenticate(token: string): Promise<ApiPrincipal | null> {
    if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
    const record = await db.apiToken.findUnique({ where: { tokenHash: sha256(token) } });
    if (!record || record.revokedAt) return null;
    const now = clock.now();
    if (!record.lastUsedAt || now.getTime() - record.lastUsedAt.getTime() > LAST_USED_PRECISION_MS) {
      await db.apiToken.update({ where: { id: record.id }, data: { lastUsedAt: now } });
    }
    return { tokenId: record.id, name: record.name, scopes: record.scopes, actor: apiTokenActor({ tokenId: record.id, scopes: record.scopes }) };
  }

  async function revoke(id: string, actor: Actor = SYSTEM_ACTOR): Promise<boolean> {
    authorize(actor, 'api-tokens.manage');
    return db.$transaction(async (tx) => {
      const { count } = await tx.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: clock.now() } });
      if (count > 0) await audit(tx, { ...actorFields(actor), action: 'api_token.revoke', entityType: 'ApiToken', entityId: id });
      return count > 0;
    });
  }

  /**
   * Revokes a token by id, or every unrevoked token with a name (`npm run token:revoke`). Returns what it revoked
   * (nothing for an unknown id or name, or a token revoked before).
   */
  async function revokeMatching(selector: { id: string } | { name: string }, actor: Actor = SYSTEM_ACTOR): Promise<{ id: string; name: string }[]> {
    authorize(actor, 'api-tokens.manage');
    if ('id' in selector && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(selector.id)) return [];
    const matches = await db.apiToken.findMany({ where: { ...('id' in selector ? { id: selector.id } : { name: selector.name }), revokedAt: null }, select: { id: true, name: true } });
    const revoked: { id: string; name: string }[] = [];
    for (const token of matches) if (await revoke(token.id, actor)) revoked.push(token);
    return revoked;
  }

  return { create, authenticate, revoke, revokeMatching };
}

export type ApiTokenService = ReturnType<typeof createApiTokenService>;
