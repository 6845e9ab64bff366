import { PassThrough } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ImportKind } from '../../core/db/generated/enums.ts';
import { kindLock } from '../../core/imports/import-definition.ts';
import { LostClaimError } from '../../core/imports/import-runner.ts';
import { IMPORTS, ndjsonSource } from '../../core/imports/index.ts';
import { department, employee, organization, payslip } from '../fixtures/hr-rows.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { createTestClock } from '../helpers/test-clock.ts';

// On PostgreSQL an upload of payslips holds its kind's lock for its whole run and writes two batches at a time
// (PGlite has one connection: there each batch takes the lock, as before).
describe('the payslips upload lock on PostgreSQL', () => {
  let t: TestApp;
  const clock = createTestClock('2026-11-30T09:00:00.000Z');
  const prisma = () => t.testDb.database.prisma;
  beforeAll(async () => {
    t = await createTestApp('postgres', { env: { IMPORT_BATCH_SIZE: '2' }, clock });
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    await t.reset();
    clock.set('2026-11-30T09:00:00.000Z');
    for (const [name, items] of [['organizations', [organization()]], ['departments', [department()]], ['employees', Array.from({ length: 10 }, (_, i) => employee(i + 1))]] as const) {
      const res = await t.request({ method: 'POST', url: `/api/v1/imports/${name}`, token: t.tokens.import, body: { items } });
      expect(res.json()).toMatchObject({ rejected: 0 });
    }
  });

  const slips = () => Array.from({ length: 10 }, (_, i) => payslip(`emp-${i + 1}`, '2026-10'));

  /** Another session holding the lock, as another upload of payslips would. */
  async function holdElsewhere() {
    const client = new pg.Client({ connectionString: t.testDb.url });
    await client.connect();
    await client.query('SELECT pg_advisory_lock($1::int4, $2::int4)', [...kindLock(ImportKind.PAYSLIPS)]);
    return client;
  }
  /** A staged run as a worker holds it: RUNNING, claimed with a lease. */
  async function claimedRun(token: string) {
    const run = await prisma().importRun.create({
      data: { kind: 'PAYSLIPS', status: 'RUNNING', startedAt: clock.now(), claimToken: token, leaseUntil: new Date(clock.now().getTime() + 15_000) },
    });
    return { run, claim: { token, leaseMs: 15_000 } };
  }
  /** Sessions holding the payslips lock on this test's database. */
  const lockHolders = async () => {
    const [classId, kind] = kindLock(ImportKind.PAYSLIPS);
    const [row] = await prisma().$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM pg_locks
      WHERE locktype = 'advisory' AND granted AND classid = ${classId}::oid AND objid = ${kind}::oid AND objsubid = 2
        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;
    return row!.n;
  };
  const waitUntil = async (check: () => Promise<boolean>) => {
    for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 25));
  };

  it('a staged run waiting for the lock writes nothing, keeps its lease as its clock moves on, and runs once the lock is free', async () => {
    const other = await holdElsewhere();
    const { run, claim } = await claimedRun('worker-a');
    const done = t.container.services.imports.runClaimed(IMPORTS.payslips, slips(), {}, { id: run.id, startedAt: run.startedAt }, claim);
    // An hour later by the clock: a lease not renewed while waiting would have passed long ago.
    clock.advance(3_600_000);
    await waitUntil(async () => (await prisma().importRun.findUniqueOrThrow({ where: { id: run.id } })).leaseUntil!.getTime() > clock.now().getTime());
    expect((await prisma().importRun.findUniqueOrThrow({ where: { id: run.id } })).leaseUntil!.getTime()).toBeGreaterThan(clock.now().getTime());
    expect(await prisma().payslip.count()).toBe(0);

    await other.end();
    expect(await done).toMatchObject({ status: 'SUCCEEDED', created: 10, rejected: 0 });
    expect(await prisma().payslip.count()).toBe(10);
    expect(await prisma().payslipLine.count()).toBe(10 * slips()[0]!.lines.length);
    // The lock went with the run.
    expect(await lockHolders()).toBe(0n);
  });

  it('a staged run that lost its claim while waiting stops without writing and without the lock', async () => {
    const other = await holdElsewhere();
    const { run, claim } = await claimedRun('worker-b');
    const done = t.container.services.imports.runClaimed(IMPORTS.payslips, slips(), {}, { id: run.id, startedAt: run.startedAt }, claim);
    done.catch(() => undefined);
    await prisma().importRun.update({ where: { id: run.id }, data: { claimToken: 'worker-c' } });
    await expect(done).rejects.toBeInstanceOf(LostClaimError);
    await other.end();
    expect(await prisma().payslip.count()).toBe(0);
    expect(await lockHolders()).toBe(0n);
  });

  it('holds the lock from its first write to its last, except while a client is still sending the rows', async () => {
    for (const fromClient of [false, true]) {
      await prisma().payslip.deleteMany();
      const body = new PassThrough();
      const source = ndjsonSource(body, { maxLineBytes: 1 << 20, fromClient });
      const done = t.container.services.imports.run(IMPORTS.payslips, source, {});
      body.write(slips().slice(0, 6).map((r) => `${JSON.stringify(r)}\n`).join(''));
      await waitUntil(async () => (await prisma().payslip.count()) >= 4);
      expect(await prisma().payslip.count()).toBeGreaterThanOrEqual(4);
      // Between batches, waiting for the client: a client's stream holds nothing; rows at hand hold the lock.
      expect(await lockHolders()).toBe(fromClient ? 0n : 1n);
      body.end(slips().slice(6).map((r) => `${JSON.stringify(r)}\n`).join(''));
      expect(await done).toMatchObject({ status: 'SUCCEEDED', created: 10, rejected: 0 });
      expect(await lockHolders()).toBe(0n);
    }
  });

  it('an upload whose lock connection breaks goes on with a lock per batch, and stores every row', async () => {
    const body = new PassThrough();
    const done = t.container.services.imports.run(IMPORTS.payslips, ndjsonSource(body, { maxLineBytes: 1 << 20 }), {});
    body.write(slips().slice(0, 6).map((r) => `${JSON.stringify(r)}\n`).join(''));
    await waitUntil(async () => (await prisma().payslip.count()) >= 4);
    expect(await lockHolders()).toBe(1n);
    await prisma().$executeRaw`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'kabinet-upload-lock' AND datname = current_database()`;
    await waitUntil(async () => (await lockHolders()) === 0n);
    // Another upload takes the lock now: the rest of this one must wait for it, batch by batch, not write beside it.
    const other = await holdElsewhere();
    const before = await prisma().payslip.count();
    body.end(slips().slice(6).map((r) => `${JSON.stringify(r)}\n`).join(''));
    await new Promise((r) => setTimeout(r, 500));
    expect(await prisma().payslip.count()).toBe(before);
    await other.end();
    expect(await done).toMatchObject({ status: 'SUCCEEDED', created: 10, rejected: 0 });
    expect(await prisma().payslip.count()).toBe(10);
    expect(await lockHolders()).toBe(0n);
  });

  it('two uploads of the same payslips at once: one waits for the other, both succeed, every payslip is stored once', async () => {
    const send = () => t.request({ method: 'POST', url: '/api/v1/imports/payslips', token: t.tokens.import, body: { items: slips() } });
    const [a, b] = await Promise.all([send(), send()]);
    const results = [a.json(), b.json()].map((r: { created: number; unchanged: number; rejected: number }) => [r.created, r.unchanged, r.rejected]).sort();
    expect(results).toEqual([[0, 10, 0], [10, 0, 0]]);
    expect(await prisma().payslip.count()).toBe(10);
    expect(await lockHolders()).toBe(0n);
  });
});
