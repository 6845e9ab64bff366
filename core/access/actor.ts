import type { ActorType, ApiScope, Role } from '../db/generated/enums.ts';

/**
 * Who is acting. Every service that changes or reveals something an ordinary employee may not see takes one and
 * checks it itself (`authorize`), so the API and the bot share one set of rules and the audit log names the real
 * actor.
 * - `api-token`: a script or the payroll system calling the HTTP API, with the token's scopes.
 * - `employee`: a linked employee in Telegram, with their effective roles (see `employee-actor.ts`).
 * - `system`: Kabinet itself on the operator's behalf (CLI commands, jobs, start-up steps). It is never built from
 *   anything a caller sends, so it may do everything.
 */
export type Actor = ApiTokenActor | EmployeeActor | SystemActor;

export interface ApiTokenActor {
  readonly kind: 'api-token';
  readonly tokenId: string;
  readonly scopes: readonly ApiScope[];
}

export interface EmployeeActor {
  readonly kind: 'employee';
  /** The employee's internal id (not the payroll id). */
  readonly employeeId: string;
  readonly roles: readonly Role[];
}

export interface SystemActor {
  readonly kind: 'system';
}

export const SYSTEM_ACTOR: SystemActor = Object.freeze({ kind: 'system' });

export const apiTokenActor = (token: { tokenId: string; scopes: readonly ApiScope[] }): ApiTokenActor =>
  Object.freeze({ kind: 'api-token', tokenId: token.tokenId, scopes: Object.freeze([...token.scopes]) });

export const employeeActor = (employeeId: string, roles: readonly Role[]): EmployeeActor =>
  Object.freeze({ kind: 'employee', employeeId, roles: Object.freeze([...new Set(roles)].sort()) });

/** The audit log's columns for an actor: `audit(tx, { ...actorFields(actor), action: … })`. */
export function actorFields(actor: Actor): { actorType: ActorType; actorId: string | null } {
  switch (actor.kind) {
    case 'api-token':
      return { actorType: 'API_TOKEN', actorId: actor.tokenId };
    case 'employee':
      return { actorType: 'EMPLOYEE', actorId: actor.employeeId };
    case 'system':
      return { actorType: 'SYSTEM', actorId: null };
  }
}
