import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiTokenService } from '../../core/api-tokens/api-token.service.ts';
import { openDatabase } from '../../core/db/database.ts';
import { ApiScope } from '../../core/db/generated/enums.ts';
import { generateHrData } from '../../prisma/seed/hr-generator.ts';
import { freePort } from '../helpers/free-port.ts';
import { npmScript, startKabinet, until, type KabinetProcess } from '../helpers/kabinet-process.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `kabinet-e2e-imports-${process.pid}-${randomBytes(3).toString('hex')}`;
const EMPLOYEES = 150;

type Reading = { importId: string; status: string; processed: number; total: number | null; created: number; unchanged: number; rejected: number; errors: { row: number; code: string }[] };

/**
 * Large uploads for real: an API process (ROLES=api) only stages the body in PostgreSQL and queues the run in Redis;
 * `npm run worker` processes run it, and one killed mid-run leaves it to the next.
 */
describe('a large upload staged by the API process and run by a worker process', () => {
  let t: TestApp;
  let env: Record<string, string>;
  let api: { process: KabinetProcess; base: string };
  const processes: KabinetProcess[] = [];
  const data = generateHrData({ employees: EMPLOYEES, months: 12 });
  const ndjsonOf = (periods: string[]) => periods.flatMap((p) => data.payslipsFor(p)).map((r) => JSON.stringify(r));

  beforeAll(async () => {
    t = await createTestApp('postgres', { env: { IMPORT_ASYNC_THRESHOLD_MB: '64' } });
    for (const [name, items] of [['organizations', data.organizations], ['departments', data.departments], ['employees', data.employees]] as const) {
      const res = await t.request({ method: 'POST', url: `/api/v1/imports/${name}`, token: t.tokens.import, body: { items } });
      expect(res.statusCode, res.body).toBe(200);
    }
    env = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      DATABASE_URL: t.testDb.url!,
      REDIS_URL,
      QUEUE_PREFIX: PREFIX,
      CODE_SECRET: 'e2e-secret-0123456789abcdef',
      PDF_PASSWORD_KEY: 'e2e-pdf-key-0123456789abcdef',
      IMPORT_ASYNC_THRESHOLD_MB: '0.1',
      // Small batches: a year of 150 takes long enough for a worker to be killed in the middle of it.
      IMPORT_BATCH_SIZE: '40',
      SHUTDOWN_TIMEOUT_SECONDS: '10',
    };
    const port = await freePort();
    api = { process: startKabinet(npmScript('start'), { ...env, ROLES: 'api', PORT: String(port) }), base: `http://127.0.0.1:${port}` };
    processes.push(api.process);
    await api.process.waitFor(/Kabinet listening on/);
    await api.process.waitFor(/database ready/);
  }, 120_000);
  afterAll(async () => {
    for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await t?.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${PREFIX}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  const startWorker = async (extra: Record<string, string> = {}) => {
    const worker = startKabinet(npmScript('worker'), { ...env, ...extra });
    processes.push(worker);
    await worker.waitFor(/worker running jobs and periodic tasks/);
    return worker;
  };
  const upload = async (lines: string[], base = api.base) => {
    const res = await fetch(`${base}/api/v1/imports/payslips`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.tokens.import}`, 'content-type': 'application/x-ndjson', 'accept-language': 'en' },
      body: lines.join('\n'),
    });
    expect(res.status, await res.clone().text()).toBe(202);
    return (await res.json()) as Reading;
  };
  const reading = async (id: string): Promise<Reading> => {
    const res = await fetch(`${api.base}/api/v1/imports/${id}`, { headers: { authorization: `Bearer ${t.tokens.import}`, 'accept-language': 'en' } });
    expect(res.status).toBe(200);
    return (await res.json()) as Reading;
  };
  const chunks = (id: string) => t.testDb.database.prisma.importUploadChunk.count({ where: { importRunId: id } });

  it('the API process only stages it; a worker runs it: progress never goes back and it ends with the report a synchronous upload gives', async () => {
    const lines = ndjsonOf(data.periods.slice(0, 6));
    lines.splice(400, 0, 'not json');
    const accepted = await upload(lines);
    expect(accepted).toMatchObject({ status: 'QUEUED', processed: 0 });
    expect(await chunks(accepted.importId)).toBeGreaterThan(0);
    // No worker: nothing runs it, in the API process least of all.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await reading(accepted.importId)).toMatchObject({ status: 'QUEUED', processed: 0 });

    const worker = await startWorker();
    const readings: Reading[] = [accepted];
    while (!['SUCCEEDED', 'FAILED'].includes(readings.at(-1)!.status)) {
      readings.push(await reading(accepted.importId));
      await new Promise((resolve) => setTimeout(resolve, 100));
      if (readings.length > 3000) throw new Error(`no end; worker output:\n${worker.output()}`);
    }
    const processed = readings.map((r) => r.processed);
    expect(processed).toEqual([...processed].sort((a, b) => a - b));
    expect(readings.some((r) => r.status === 'RUNNING' && r.processed > 0 && r.processed < lines.length), 'a reading in the middle').toBe(true);
    const done = readings.at(-1)!;
    expect(done).toMatchObject({ status: 'SUCCEEDED', total: lines.length, processed: lines.length, created: lines.length - 1, rejected: 1 });
    expect(done.errors).toEqual([expect.objectContaining({ row: 400, code: 'invalid_json' })]);
    expect(await chunks(accepted.importId)).toBe(0);
    expect(api.process.output()).not.toMatch(/worker running jobs/);

    // The same rows within a request, in the test's own process: the same report.
    const sync = await t.request({ method: 'POST', url: '/api/v1/imports/payslips', token: t.tokens.import, body: { items: lines.map((l) => (l === 'not json' ? 'not json' : JSON.parse(l))) } });
    expect(sync.statusCode).toBe(200);
    expect(sync.json()).toMatchObject({ total: lines.length, unchanged: lines.length - 1, rejected: 1 });
  }, 240_000);

  it('a worker killed with SIGKILL in the middle: a worker started after finishes the run, every row stored once', async () => {
    const lines = ndjsonOf(data.periods.slice(6));
    const accepted = await upload(lines);
    const victim = processes.find((p) => /worker running jobs/.test(p.output()) && p.child.exitCode === null)!;
    await until(async () => {
      const r = await reading(accepted.importId);
      return r.status === 'RUNNING' && r.processed >= 200;
    }, 'a run in the middle', victim.output, 120_000);
    victim.child.kill('SIGKILL');
    await victim.exited;
    const cut = await reading(accepted.importId);
    expect(cut.status).toBe('RUNNING');
    expect(cut.processed).toBeLessThan(lines.length);

    const next = await startWorker();
    await until(async () => (await reading(accepted.importId)).status === 'SUCCEEDED', 'the run taken over and finished', next.output, 180_000);
    const done = await reading(accepted.importId);
    expect(done).toMatchObject({ total: lines.length, processed: lines.length, rejected: 0 });
    expect(done.created + done.unchanged).toBe(lines.length);
    const prisma = t.testDb.database.prisma;
    expect(await prisma.payslip.count({ where: { period: { in: data.periods.slice(6) } } })).toBe(lines.length);
    // The body is deleted once the outcome is recorded (never before it): just after SUCCEEDED, it may still be there.
    await until(async () => (await chunks(accepted.importId)) === 0, 'the staged body deleted', next.output);
    expect(await chunks(accepted.importId)).toBe(0);
  }, 300_000);

  it('an upload accepted while Redis is down waits QUEUED in the database; the import sweep of a worker runs it', async () => {
    const port = await freePort();
    const nowhere = `redis://127.0.0.1:${await freePort()}`;
    const cutOff = startKabinet(npmScript('start'), { ...env, REDIS_URL: nowhere, ROLES: 'api', PORT: String(port) });
    processes.push(cutOff);
    await cutOff.waitFor(/database ready/);
    const prisma = t.testDb.database.prisma;
    await prisma.payslip.deleteMany({ where: { period: data.periods[0]! } });
    const lines = ndjsonOf(data.periods.slice(0, 1));
    const accepted = await upload(lines, `http://127.0.0.1:${port}`);
    expect(accepted.status).toBe('QUEUED');
    await cutOff.waitFor(/upload staged but not queued now/);

    // A worker whose queues are new (another prefix) runs its periodic tasks, the import sweep among them, at once.
    const worker = await startWorker({ QUEUE_PREFIX: `${PREFIX}-later` });
    await until(async () => (await reading(accepted.importId)).status === 'SUCCEEDED', 'the queued upload run by the sweep', worker.output, 90_000);
    expect(await reading(accepted.importId)).toMatchObject({ total: lines.length, created: lines.length, rejected: 0 });
    await until(async () => (await chunks(accepted.importId)) === 0, 'the staged body deleted', worker.output);
    expect(await chunks(accepted.importId)).toBe(0);
  }, 180_000);
});

/** The embedded set-up (PGlite, no Redis): one process stages and runs; killed mid-run, the next start finishes it. */
describe('a large upload on the embedded database, through a crash', () => {
  let dataDir: string;
  const processes: KabinetProcess[] = [];
  afterAll(async () => {
    for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('a process killed with SIGKILL in the middle of a staged upload runs it again at its next start, every row stored once', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'kabinet-staged-'));
    const setup = await openDatabase({ kind: 'pglite', dataDir });
    await setup.migrate();
    const { token } = await createApiTokenService(setup.prisma).create('e2e', [ApiScope.IMPORT]);
    await setup.close();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = { NODE_ENV: 'development', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info', IMPORT_ASYNC_THRESHOLD_MB: '0.1', IMPORT_BATCH_SIZE: '40' };
    const start = async () => {
      const kabinet = startKabinet(npmScript('start'), env);
      processes.push(kabinet);
      await kabinet.waitFor(/worker running jobs and periodic tasks/);
      return kabinet;
    };
    const call = (url: string, init: RequestInit = {}) => fetch(`${base}${url}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson', ...init.headers } });
    const reading = async (id: string) => (await (await call(`/api/v1/imports/${id}`)).json()) as Reading;

    const first = await start();
    const data = generateHrData({ employees: 100, months: 6 });
    for (const [name, items] of [['organizations', data.organizations], ['departments', data.departments], ['employees', data.employees]] as const) {
      // Chunked, no Content-Length: within the request.
      const res = await call(`/api/v1/imports/${name}`, { method: 'POST', body: ReadableStream.from([items.map((i) => JSON.stringify(i)).join('\n')]), duplex: 'half' } as RequestInit);
      expect(res.status, await res.clone().text()).toBe(200);
    }
    const lines = data.periods.flatMap((p) => data.payslipsFor(p)).map((r) => JSON.stringify(r));
    const accepted = await call('/api/v1/imports/payslips', { method: 'POST', body: lines.join('\n') });
    expect(accepted.status).toBe(202);
    const id = ((await accepted.json()) as Reading).importId;
    await until(async () => (await reading(id)).processed >= 120, 'a run in the middle', first.output, 120_000);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await start();
    await until(async () => (await reading(id)).status === 'SUCCEEDED', 'the run finished after the restart', second.output, 180_000);
    const done = await reading(id);
    expect(done).toMatchObject({ total: lines.length, processed: lines.length, rejected: 0 });
    expect(done.created + done.unchanged).toBe(lines.length);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    const check = await openDatabase({ kind: 'pglite', dataDir });
    expect(await check.prisma.payslip.count()).toBe(lines.length);
    expect(await check.prisma.importUploadChunk.count()).toBe(0);
    await check.close();
  }, 400_000);
});
