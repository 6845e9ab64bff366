import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR, type Actor } from '../../core/access/actor.ts';
import type { Services } from '../../core/container.ts';
import type { Db } from '../../core/db/database.ts';
import { employeeAsActor, tokenAsActor } from '../helpers/access-setup.ts';
import { capturingTelegram, linkDirectly, recordingChannels, seedCompany, virtualClock } from '../helpers/admin-setup.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

/** What the admin operations could write: equal snapshots mean nothing changed. */
async function snapshot(db: Db) {
  const [settings, employees, roles, accounts, invitations, batches, audit] = await Promise.all([
    db.cabinetSettings.findMany({ select: { address: true, scopeKind: true, notifyActivations: true, responsibleEmployeeId: true } }),
    db.employee.findMany({ orderBy: { externalId: 'asc' }, select: { externalId: true, cabinetState: true } }),
    db.roleAssignment.findMany({ orderBy: [{ employeeId: 'asc' }, { role: 'asc' }], select: { employeeId: true, role: true } }),
    db.telegramAccount.findMany({ orderBy: { telegramUserId: 'asc' }, select: { telegramUserId: true, employeeId: true } }),
    db.invitation.findMany({ orderBy: { id: 'asc' }, select: { id: true, tokenHash: true, sentAt: true, revokedAt: true } }),
    db.invitationBatch.findMany({ orderBy: { id: 'asc' }, select: { id: true, stoppedAt: true, finishedAt: true } }),
    db.auditLog.count(),
  ]);
  return { settings, employees, roles, accounts, invitations, batches, audit };
}

const settingsInput = { address: 'romashka', responsibleEmployeeId: 'emp-00001', scope: { kind: 'DEPARTMENTS' as const, departmentIds: ['dep-1'] } };

/** Every admin operation of issue 10, as a service call. */
const OPERATIONS: [string, (s: Services, who: Actor, batchId: string) => Promise<unknown>][] = [
  ['status counts', (s, who) => s.admin.status.counts(who)],
  ['status list', (s, who) => s.admin.status.list(who, { page: 1, pageSize: 10 })],
  ['activation report', (s, who) => s.admin.report.data(who)],
  ['activation report PDF', (s, who) => s.admin.report.pdf(who, 'ru')],
  ['create cabinets', (s, who) => s.admin.inviting.createCabinets(who, ['emp-00004'])],
  ['invite', (s, who) => s.admin.inviting.invite(who, ['emp-00004'])],
  ['bulk invite', (s, who) => s.admin.inviting.startBulk(who)],
  ['bulk progress', (s, who, batchId) => s.admin.inviting.bulk(who, batchId)],
  ['latest bulk', (s, who) => s.admin.inviting.latestBulk(who)],
  ['stop bulk', (s, who, batchId) => s.admin.inviting.stopBulk(who, batchId)],
  ['roles list', (s, who) => s.admin.roles.list(who)],
  ['role grant', (s, who) => s.admin.roles.grant(who, 'emp-00004', 'ADMIN')],
  ['role revoke', (s, who) => s.admin.roles.revoke(who, 'emp-00003', 'ADMIN')],
  ['audit log', (s, who) => s.admin.audit.list(who, { limit: 10 })],
  ['settings preview', (s, who) => s.cabinetSettings.preview(who, settingsInput)],
  ['settings (scope change)', (s, who) => s.cabinetSettings.update(who, { ...settingsInput, confirmUnpublish: 0 })],
  ['publish', (s, who) => s.publishing.publish(who, { all: true })],
  ['unpublish', (s, who) => s.publishing.unpublish(who, { employeeIds: ['emp-00004'] })],
];

/** Every admin route of issue 10, with a body that would work for an admin. */
const ROUTES: ['GET' | 'POST', string, unknown][] = [
  ['GET', '/api/v1/admin/overview', undefined],
  ['GET', '/api/v1/admin/employees', undefined],
  ['POST', '/api/v1/admin/cabinets/create', { employeeIds: ['emp-00004'] }],
  ['GET', '/api/v1/admin/activation-report', undefined],
  ['GET', '/api/v1/admin/activation-report.pdf', undefined],
  ['POST', '/api/v1/admin/invitations', { employeeIds: ['emp-00004'] }],
  ['POST', '/api/v1/admin/invitations/bulk', undefined],
  ['GET', '/api/v1/admin/invitations/bulk/latest', undefined],
  ['GET', '/api/v1/admin/invitations/bulk/:batch', undefined],
  ['POST', '/api/v1/admin/invitations/bulk/:batch/stop', undefined],
  ['GET', '/api/v1/admin/roles', undefined],
  ['POST', '/api/v1/admin/roles/grant', { employeeId: 'emp-00004', role: 'ADMIN' }],
  ['POST', '/api/v1/admin/roles/revoke', { employeeId: 'emp-00003', role: 'ADMIN' }],
  ['GET', '/api/v1/admin/audit', undefined],
  ['POST', '/api/v1/cabinet/settings/preview', settingsInput],
];

describe.each(DB_KINDS)('admin operations refuse everyone but admins on %s', (kind) => {
  let t: TestApp;
  const clock = virtualClock();
  const tg = capturingTelegram();
  let batchId = '';
  let before: Awaited<ReturnType<typeof snapshot>>;
  const db = () => t.testDb.database.prisma;

  beforeAll(async () => {
    t = await createTestApp(kind, { clock, channels: recordingChannels(clock).channels, telegram: tg.telegram });
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    await t.reset();
    // emp-00001 responsible (ADMIN); emp-00002 HR, linked; emp-00003 ADMIN by grant, then dismissed; emp-00005 linked, no role.
    await seedCompany(t, { employees: 6 });
    const s = t.container.services;
    await s.roles.grant(SYSTEM_ACTOR, 'emp-00002', 'HR');
    await s.roles.grant(SYSTEM_ACTOR, 'emp-00003', 'ADMIN');
    await linkDirectly(t, 'emp-00002', 2002);
    await linkDirectly(t, 'emp-00005', 2005);
    await db().employee.update({ where: { externalId: 'emp-00003' }, data: { dismissedAt: new Date('2026-01-31') } });
    // A run in progress that a stop could touch: its jobs are held back by a stopped gate (nothing is queued here).
    const run = await db().invitationBatch.create({ data: { actorType: 'SYSTEM', total: 1 } });
    const e6 = await db().employee.findUniqueOrThrow({ where: { externalId: 'emp-00006' } });
    await db().invitation.create({ data: { employeeId: e6.id, batchId: run.id, sendRequestedAt: clock.now(), expiresAt: clock.now() } });
    batchId = run.id;
    before = await snapshot(db());
  });

  const forbidden = async (): Promise<[string, Actor][]> => [
    ['an employee without a role', await employeeAsActor(t, 'emp-00005')],
    ['an HR employee', await employeeAsActor(t, 'emp-00002')],
    ['a dismissed admin', await employeeAsActor(t, 'emp-00003')],
    ['an import token', await tokenAsActor(t, t.tokens.import)],
    ['an HR token', await tokenAsActor(t, t.tokens.hr)],
  ];

  it.each(OPERATIONS)('%s: FORBIDDEN for everyone but admins, nothing written, nothing sent', async (_name, call) => {
    for (const [who, actor] of await forbidden()) {
      await expect(call(t.container.services, actor, batchId), who).rejects.toMatchObject({ code: 'FORBIDDEN', kind: 'forbidden' });
    }
    await t.container.services.jobs.idle();
    expect(await snapshot(db())).toEqual(before);
    expect(tg.intents).toEqual([]);
  });

  it('the same operations are allowed to the responsible employee and the admin token', async () => {
    for (const actor of [await employeeAsActor(t, 'emp-00001'), await tokenAsActor(t, t.tokens.admin)]) {
      await expect(t.container.services.admin.status.counts(actor)).resolves.toMatchObject({ total: 6 });
      await expect(t.container.services.admin.audit.list(actor, { limit: 1 })).resolves.toMatchObject({ items: [expect.anything()] });
    }
  });

  it.each(ROUTES)('%s %s: 401 without a token, 403 for import and HR tokens, nothing written', async (method, path, body) => {
    const url = path.replace(':batch', batchId);
    const anonymous = await t.request({ method, url, body, token: null });
    expect(anonymous.statusCode).toBe(401);
    for (const token of [t.tokens.import, t.tokens.hr]) {
      const res = await t.request({ method, url, body, token, headers: { 'accept-language': 'en' } });
      expect(res.statusCode, res.body).toBe(403);
      expect(res.json()).toEqual({ code: 'INSUFFICIENT_SCOPE', message: 'The token lacks the required scope: admin.' });
    }
    await t.container.services.jobs.idle();
    expect(await snapshot(db())).toEqual(before);
  });
});
