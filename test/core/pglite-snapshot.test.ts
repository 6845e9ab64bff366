import { existsSync } from 'node:fs';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../core/db/database.ts';
import { holdsDatabase, makeSnapshot, seedFromSnapshot } from '../../core/db/pglite-snapshot.ts';

// A first start copies the migrated snapshot instead of creating and migrating the database (fast start).
describe('the migrated PGlite snapshot', () => {
  let base: string;
  beforeAll(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'kabinet-snapshot-'));
    await makeSnapshot();
  }, 120_000);
  afterAll(async () => rm(base, { recursive: true, force: true }));

  it('is made once: a second call finds it', async () => {
    expect((await makeSnapshot()).created).toBe(false);
  });

  it('seeds an empty data directory, which then opens with no migration pending', async () => {
    const dataDir = path.join(base, 'fresh');
    const database = await openDatabase({ kind: 'pglite', dataDir });
    try {
      // openDatabase seeded it: nothing left to apply, and the schema is there.
      expect(await database.pending()).toEqual([]);
      expect(await database.migrate()).toEqual([]);
      expect(await database.prisma.employee.count()).toBe(0);
    } finally {
      await database.close();
    }
  }, 60_000);

  it('leaves a directory that holds a database alone', async () => {
    const dataDir = path.join(base, 'fresh');
    expect(holdsDatabase(dataDir)).toBe(true);
    const marker = path.join(dataDir, 'base', 'kabinet-test-marker');
    await writeFile(marker, 'x');
    expect(await seedFromSnapshot(dataDir)).toBe(false);
    expect(existsSync(marker)).toBe(true);
    await unlink(marker);
  });

  it('copies again over a copy cut short (no PG_VERSION yet)', async () => {
    const dataDir = path.join(base, 'cut');
    expect(await seedFromSnapshot(dataDir)).toBe(true);
    await unlink(path.join(dataDir, 'PG_VERSION'));
    expect(holdsDatabase(dataDir)).toBe(false);
    expect(await seedFromSnapshot(dataDir)).toBe(true);
    const database = await openDatabase({ kind: 'pglite', dataDir });
    try {
      expect(await database.pending()).toEqual([]);
    } finally {
      await database.close();
    }
  }, 60_000);
});
