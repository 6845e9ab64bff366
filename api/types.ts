import type { Actor } from '../core/access/actor.ts';
import type { ApiPrincipal } from '../core/api-tokens/api-token.service.ts';
import type { Services } from '../core/container.ts';
import type { ApiScope } from '../core/db/generated/enums.ts';
import type { Language, TFunction } from '../core/i18n.ts';

declare module 'fastify' {
  interface FastifyRequest {
    language: Language;
    t: TFunction;
    services: Services;
    principal?: ApiPrincipal;
    /** Who is calling, for services to authorize and audit; set by the auth plugin on routes with scopes. */
    actor?: Actor;
    /** sha256 of the raw JSON body, computed only when an Idempotency-Key is present. */
    bodyHash?: string;
    idempotencyRecordId?: string;
  }
  interface FastifyContextConfig {
    /** The token needs one of these scopes; routes without it are public (health, docs). */
    scopes?: ApiScope[];
  }
}
