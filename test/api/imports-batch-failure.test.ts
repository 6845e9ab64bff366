import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ImportDefinition } from '../../core/imports/import-definition.ts';
import { IMPORTS } from '../../core/imports/index.ts';
import { department, employee, organization, payslip } from '../fixtures/hr-rows.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

describe.each(DB_KINDS)('batches of an upload on %s', (kind) => {
  let t: TestApp;
  const prisma = () => t.testDb.database.prisma;
  beforeAll(async () => {
    t = await createTestApp(kind, { env: { IMPORT_BATCH_SIZE: '2' } });
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    await t.reset();
    for (const [name, items] of [['organizations', [organization()]], ['departments', [department()]], ['employees', Array.from({ length: 10 }, (_, i) => employee(i + 1))]] as const) {
      expect((await t.request({ method: 'POST', url: `/api/v1/imports/${name}`, token: t.tokens.import, body: { items } })).json()).toMatchObject({ rejected: 0 });
    }
  });

  const slips = () => Array.from({ length: 10 }, (_, i) => payslip(`emp-${i + 1}`, '2026-10'));
  const payslips = IMPORTS.payslips as ImportDefinition<unknown, unknown>;

  /** The payslips import with `writeBatch` watched: how many run at once, and which one fails. */
  function watched(failAt?: number) {
    const seen = { calls: 0, running: 0, most: 0 };
    // The first batch holds on until the second one starts (or a second has passed, where only one may run): whether
    // two run at once then does not depend on how fast the machine is.
    let secondStarted: () => void = () => undefined;
    const second = new Promise<void>((resolve) => {
      secondStarted = resolve;
      setTimeout(resolve, 1000);
    });
    const definition: ImportDefinition<unknown, unknown> = {
      ...payslips,
      async writeBatch(rows, ctx) {
        const call = ++seen.calls;
        seen.running += 1;
        seen.most = Math.max(seen.most, seen.running);
        if (call === 2) secondStarted();
        try {
          if (call === 1) await second;
          if (call === failAt) throw new Error('the database went away');
          return await payslips.writeBatch(rows, ctx);
        } finally {
          seen.running -= 1;
        }
      },
    };
    return { definition, seen };
  }

  it('a batch that fails fails the upload, recorded FAILED, however many batches are in flight', async () => {
    for (const failAt of [1, 3, 5]) {
      await prisma().payslip.deleteMany();
      const { definition } = watched(failAt);
      await expect(t.container.services.imports.run(definition, slips(), {})).rejects.toThrow('the database went away');
      const [last] = await prisma().importRun.findMany({ where: { kind: 'PAYSLIPS' }, orderBy: { startedAt: 'desc' }, take: 1 });
      expect(last).toMatchObject({ status: 'FAILED' });
      // What was written is whole: every stored payslip has its lines, and the failed batch stored nothing.
      expect(await prisma().payslip.count()).toBeLessThanOrEqual(10 - 2);
      expect(await prisma().payslipLine.count()).toBe((await prisma().payslip.count()) * slips()[0]!.lines.length);
    }
  });

  it(`writes ${kind === 'postgres' ? 'two batches at a time on PostgreSQL' : 'one batch at a time on PGlite'}, storing every row once`, async () => {
    const { definition, seen } = watched();
    expect(await t.container.services.imports.run(definition, slips(), {})).toMatchObject({ status: 'SUCCEEDED', created: 10, rejected: 0 });
    expect(seen.calls).toBe(5);
    expect(seen.most).toBe(kind === 'postgres' ? 2 : 1);
    expect(await prisma().payslip.count()).toBe(10);
  });
});
