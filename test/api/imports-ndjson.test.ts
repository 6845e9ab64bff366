import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ndjsonSource, parseEntryJson, type RowSource } from '../../core/imports/row-source.ts';
import { generateHrData } from '../../prisma/seed/hr-generator.ts';
import { department, employee, organization, payslip, stateSnapshot, tableCounts } from '../fixtures/hr-rows.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { createTestClock, type TestClock } from '../helpers/test-clock.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

const ndjson = (rows: readonly unknown[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join('');

/** The entries as the runner reads them: a row kept as its JSON text is parsed (or reported) as it would be. */
async function collect(source: RowSource) {
  const out: unknown[] = [];
  for await (const entry of source.entries) {
    if (!('json' in entry)) out.push(entry);
    else {
      try {
        out.push({ row: entry.row, item: parseEntryJson(entry.json, entry.verified) });
      } catch {
        out.push({ row: entry.row, problem: 'invalid_json' });
      }
    }
  }
  return out;
}

describe('NDJSON reader', () => {
  it('reads rows across chunk boundaries, counts blank lines, reports broken and overlong lines and goes on', async () => {
    const text = '\ufeff{"a":1}\r\n\n{"b":"при\u0432ет"}\n{broken\n' + `{"long":"${'x'.repeat(100)}"}\n` + '{"__proto__":{"x":1}}\n' +
      '{"c":3}'; // no final newline
    const bytes = Buffer.from(text);
    // Split inside a multi-byte character and inside the BOM: lines are cut on bytes, decoded whole.
    const chunks = [bytes.subarray(0, 2), bytes.subarray(2, 20), bytes.subarray(20, 21), bytes.subarray(21)];
    const source = ndjsonSource(Readable.from(chunks), { contentLength: bytes.length, maxLineBytes: 64 });
    expect(source.total).toBeNull();
    expect(await collect(source)).toEqual([
      { row: 0, item: { a: 1 } },
      { row: 2, item: { b: 'привет' } },
      { row: 3, problem: 'invalid_json' },
      { row: 4, problem: 'line_too_long' },
      { row: 5, problem: 'invalid_json' },
      { row: 6, item: { c: 3 } },
    ]);
    expect(source.estimateTotal()).toBe(6);
  });

  it('estimates the row count from the bytes read and the body length, and never holds more than a line', async () => {
    const line = `${JSON.stringify({ id: 'x'.repeat(40) })}\n`;
    const body = new PassThrough();
    const source = ndjsonSource(body, { contentLength: line.length * 100, maxLineBytes: 1024 });
    const iterator = (source.entries as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    body.write(line.repeat(25));
    for (let i = 0; i < 25; i++) await iterator.next();
    expect(source.estimateTotal()).toBe(100);
    body.end(line.repeat(75));
    let rest = 0;
    while (!(await iterator.next()).done) rest++;
    expect(rest).toBe(75);
    // Without a length nothing tells how many rows are coming.
    expect(ndjsonSource(Readable.from([line]), { maxLineBytes: 1024 }).estimateTotal()).toBeNull();
  });
});

describe.each(DB_KINDS)('NDJSON uploads on %s', (kind) => {
  let t: TestApp;
  let clock: TestClock;
  beforeAll(async () => {
    clock = createTestClock();
    t = await createTestApp(kind, { clock });
  });
  afterAll(async () => t?.close());
  beforeEach(async () => t.reset());

  const send = (name: string, payload: string | Readable, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1/imports/${name}`,
      headers: { authorization: `Bearer ${t.tokens.import}`, 'content-type': 'application/x-ndjson', ...headers },
      payload,
    });

  async function company(data = generateHrData({ employees: 20, months: 1 })) {
    for (const [name, rows] of [['organizations', data.organizations], ['departments', data.departments], ['employees', data.employees]] as const) {
      const res = await send(name, ndjson(rows));
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ rejected: 0, created: rows.length, total: rows.length });
    }
    return data;
  }

  it('stores the same state as the JSON envelope, and a replay is unchanged', async () => {
    const data = await company();
    const rows = data.payslipsFor('2026-10');
    expect((await send('payslips', ndjson(rows))).json()).toMatchObject({ status: 'SUCCEEDED', created: 20, total: 20, estimatedTotal: 20, etaSeconds: 0 });
    expect((await send('vacations', ndjson(data.vacations()))).json()).toMatchObject({ created: 20, rejected: 0 });
    const viaNdjson = await stateSnapshot(t.testDb.database.prisma);

    expect((await send('payslips', ndjson(rows))).json()).toMatchObject({ created: 0, updated: 0, unchanged: 20 });

    await t.reset();
    for (const [name, items] of [['organizations', data.organizations], ['departments', data.departments], ['employees', data.employees], ['payslips', rows], ['vacations', data.vacations()]] as const) {
      expect((await t.request({ method: 'POST', url: `/api/v1/imports/${name}`, token: t.tokens.import, body: { items } })).json().rejected).toBe(0);
    }
    expect(await stateSnapshot(t.testDb.database.prisma)).toEqual(viaNdjson);
  });

  it('a broken line in the middle is reported with its line index; the lines around it are stored', async () => {
    await send('organizations', ndjson([organization()]));
    await send('departments', ndjson([department()]));
    const body = [
      JSON.stringify(employee(1)),
      JSON.stringify(employee(2)),
      '{"id": "emp-3", "lastName": ', // cut off mid-row
      '',
      JSON.stringify(employee(4, { dismissedAt: '31.12.2026' })),
      '[1, 2]',
      JSON.stringify(employee(5)),
      JSON.stringify(employee(1, { lastName: 'Дубль' })),
    ].join('\n');
    const res = await send('employees', body, { 'accept-language': 'en' });
    expect(res.statusCode).toBe(200);
    const summary = res.json();
    expect(summary).toMatchObject({ status: 'SUCCEEDED', total: 7, processed: 7, created: 3, rejected: 4 });
    expect(summary.errors.map((e: { row: number; field: string | null; code: string }) => [e.row, e.field, e.code])).toEqual([
      [2, null, 'invalid_json'],
      [4, 'dismissedAt', 'invalid_date'],
      [5, null, 'not_an_object'],
      [7, 'id', 'duplicate_in_upload'],
    ]);
    expect(summary.errors[0].message).toBe('the line is not valid JSON');
    const stored = await t.testDb.database.prisma.employee.findMany({ select: { externalId: true, lastName: true }, orderBy: { externalId: 'asc' } });
    expect(stored).toEqual([
      { externalId: 'emp-1', lastName: 'Иванова' },
      { externalId: 'emp-2', lastName: 'Иванова' },
      { externalId: 'emp-5', lastName: 'Иванова' },
    ]);
  });

  it('streams a few thousand rows batch by batch, with progress readings that grow while the body is still arriving', async () => {
    const data = await company(generateHrData({ employees: 2000, months: 1 }));
    const lines = data.payslipsFor('2026-10').map((r) => `${JSON.stringify(r)}\n`);
    const bytes = lines.reduce((n, l) => n + Buffer.byteLength(l), 0);
    const body = new PassThrough();
    const response = send('payslips', body, { 'content-length': String(bytes) });

    const running = async () => {
      const res = await t.request({ method: 'GET', url: '/api/v1/imports?status=RUNNING&kind=payslips', token: t.tokens.import });
      expect(res.statusCode, res.body).toBe(200);
      return res.json().items as { importId: string; processed: number }[];
    };
    const readings: Record<string, number | string | null>[] = [];
    // The test app writes batches of 50 rows: each slice of 500 lines is several batches.
    for (let sent = 0; sent < lines.length; sent += 500) {
      body.write(lines.slice(sent, sent + 500).join(''));
      const target = Math.min(sent + 500, lines.length) - 50;
      let reading: Record<string, number | string | null> | undefined;
      for (let polls = 0; polls < 2000 && !reading; polls++) {
        const [run] = await running();
        if (run && run.processed >= target) {
          reading = (await t.request({ method: 'GET', url: `/api/v1/imports/${run.importId}`, token: t.tokens.import })).json();
        } else {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }
      expect(reading, `no progress reading after ${sent + 500} lines`).toBeDefined();
      readings.push(reading!);
      clock.advance(1000);
    }
    body.end();
    const res = await response;
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'SUCCEEDED', total: 2000, processed: 2000, created: 2000, rejected: 0, etaSeconds: 0 });

    expect(readings).toHaveLength(4);
    for (const [i, r] of readings.entries()) {
      expect(r).toMatchObject({ status: 'RUNNING', total: null, finishedAt: null });
      // Rows per second from the injected clock: 1 s passed before every reading but the first.
      if (i === 0) expect(r.rowsPerSecond).toBeNull();
      else expect(r.rowsPerSecond).toBe(Math.round((r.processed as number) / i));
      // Judged from the bytes read against Content-Length: close to the 2,000 lines to come.
      expect(r.estimatedTotal as number).toBeGreaterThanOrEqual(1900);
      expect(r.estimatedTotal as number).toBeLessThanOrEqual(2100);
      if (i > 0) {
        expect(r.processed as number).toBeGreaterThan(readings[i - 1]!.processed as number);
        expect(r.etaSeconds).toBe(Math.ceil(((r.estimatedTotal as number) - (r.processed as number)) / ((r.processed as number) / i)));
      }
    }
    expect(await t.testDb.database.prisma.payslipLine.count()).toBe(2000 * 8);
  });

  it('an Idempotency-Key works on NDJSON: a replay answers the first response, another body under the key is refused', async () => {
    await company();
    const rows = [payslip('emp-00001'), payslip('emp-00002')];
    const before = new Set(await readdir(tmpdir()));
    const first = await send('payslips', ndjson(rows), { 'idempotency-key': 'ndjson-1' });
    expect(first.json()).toMatchObject({ created: 2, total: 2 });
    const replay = await send('payslips', ndjson(rows), { 'idempotency-key': 'ndjson-1' });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(first.json());
    const other = await send('payslips', ndjson(rows.slice(0, 1)), { 'idempotency-key': 'ndjson-1' });
    expect(other.statusCode).toBe(422);
    expect(other.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await t.testDb.database.prisma.importRun.count({ where: { kind: 'PAYSLIPS' } })).toBe(1);
    // The spooled bodies (personal data) are gone from the temporary directory.
    const left = (await readdir(tmpdir())).filter((f) => f.startsWith('kabinet-upload-') && !before.has(f));
    expect(left).toEqual([]);
  });

  it('the same NDJSON upload sent twice at once: both answer 200 and the rows are stored once', async () => {
    const data = await company(generateHrData({ employees: 120, months: 1 }));
    const rows = data.payslipsFor('2026-10');
    const [a, b] = await Promise.all([send('payslips', ndjson(rows)), send('payslips', ndjson(rows))]);
    expect([a.statusCode, b.statusCode], `${a.body} ${b.body}`).toEqual([200, 200]);
    expect(a.json().created + b.json().created).toBe(120);
    expect(a.json().created + a.json().unchanged).toBe(120);
    expect(b.json().created + b.json().unchanged).toBe(120);
    expect(await tableCounts(t.testDb.database.prisma)).toMatchObject({ payslips: 120, payslipLines: 960 });
  });
});
