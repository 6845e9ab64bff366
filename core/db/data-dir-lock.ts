import { randomBytes } from 'node:crypto';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';

/**
 * PGlite is PostgreSQL in this process: two processes on one data directory both write its files, and the
 * directory is damaged (seen: a token the server then rejected, later P2002 on a primary key). Every opening of a
 * data directory takes this lock first and refuses when a live process holds it.
 *
 * The lock is a file in the directory holding who has it (pid, command, start time, host). It is created
 * atomically (a complete temporary file is hard-linked into place, which fails if one exists); a lock whose
 * process is gone (a crash, `kill -9`, a container restarted) is taken over.
 */
export const LOCK_FILE = 'kabinet.lock';

export interface LockOwner {
  pid: number;
  /** What runs, for the person reading the refusal: `npm start (node main.ts)`, `npm run token:create …`. */
  command: string;
  startedAt: string;
  host: string;
  /** Where a running server takes local administrative calls (token:create while it runs); see local-admin. */
  admin?: { url: string; secret: string };
}

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
  constructor(
    readonly dataDir: string,
    readonly owner: LockOwner,
  ) {
    super(
      `The embedded database in ${dataDir} is in use by another process: pid ${owner.pid} (${owner.command}), ` +
        `running since ${owner.startedAt}${owner.host !== hostname() ? ` on host ${owner.host}` : ''}. ` +
        `The embedded database (PGlite) allows one process per data directory; opening it twice damages it. ` +
        `If no such process runs any more, delete ${path.join(dataDir, LOCK_FILE)}.`,
    );
  }
}

export interface DataDirLock {
  readonly path: string;
  readonly owner: LockOwner;
  /** Adds the local administration address to the lock file (only the owner of the file can read it). */
  advertise(admin: LockOwner['admin']): Promise<void>;
  release(): Promise<void>;
}

// Directories this process holds: a second opening in the same process would damage the directory just as well.
const heldHere = new Set<string>();

/** What this process is, in words a user recognizes. */
export function describeCommand(): string {
  const script = process.argv[1] ? path.relative(process.cwd(), process.argv[1]) || process.argv[1] : '';
  const node = `node ${script}`.trim();
  const npm = process.env.npm_lifecycle_event;
  if (!npm) return node;
  return `${npm === 'start' ? 'npm start' : `npm run ${npm}`} (${node})`;
}

/** Reads a lock file: its owner, 'missing', or 'unreadable' (empty or not ours). */
export async function readLockOwner(lockPath: string): Promise<LockOwner | 'missing' | 'unreadable'> {
  let raw: string;
  try {
    raw = await readFile(lockPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  try {
    const owner = JSON.parse(raw) as Partial<LockOwner>;
    if (typeof owner.pid !== 'number' || typeof owner.command !== 'string' || typeof owner.startedAt !== 'string') return 'unreadable';
    return { host: '', ...owner } as LockOwner;
  } catch {
    return 'unreadable';
  }
}

/** Whether the process named in a lock still runs. */
export async function isAlive(owner: LockOwner): Promise<boolean> {
  // A lock written on another host (a second container on a shared volume) cannot be checked from here: a pid is
  // only meaningful on its own host. Assume it lives; the refusal names the host and the file to delete.
  if (owner.host && owner.host !== hostname()) return true;
  // Our own pid in a lock we do not hold is a previous life of this process id (a container restarted: pid 1).
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // The pid exists. On Linux, make sure it is still a Node.js process and not an unrelated one that got the id.
  try {
    const cmdline = await readFile(`/proc/${owner.pid}/cmdline`, 'utf8');
    return /node/i.test(cmdline);
  } catch {
    return true;
  }
}

async function writeAtomically(target: string, content: string, mode: 'create' | 'replace'): Promise<void> {
  const temp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, content, { mode: 0o600 });
  try {
    if (mode === 'create') await link(temp, target);
    else await rename(temp, target);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/** Takes the lock of `dataDir` (which must exist) or throws DataDirLockedError naming the process that holds it. */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const resolved = path.resolve(dataDir);
  const lockPath = path.join(resolved, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, command: describeCommand(), startedAt: new Date().toISOString(), host: hostname() };
  if (heldHere.has(resolved)) throw new DataDirLockedError(dataDir, me);

  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      await writeAtomically(lockPath, JSON.stringify(me), 'create');
      heldHere.add(resolved);
      return handle(resolved, lockPath, me);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const raw = await readFile(lockPath, 'utf8').catch(() => undefined);
    const owner = await readLockOwner(lockPath);
    if (owner === 'missing' || raw === undefined) continue;
    if (owner !== 'unreadable' && (await isAlive(owner))) throw new DataDirLockedError(dataDir, owner);
    await takeOver(lockPath, raw);
  }
  throw new Error(`Could not take the lock ${lockPath}: it kept changing. Is another process starting on ${dataDir}?`);
}

/**
 * Removes a stale lock, unless it changed since it was judged stale. The file is first renamed to a name of our
 * own (atomic), so of two processes taking over the same stale lock only one removes it; if what we renamed is a
 * fresh lock of a third process, it is put back.
 */
async function takeOver(lockPath: string, staleContent: string): Promise<void> {
  const aside = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    await rename(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const content = await readFile(aside, 'utf8').catch(() => undefined);
  if (content !== undefined && content !== staleContent) await link(aside, lockPath).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}

function handle(dir: string, lockPath: string, initial: LockOwner): DataDirLock {
  let owner = initial;
  let released = false;
  return {
    path: lockPath,
    get owner() {
      return owner;
    },
    async advertise(admin) {
      if (released) return;
      owner = { ...owner, ...(admin ? { admin } : {}) };
      await writeAtomically(lockPath, JSON.stringify(owner), 'replace');
    },
    async release() {
      if (released) return;
      released = true;
      heldHere.delete(dir);
      const current = await readLockOwner(lockPath).catch(() => 'missing' as const);
      // Only our own lock is removed: after a takeover by mistake it could be another process's.
      if (typeof current === 'object' && current.pid === owner.pid && current.startedAt === owner.startedAt) await unlink(lockPath).catch(() => undefined);
    },
  };
}
