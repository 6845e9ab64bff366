import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { Config } from '../config.ts';
import { lockDataDir, type DataDirLock } from './data-dir-lock.ts';
import { PrismaClient } from './generated/client.ts';
import { applyMigrations, pendingMigrations, type SqlExecutor } from './migrate.ts';
import type { MigrationFile } from './migrations.ts';
import { seedFromSnapshot } from './pglite-snapshot.ts';

export type Db = PrismaClient;

/** A query on one connection, within the transaction it was handed out for. */
export type SqlQuery = <R>(text: string, params?: unknown[]) => Promise<R[]>;

/**
 * Plain SQL beside Prisma, for statements with large parameters (a batch of an upload as one JSON text): Prisma
 * serializes every parameter to JSON and parses it back before the driver sees it, which cost more CPU than the
 * statements themselves. Everything else goes through Prisma.
 */
export interface SqlAccess {
  query: SqlQuery;
  /** Runs `work` in one transaction on one connection: committed when it returns, rolled back when it throws. */
  transaction<T>(work: (query: SqlQuery) => Promise<T>): Promise<T>;
  /**
   * PostgreSQL only (absent on PGlite, whose one connection makes it moot): takes an advisory lock on a connection
   * of its own, outside the pool, and holds it until `release` (or until the process dies and the connection with
   * it). While another session holds it, `whileWaiting` runs between attempts (every LOCK_RETRY_MS); what it
   * throws ends the wait.
   */
  holdLock?(key: readonly [number, number], whileWaiting: () => Promise<void>): Promise<HeldLock>;
}

export interface HeldLock {
  /** The lock's connection broke: the lock is gone with it (PostgreSQL released it), whatever `release` says. */
  readonly lost: boolean;
  release(): Promise<void>;
}

/** How often a wait for a held lock tries again (and lets the waiter renew its lease). */
const LOCK_RETRY_MS = 250;

export interface Database {
  kind: 'postgres' | 'pglite';
  prisma: PrismaClient;
  sql: SqlAccess;
  /** Applies pending migrations (by default those in prisma/migrations); returns the names it applied. */
  migrate(migrations?: MigrationFile[]): Promise<string[]>;
  /** Names of migrations the database still lacks (readiness). */
  pending(): Promise<string[]>;
  ping(): Promise<void>;
  /**
   * Registers this process as a live user of the database until close(). When no other Kabinet process uses it,
   * `whileAlone` runs first, before any other process can register: the place to clean up after processes that
   * died (an upload they were running). PGlite is always alone (its directory lock guarantees it).
   */
  join(whileAlone: () => Promise<void>): Promise<{ alone: boolean }>;
  /** The lock of the PGlite data directory (undefined for PostgreSQL and in-memory databases). */
  dataDirLock?: DataDirLock;
  close(): Promise<void>;
}

// Session-level advisory lock on one dedicated connection per process: shared while a process runs, taken
// exclusively (with `pg_try_…`) only by a process that checks whether it is alone. Distinct from the migration lock.
const PRESENCE_LOCK_KEY = 72707370;

/** A statement of a plain-SQL transaction that runs longer than this (2 minutes) fails it. */
const SQL_STATEMENT_TIMEOUT_MS = 120_000;

export async function openDatabase(config: Config['database']): Promise<Database> {
  return config.kind === 'postgres' ? openPostgres(config.url) : openPglite(config.dataDir);
}

async function openPostgres(url: string): Promise<Database> {
  // Loaded only for PostgreSQL: the embedded database's start-up does not pay for the driver (bench/README.md).
  const [{ default: pgModule }, { PrismaPg }] = await Promise.all([import('pg'), import('@prisma/adapter-pg')]);
  const pool = new pgModule.Pool({ connectionString: url, max: 10 });
  // Idle clients can be cut by the server or a proxy; without a listener that would crash the process.
  pool.on('error', () => {});
  let presence: pg.Client | undefined;
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
  const sqlAccess: SqlAccess = {
    query: async <R>(text: string, params?: unknown[]) => (await pool.query(text, params)).rows as R[],
    async holdLock(key, whileWaiting) {
      // Not from the pool: uploads waiting for a lock must never take the connections the holder needs to write.
      const client = new pgModule.Client({ connectionString: url, application_name: 'kabinet-upload-lock' });
      let lost = false;
      let released: Promise<void> | undefined;
      const markLost = () => {
        if (!released) lost = true;
      };
      client.on('error', markLost);
      client.on('end', markLost);
      await client.connect();
      try {
        for (;;) {
          const [row] = (await client.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1::int4, $2::int4) AS got', [key[0], key[1]])).rows;
          if (row?.got) break;
          await whileWaiting();
          await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS));
        }
      } catch (error) {
        await client.end().catch(() => undefined);
        throw error;
      }
      // Ending the session releases the lock, whatever state the connection is in.
      return {
        get lost() {
          return lost;
        },
        release: () => (released ??= client.end().catch(() => undefined)),
      };
    },
    async transaction(work) {
      const client = await pool.connect();
      let unusable = false;
      try {
        await client.query('BEGIN');
        // As Prisma's interactive transactions were bounded: no batch holds its locks for ever.
        await client.query(`SET LOCAL statement_timeout = ${SQL_STATEMENT_TIMEOUT_MS}`);
        const result = await work(async <R>(text: string, params?: unknown[]) => (await client.query(text, params)).rows as R[]);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => (unusable = true));
        throw error;
      } finally {
        // A connection whose transaction could not be ended is closed, not handed to the next user.
        client.release(unusable);
      }
    },
  };
  return {
    kind: 'postgres',
    prisma,
    sql: sqlAccess,
    migrate: (migrations) => withClient((sql) => applyMigrations(sql, migrations)),
    pending: () => withClient((sql) => pendingMigrations(sql)),
    ping: async () => void (await pool.query('SELECT 1')),
    async join(whileAlone) {
      if (presence) throw new Error('this process has already joined the database');
      presence = new pgModule.Client({ connectionString: url, application_name: 'kabinet-presence' });
      // A dropped connection loses the presence lock; the worst outcome is that a process starting meanwhile treats
      // this one's running upload as interrupted (the upload still records its own result when it ends).
      presence.on('error', () => {});
      await presence.connect();
      const [{ alone }] = (await presence.query<{ alone: boolean }>('SELECT pg_try_advisory_lock($1) AS alone', [PRESENCE_LOCK_KEY])).rows as [{ alone: boolean }];
      if (alone) {
        try {
          await whileAlone();
        } finally {
          await presence.query('SELECT pg_advisory_unlock($1)', [PRESENCE_LOCK_KEY]);
        }
      }
      await presence.query('SELECT pg_advisory_lock_shared($1)', [PRESENCE_LOCK_KEY]);
      return { alone };
    },
    close: async () => {
      await presence?.end().catch(() => undefined);
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

/**
 * PostgreSQL's buffer cache lives in PGlite's WebAssembly memory and is all touched at start: the default 128 MB of
 * shared_buffers was ~120 MB of a resting server's RSS. The data files stay in the kernel's page cache, so a smaller
 * pool costs a read call on a miss; bulk inserts measured the same at 16 MB (bench/README.md, `npm run bench:rss`).
 */
const PGLITE_OPTIONS = { startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'] };

async function openPglite(dataDir: string): Promise<Database> {
  if (dataDir.startsWith('memory://')) return databaseFromPglite(new PGlite(dataDir, PGLITE_OPTIONS));
  await mkdir(dataDir, { recursive: true });
  // Before PGlite touches a file: nothing may ever write to a directory another process has open.
  const lock = await lockDataDir(dataDir);
  try {
    // A first start copies the migrated snapshot made at install time instead of creating the database (see there).
    await seedFromSnapshot(dataDir);
    const database = await databaseFromPglite(new PGlite(dataDir, PGLITE_OPTIONS));
    return {
      ...database,
      dataDirLock: lock,
      close: async () => {
        try {
          await database.close();
        } finally {
          await lock.release();
        }
      },
    };
  } catch (error) {
    await lock.release();
    throw error;
  }
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
    // PGlite has one connection: a transaction holds it, and every other query (Prisma's too) waits for its end.
    sql: {
      query: async <R>(text: string, params?: unknown[]) => (await client.query<R>(text, params)).rows,
      transaction: (work) => client.transaction((tx) => work(async <R>(text: string, params?: unknown[]) => (await tx.query<R>(text, params)).rows)),
    },
    migrate: (migrations) => applyMigrations(sql, migrations),
    pending: () => pendingMigrations(sql),
    ping: async () => void (await client.query('SELECT 1')),
    async join(whileAlone) {
      // One process per PGlite database (the data directory lock, or memory): always alone.
      await whileAlone();
      return { alone: true };
    },
    close: async () => {
      await prisma.$disconnect();
      await client.close();
    },
  };
}
