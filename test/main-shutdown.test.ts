import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../core/db/database.ts';
import { INTERRUPTED_IMPORT_FAILURE } from '../core/interrupted-imports.ts';
import { freePort } from './helpers/free-port.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

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

async function until(check: () => Promise<boolean>, what: string, output: () => string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms; process output:\n${output()}`);
}

const refusesConnections = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });

/** `npm start` as a real process on the embedded database: CLI commands while it runs, a graceful stop, a restart. */
describe('npm start: one process per data directory, CLI while it runs, draining stop, restart', () => {
  let dataDir: string;
  let port: number;
  let env: Record<string, string>;
  let server: Started;
  let token = '';
  const base = () => `http://127.0.0.1:${port}`;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'kabinet-main-'));
    port = await freePort();
    env = { NODE_ENV: 'development', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_SECONDS: '60' };
    server = start(['main.ts'], env);
    await until(async () => (await fetch(`${base()}/readyz`)).ok, 'readyz', server.output);
  });
  afterAll(async () => {
    if (server?.child.exitCode === null) server.child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('creates a token through the running server, and refuses db:migrate and a second server with the pid', async () => {
    const created = start(['scripts/token-create.ts', '--name', 'zup', '--scope', 'import,admin'], { DATA_DIR: dataDir, PORT: String(port) });
    expect(await created.exited, created.output()).toBe(0);
    expect(created.output()).toContain(`created by the running Kabinet (pid ${server.child.pid})`);
    token = /^(kbt_\S+)$/m.exec(created.output())![1]!;
    expect((await fetch(`${base()}/api/v1/employees`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);

    const migrate = start(['scripts/migrate.ts'], { DATA_DIR: dataDir });
    expect(await migrate.exited).toBe(1);
    expect(migrate.output()).toContain(`Kabinet is running on the embedded database in ${dataDir}: pid ${server.child.pid}, node main.ts, since`);
    expect(migrate.output()).toMatch(/applies pending migrations itself when it starts/);

    const second = start(['main.ts'], { ...env, PORT: String(await freePort()) });
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain(`in use by another process: pid ${server.child.pid}`);

    // The local administration endpoint answers no one without the secret from the lock file.
    const guessed = await fetch(`${base()}/local-admin/api-tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x', scopes: ['ADMIN'] }) });
    expect(guessed.status).toBe(404);
  });

  it('on SIGTERM refuses new connections, lets the upload in flight finish, and exits 0', async () => {
    const body = JSON.stringify({ items: [{ id: 'org-1', name: 'ООО «Ромашка»', inn: '7707083893', kpp: '770701001' }] });
    const half = Math.floor(body.length / 2);
    // An upload whose body is still arriving: in flight on the server for as long as the test wants.
    const upload = httpRequest(`${base()}/api/v1/imports/organizations`, {
      method: 'POST',
      agent: false,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), expect: '100-continue' },
    });
    const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
      upload.once('response', (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      upload.once('error', reject);
    });
    // 100 Continue: the server has read the headers and is handling the request.
    await new Promise<void>((resolve) => upload.once('continue', () => resolve()));
    upload.write(body.slice(0, half));

    server.child.kill('SIGTERM');
    await until(() => refusesConnections(port), 'refusing new connections', server.output);
    expect(server.child.exitCode).toBeNull();

    upload.end(body.slice(half));
    const response = await answered;
    expect(response.status, response.body).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ status: 'SUCCEEDED', created: 1 });
    expect(await server.exited).toBe(0);
    expect(server.output()).toMatch(/shutting down/);
    expect(server.output()).not.toMatch(/requests still running at the shutdown deadline were cut/);
  });

  it('marks an upload cut short by an earlier stop as FAILED at the next start', async () => {
    // What a process killed in the middle of an upload leaves behind.
    const database = await openDatabase({ kind: 'pglite', dataDir });
    const run = await database.prisma.importRun.create({ data: { kind: 'EMPLOYEES', total: 12_000, processed: 1000, created: 1000 } });
    await database.close();

    server = start(['main.ts'], env);
    await until(async () => (await fetch(`${base()}/readyz`)).ok, 'readyz after restart', server.output);
    const res = await fetch(`${base()}/api/v1/imports/${run.id}`, { headers: { authorization: `Bearer ${token}` } });
    expect(await res.json()).toMatchObject({ importId: run.id, status: 'FAILED', processed: 1000 });
    expect(server.output()).toMatch(/uploads cut short by an earlier stop are marked as failed/);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const reopened = await openDatabase({ kind: 'pglite', dataDir });
    expect((await reopened.prisma.importRun.findUniqueOrThrow({ where: { id: run.id } })).failure).toBe(INTERRUPTED_IMPORT_FAILURE);
    await reopened.close();
  });
});
