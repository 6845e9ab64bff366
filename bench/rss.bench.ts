// `npm run bench:rss`: the resident memory of `npm start` at rest (no bot token, no Redis, nothing loaded), on the
// embedded PGlite and on PostgreSQL (a database of its own on TEST_POSTGRES_URL's server, dropped after): ready,
// one request to /readyz, then RSS read from /proc after a few quiet seconds, with how much of it is the JavaScript
// heap (anonymous memory) and how much mapped files (code of node and its WebAssembly).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/helpers/free-port.ts';
import { npmScript } from '../test/helpers/kabinet-process.ts';
import { httpStatus } from './http-status.ts';
import { adminQuery, POSTGRES_ADMIN_URL } from '../test/helpers/test-database.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** What `npm start` runs, without npm (BENCH_START='--import tsx main.ts' measures the sources through tsx). */
const START = process.env.BENCH_START?.split(' ').filter(Boolean) ?? npmScript('start');
/** How long the server is left alone after it is ready: start-up garbage is collected, timers have run once. */
const SETTLE_MS = Number(process.env.BENCH_RSS_SETTLE_MS ?? 5000);

/** VmRSS, RssAnon and RssFile of /proc/<pid>/status, in MB. */
async function memoryOf(pid: number): Promise<{ rss: number; anon: number; file: number }> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, anon: kb('RssAnon') / 1024, file: kb('RssFile') / 1024 };
}

async function atRest(env: Record<string, string>): Promise<{ rss: number; anon: number; file: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, [...(process.env.BENCH_START_FLAGS ?? '').split(' ').filter(Boolean), ...START], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const deadline = Date.now() + 60_000;
    while ((await httpStatus(port, '/readyz')) !== 200) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error('kabinet did not become ready');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    return await memoryOf(child.pid!);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const line = (name: string, m: { rss: number; anon: number; file: number }) =>
  console.log(`${name}: RSS ${m.rss.toFixed(0)} MB (anonymous ${m.anon.toFixed(0)} MB, files ${m.file.toFixed(0)} MB; target ≤ 200 MB)`);

async function main(): Promise<void> {
  console.log(`npm start at rest, ${SETTLE_MS / 1000} s after ready (load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores):`);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'kabinet-rss-'));
  try {
    // The second start finds the directory the first one made, as every start but a first one does.
    await atRest({ DATA_DIR: dataDir });
    line('embedded PGlite', await atRest({ DATA_DIR: dataDir }));
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
  const name = `kabinet_rss_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  try {
    const url = new URL(POSTGRES_ADMIN_URL);
    url.pathname = `/${name}`;
    line('PostgreSQL     ', await atRest({ DATABASE_URL: url.toString() }));
  } finally {
    await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

await main();
