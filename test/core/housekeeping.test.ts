import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { department, employee, organization } from '../fixtures/hr-rows.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { createTestClock } from '../helpers/test-clock.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

describe.each(DB_KINDS)('housekeeping on %s', (kind) => {
  let t: TestApp;
  // Starts at the real time: the upload decides "dismissed already?" by the calendar.
  const clock = createTestClock(new Date());
  beforeAll(async () => {
    t = await createTestApp(kind, { clock });
  });
  afterAll(async () => t?.close());

  it('forgets expired idempotency keys and old codes, and disables dismissals that have taken effect', async () => {
    const upload = async (name: string, items: unknown[]) => {
      const res = await t.request({ method: 'POST', url: `/api/v1/imports/${name}`, token: t.tokens.import, body: { items } });
      expect(res.json().rejected, res.body).toBe(0);
    };
    await upload('organizations', [organization()]);
    await upload('departments', [department()]);
    const inTwoDays = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    await upload('employees', [employee(1, { dismissedAt: inTwoDays }), employee(2)]);
    await t.request({ method: 'POST', url: '/api/v1/cabinets/publish', token: t.tokens.admin, body: { all: true } });
    const prisma = t.testDb.database.prisma;
    const e1 = await prisma.employee.findUniqueOrThrow({ where: { externalId: 'emp-1' } });
    const e2 = await prisma.employee.findUniqueOrThrow({ where: { externalId: 'emp-2' } });
    expect(e1.cabinetState).toBe('PUBLISHED');

    const token = await prisma.apiToken.findFirstOrThrow();
    await prisma.idempotencyRecord.createMany({ data: [
      { apiTokenId: token.id, key: 'old', requestHash: 'x', createdAt: new Date(Date.now() - 100 * 3600_000) },
      { apiTokenId: token.id, key: 'fresh', requestHash: 'y' },
    ] });
    const now = clock.now().getTime();
    await prisma.oneTimeCode.createMany({ data: [
      { employeeId: e1.id, telegramUserId: 1n, chatId: 1n, expiresAt: new Date(now), createdAt: new Date(now - 25 * 3600_000) },
      { employeeId: e1.id, telegramUserId: 1n, chatId: 1n, expiresAt: new Date(now + 60_000), createdAt: new Date(now) },
    ] });

    const housekeeping = t.container.services.housekeeping;
    expect(await housekeeping.run()).toEqual({ idempotencyKeys: 1, codes: 1, dismissals: 0, uploadChunks: 0 });
    expect((await prisma.idempotencyRecord.findMany()).map((r) => r.key)).toEqual(['fresh']);
    expect(await prisma.oneTimeCode.count()).toBe(1);

    // The dismissal day comes: a code asked for just before and an unused invitation must open nothing after.
    clock.set(new Date(new Date(`${inTwoDays}T00:00:00.000Z`).getTime() - 60_000));
    await prisma.oneTimeCode.deleteMany();
    const pending = await prisma.oneTimeCode.create({ data: { employeeId: e1.id, telegramUserId: 2n, chatId: 2n, createdAt: clock.now(), expiresAt: new Date(clock.now().getTime() + 600_000) } });
    const otherPending = await prisma.oneTimeCode.create({ data: { employeeId: e2.id, telegramUserId: 3n, chatId: 3n, createdAt: clock.now(), expiresAt: new Date(clock.now().getTime() + 600_000) } });
    const unused = await t.container.services.invitations.create(e1.id);
    const used = await t.container.services.invitations.create(e1.id);
    await prisma.invitation.update({ where: { id: used.id }, data: { usedAt: clock.now() } });
    clock.advance(2 * 60_000);

    expect(await housekeeping.run()).toMatchObject({ dismissals: 1 });
    expect((await prisma.employee.findUniqueOrThrow({ where: { externalId: 'emp-1' } })).cabinetState).toBe('DISABLED');
    expect((await prisma.employee.findUniqueOrThrow({ where: { externalId: 'emp-2' } })).cabinetState).toBe('PUBLISHED');
    expect((await prisma.oneTimeCode.findUniqueOrThrow({ where: { id: pending.id } })).consumedAt?.getTime()).toBe(clock.now().getTime());
    expect((await prisma.oneTimeCode.findUniqueOrThrow({ where: { id: otherPending.id } })).consumedAt).toBeNull();
    expect(await prisma.invitation.findUnique({ where: { id: unused.id } })).toBeNull();
    expect(await prisma.invitation.findUnique({ where: { id: used.id } })).not.toBeNull();
    // A second run (another process at the same time) finds nothing left to do.
    expect(await housekeeping.run()).toMatchObject({ dismissals: 0 });
  });
});
