import { readFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { databaseFromPglite, type Database } from '../../core/db/database.ts';
import { PrismaClient } from '../../core/db/generated/client.ts';
import { PGLITE_TEMPLATE } from './pglite-template.ts';
import { adminQuery, createTestDatabase, type DbKind } from './test-database.ts';

/** A database whose Prisma client records every SQL statement it sends (Prisma's `query` log events). */
export interface CountingDatabase {
  database: Database;
  /** Every statement sent so far, oldest first; empty it (`length = 0`) to start counting afresh. */
  statements: string[];
  /** Closes only the counting client (the base database stays open). */
  detach(): Promise<void>;
}

/**
 * Gives `base` a second Prisma client on the same database (PostgreSQL by URL, or the same PGlite instance) that
 * emits query events: the client the container builds has no logging, and statements are what a test or a
 * benchmark wants to count.
 */
export function countingDatabase(base: Database, source: { postgresUrl: string } | { pglite: PGlite }): CountingDatabase {
  const statements: string[] = [];
  const pool = 'postgresUrl' in source ? new pg.Pool({ connectionString: source.postgresUrl, max: 10 }) : undefined;
  pool?.on('error', () => {});
  const adapter = pool ? new PrismaPg(pool) : new PrismaPGlite((source as { pglite: PGlite }).pglite);
  const prisma = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  prisma.$on('query', (event) => void statements.push(event.query));
  const once = (fn: () => Promise<void>) => {
    let done: Promise<void> | undefined;
    return () => (done ??= fn());
  };
  const detach = once(async () => {
    await prisma.$disconnect();
    await pool?.end();
  });
  const closeBase = once(() => base.close());
  return {
    statements,
    detach,
    database: {
      ...base,
      prisma,
      // Idempotent: a container's close() closes it, and so may the test that made it.
      close: async () => {
        await detach();
        await closeBase();
      },
    },
  };
}

/** A migrated test database (PGlite from the template, or a fresh PostgreSQL database) that counts statements. */
export async function createCountingTestDatabase(kind: DbKind): Promise<CountingDatabase & { drop(): Promise<void> }> {
  if (kind === 'pglite') {
    const pglite = new PGlite({ loadDataDir: new Blob([await readFile(PGLITE_TEMPLATE)]) });
    const counting = countingDatabase(await databaseFromPglite(pglite), { pglite });
    return { ...counting, drop: () => counting.database.close() };
  }
  const testDb = await createTestDatabase('postgres');
  const counting = countingDatabase(testDb.database, { postgresUrl: testDb.url! });
  return {
    ...counting,
    drop: async () => {
      await counting.database.close();
      await adminQuery(`DROP DATABASE IF EXISTS "${new URL(testDb.url!).pathname.slice(1)}" WITH (FORCE)`);
    },
  };
}
