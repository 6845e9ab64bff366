import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { databaseFromPglite, openDatabase, type Database } from '../../core/db/database.ts';
import { PGLITE_TEMPLATE } from './pglite-template.ts';

export type DbKind = 'pglite' | 'postgres';
export const DB_KINDS: DbKind[] = ['pglite', 'postgres'];

/** The server CI and developers have (trust auth); the test creates and drops its own database on it. */
export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  kind: DbKind;
  database: Database;
  /** For PostgreSQL, the URL of this file's own database. */
  url?: string;
  /** Empties every table (between tests of one file). */
  reset(): Promise<void>;
  drop(): Promise<void>;
}

/**
 * An isolated, migrated database: PGlite loaded from the migrated template, or a fresh PostgreSQL database
 * named after the test file's process, dropped at the end.
 */
export async function createTestDatabase(kind: DbKind, options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const migrate = options.migrate ?? true;
  if (kind === 'pglite') {
    const client = migrate
      ? new PGlite({ loadDataDir: new Blob([await readFile(PGLITE_TEMPLATE)]) })
      : new PGlite('memory://');
    const database = await databaseFromPglite(client);
    return { kind, database, reset: () => truncateAll(database), drop: () => database.close() };
  }
  const name = `kabinet_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  const database = await openDatabase({ kind: 'postgres', url: url.toString() });
  if (migrate) await database.migrate();
  return {
    kind,
    database,
    url: url.toString(),
    reset: () => truncateAll(database),
    drop: async () => {
      await database.close();
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

export async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function truncateAll(database: Database): Promise<void> {
  const tables = await database.prisma.$queryRawUnsafe<{ tablename: string }[]>(
    `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'`,
  );
  if (tables.length === 0) return;
  await database.prisma.$executeRawUnsafe(`TRUNCATE ${tables.map((t) => `"${t.tablename}"`).join(', ')} RESTART IDENTITY CASCADE`);
}
