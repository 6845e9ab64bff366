// A migrated, empty PGlite data directory made once per installation (postinstall, or `npm run db:snapshot`) and
// copied into an empty DATA_DIR on a first start: creating the database (initdb inside WebAssembly) and applying
// every migration took most of a first start's ~8 s; copying ~40 MB of files takes a fraction of a second.
import { createHash } from 'node:crypto';
import { constants, existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { projectPath } from '../project-root.ts';
import { applyMigrations, type SqlExecutor } from './migrate.ts';
import { listMigrations, type MigrationFile } from './migrations.ts';

/** Where snapshots live: beside the installed packages, so a reinstall (a new PGlite) makes a fresh one. */
export const SNAPSHOT_DIR = projectPath('node_modules', '.cache', 'kabinet', 'pglite-snapshots');

/** The file PostgreSQL writes first into a data directory: without it the directory holds no database. */
const PG_VERSION = 'PG_VERSION';

/**
 * A snapshot is valid for one PGlite version and one set of migrations: another PGlite may not read the files,
 * and a snapshot made before a migration was added would be missing it (it would still be applied at start).
 */
async function snapshotKey(migrations: MigrationFile[]): Promise<string> {
  const pglite = JSON.parse(await readFile(projectPath('node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8')) as { version: string };
  const hash = createHash('sha256').update(pglite.version);
  for (const m of migrations) hash.update(`\n${m.name} ${m.checksum}`);
  return hash.digest('hex').slice(0, 16);
}

export async function snapshotPath(migrations?: MigrationFile[]): Promise<string> {
  return path.join(SNAPSHOT_DIR, await snapshotKey(migrations ?? (await listMigrations())));
}

/** Whether `dataDir` holds a database already (PGlite would open it rather than create one). */
export const holdsDatabase = (dataDir: string) => existsSync(path.join(dataDir, PG_VERSION));

/**
 * Copies the snapshot into an empty data directory (the caller holds its lock). PG_VERSION is copied last: a copy
 * cut short leaves a directory that still counts as empty, and the next start copies again over it.
 * Returns false (nothing done) when there is no snapshot for these migrations or the directory holds a database.
 */
export async function seedFromSnapshot(dataDir: string): Promise<boolean> {
  if (holdsDatabase(dataDir)) return false;
  const source = await snapshotPath();
  if (!existsSync(path.join(source, PG_VERSION))) return false;
  await copyTree(source, dataDir, PG_VERSION);
  await copyFile(path.join(source, PG_VERSION), path.join(dataDir, PG_VERSION));
  return true;
}

/**
 * A data directory is ~1,100 small files and directories only: fs.cp checked each with several lstat calls, ~0.4 s
 * of CPU of a first start. Copies go out together (libuv's thread pool); a clone where the file system has them.
 */
async function copyTree(from: string, to: string, skip?: string): Promise<void> {
  await mkdir(to, { recursive: true });
  const entries = (await readdir(from, { withFileTypes: true })).filter((entry) => entry.name !== skip);
  await Promise.all(
    entries.map((entry) =>
      entry.isDirectory()
        ? copyTree(path.join(from, entry.name), path.join(to, entry.name))
        : copyFile(path.join(from, entry.name), path.join(to, entry.name), constants.COPYFILE_FICLONE),
    ),
  );
}

/**
 * Makes the snapshot for the current migrations unless it exists: a database created in a temporary directory,
 * migrated, closed, then renamed into place (so a snapshot is either whole or absent). Returns its path.
 */
export async function makeSnapshot(): Promise<{ path: string; created: boolean }> {
  const migrations = await listMigrations();
  const target = await snapshotPath(migrations);
  if (existsSync(path.join(target, PG_VERSION))) return { path: target, created: false };
  await mkdir(SNAPSHOT_DIR, { recursive: true });
  const temporary = `${target}.${process.pid}.tmp`;
  await rm(temporary, { recursive: true, force: true });
  const client = new PGlite(temporary);
  try {
    await client.waitReady;
    const sql: SqlExecutor = {
      exec: async (text) => void (await client.exec(text)),
      query: async <R>(text: string, params?: unknown[]) => (await client.query<R>(text, params)).rows,
    };
    await applyMigrations(sql, migrations);
  } finally {
    await client.close();
  }
  try {
    await rename(temporary, target);
  } catch (error) {
    // Another process made it meanwhile: theirs is as good.
    await rm(temporary, { recursive: true, force: true });
    if (!existsSync(path.join(target, PG_VERSION))) throw error;
    return { path: target, created: false };
  }
  // Older snapshots (other migrations, another PGlite) are of no further use.
  for (const entry of await readdir(SNAPSHOT_DIR)) {
    if (path.join(SNAPSHOT_DIR, entry) !== target && !entry.endsWith('.tmp')) await rm(path.join(SNAPSHOT_DIR, entry), { recursive: true, force: true });
  }
  return { path: target, created: true };
}
