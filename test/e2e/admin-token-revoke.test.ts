import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function start(script: string[], env: Record<string, string>): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', ...script], { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Runs a CLI command to its end. */
async function run(script: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const started = start(script, env);
  const code = await started.exited;
  return { code, output: started.output() };
}

async function until(check: () => Promise<boolean>, what: string, output: () => string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms; process output:\n${output()}`);
}

const created = (output: string) => ({ token: /^(kbt_\S+)$/m.exec(output)![1]!, id: /id ([0-9a-f-]{36})/.exec(output)![1]! });

/** `npm run token:revoke` beside token:create: through the running Kabinet on the embedded database, and without it. */
describe('token:revoke', () => {
  let dataDir: string;
  let port: number;
  let env: Record<string, string>;
  let server: Started;
  const base = () => `http://127.0.0.1:${port}`;
  const status = async (token: string) => (await fetch(`${base()}/api/v1/employees`, { headers: { authorization: `Bearer ${token}` } })).status;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'kabinet-revoke-'));
    port = await freePort();
    env = { NODE_ENV: 'development', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    server = start(['main.ts'], env);
    await until(async () => (await fetch(`${base()}/readyz`)).ok, 'readyz', server.output);
  });
  afterAll(async () => {
    if (server?.child.exitCode === null) server.child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('revokes by name (every token with it) and by id through the running Kabinet, and says when nothing matched', async () => {
    const a = created((await run(['scripts/token-create.ts', '--name', 'zup', '--scope', 'admin'], env)).output);
    const b = created((await run(['scripts/token-create.ts', '--name', 'zup', '--scope', 'admin'], env)).output);
    const c = created((await run(['scripts/token-create.ts', '--name', 'it', '--scope', 'admin'], env)).output);
    for (const token of [a, b, c]) expect(await status(token.token)).toBe(200);

    const byName = await run(['scripts/token-revoke.ts', '--name', 'zup'], env);
    expect(byName.code, byName.output).toBe(0);
    expect(byName.output).toContain(`Revoked token "zup", id ${a.id}, by the running Kabinet`);
    expect(byName.output).toContain(`id ${b.id}`);
    expect(await status(a.token)).toBe(401);
    expect(await status(b.token)).toBe(401);
    expect(await status(c.token)).toBe(200);

    const byId = await run(['scripts/token-revoke.ts', '--id', c.id], env);
    expect(byId.code, byId.output).toBe(0);
    expect(await status(c.token)).toBe(401);

    const again = await run(['scripts/token-revoke.ts', '--id', c.id], env);
    expect(again.code).toBe(1);
    expect(again.output).toContain(`No active API token with id ${c.id}`);
    const usage = await run(['scripts/token-revoke.ts'], env);
    expect(usage.code).toBe(2);
    expect(usage.output).toContain('usage: npm run token:revoke -- --id');
  });

  it('revokes directly when no Kabinet holds the database', async () => {
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const late = created((await run(['scripts/token-create.ts', '--name', 'late', '--scope', 'import'], env)).output);
    const revoked = await run(['scripts/token-revoke.ts', '--name', 'late'], env);
    expect(revoked.code, revoked.output).toBe(0);
    expect(revoked.output).toContain(`Revoked token "late", id ${late.id}.`);
    expect(revoked.output).not.toContain('running Kabinet');
  });
});
