import { describe, expect, it } from 'vitest';
import { actorFields, apiTokenActor, employeeActor, SYSTEM_ACTOR, type Actor } from '../../core/access/actor.ts';
import { effectiveRoles } from '../../core/access/employee-actor.ts';
import { ALL_PERMISSIONS, authorize, can, scopesGranting, type Permission } from '../../core/access/permissions.ts';
import { AppError } from '../../core/errors.ts';
import { createTranslator } from '../../core/i18n.ts';

const actors = {
  'import token': apiTokenActor({ tokenId: 't-import', scopes: ['IMPORT'] }),
  'admin token': apiTokenActor({ tokenId: 't-admin', scopes: ['ADMIN'] }),
  'hr token': apiTokenActor({ tokenId: 't-hr', scopes: ['HR'] }),
  'token without scopes': apiTokenActor({ tokenId: 't-none', scopes: [] }),
  'employee': employeeActor('e-plain', []),
  'employee admin': employeeActor('e-admin', ['ADMIN']),
  'employee hr': employeeActor('e-hr', ['HR']),
  'system': SYSTEM_ACTOR,
} satisfies Record<string, Actor>;
type Who = keyof typeof actors;

// Written out by hand from the issue, not derived from the table: a change to the table must change this too.
const allowed: Record<Permission, Who[]> = {
  'cabinet.settings': ['admin token', 'employee admin', 'system'],
  'cabinet.publish': ['admin token', 'employee admin', 'system'],
  'employees.read': ['admin token', 'employee admin', 'system'],
  'employees.unlock': ['admin token', 'employee admin', 'system'],
  'roles.manage': ['admin token', 'employee admin', 'system'],
  'invitations.send': ['admin token', 'employee admin', 'system'],
  'imports.write': ['import token', 'system'],
  'imports.read': ['import token', 'admin token', 'employee admin', 'system'],
  'certificates.queue': ['hr token', 'employee hr', 'system'],
  'catalogue.manage': ['admin token', 'employee admin', 'system'],
  'hr-chat.bind': ['admin token', 'employee admin', 'system'],
  'audit.read': ['admin token', 'employee admin', 'system'],
  'payslips.acknowledgements.read': ['admin token', 'hr token', 'employee admin', 'employee hr', 'system'],
  'api-tokens.manage': ['system'],
};

describe('permission table', () => {
  it('covers exactly the permissions listed here', () => {
    expect([...ALL_PERMISSIONS].sort()).toEqual(Object.keys(allowed).sort());
  });

  const cases = ALL_PERMISSIONS.flatMap((permission) => (Object.keys(actors) as Who[]).map((who) => [permission, who] as const));
  it.each(cases)('%s for %s', (permission, who) => {
    const expected = allowed[permission].includes(who);
    expect(can(actors[who], permission)).toBe(expected);
    if (expected) expect(() => authorize(actors[who], permission)).not.toThrow();
    else {
      const error = (() => {
        try {
          authorize(actors[who], permission);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code: 'FORBIDDEN', kind: 'forbidden', params: { permission } });
    }
  });

  it('gives a token with several scopes the union of them', () => {
    const both = apiTokenActor({ tokenId: 't', scopes: ['IMPORT', 'HR'] });
    expect(ALL_PERMISSIONS.filter((p) => can(both, p)).sort()).toEqual(['certificates.queue', 'imports.read', 'imports.write', 'payslips.acknowledgements.read']);
  });

  it('gives routes their scope gate from the same table', () => {
    expect(scopesGranting('cabinet.publish')).toEqual(['ADMIN']);
    expect(scopesGranting('payslips.acknowledgements.read')).toEqual(['ADMIN', 'HR']);
    expect(scopesGranting('imports.write')).toEqual(['IMPORT']);
    // Nobody's token: the route still demands one, and refuses every scope.
    expect(scopesGranting('api-tokens.manage')).toEqual([]);
  });

  it('explains a refusal in both languages', () => {
    const translator = createTranslator();
    for (const language of ['ru', 'en'] as const) {
      const text = translator.t(language)('errors:FORBIDDEN', { permission: 'roles.manage' });
      expect(text).toContain('roles.manage');
      expect(text).not.toBe('FORBIDDEN');
    }
  });
});

describe('actors in the audit log', () => {
  it('names the real actor', () => {
    expect(actorFields(actors['admin token'])).toEqual({ actorType: 'API_TOKEN', actorId: 't-admin' });
    expect(actorFields(actors['employee admin'])).toEqual({ actorType: 'EMPLOYEE', actorId: 'e-admin' });
    expect(actorFields(SYSTEM_ACTOR)).toEqual({ actorType: 'SYSTEM', actorId: null });
  });

  it('cannot be widened after it is built', () => {
    const actor = apiTokenActor({ tokenId: 't', scopes: ['HR'] });
    expect(() => (actor.scopes as string[]).push('ADMIN')).toThrow();
    expect(can(actor, 'cabinet.settings')).toBe(false);
  });
});

describe('effective roles', () => {
  const now = new Date('2026-11-30T09:00:00.000Z');
  const base = { cabinetState: 'ACTIVE' as const, dismissedAt: null, roles: [], responsibleFor: null };

  it('are the stored roles, plus ADMIN for the responsible employee', () => {
    expect(effectiveRoles({ ...base, roles: [{ role: 'HR' }] }, now)).toEqual(['HR']);
    expect(effectiveRoles({ ...base, responsibleFor: { id: 1 } }, now)).toEqual(['ADMIN']);
    expect(effectiveRoles({ ...base, roles: [{ role: 'HR' }, { role: 'ADMIN' }], responsibleFor: { id: 1 } }, now)).toEqual(['ADMIN', 'HR']);
  });

  it('are none from the dismissal date on, or with a disabled cabinet', () => {
    const admin = { ...base, roles: [{ role: 'ADMIN' as const }], responsibleFor: { id: 1 } };
    expect(effectiveRoles({ ...admin, dismissedAt: new Date('2026-12-01T00:00:00.000Z') }, now)).toEqual(['ADMIN']);
    expect(effectiveRoles({ ...admin, dismissedAt: new Date('2026-11-30T00:00:00.000Z') }, now)).toEqual([]);
    expect(effectiveRoles({ ...admin, cabinetState: 'DISABLED' }, now)).toEqual([]);
  });
});
