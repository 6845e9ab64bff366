import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../core/db/database.ts';
import { failInterruptedImports, INTERRUPTED_IMPORT_FAILURE, STALE_IMPORT_AFTER_MS } from '../../core/interrupted-imports.ts';
import { createTestClock } from '../helpers/test-clock.ts';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/test-database.ts';

describe.each(DB_KINDS)('uploads cut short by a stop, %s', (kind) => {
  let testDb: TestDatabase | undefined;
  const others: Database[] = [];
  afterEach(async () => {
    for (const other of others.splice(0)) await other.close();
    await testDb?.drop();
    testDb = undefined;
  });

  it('the first process on the database marks every RUNNING upload FAILED, with what to do; finished ones stay', async () => {
    testDb = await createTestDatabase(kind);
    const db = testDb.database.prisma;
    const clock = createTestClock();
    const running = await db.importRun.create({ data: { kind: 'EMPLOYEES', total: 12_000, processed: 1000 } });
    const done = await db.importRun.create({ data: { kind: 'EMPLOYEES', total: 5, processed: 5, status: 'SUCCEEDED', finishedAt: clock.now() } });

    const { alone } = await testDb.database.join(async () => {
      expect(await failInterruptedImports(db, { alone: true, now: clock.now() })).toBe(1);
    });
    expect(alone).toBe(true);
    expect(await db.importRun.findUniqueOrThrow({ where: { id: running.id } })).toMatchObject({ status: 'FAILED', failure: INTERRUPTED_IMPORT_FAILURE, finishedAt: clock.now(), processed: 1000 });
    expect(await db.importRun.findUniqueOrThrow({ where: { id: done.id } })).toMatchObject({ status: 'SUCCEEDED', failure: null });
  });

  it('with another process alive, only an upload older than a day is taken for interrupted', async () => {
    testDb = await createTestDatabase(kind);
    const db = testDb.database.prisma;
    const clock = createTestClock();
    const recent = await db.importRun.create({ data: { kind: 'PAYSLIPS', total: 10, startedAt: clock.now() } });
    const old = await db.importRun.create({ data: { kind: 'PAYSLIPS', total: 10, startedAt: new Date(clock.now().getTime() - STALE_IMPORT_AFTER_MS - 1) } });
    expect(await failInterruptedImports(db, { alone: false, now: clock.now() })).toBe(1);
    expect((await db.importRun.findUniqueOrThrow({ where: { id: recent.id } })).status).toBe('RUNNING');
    expect((await db.importRun.findUniqueOrThrow({ where: { id: old.id } })).status).toBe('FAILED');
  });

  if (kind === 'postgres') {
    it('a process is alone only when no other Kabinet process has joined the database', async () => {
      testDb = await createTestDatabase(kind);
      const open = async () => {
        const database = await openDatabase({ kind: 'postgres', url: testDb!.url! });
        others.push(database);
        return database;
      };
      const calls: string[] = [];
      const first = await open();
      expect(await first.join(async () => void calls.push('first'))).toEqual({ alone: true });
      const second = await open();
      expect(await second.join(async () => void calls.push('second'))).toEqual({ alone: false });
      await first.close();
      others.splice(others.indexOf(first), 1);
      // The second still runs: a third is not alone either.
      const third = await open();
      expect(await third.join(async () => void calls.push('third'))).toEqual({ alone: false });
      await second.close();
      await third.close();
      others.length = 0;
      const fourth = await open();
      expect(await fourth.join(async () => void calls.push('fourth'))).toEqual({ alone: true });
      expect(calls).toEqual(['first', 'fourth']);
    });
  }
});
