import { ApiScope, Role } from '../db/generated/enums.ts';
import { AppError } from '../errors.ts';
import type { Actor } from './actor.ts';

interface Grant {
  /** API token scopes that carry the permission. */
  readonly scopes: readonly ApiScope[];
  /** Employee roles that carry it. */
  readonly roles: readonly Role[];
}

const { ADMIN, HR, IMPORT } = ApiScope;

/**
 * The one table of who may do what. API routes take their scope gate from it (`scopesGranting`) and services check
 * it again with the actor they are given, so a permission changed here changes the API and the bot together.
 * An empty grant means "the system only" (CLI commands).
 */
export const PERMISSIONS = {
  /** Read and replace the cabinet settings (address, responsible employee, scope). */
  'cabinet.settings': { scopes: [ADMIN], roles: [Role.ADMIN] },
  /** Publish and unpublish cabinets. */
  'cabinet.publish': { scopes: [ADMIN], roles: [Role.ADMIN] },
  /** The employee directory with cabinet states and which contacts exist. */
  'employees.read': { scopes: [ADMIN], roles: [Role.ADMIN] },
  /** Lift a sign-in lock after too many wrong codes. */
  'employees.unlock': { scopes: [ADMIN], roles: [Role.ADMIN] },
  /** Grant and revoke the ADMIN and HR roles. */
  'roles.manage': { scopes: [ADMIN], roles: [Role.ADMIN] },
  /** Send cabinet invitations (single and bulk). */
  'invitations.send': { scopes: [ADMIN], roles: [Role.ADMIN] },
  /** Upload HR data and payslips: the payroll system's job, never a person's in Telegram. */
  'imports.write': { scopes: [IMPORT], roles: [] },
  /** Read how an upload went. */
  'imports.read': { scopes: [IMPORT, ADMIN], roles: [Role.ADMIN] },
  /** Work the certificate request queue: take, complete, reject. */
  'certificates.queue': { scopes: [HR], roles: [Role.HR] },
  /** Edit the certificate catalogue. */
  'catalogue.manage': { scopes: [ADMIN], roles: [Role.ADMIN] },
  /** Make a Telegram group the HR chat (/hrchat), where new requests are posted. */
  'hr-chat.bind': { scopes: [ADMIN], roles: [Role.ADMIN] },
  /** Read the audit log. */
  'audit.read': { scopes: [ADMIN], roles: [Role.ADMIN] },
  /** Who has and has not acknowledged a period's payslips. */
  'payslips.acknowledgements.read': { scopes: [ADMIN, HR], roles: [Role.ADMIN, Role.HR] },
  /** Create and revoke API tokens: a token able to mint tokens would outlive any revocation. */
  'api-tokens.manage': { scopes: [], roles: [] },
} as const satisfies Record<string, Grant>;

export type Permission = keyof typeof PERMISSIONS;

export const ALL_PERMISSIONS = Object.keys(PERMISSIONS) as Permission[];

export function can(actor: Actor, permission: Permission): boolean {
  const grant: Grant = PERMISSIONS[permission];
  switch (actor.kind) {
    case 'system':
      return true;
    case 'api-token':
      return grant.scopes.some((s) => actor.scopes.includes(s));
    case 'employee':
      return grant.roles.some((r) => actor.roles.includes(r));
  }
}

/** Throws FORBIDDEN unless the actor holds the permission. Call it before reading anything the caller asks about. */
export function authorize(actor: Actor, permission: Permission): void {
  if (!can(actor, permission)) throw new AppError('FORBIDDEN', 'forbidden', { permission });
}

/** The API scopes that carry a permission, for a route's first gate (it answers 403 INSUFFICIENT_SCOPE). */
export const scopesGranting = (permission: Permission): ApiScope[] => [...PERMISSIONS[permission].scopes];

/** The employee roles that carry a permission (e.g. for a bot command menu). */
export const rolesGranting = (permission: Permission): Role[] => [...PERMISSIONS[permission].roles];
