import { afterEach, describe, expect, it } from 'vitest';
import { listMigrations } from '../../core/db/migrations.ts';
import { MigrationError } from '../../core/db/migrate.ts';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/test-database.ts';

describe.each(DB_KINDS)('migrations on an empty %s database', (kind) => {
  let testDb: TestDatabase | undefined;
  afterEach(async () => {
    await testDb?.drop();
    testDb = undefined;
  });

  it('apply every migration once, record them as Prisma does, and make the database ready', async () => {
    testDb = await createTestDatabase(kind, { migrate: false });
    const { database } = testDb;
    const all = (await listMigrations()).map((m) => m.name);
    expect(await database.pending()).toEqual(all);

    expect(await database.migrate()).toEqual(all);
    expect(await database.pending()).toEqual([]);
    expect(await database.migrate()).toEqual([]);

    const history = await database.prisma.$queryRawUnsafe<{ migration_name: string; checksum: string; finished_at: Date | null }[]>(
      'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" ORDER BY migration_name',
    );
    const files = await listMigrations();
    expect(history.map((h) => [h.migration_name, h.checksum])).toEqual(files.map((f) => [f.name, f.checksum]));
    expect(history.every((h) => h.finished_at !== null)).toBe(true);
    // The schema is usable through Prisma right away.
    expect(await database.prisma.employee.count()).toBe(0);
  });

  it('refuses a migration that was edited after being applied', async () => {
    testDb = await createTestDatabase(kind, { migrate: false });
    const [first] = await listMigrations();
    await testDb.database.migrate();
    await expect(testDb.database.migrate([{ ...first!, checksum: 'edited' }])).rejects.toThrowError(MigrationError);
    // The lock is released after the failure: a correct run still goes through.
    expect(await testDb.database.migrate()).toEqual([]);
  });

  it('keeps the audit log append-only', async () => {
    testDb = await createTestDatabase(kind);
    const prisma = testDb.database.prisma;
    const entry = await prisma.auditLog.create({ data: { actorType: 'SYSTEM', action: 'test' } });
    await expect(prisma.auditLog.update({ where: { id: entry.id }, data: { action: 'changed' } })).rejects.toThrow();
    await expect(prisma.auditLog.delete({ where: { id: entry.id } })).rejects.toThrow();
    expect((await prisma.auditLog.findUniqueOrThrow({ where: { id: entry.id } })).action).toBe('test');
  });
});
