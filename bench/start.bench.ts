// `npm run bench:start [-- <runs>]`: how long `npm start` (the same command, from package.json, without npm) takes to
// answer /healthz and to be ready (/readyz 200), on an empty data directory and on an existing one; median of
// <runs> (5) each. Embedded PGlite, no bot token, no Redis: what a newcomer's first `npm start` does.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/helpers/free-port.ts';
import { npmScript } from '../test/helpers/kabinet-process.ts';
import { httpStatus } from './http-status.ts';

type Run = { healthz: number; readyz: number; cpu: number };

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** What `npm start` runs, without npm (BENCH_START='--import tsx main.ts' measures the sources through tsx). */
const START = process.env.BENCH_START?.split(' ').filter(Boolean) ?? npmScript('start');

/** One start: ms from spawn to the first 200 of /healthz and of /readyz; then a SIGTERM and its exit. */
async function once(dataDir: string): Promise<Run> {
  const port = await freePort();
  const env: Record<string, string> = { ...process.env as Record<string, string>, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', NODE_ENV: 'production' };
  for (const key of ['DATABASE_URL', 'REDIS_URL', 'BOT_TOKEN', 'ROLES']) delete env[key];
  const start = performance.now();
  const child = spawn(process.execPath, [...(process.env.BENCH_START_FLAGS ?? '').split(' ').filter(Boolean), ...START], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let healthz = NaN;
  let readyz = NaN;
  let cpu = NaN;
  try {
    while (Number.isNaN(readyz)) {
      if (child.exitCode !== null) throw new Error(`kabinet exited with ${child.exitCode}`);
      if (performance.now() - start > 60_000) throw new Error('not ready after 60 s');
      if (Number.isNaN(healthz) && (await httpStatus(port, '/healthz')) === 200) healthz = performance.now() - start;
      if (!Number.isNaN(healthz) && (await httpStatus(port, '/readyz')) === 200) {
        readyz = performance.now() - start;
        cpu = await cpuMs(child.pid!);
      }
      else await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  return { healthz, readyz, cpu };
}

/**
 * CPU the process has used (user + system, all its threads), from /proc: unlike wall-clock time it does not grow
 * when other processes share the cores, so it compares runs on a busy machine. NaN where /proc is missing.
 */
async function cpuMs(pid: number): Promise<number> {
  try {
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
    // utime and stime are the 12th and 13th fields after the command name, in clock ticks (100 a second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${Math.round(x)} ms`;

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 5);
  const base = await mkdtemp(path.join(tmpdir(), 'kabinet-start-'));
  try {
    const empty: Run[] = [];
    for (let i = 0; i < runs; i++) empty.push(await once(path.join(base, `empty-${i}`)));
    const existing: Run[] = [];
    // empty-0 now holds a migrated database: every start after the first finds it.
    for (let i = 0; i < runs; i++) existing.push(await once(path.join(base, 'empty-0')));
    const line = (name: string, xs: Run[], target: number) =>
      console.log(`${name}: /healthz ${ms(median(xs.map((x) => x.healthz)))}, /readyz ${ms(median(xs.map((x) => x.readyz)))} (target ≤ ${target} ms; runs: ${xs.map((x) => Math.round(x.readyz)).join(', ')}); CPU until ready ${ms(median(xs.map((x) => x.cpu)))}`);
    console.log(`npm start, embedded PGlite, median of ${runs} (load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores):`);
    line('empty data directory   ', empty, 3000);
    line('existing data directory', existing, 2000);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

await main();
