import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateHrData } from '../../prisma/seed/hr-generator.ts';
import { stateSnapshot, tableCounts } from '../fixtures/hr-rows.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

// A payroll system that times out and retries, or two schedulers firing at once, send the same upload in parallel.
// Every request must end 200 and the database must end exactly as after one upload.
describe.each(DB_KINDS)('concurrent identical uploads on %s', (kind) => {
  let t: TestApp;
  // Batches of 50 (the test app's IMPORT_BATCH_SIZE): 60 employees make the requests interleave batch by batch.
  const data = generateHrData({ employees: 60, months: 1, noContactsEvery: 9 });
  const KINDS = [
    ['organizations', data.organizations],
    ['departments', data.departments],
    ['employees', data.employees],
    ['payslips', data.payslipsFor('2026-10')],
    ['vacations', data.vacations()],
  ] as const;

  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => t?.close());
  beforeEach(async () => t.reset());

  const upload = (name: string, items: readonly unknown[]) =>
    t.request({ method: 'POST', url: `/api/v1/imports/${name}`, token: t.tokens.import, body: { items } });

  async function finalState() {
    const prisma = t.testDb.database.prisma;
    return { counts: await tableCounts(prisma), state: await stateSnapshot(prisma) };
  }

  it('four identical uploads of each kind at once all answer 200, each row created once, same state as one upload', async () => {
    for (const [name, items] of KINDS) {
      const responses = await Promise.all([1, 2, 3, 4].map(() => upload(name, items)));
      for (const res of responses) {
        expect(res.statusCode, `${name}: ${res.body}`).toBe(200);
        const body = res.json();
        expect(body, name).toMatchObject({ status: 'SUCCEEDED', rejected: 0, updated: 0, errors: [] });
        expect(body.created + body.unchanged, name).toBe(items.length);
      }
      // Each row was created by exactly one of the four; the others found it stored.
      expect(responses.reduce((sum, r) => sum + r.json().created, 0), name).toBe(items.length);
    }
    const concurrent = await finalState();

    await t.reset();
    for (const [name, items] of KINDS) expect((await upload(name, items)).json()).toMatchObject({ created: items.length, rejected: 0 });
    const sequential = await finalState();
    expect({ ...concurrent.counts, importRuns: 0 }).toEqual({ ...sequential.counts, importRuns: 0 });
    expect(concurrent.state).toEqual(sequential.state);
  });

  it('two concurrent uploads of the same payslips store each payslip and its lines once', async () => {
    for (const [name, items] of KINDS.slice(0, 3)) expect((await upload(name, items)).json().rejected).toBe(0);
    const payslips = data.payslipsFor('2026-10');
    const [a, b] = await Promise.all([upload('payslips', payslips), upload('payslips', payslips)]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect(a.json().created + b.json().created).toBe(payslips.length);
    const prisma = t.testDb.database.prisma;
    expect(await prisma.payslip.count()).toBe(payslips.length);
    expect(await prisma.payslipLine.count()).toBe(payslips.reduce((n, p) => n + p.lines.length, 0));
  });
});
