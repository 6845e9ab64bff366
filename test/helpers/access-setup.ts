import { loadEmployeeActor } from '../../core/access/employee-actor.ts';
import type { ApiTokenActor, EmployeeActor } from '../../core/access/actor.ts';
import type { TestApp } from './test-app.ts';

/**
 * emp-1 … emp-5 in one organization and department, with phone and e-mail; nobody published, no settings, no roles.
 * Written straight to the database: what is under test here is access, not uploads.
 */
export async function seedAccessEmployees(t: TestApp): Promise<void> {
  const db = t.testDb.database.prisma;
  const org = await db.organization.create({ data: { externalId: 'org-1', name: 'ООО «Ромашка»', sourceHash: 'seed' } });
  const dep = await db.department.create({ data: { externalId: 'dep-1', organizationId: org.id, name: 'Бухгалтерия', sourceHash: 'seed' } });
  await db.employee.createMany({
    data: [1, 2, 3, 4, 5].map((n) => ({
      externalId: `emp-${n}`,
      personnelNumber: `0000-${n}`,
      lastName: 'Иванова',
      firstName: 'Мария',
      organizationId: org.id,
      departmentId: dep.id,
      phone: `+79120000${String(n).padStart(3, '0')}`,
      email: `emp${n}@romashka.ru`,
      sourceHash: 'seed',
    })),
  });
}

export async function internalId(t: TestApp, externalId: string): Promise<string> {
  return (await t.testDb.database.prisma.employee.findUniqueOrThrow({ where: { externalId }, select: { id: true } })).id;
}

/** The employee as the bot would see them now (effective roles). */
export async function employeeAsActor(t: TestApp, externalId: string): Promise<EmployeeActor> {
  const actor = await loadEmployeeActor(t.testDb.database.prisma, { employeeId: await internalId(t, externalId) }, t.container.services.clock.now());
  if (!actor) throw new Error(`no employee ${externalId}`);
  return actor;
}

/** The actor behind one of the test app's tokens. */
export async function tokenAsActor(t: TestApp, token: string): Promise<ApiTokenActor> {
  const principal = await t.container.services.apiTokens.authenticate(token);
  if (!principal) throw new Error('unknown token');
  return principal.actor;
}
