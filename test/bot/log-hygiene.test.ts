import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSmtpSender } from '../../core/delivery/email-sender.ts';
import { createBullmqQueue } from '../../core/jobs/bullmq-queue.ts';
import { type JobDefinitions, QueueUnavailableError } from '../../core/jobs/job-definition.ts';
import { createLogger, safeError } from '../../core/logger.ts';
import { createRedisSendGate } from '../../core/telegram/send-gate.ts';
import { seedLinkingEmployees } from '../fixtures/linking-setup.ts';
import { contactUpdate, textUpdate } from '../fixtures/telegram-updates.ts';
import { capturingChannels, codeIn, createBotHarness, type BotHarness } from '../helpers/bot-harness.ts';
import { freePort } from '../helpers/free-port.ts';
import { startSmtpSink } from '../helpers/smtp-sink.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  return { lines, logger: createLogger({ level: 'trace', destination }) };
}

describe('logs of a full linking flow', () => {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  let h: BotHarness;
  let sink: Awaited<ReturnType<typeof startSmtpSink>>;
  const sms = capturingChannels();

  beforeAll(async () => {
    sink = await startSmtpSink();
    h = await createBotHarness('pglite', {
      logger: createLogger({ level: 'trace', destination }),
      channels: { sms: sms.channels.sms, email: createSmtpSender({ url: sink.url, from: 'no-reply@romashka.ru' }) },
    });
  });
  afterAll(async () => {
    await h?.close();
    await sink?.close();
  });

  it('contain no phone number, e-mail, name or code', async () => {
    await seedLinkingEmployees(h.t);
    const codes: string[] = [];
    await h.send(textUpdate(9001, '/start'));
    await h.send(contactUpdate(9001, '+7 912 000-00-01'));
    codes.push(codeIn(sms.sms[0]!.text));
    await h.send(textUpdate(9001, codes[0] === '000000' ? '111111' : '000000'));
    await h.send(textUpdate(9001, codes[0]!));
    await h.send(textUpdate(9001, '/whoami'));
    await h.send(textUpdate(9002, 'emp3@romashka.ru'));
    codes.push(codeIn(sink.received[0]!.text ?? ''));
    await h.send(textUpdate(9002, codes[1]!));
    await h.send(textUpdate(9003, '8 999 123-45-67'));
    await h.send(textUpdate(9001, '/logout'));
    h.failNext('sendMessage', new Error('network down for +79120000001'));
    await h.send(textUpdate(9001, '/help'));

    const log = lines.join('');
    expect(lines.length).toBeGreaterThan(20);
    expect(log).toMatch(/one-time code sent/);
    for (const secret of ['9120000001', '912 000-00-01', '9991234567', '999 123-45-67', 'emp1@', 'emp3@', 'romashka.ru', 'Иванова', 'Мария', ...codes]) {
      expect(log, secret).not.toContain(secret);
    }
  });
});

describe('logs of HTTP requests and errors', () => {
  const log = capture();
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('pglite', { logger: log.logger });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('name the path of a request, never its query string (search terms are personal data)', async () => {
    const res = await t.request({ method: 'GET', url: '/api/v1/employees?q=m.ivanova%40romashka.ru&pageSize=5', token: t.tokens.admin });
    expect(res.statusCode).toBe(200);
    const all = log.lines.join('');
    expect(all).toContain('"path":"/api/v1/employees"');
    for (const leak of ['ivanova', 'romashka', 'q=', 'pageSize']) expect(all, leak).not.toContain(leak);
  });

  it('never take a client\'s x-request-id that is not a plain id; a plain one is kept and echoed', async () => {
    log.lines.length = 0;
    const injected = await t.request({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'm.ivanova@romashka.ru' } });
    expect(injected.headers['x-request-id']).not.toBe('m.ivanova@romashka.ru');
    const crafted = await t.request({ method: 'GET', url: '/healthz', headers: { 'x-request-id': '+7 912 000-00-01' } });
    expect(crafted.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const all = log.lines.join('');
    for (const leak of ['ivanova', 'romashka', '912 000']) expect(all, leak).not.toContain(leak);

    const traced = await t.request({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'zup-upload-20261129-0001' } });
    expect(traced.headers['x-request-id']).toBe('zup-upload-20261129-0001');
    expect(log.lines.join('')).toContain('"reqId":"zup-upload-20261129-0001"');
  });

  it('keep the code of a database error (Prisma\'s P2002) while one-time codes stay redacted', async () => {
    const prisma = t.testDb.database.prisma;
    const token = await prisma.apiToken.findFirstOrThrow();
    const duplicate = await prisma.apiToken.create({ data: { name: 'dup', scopes: token.scopes, prefix: token.prefix, tokenHash: token.tokenHash } }).catch((e: unknown) => e);
    log.lines.length = 0;
    log.logger.error({ err: safeError(duplicate) }, 'request failed');
    log.logger.info({ code: '493817', payload: { code: '493817' } }, 'code handling');
    const [failed, coded] = log.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(failed!.err).toMatchObject({ code: 'P2002' });
    expect(JSON.stringify(coded)).not.toContain('493817');
  });
});

describe('logs while Redis is unreachable', () => {
  let dataDir: string | undefined;

  it('every Redis connection (queue producer, workers, send gate) reports through the logger, never to stderr', async () => {
    const log = capture();
    const stderr = vi.spyOn(process.stderr, 'write');
    const consoleError = vi.spyOn(console, 'error');
    const consoleWarn = vi.spyOn(console, 'warn');
    const url = `redis://127.0.0.1:${await freePort()}`;
    const definitions = { 'notify-payslip': { name: 'notify-payslip', attempts: 1, backoffMs: 1, handle: async () => {} }, 'deliver-code': { name: 'deliver-code', attempts: 1, backoffMs: 1, handle: async () => {} } } as unknown as JobDefinitions;
    const jobs = createBullmqQueue({ url, prefix: 'kabinet-test-down', definitions, logger: log.logger, enqueueTimeoutMs: 500 });
    const gate = createRedisSendGate({ url, key: 'kabinet-test-down:send-gate', max: 5, logger: log.logger });
    const workers = jobs.startWorkers();
    await expect(jobs.enqueue('notify-payslip', { notificationId: 'n-1' }, { jobId: 'notify-n-1' })).rejects.toBeInstanceOf(QueueUnavailableError);
    await expect(gate.tryAcquire()).rejects.toThrow();
    await jobs.close();
    await workers;
    await gate.close();
    const printed = [...stderr.mock.calls, ...consoleError.mock.calls, ...consoleWarn.mock.calls].map((c) => String(c[0]));
    stderr.mockRestore();
    consoleError.mockRestore();
    consoleWarn.mockRestore();
    expect(printed).toEqual([]);
    const warnings = log.lines.map((l) => JSON.parse(l) as { component?: string; msg: string }).filter((l) => l.msg.startsWith('Redis unreachable'));
    expect(warnings.map((w) => w.component).sort()).toEqual(['job-queue', 'send-gate']);
  });

  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('stay JSON, one line each: no "[ioredis] Unhandled error event" on stderr, and the stop still completes', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'kabinet-redis-down-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'main.ts'], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: {
        PATH: process.env.PATH, NODE_ENV: 'development', LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: String(await freePort()), DATA_DIR: dataDir,
        // Nothing listens there: every connection attempt fails, over and over.
        REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      while (!/Redis unreachable or failing/.test(stdout) || !/could not check the Redis settings/.test(stdout)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no Redis warning:\n${stdout}\n${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      // ioredis reconnects every 50 ms, 100 ms, … : many failed attempts happen while we wait for the stop.
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    expect(stderr).toBe('');
    const lines = stdout.split('\n').filter((l) => l.trim() !== '');
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    // One warning per outage and component, not one per reconnect attempt.
    expect(lines.filter((l) => l.includes('Redis unreachable or failing'))).toHaveLength(1);
  });
});
