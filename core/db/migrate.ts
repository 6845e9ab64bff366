import { randomUUID } from 'node:crypto';
import { listMigrations, type MigrationFile } from './migrations.ts';

/** The least a database must offer to be migrated: PostgreSQL's simple-query protocol (multi-statement scripts). */
export interface SqlExecutor {
  exec(sql: string): Promise<void>;
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
}

// Same key on every process: two instances starting together apply migrations one after the other.
const MIGRATION_LOCK_KEY = 72707369;

const CREATE_HISTORY_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/**
 * Applies prisma/migrations in order, each in its own transaction with its history row, under an advisory lock.
 * Prisma's CLI cannot do this offline (it downloads a native engine); the history table keeps Prisma's shape.
 */
export async function applyMigrations(db: SqlExecutor, migrations?: MigrationFile[]): Promise<string[]> {
  const all = migrations ?? (await listMigrations());
  await db.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
  try {
    await db.exec(CREATE_HISTORY_TABLE);
    const rows = await db.query<{ migration_name: string; checksum: string }>(
      'SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    const applied = new Map(rows.map((r) => [r.migration_name, r.checksum]));
    const done: string[] = [];
    for (const migration of all) {
      const checksum = applied.get(migration.name);
      if (checksum !== undefined) {
        if (checksum !== migration.checksum) {
          throw new MigrationError(`Migration ${migration.name} was changed after it had been applied`);
        }
        continue;
      }
      await db.exec('BEGIN');
      try {
        await db.exec(migration.sql);
        await db.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
           VALUES ($1, $2, $3, now(), now(), 1)`,
          [randomUUID(), migration.checksum, migration.name],
        );
        await db.exec('COMMIT');
      } catch (error) {
        await db.exec('ROLLBACK');
        throw new MigrationError(`Migration ${migration.name} failed: ${(error as Error).message}`);
      }
      done.push(migration.name);
    }
    return done;
  } finally {
    await db.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
  }
}

/** Names of migrations in the folder that the database has not applied: empty means ready. */
export async function pendingMigrations(db: SqlExecutor, migrations?: MigrationFile[]): Promise<string[]> {
  const all = migrations ?? (await listMigrations());
  const rows = await db
    .query<{ migration_name: string }>(
      'SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    )
    .catch(() => []);
  const applied = new Set(rows.map((r) => r.migration_name));
  return all.filter((m) => !applied.has(m.name)).map((m) => m.name);
}
