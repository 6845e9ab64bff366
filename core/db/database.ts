import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { Config } from '../config.ts';
import { PrismaClient } from './generated/client.ts';
import { applyMigrations, pendingMigrations, type SqlExecutor } from './migrate.ts';
import type { MigrationFile } from './migrations.ts';

export type Db = PrismaClient;

export interface Database {
  kind: 'postgres' | 'pglite';
  prisma: PrismaClient;
  /** Applies pending migrations (by default those in prisma/migrations); returns the names it applied. */
  migrate(migrations?: MigrationFile[]): Promise<string[]>;
  /** Names of migrations the database still lacks (readiness). */
  pending(): Promise<string[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export async function openDatabase(config: Config['database']): Promise<Database> {
  return config.kind === 'postgres' ? openPostgres(config.url) : openPglite(config.dataDir);
}

function openPostgres(url: string): Database {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // Idle clients can be cut by the server or a proxy; without a listener that would crash the process.
  pool.on('error', () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const withClient = async <T>(fn: (sql: SqlExecutor) => Promise<T>): Promise<T> => {
    // Migrations need one session: the advisory lock and BEGIN/COMMIT belong to the connection.
    const client = await pool.connect();
    try {
      return await fn({
        exec: async (sql) => void (await client.query(sql)),
        query: async <R>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as R[],
      });
    } finally {
      client.release();
    }
  };
  return {
    kind: 'postgres',
    prisma,
    migrate: (migrations) => withClient((sql) => applyMigrations(sql, migrations)),
    pending: () => withClient((sql) => pendingMigrations(sql)),
    ping: async () => void (await pool.query('SELECT 1')),
    close: async () => {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

async function openPglite(dataDir: string): Promise<Database> {
  if (!dataDir.startsWith('memory://')) await mkdir(dataDir, { recursive: true });
  return databaseFromPglite(new PGlite(dataDir));
}

/** Wraps an already constructed PGlite (tests start theirs from a migrated snapshot). */
export async function databaseFromPglite(client: PGlite): Promise<Database> {
  await client.waitReady;
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(client) });
  const sql: SqlExecutor = {
    exec: async (text) => void (await client.exec(text)),
    query: async <R>(text: string, params?: unknown[]) => (await client.query<R>(text, params)).rows,
  };
  return {
    kind: 'pglite',
    prisma,
    migrate: (migrations) => applyMigrations(sql, migrations),
    pending: () => pendingMigrations(sql),
    ping: async () => void (await client.query('SELECT 1')),
    close: async () => {
      await prisma.$disconnect();
      await client.close();
    },
  };
}
