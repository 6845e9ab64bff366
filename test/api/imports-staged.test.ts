import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createInProcessQueue } from '../../core/jobs/in-process-queue.ts';
import { QueueUnavailableError, type JobQueue } from '../../core/jobs/job-definition.ts';
import { failInterruptedImports } from '../../core/interrupted-imports.ts';
import { BODY_LOST_FAILURE, IMPORT_LEASE_MS, MAX_IMPORT_ATTEMPTS, NOT_AN_ENVELOPE_FAILURE, TOO_MANY_ATTEMPTS_FAILURE } from '../../core/imports/import-job.ts';
import { ORPHAN_CHUNKS_AFTER_MS, STAGED_CHUNK_BYTES } from '../../core/imports/upload-staging.ts';
import { createLogger } from '../../core/logger.ts';
import { generateHrData } from '../../prisma/seed/hr-generator.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { createTestClock } from '../helpers/test-clock.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

type Reading = { importId: string; status: string; processed: number; total: number | null; created: number; unchanged: number; rejected: number };

/**
 * Large uploads staged in the database and run by the `run-import` job (here the in-process queue: no Redis; the
 * separate processes with Redis are in test/e2e/staged-imports.test.ts).
 */
describe.each(DB_KINDS)('large uploads staged for a worker on %s', (kind) => {
  let t: TestApp;
  const clock = createTestClock(new Date());
  /** While set, the queue refuses `run-import` like a BullMQ queue with Redis down. */
  const redis = { down: false };
  beforeAll(async () => {
    t = await createTestApp(kind, {
      clock,
      env: { IMPORT_ASYNC_THRESHOLD_MB: '0.01', IMPORT_BATCH_SIZE: '100' },
      jobQueue: (definitions) => {
        const queue = createInProcessQueue(definitions, createLogger({ level: 'silent' }));
        const refuse = (name: string) => {
          if (redis.down && name === 'run-import') throw new QueueUnavailableError('Redis did not accept the job in time');
        };
        const flaky: JobQueue = {
          ...queue,
          enqueue: async (name, payload, options) => {
            refuse(name);
            return queue.enqueue(name, payload, options);
          },
          enqueueMany: async (name, jobs, options) => {
            refuse(name);
            return queue.enqueueMany(name, jobs, options);
          },
        };
        return flaky;
      },
    });
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    redis.down = false;
    await t.reset();
  });

  const prisma = () => t.testDb.database.prisma;
  const post = (name: string, payload: string, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1/imports/${name}`,
      headers: { authorization: `Bearer ${t.tokens.import}`, 'content-type': 'application/json', 'accept-language': 'en', ...headers },
      payload,
    });
  /** Chunked (no Content-Length) and not asked to go async: runs within the request. */
  const postWithin = (name: string, payload: string, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1/imports/${name}`,
      headers: { authorization: `Bearer ${t.tokens.import}`, 'content-type': 'application/json', 'accept-language': 'en', ...headers },
      payload: Readable.from([payload]),
    });
  const reading = async (id: string) => {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/imports/${id}`, headers: { authorization: `Bearer ${t.tokens.import}`, 'accept-language': 'en' } });
    expect(res.statusCode).toBe(200);
    return res.json() as Reading & { errors: { row: number; code: string }[]; failure?: string };
  };
  const settled = async (id: string) => {
    await t.container.services.jobs.idle();
    return reading(id);
  };

  async function company(employees: number, months = 1) {
    const data = generateHrData({ employees, months });
    for (const [name, items] of [['organizations', data.organizations], ['departments', data.departments], ['employees', data.employees]] as const) {
      const res = await post(name, JSON.stringify({ items }));
      const id = (res.json() as Reading).importId;
      if (res.statusCode === 202) expect(await settled(id)).toMatchObject({ status: 'SUCCEEDED', created: items.length });
      else expect(res.statusCode, res.body).toBe(200);
    }
    return data;
  }
  const yearOf = (data: ReturnType<typeof generateHrData>) => data.periods.flatMap((p) => data.payslipsFor(p)).map((r) => JSON.stringify(r));

  it('an NDJSON year over several staged chunks, with a broken line in the middle, gives the report a synchronous upload gives; the chunks are gone after', async () => {
    const data = await company(150, 12);
    const lines = yearOf(data);
    // Where the first 1 MB chunk ends: the broken line and its neighbours straddle chunks.
    const middle = Math.round((lines.length * STAGED_CHUNK_BYTES) / lines.join('\n').length);
    lines.splice(middle, 0, '{"broken": ');
    const body = lines.join('\n');
    expect(body.length).toBeGreaterThan(STAGED_CHUNK_BYTES);

    const res = await post('payslips', body, { 'content-type': 'application/x-ndjson' });
    expect(res.statusCode, res.body).toBe(202);
    const accepted = res.json() as Reading;
    expect(['QUEUED', 'RUNNING']).toContain(accepted.status);
    const staged = await settled(accepted.importId);
    expect(staged).toMatchObject({ status: 'SUCCEEDED', total: lines.length, created: lines.length - 1, rejected: 1 });
    expect(staged.errors).toEqual([expect.objectContaining({ row: middle, code: 'invalid_json' })]);
    expect(await prisma().importUploadChunk.count()).toBe(0);
    expect(await prisma().payslip.count()).toBe(lines.length - 1);

    // The same body within the request: the same report (now every stored row comes back unchanged).
    const sync = await postWithin('payslips', body, { 'content-type': 'application/x-ndjson' });
    expect(sync.statusCode).toBe(200);
    const again = sync.json() as Reading & { errors: unknown[] };
    expect(again).toMatchObject({ status: 'SUCCEEDED', total: lines.length, unchanged: lines.length - 1, rejected: 1 });
    expect(again.errors).toEqual(staged.errors);
  }, 120_000);

  it('a JSON envelope is staged raw and parsed by the worker; one that is no envelope ends FAILED, a body that is no object is refused at once', async () => {
    const data = await company(60);
    const items = data.payslipsFor(data.periods[0]!);
    const res = await post('payslips', JSON.stringify({ items }));
    expect(res.statusCode, res.body).toBe(202);
    expect(await settled(res.json().importId)).toMatchObject({ status: 'SUCCEEDED', total: items.length, created: items.length });

    const notEnvelope = await post('payslips', JSON.stringify({ rows: items }));
    expect(notEnvelope.statusCode).toBe(202);
    const failed = await settled(notEnvelope.json().importId);
    expect(failed).toMatchObject({ status: 'FAILED', processed: 0 });
    expect((await prisma().importRun.findUniqueOrThrow({ where: { id: failed.importId } })).failure).toBe(NOT_AN_ENVELOPE_FAILURE);

    const array = await post('payslips', JSON.stringify(items));
    expect(array.statusCode).toBe(400);
    expect(await prisma().importUploadChunk.count()).toBe(0);
  });

  it('with the queue unreachable the upload is still accepted and QUEUED; the sweep runs it once the queue is back', async () => {
    const data = await company(80);
    const items = data.payslipsFor(data.periods[0]!);
    redis.down = true;
    const res = await post('payslips', JSON.stringify({ items }));
    expect(res.statusCode, res.body).toBe(202);
    const id = (res.json() as Reading).importId;
    await t.container.services.jobs.idle();
    expect(await reading(id)).toMatchObject({ status: 'QUEUED', processed: 0 });
    expect(await prisma().importUploadChunk.count({ where: { importRunId: id } })).toBeGreaterThan(0);

    redis.down = false;
    expect(await t.container.services.uploads.sweep()).toBe(1);
    expect(await settled(id)).toMatchObject({ status: 'SUCCEEDED', created: items.length });
    // A duplicate enqueue of a finished run does nothing.
    expect(await t.container.services.uploads.sweep()).toBe(0);
    expect(await prisma().importUploadChunk.count()).toBe(0);
  });

  it('a staged body that lost a chunk ends FAILED saying so, never SUCCEEDED on what is left; nothing of it is stored', async () => {
    const data = await company(80);
    const items = data.payslipsFor(data.periods[0]!);
    for (const [format, payload, headers] of [
      ['json', JSON.stringify({ items }), {}],
      ['ndjson', items.map((r) => JSON.stringify(r)).join('\n'), { 'content-type': 'application/x-ndjson' }],
    ] as const) {
      redis.down = true;
      const res = await post('payslips', payload, headers);
      expect(res.statusCode, res.body).toBe(202);
      const id = (res.json() as Reading).importId;
      await t.container.services.jobs.idle();
      // Its (only) chunk goes — a purge by mistake, a restore of an older backup: read as it is, the NDJSON body would
      // pass for an upload of nothing, the JSON one for something that is not an upload.
      expect((await prisma().importUploadChunk.deleteMany({ where: { importRunId: id, seq: 0 } })).count, format).toBe(1);
      redis.down = false;
      expect(await t.container.services.uploads.sweep()).toBe(1);
      const outcome = await settled(id);
      expect(outcome, format).toMatchObject({ status: 'FAILED', created: 0 });
      expect(await prisma().importUploadChunk.count({ where: { importRunId: id } })).toBe(0);
    }
    expect(await prisma().payslip.count()).toBe(0);
    const failed = await prisma().importRun.findMany({ where: { kind: 'PAYSLIPS' }, select: { failure: true } });
    expect(failed.map((r) => r.failure)).toEqual(expect.arrayContaining([BODY_LOST_FAILURE]));
  });

  it('an upload that stopped its worker MAX_IMPORT_ATTEMPTS times ends FAILED instead of being run for ever', async () => {
    const data = await company(80);
    const items = data.payslipsFor(data.periods[0]!);
    redis.down = true;
    const res = await post('payslips', JSON.stringify({ items }));
    const id = (res.json() as Reading).importId;
    await t.container.services.jobs.idle();
    // What MAX_IMPORT_ATTEMPTS workers killed mid-run leave behind: the run RUNNING, each claim counted, the lease gone.
    await prisma().importRun.update({ where: { id }, data: { status: 'RUNNING', attempts: MAX_IMPORT_ATTEMPTS, claimToken: 'killed', leaseUntil: new Date(clock.now().getTime() - 1000) } });
    redis.down = false;
    expect(await t.container.services.uploads.sweep()).toBe(1);
    const outcome = await settled(id);
    expect(outcome).toMatchObject({ status: 'FAILED', created: 0 });
    expect((await prisma().importRun.findUniqueOrThrow({ where: { id } })).failure).toBe(TOO_MANY_ATTEMPTS_FAILURE);
    expect(await prisma().importUploadChunk.count()).toBe(0);
    expect(await prisma().payslip.count()).toBe(0);
  });

  it('a run held by a worker that died is left alone until its lease has passed, then taken over and finished with every row stored once, all of them announced', async () => {
    const data = await company(90);
    const items = data.payslipsFor(data.periods[0]!);
    redis.down = true;
    const res = await post('payslips', JSON.stringify({ items }));
    const id = (res.json() as Reading).importId;
    // What a worker killed after its second batch leaves: RUNNING under its claim, some rows stored.
    const first = JSON.stringify({ items: items.slice(0, 30) });
    const attempt = await postWithin('payslips', first);
    expect(attempt.statusCode).toBe(200);
    const attemptStart = new Date((attempt.json() as { startedAt: string }).startedAt);
    // Rows the dead attempt created carry the staged run's id, as that attempt would have written them.
    await prisma().payslip.updateMany({ where: { createdByImportId: (attempt.json() as { importId: string }).importId }, data: { createdByImportId: id } });
    redis.down = false;
    await t.container.services.jobs.idle();
    await prisma().importRun.update({ where: { id }, data: { status: 'RUNNING', startedAt: attemptStart, claimToken: 'dead-worker', leaseUntil: new Date(clock.now().getTime() + IMPORT_LEASE_MS), processed: 30 } });
    // The payday announcements asked for (no bot here: the publisher itself would tell nobody).
    const publisher = t.container.services.imports.publisher!;
    const announced: string[][] = [];
    const payslipsCreated = publisher.payslipsCreated;
    publisher.payslipsCreated = async (ids) => {
      announced.push([...ids].sort());
      return 0;
    };

    expect(await t.container.services.uploads.sweep()).toBe(0);
    expect(await reading(id)).toMatchObject({ status: 'RUNNING', processed: 30 });

    clock.advance(IMPORT_LEASE_MS + 1000);
    expect(await t.container.services.uploads.sweep()).toBe(1);
    const done = await settled(id);
    publisher.payslipsCreated = payslipsCreated;
    expect(done).toMatchObject({ status: 'SUCCEEDED', total: items.length, processed: items.length });
    expect(done.created + done.unchanged).toBe(items.length);
    expect(await prisma().payslip.count()).toBe(items.length);
    expect(await prisma().importUploadChunk.count()).toBe(0);
    // The rows this attempt created, then every row any attempt of the run created (the publisher keeps each
    // employee's newest, and a notification already claimed is not claimed again).
    const all = (await prisma().payslip.findMany({ select: { id: true } })).map((p) => p.id).sort();
    expect(announced.map((ids) => ids.length)).toEqual([items.length - 30, items.length]);
    expect(announced.at(-1)).toEqual(all);
  });

  it('a start alone on the database resumes a staged run instead of failing it; a synchronous one cut short still fails', async () => {
    const staged = await prisma().importRun.create({ data: { kind: 'PAYSLIPS', status: 'RUNNING', bodyFormat: 'ndjson', bodyBytes: 10, claimToken: 'gone', leaseUntil: new Date(clock.now().getTime() + 60_000) } });
    // Its body: ten blank lines, an upload of nothing, all there.
    await prisma().importUploadChunk.create({ data: { importRunId: staged.id, seq: 0, bytes: Buffer.from('\n'.repeat(10)), createdAt: clock.now() } });
    const sync = await prisma().importRun.create({ data: { kind: 'PAYSLIPS', status: 'RUNNING' } });
    expect(await failInterruptedImports(prisma(), { alone: true, now: clock.now() })).toBe(1);
    // Its lease ended: the sweep of this process takes it over at once.
    expect(await prisma().importRun.findUniqueOrThrow({ where: { id: staged.id } })).toMatchObject({ status: 'RUNNING', claimToken: null, leaseUntil: null });
    expect(await t.container.services.uploads.sweep()).toBe(1);
    await t.container.services.jobs.idle();
    expect(await prisma().importRun.findUniqueOrThrow({ where: { id: staged.id } })).toMatchObject({ status: 'SUCCEEDED', claimToken: null });
    expect(await prisma().importRun.findUniqueOrThrow({ where: { id: sync.id } })).toMatchObject({ status: 'FAILED' });
  });

  it('an Idempotency-Key replays the 202 of the staged run; the replayed body is not kept', async () => {
    const data = await company(40);
    const body = JSON.stringify({ items: data.payslipsFor(data.periods[0]!) });
    const headers = { 'idempotency-key': 'staged-1' };
    const first = await post('payslips', body, headers);
    expect(first.statusCode).toBe(202);
    await settled(first.json().importId);
    const replay = await post('payslips', body, headers);
    expect(replay.statusCode).toBe(202);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json().importId).toBe(first.json().importId);
    expect(await prisma().importRun.count({ where: { kind: 'PAYSLIPS' } })).toBe(1);
    expect(await prisma().importUploadChunk.count()).toBe(0);
  });

  it('housekeeping deletes staged bodies nobody will read and keeps those waiting for a worker', async () => {
    const now = clock.now();
    const queued = await prisma().importRun.create({ data: { kind: 'PAYSLIPS', status: 'QUEUED', bodyFormat: 'json', bodyBytes: 2 } });
    const finished = await prisma().importRun.create({ data: { kind: 'PAYSLIPS', status: 'SUCCEEDED', bodyFormat: 'json', bodyBytes: 2, finishedAt: now } });
    const never = '00000000-0000-4000-8000-000000000001';
    const fresh = '00000000-0000-4000-8000-000000000002';
    const old = new Date(now.getTime() - ORPHAN_CHUNKS_AFTER_MS - 1000);
    await prisma().importUploadChunk.createMany({ data: [
      { importRunId: queued.id, seq: 0, bytes: Buffer.from('{}'), createdAt: old },
      { importRunId: finished.id, seq: 0, bytes: Buffer.from('{}'), createdAt: now },
      { importRunId: never, seq: 0, bytes: Buffer.from('{"'), createdAt: old },
      { importRunId: fresh, seq: 0, bytes: Buffer.from('{"'), createdAt: now },
    ] });
    expect(await t.container.services.housekeeping.run()).toMatchObject({ uploadChunks: 2 });
    expect((await prisma().importUploadChunk.findMany({ orderBy: { importRunId: 'asc' } })).map((c) => c.importRunId).sort()).toEqual([fresh, queued.id].sort());
  });
});
