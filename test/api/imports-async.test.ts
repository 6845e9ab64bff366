import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateHrData } from '../../prisma/seed/hr-generator.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

const ndjson = (rows: readonly unknown[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join('');

type Reading = { importId: string; status: string; processed: number; total: number | null; created: number };

// Uploads above IMPORT_ASYNC_THRESHOLD_MB (here ~10 KB) are answered 202 and run in the background.
describe.each(DB_KINDS)('large uploads in the background on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind, { env: { IMPORT_ASYNC_THRESHOLD_MB: '0.01', IMPORT_BATCH_SIZE: '40' } });
  });
  afterAll(async () => t?.close());
  beforeEach(async () => t.reset());

  const post = (name: string, payload: string | Readable, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1/imports/${name}`,
      headers: { authorization: `Bearer ${t.tokens.import}`, 'content-type': 'application/json', ...headers },
      payload,
    });
  const reading = async (id: string): Promise<Reading> => {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/imports/${id}`, headers: { authorization: `Bearer ${t.tokens.import}` } });
    expect(res.statusCode).toBe(200);
    return res.json();
  };

  /** Progress readings until the run ends, /healthz asked between them: each must answer. */
  async function follow(first: Reading): Promise<Reading[]> {
    const readings = [first];
    while (['QUEUED', 'RUNNING'].includes(readings.at(-1)!.status)) {
      const health = await t.app.inject({ method: 'GET', url: '/healthz' });
      expect(health.statusCode).toBe(200);
      readings.push(await reading(first.importId));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return readings;
  }

  async function company(employees: number) {
    const data = generateHrData({ employees, months: 1 });
    for (const [name, items] of [['organizations', data.organizations], ['departments', data.departments], ['employees', data.employees]] as const) {
      const res = await post(name, JSON.stringify({ items }));
      if (res.statusCode === 202) {
        const last = (await follow(res.json())).at(-1)!;
        expect(last).toMatchObject({ status: 'SUCCEEDED', created: items.length });
      } else {
        expect(res.statusCode, res.body).toBe(200);
      }
    }
    return data;
  }

  it('a JSON upload above the threshold answers 202 with its run; progress grows to SUCCEEDED while /healthz answers', async () => {
    const data = await company(200);
    const items = data.payslipsFor('2026-10');
    const res = await post('payslips', JSON.stringify({ items }));
    expect(res.statusCode, res.body).toBe(202);
    const first = res.json() as Reading;
    expect(res.headers.location).toBe(`/api/v1/imports/${first.importId}`);
    // Recorded QUEUED; the worker (in this process here: no Redis) may have claimed it already.
    expect(['QUEUED', 'RUNNING']).toContain(first.status);
    const readings = await follow(first);
    const processed = readings.map((r) => r.processed);
    expect(processed).toEqual([...processed].sort((a, b) => a - b));
    expect(processed[0]).toBeLessThan(items.length);
    expect(readings.at(-1)).toMatchObject({ status: 'SUCCEEDED', total: items.length, processed: items.length, created: items.length });
    expect(await t.testDb.database.prisma.payslip.count()).toBe(items.length);
  });

  it('an NDJSON upload above the threshold is spooled, answered 202, and reports bad lines like a synchronous one', async () => {
    const data = await company(150);
    const rows = data.payslipsFor('2026-10').map((r) => JSON.stringify(r));
    rows.splice(70, 0, '{"broken": ');
    const res = await post('payslips', rows.join('\n'), { 'content-type': 'application/x-ndjson', 'accept-language': 'en' });
    expect(res.statusCode, res.body).toBe(202);
    const last = (await follow(res.json())).at(-1)!;
    expect(last).toMatchObject({ status: 'SUCCEEDED', total: 151, created: 150, rejected: 1 });
    const summary = (await reading(last.importId)) as Reading & { errors: { row: number; code: string }[] };
    expect(summary.errors).toMatchObject([{ row: 70, code: 'invalid_json' }]);
  });

  it('a small upload stays synchronous; a chunked one runs in the background when asked with Prefer: respond-async', async () => {
    const data = await company(3);
    const small = await post('payslips', JSON.stringify({ items: data.payslipsFor('2026-10').slice(0, 1) }));
    expect(small.statusCode).toBe(200);
    expect(small.json()).toMatchObject({ status: 'SUCCEEDED', created: 1 });

    const chunked = await post('payslips', Readable.from([ndjson(data.payslipsFor('2026-10'))]), { 'content-type': 'application/x-ndjson', prefer: 'respond-async' });
    expect(chunked.statusCode, chunked.body).toBe(202);
    expect((await follow(chunked.json())).at(-1)).toMatchObject({ status: 'SUCCEEDED', created: 2, unchanged: 1 });
  });

  it('an Idempotency-Key replays the 202 with the same run, which ran once', async () => {
    const data = await company(100);
    const body = JSON.stringify({ items: data.payslipsFor('2026-10') });
    const headers = { 'idempotency-key': 'async-upload-1' };
    const first = await post('payslips', body, headers);
    expect(first.statusCode).toBe(202);
    await follow(first.json());
    const replay = await post('payslips', body, headers);
    expect(replay.statusCode).toBe(202);
    expect(replay.json().importId).toBe(first.json().importId);
    expect(await t.testDb.database.prisma.importRun.count({ where: { kind: 'PAYSLIPS' } })).toBe(1);
  });

  it('HTTP timeouts are on (a request cannot hold a connection for ever)', () => {
    expect(t.app.initialConfig.connectionTimeout).toBe(120_000);
    expect(t.app.server.requestTimeout).toBe(300_000);
  });

  it('shutdown waits for an upload running in the background (drain)', async () => {
    const data = await company(120);
    const res = await post('payslips', JSON.stringify({ items: data.payslipsFor('2026-10') }));
    expect(res.statusCode).toBe(202);
    expect(await t.container.services.imports.drain(60_000)).toBe(true);
    expect(await reading(res.json().importId)).toMatchObject({ status: 'SUCCEEDED', created: 120 });
  });
});
