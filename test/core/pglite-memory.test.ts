import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../core/db/database.ts';

/**
 * The embedded database's buffer pool is part of the server's resident memory from the first second (PostgreSQL
 * touches all of it at start): 16 MB, not PostgreSQL's 128 MB. PGlite-only by nature.
 */
describe('the embedded database at rest', () => {
  it('runs with a 16 MB buffer pool, and still serves migrated data', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'kabinet-pglite-memory-'));
    const database = await openDatabase({ kind: 'pglite', dataDir });
    try {
      await database.migrate();
      const [setting] = await database.prisma.$queryRawUnsafe<{ shared_buffers: string }[]>('SHOW shared_buffers');
      expect(setting?.shared_buffers).toBe('16MB');
      expect(await database.prisma.employee.count()).toBe(0);
    } finally {
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
