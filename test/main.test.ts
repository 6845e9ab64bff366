import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from './helpers/free-port.ts';

/** The real entry point, as `npm start` runs it, on a fresh embedded database. */
describe('npm start', () => {
  let child: ChildProcess | undefined;
  let dataDir: string | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('listens, becomes ready on a new PGlite directory, serves the API and shuts down cleanly on SIGTERM', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'kabinet-start-'));
    const port = await freePort();
    child = spawn(process.execPath, ['--import', 'tsx', 'main.ts'], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { PATH: process.env.PATH, NODE_ENV: 'development', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));

    const base = `http://127.0.0.1:${port}`;
    await until(async () => (await fetch(`${base}/healthz`)).ok, 'healthz', () => output);
    await until(async () => (await fetch(`${base}/readyz`)).ok, 'readyz', () => output);
    const unauthorized = await fetch(`${base}/api/v1/employees`);
    expect(unauthorized.status).toBe(401);
    expect(await unauthorized.json()).toMatchObject({ code: 'AUTH_REQUIRED' });

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toMatch(/database ready/);
    expect(output).toMatch(/Telegram bot is off: set BOT_TOKEN/);
    expect(output).toMatch(/shutting down/);
  });
});

async function until(check: () => Promise<boolean>, what: string, output: () => string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not answer within ${timeoutMs} ms; process output:\n${output()}`);
}
