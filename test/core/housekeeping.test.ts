import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { department, employee, organization } from '../fixtures/hr-rows.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

describe('housekeeping', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('pglite');
  });
  afterAll(async () => t?.close());

  it('forgets expired idempotency keys and old codes, and disables dismissals that have taken effect', async () => {
    const upload = (name: string, items: unknown[]) => t.request({ method: 'POST', url: `/api/v1/imports/${name}`, token: t.tokens.import, body: { items } });
    await upload('organizations', [organization()]);
    await upload('departments', [department()]);
    const inTwoDays = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    await upload('employees', [employee(1, { dismissedAt: inTwoDays }), employee(2)]);
    await t.request({ method: 'POST', url: '/api/v1/cabinets/publish', token: t.tokens.admin, body: { all: true } });
    const prisma = t.testDb.database.prisma;
    const e1 = await prisma.employee.findUniqueOrThrow({ where: { externalId: 'emp-1' } });
    expect(e1.cabinetState).toBe('PUBLISHED');

    const token = await prisma.apiToken.findFirstOrThrow();
    await prisma.idempotencyRecord.createMany({ data: [
      { apiTokenId: token.id, key: 'old', requestHash: 'x', createdAt: new Date(Date.now() - 100 * 3600_000) },
      { apiTokenId: token.id, key: 'fresh', requestHash: 'y' },
    ] });
    await prisma.oneTimeCode.createMany({ data: [
      { employeeId: e1.id, telegramUserId: 1n, chatId: 1n, expiresAt: new Date(), createdAt: new Date(Date.now() - 25 * 3600_000) },
      { employeeId: e1.id, telegramUserId: 1n, chatId: 1n, expiresAt: new Date(Date.now() + 60_000) },
    ] });

    const housekeeping = t.container.services.housekeeping;
    expect(await housekeeping.run()).toEqual({ idempotencyKeys: 1, codes: 1, dismissals: 0 });
    expect((await prisma.idempotencyRecord.findMany()).map((r) => r.key)).toEqual(['fresh']);
    expect(await prisma.oneTimeCode.count()).toBe(1);

    expect(await housekeeping.run(new Date(Date.now() + 3 * 86_400_000))).toMatchObject({ dismissals: 1 });
    expect((await prisma.employee.findUniqueOrThrow({ where: { externalId: 'emp-1' } })).cabinetState).toBe('DISABLED');
    expect((await prisma.employee.findUniqueOrThrow({ where: { externalId: 'emp-2' } })).cabinetState).toBe('PUBLISHED');
  });
});
