import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataDirLockedError, LOCK_FILE, lockDataDir, readLockOwner } from '../../core/db/data-dir-lock.ts';
import { openDatabase } from '../../core/db/database.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

/** A child process that holds the directory open, as `npm start` would. */
async function holdDirectory(dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/hold-data-dir.ts', dataDir], { cwd: ROOT, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      output += d;
      if (output.includes('ready')) resolve();
    });
    child.stderr!.on('data', (d) => (output += d));
    child.once('exit', (code) => reject(new Error(`the holder exited with ${code}:\n${output}`)));
  });
  return child;
}

describe('the embedded database directory is opened by one process at a time', () => {
  let dataDir: string;
  let holder: ChildProcess | undefined;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'kabinet-lock-'));
  });
  afterAll(async () => {
    if (holder && holder.exitCode === null) holder.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses a second process, naming the one that has the directory', async () => {
    holder = await holdDirectory(dataDir);
    const lock = await readLockOwner(path.join(dataDir, LOCK_FILE));
    expect(lock).toMatchObject({ pid: holder.pid, command: expect.stringContaining('hold-data-dir.ts') });
    // The lock file is readable by its owner only (it may hold the local administration secret).
    expect((await stat(path.join(dataDir, LOCK_FILE))).mode & 0o077).toBe(0);

    const refused = await openDatabase({ kind: 'pglite', dataDir }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(DataDirLockedError);
    expect((refused as Error).message).toContain(`pid ${holder.pid}`);
    expect((refused as Error).message).toContain('hold-data-dir.ts');
    expect((refused as Error).message).toMatch(/one process per data directory/);
  });

  it('makes the CLI commands refuse with what to do, and leave the directory alone', async () => {
    const before = await readFile(path.join(dataDir, LOCK_FILE), 'utf8');
    for (const [script, task] of [['scripts/token-create.ts', 'token:create'], ['scripts/migrate.ts', 'db:migrate']] as const) {
      const { code, output } = await run([script, '--name', 'zup', '--scope', 'import'], { DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
      expect(code, output).toBe(1);
      expect(output).toContain(`Kabinet is running on the embedded database in ${dataDir}: pid ${holder!.pid}`);
      expect(output).toContain(`\`npm run ${task}\` cannot open that directory while it runs`);
      expect(output).toContain(`Stop Kabinet first (Ctrl+C in its terminal, or \`kill ${holder!.pid}\`)`);
    }
    expect(await readFile(path.join(dataDir, LOCK_FILE), 'utf8')).toBe(before);
  });

  it('takes over the lock of a process that died, and the data is intact', async () => {
    const killed = new Promise((resolve) => holder!.once('exit', resolve));
    holder!.kill('SIGKILL');
    await killed;
    expect(existsSync(path.join(dataDir, LOCK_FILE))).toBe(true);

    const database = await openDatabase({ kind: 'pglite', dataDir });
    expect(await readLockOwner(path.join(dataDir, LOCK_FILE))).toMatchObject({ pid: process.pid });
    await database.ping();
    await database.close();
    // Closed cleanly: no lock left behind.
    expect(existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);
  });

  it('refuses a second opening inside one process as well', async () => {
    const first = await lockDataDir(dataDir);
    await expect(lockDataDir(dataDir)).rejects.toBeInstanceOf(DataDirLockedError);
    await first.release();
    const again = await lockDataDir(dataDir);
    await again.release();
  });

  it('takes over a lock left by an earlier life of this very pid (a restarted container) or an unreadable one', async () => {
    const lockPath = path.join(dataDir, LOCK_FILE);
    await writeFile(lockPath, JSON.stringify({ pid: process.pid, command: 'npm start (node main.ts)', startedAt: '2026-01-01T00:00:00.000Z', host: hostname() }));
    const first = await lockDataDir(dataDir);
    expect(first.owner.startedAt).not.toBe('2026-01-01T00:00:00.000Z');
    await first.release();

    await writeFile(lockPath, 'not a lock');
    const second = await lockDataDir(dataDir);
    expect(await readLockOwner(lockPath)).toMatchObject({ pid: process.pid });
    await second.release();
  });

  it('refuses a lock written on another host whatever its pid, naming the host and the file to delete', async () => {
    const lockPath = path.join(dataDir, LOCK_FILE);
    // A dead pid here, but the lock comes from another container on the same volume: its process may well run.
    await writeFile(lockPath, JSON.stringify({ pid: 4_194_305, command: 'npm start (node main.ts)', startedAt: '2026-01-01T00:00:00.000Z', host: 'kabinet-other-container' }));
    const refusal = await lockDataDir(dataDir).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(DataDirLockedError);
    expect((refusal as Error).message).toContain('on host kabinet-other-container');
    expect((refusal as Error).message).toContain(lockPath);
    expect(await readLockOwner(lockPath)).toMatchObject({ host: 'kabinet-other-container' });
    await rm(lockPath);
  });

  it('of two processes taking over one stale lock, exactly one gets it', async () => {
    const lockPath = path.join(dataDir, LOCK_FILE);
    // pid 2^22 + 1 is above Linux's pid_max: no such process.
    await writeFile(lockPath, JSON.stringify({ pid: 4_194_305, command: 'npm start (node main.ts)', startedAt: '2026-01-01T00:00:00.000Z', host: hostname() }));
    const script = `import('./core/db/data-dir-lock.ts').then(async (m) => { try { await m.lockDataDir(${JSON.stringify(dataDir)}); console.log('GOT'); } catch (e) { console.log('REFUSED', e.name); } setInterval(() => {}, 60000); })`;
    // Both keep running (and holding what they got) until both have answered.
    const contenders = [1, 2].map(() => spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] }));
    const answers = await Promise.all(
      contenders.map(
        (child) =>
          new Promise<string>((resolve) => {
            let output = '';
            child.stdout!.on('data', (d) => {
              output += d;
              if (/GOT|REFUSED \w+/.test(output)) resolve(output.trim());
            });
            child.stderr!.on('data', (d) => (output += d));
            child.once('exit', () => resolve(output));
          }),
      ),
    );
    for (const child of contenders) child.kill('SIGKILL');
    const outcomes = answers.map((a) => (a === 'GOT' ? 'got' : a === 'REFUSED DataDirLockedError' ? 'refused' : a)).sort();
    expect(outcomes).toEqual(['got', 'refused']);
  });
});
