// `npm run bench:import [-- <employees> <months> <pglite employees>]` (defaults 10000 12 1000).
// On PostgreSQL, in one run and each on a fresh database: the year (employees + months of payslips with ~8 lines
// each) written by bare Prisma `createMany`, by an unnest anchor (plain `pg`, arrays prepared beforehand: what the
// database itself takes), and through the real HTTP API of a Kabinet server running as a separate process (JSON
// envelope per month, then an unchanged re-upload); the same year as one NDJSON stream with the server's RSS at rest
// and at its peak; a month of 20,000 payslips. Then the embedded PGlite path at <pglite employees> × <months>.
// Needs a PostgreSQL server: BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres); it creates
// and drops its own databases there.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openDatabase, type Database } from '../core/db/database.ts';
import { CabinetState, PayslipKind, PayslipSection } from '../core/db/generated/enums.ts';
import { toKopecks, toQuantity } from '../core/imports/normalize.ts';
import { uuidv7 } from '../core/util/ids.ts';
import { generateHrData } from '../prisma/seed/hr-generator.ts';

const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const BATCH = 1000;
const SELF = fileURLToPath(import.meta.url);

// ───────────────────────── the server: a separate process, so that its memory is its own ─────────────────────────

async function serve(): Promise<void> {
  const { buildApp } = await import('../api/app.ts');
  const { loadConfig } = await import('../core/config.ts');
  const { assembleContainer } = await import('../core/container.ts');
  const { ApiScope } = await import('../core/db/generated/enums.ts');
  const { createTranslator } = await import('../core/i18n.ts');
  const { createLogger } = await import('../core/logger.ts');
  const config = loadConfig({ ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', IMPORT_BATCH_SIZE: String(BATCH), HOST: '127.0.0.1', PORT: '0', API_DOCS: 'false' });
  const logger = createLogger({ level: 'warn' });
  const translator = createTranslator();
  const db = await openDatabase(config.database);
  await db.migrate();
  const container = assembleContainer(db, config, logger, translator);
  const app = await buildApp({ config, logger, translator, container });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const { token } = await container.services.apiTokens.create('bench', [ApiScope.IMPORT]);
  let peak = 0;
  // BENCH_VERBOSE: what the RSS was made of at its peak (the V8 heap, or memory outside it: buffers, malloc).
  let atPeak: NodeJS.MemoryUsage | undefined;
  const sample = () => {
    const rss = process.memoryUsage.rss();
    if (rss > peak && process.env.BENCH_VERBOSE) atPeak = process.memoryUsage();
    peak = Math.max(peak, rss);
  };
  setInterval(sample, 10).unref();
  process.on('message', async (message: { type: string }) => {
    if (message.type === 'memory') {
      sample();
      const cpu = process.cpuUsage();
      process.send!({ type: 'memory', rss: process.memoryUsage.rss(), peak, cpuMs: (cpu.user + cpu.system) / 1000 });
      if (atPeak) console.log(`  server at its RSS peak: ${Object.entries(atPeak).map(([k, v]) => `${k} ${Math.round(v / 2 ** 20)} MB`).join(', ')}`);
      peak = 0;
      atPeak = undefined;
    } else if (message.type === 'stop') {
      await app.close();
      await container.services.jobs.close();
      await db.close();
      process.exit(0);
    }
  });
  process.send!({ type: 'ready', address, token });
}

interface Server {
  address: string;
  token: string;
  /** RSS now, its peak since the last call, and the server's CPU time so far (user + system). */
  memory(): Promise<{ rss: number; peak: number; cpuMs?: number }>;
  stop(): Promise<void>;
}

/** A Kabinet server on a fresh PostgreSQL database for `fn`, stopped (and the database dropped) after. */
async function withServer<T>(fn: (server: Server) => Promise<T>): Promise<T> {
  return withDatabase(async (url) => {
    const server = await startServer({ DATABASE_URL: url });
    try {
      return await fn(server);
    } finally {
      await server.stop();
    }
  });
}

/** The Node flags `npm start` runs with (package.json's start script), so that the bench's servers are tuned alike. */
const START_FLAGS: string[] = (() => {
  const { scripts } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
  const words = scripts.start!.split(/\s+/);
  return words.slice(1, words.indexOf('scripts/start.mjs')).filter((w) => w.startsWith('--'));
})();

async function startServer(env: Record<string, string | undefined>): Promise<Server> {
  const merged = { ...process.env, ...env };
  for (const [key, value] of Object.entries(merged)) if (value === undefined) delete merged[key];
  // BENCH_SERVER_FLAGS: Node flags for the server instead of npm start's (e.g. "--max-old-space-size=256", or "" for none).
  const flags = process.env.BENCH_SERVER_FLAGS === undefined ? START_FLAGS : process.env.BENCH_SERVER_FLAGS.split(' ').filter(Boolean);
  const child: ChildProcess = fork(SELF, ['--serve'], { execArgv: ['--import', 'tsx', ...flags], env: merged, stdio: 'inherit' });
  const next = <T>(type: string) => new Promise<T>((resolve, reject) => {
    const onMessage = (m: { type: string } & T) => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      resolve(m);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  const { address, token } = await next<{ address: string; token: string }>('ready');
  return {
    address,
    token,
    memory: () => {
      const reply = next<{ rss: number; peak: number; cpuMs: number }>('memory');
      child.send({ type: 'memory' });
      return reply;
    },
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'stop' });
      await exited;
    },
  };
}

// ───────────────────────── the client side ─────────────────────────

/** POSTs a body given as chunks (written with backpressure) and returns the parsed answer. */
function post(server: Server, name: string, contentType: string, chunks: Iterable<string | Buffer>, headers: Record<string, string> = {}): Promise<{ status: number; body: Summary }> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${server.address}/api/v1/imports/${name}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': contentType, ...headers },
    }, (response) => {
      const parts: Buffer[] = [];
      response.on('data', (p: Buffer) => parts.push(p));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(parts).toString('utf8')) }));
      response.on('error', reject);
    });
    request.on('error', reject);
    const iterator = chunks[Symbol.iterator]();
    const pump = () => {
      for (;;) {
        const next = iterator.next();
        if (next.done) return void request.end();
        if (!request.write(next.value)) return void request.once('drain', pump);
      }
    };
    pump();
  });
}

interface Summary { importId: string; status: string; processed: number; etaSeconds: number | null; total: number; created: number; updated: number; unchanged: number; rejected: number; rowsPerSecond: number | null }

async function upload(server: Server, name: string, body: { json?: string; ndjson?: Iterable<string> }): Promise<Summary> {
  const res = body.json !== undefined
    ? await post(server, name, 'application/json', [body.json])
    : await post(server, name, 'application/x-ndjson', body.ndjson!);
  if (res.status !== 200 || res.body.rejected > 0) throw new Error(`${name}: ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
  return res.body;
}

/** NDJSON text in chunks of ~1 MB, made as they are sent: the client never holds the whole body either. */
function* ndjsonChunks(rows: Iterable<unknown>): Iterable<string> {
  let chunk = '';
  for (const row of rows) {
    chunk += `${JSON.stringify(row)}\n`;
    if (chunk.length >= 1 << 20) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

async function withDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const name = `kabinet_bench_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  try {
    return await fn(url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

async function withMigrated<T>(fn: (db: Database, url: string) => Promise<T>): Promise<T> {
  return withDatabase(async (url) => {
    const db = await openDatabase({ kind: 'postgres', url });
    try {
      await db.migrate();
      return await fn(db, url);
    } finally {
      await db.close();
    }
  });
}

type Data = ReturnType<typeof generateHrData>;

/** The year's rows prepared the plain way (untimed): ids assigned, amounts in kopecks, enums mapped. */
function plainRows(data: Data) {
  const orgIds = new Map(data.organizations.map((o) => [o.id, uuidv7()]));
  const depIds = new Map(data.departments.map((d) => [d.id, uuidv7()]));
  const empIds = new Map(data.employees.map((e) => [e.id, uuidv7()]));
  const empOrg = new Map(data.employees.map((e) => [e.id, orgIds.get(e.organizationId)!]));
  const sections = { accrued: PayslipSection.ACCRUED, withheld: PayslipSection.WITHHELD, paid: PayslipSection.PAID, other: PayslipSection.OTHER };
  return {
    organizations: data.organizations.map((o) => ({ id: orgIds.get(o.id)!, externalId: o.id, name: o.name, inn: o.inn ?? null, kpp: o.kpp ?? null, sourceHash: '' })),
    departments: data.departments.map((d) => ({ id: depIds.get(d.id)!, externalId: d.id, organizationId: orgIds.get(d.organizationId)!, name: d.name, sourceHash: '' })),
    employees: data.employees.map((e) => ({
      id: empIds.get(e.id)!, externalId: e.id, personnelNumber: e.personnelNumber, lastName: e.lastName, firstName: e.firstName,
      middleName: e.middleName ?? null, position: e.position ?? null, organizationId: orgIds.get(e.organizationId)!,
      departmentId: depIds.get(e.departmentId!)!, phone: null, email: e.email ?? null, cabinetState: CabinetState.NOT_PUBLISHED, sourceHash: '',
    })),
    months: data.periods.map((period) => data.payslipsFor(period).map((r) => {
      const id = uuidv7();
      const lines = r.lines.map((l, i) => ({
        payslipId: id, lineNo: i + 1, section: sections[l.section], code: l.code ?? null, name: l.name, note: l.note ?? null,
        days: toQuantity(l.days) ?? null, hours: toQuantity(l.hours) ?? null, amount: toKopecks(l.amount)!,
      }));
      return {
        payslip: {
          id, employeeId: empIds.get(r.employeeId)!, organizationId: empOrg.get(r.employeeId)!, period: r.period, kind: PayslipKind.FINAL,
          totalAccrued: 0n, totalWithheld: 0n, totalPaid: 0n, sourceHash: '',
        },
        lines,
      };
    })),
  };
}

/** Bare Prisma: createMany in batches of 1,000 payslips (and their lines). */
async function bareCreateMany(data: Data): Promise<number> {
  const rows = plainRows(data);
  return withMigrated(async ({ prisma }) => {
    const start = performance.now();
    await prisma.organization.createMany({ data: rows.organizations });
    await prisma.department.createMany({ data: rows.departments });
    for (let i = 0; i < rows.employees.length; i += BATCH) await prisma.employee.createMany({ data: rows.employees.slice(i, i + BATCH) });
    for (const month of rows.months) {
      for (let i = 0; i < month.length; i += BATCH) {
        const batch = month.slice(i, i + BATCH);
        await prisma.payslip.createMany({ data: batch.map((b) => b.payslip) });
        await prisma.payslipLine.createMany({ data: batch.flatMap((b) => b.lines) });
      }
    }
    return performance.now() - start;
  });
}

/** The anchor: one INSERT … SELECT FROM unnest per table and batch through plain `pg`, arrays built beforehand. */
async function unnestAnchor(data: Data): Promise<number> {
  const rows = plainRows(data);
  const col = <T, K extends keyof T>(items: T[], key: K) => items.map((i) => i[key]);
  const batches = rows.months.flatMap((month) => {
    const out = [];
    for (let i = 0; i < month.length; i += BATCH) {
      const slips = month.slice(i, i + BATCH).map((b) => b.payslip);
      const lines = month.slice(i, i + BATCH).flatMap((b) => b.lines);
      out.push({
        slips: [col(slips, 'id'), col(slips, 'employeeId'), col(slips, 'organizationId'), col(slips, 'period'), col(slips, 'kind'), col(slips, 'totalAccrued').map(String)],
        lines: [col(lines, 'payslipId'), col(lines, 'lineNo'), col(lines, 'section'), col(lines, 'code'), col(lines, 'name'), col(lines, 'note'), col(lines, 'days'), col(lines, 'hours'), col(lines, 'amount').map(String)],
      });
    }
    return out;
  });
  const employees: unknown[][] = [];
  for (let i = 0; i < rows.employees.length; i += BATCH) {
    const e = rows.employees.slice(i, i + BATCH);
    employees.push([col(e, 'id'), col(e, 'externalId'), col(e, 'personnelNumber'), col(e, 'lastName'), col(e, 'firstName'), col(e, 'middleName'), col(e, 'position'), col(e, 'organizationId'), col(e, 'departmentId'), col(e, 'email')]);
  }
  return withMigrated(async ({ prisma }, url) => {
    await prisma.organization.createMany({ data: rows.organizations });
    await prisma.department.createMany({ data: rows.departments });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const start = performance.now();
      for (const e of employees) {
        await client.query(`INSERT INTO employees (id, external_id, personnel_number, last_name, first_name, middle_name, position, organization_id, department_id, email, source_hash, updated_at)
          SELECT *, '', now() FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::uuid[], $9::uuid[], $10::text[])`, e);
      }
      for (const b of batches) {
        await client.query(`INSERT INTO payslips (id, employee_id, organization_id, period, kind, total_accrued, total_withheld, total_paid, source_hash, updated_at)
          SELECT u.id, u.e, u.o, u.p, u.k::"PayslipKind", u.t, 0, 0, '', now() FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::bigint[]) AS u(id, e, o, p, k, t)`, b.slips);
        await client.query(`INSERT INTO payslip_lines (payslip_id, line_no, section, code, name, note, days, hours, amount)
          SELECT u.p, u.n, u.s::"PayslipSection", u.c, u.nm, u.nt, u.d, u.h, u.a FROM unnest($1::uuid[], $2::int4[], $3::text[], $4::text[], $5::text[], $6::text[], $7::numeric[], $8::numeric[], $9::bigint[]) AS u(p, n, s, c, nm, nt, d, h, a)`, b.lines);
      }
      return performance.now() - start;
    } finally {
      await client.end();
    }
  });
}

/** Through the API, JSON envelope per month (bodies serialized beforehand), then the same again unchanged. */
async function apiJson(server: Server, data: Data) {
  const bodies = data.periods.map((p) => JSON.stringify({ items: data.payslipsFor(p) }));
  // BENCH_VERBOSE=1: each request's time, to see where a pass spends it.
  const timed = async (name: string, json: string) => {
    const start = performance.now();
    await upload(server, name, { json });
    if (process.env.BENCH_VERBOSE) console.log(`  ${name}: ${seconds(performance.now() - start)}`);
  };
  const everything = async () => {
    const start = performance.now();
    await timed('organizations', JSON.stringify({ items: data.organizations }));
    await timed('departments', JSON.stringify({ items: data.departments }));
    await timed('employees', JSON.stringify({ items: data.employees }));
    for (const json of bodies) await timed('payslips', json);
    return performance.now() - start;
  };
  // The server's CPU time per pass: unlike wall time, it does not grow with the machine's load.
  const cpuMs = async () => (await server.memory()).cpuMs ?? NaN;
  const cpu0 = await cpuMs();
  const first = await everything();
  const cpu1 = await cpuMs();
  const again = await everything();
  const cpu2 = await cpuMs();
  return { first, again, firstCpuMs: cpu1 - cpu0, againCpuMs: cpu2 - cpu1 };
}

/** Through the API as NDJSON: the year's payslips as one streamed request. Returns the time and the server's RSS. */
async function apiNdjson(server: Server, data: Data) {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const atRest = await server.memory();
  const rest = atRest.rss;
  const start = performance.now();
  await upload(server, 'organizations', { ndjson: ndjsonChunks(data.organizations) });
  await upload(server, 'departments', { ndjson: ndjsonChunks(data.departments) });
  await upload(server, 'employees', { ndjson: ndjsonChunks(data.employees) });
  const year = await upload(server, 'payslips', { ndjson: ndjsonChunks((function* () { for (const p of data.periods) yield* data.payslipsFor(p); })()) });
  const ms = performance.now() - start;
  const { peak, cpuMs } = await server.memory();
  return { ms, rest, peak, year, cpuMs: (cpuMs ?? NaN) - (atRest.cpuMs ?? NaN) };
}

/** GET over loopback; resolves with the status and the time it took. */
function timedGet(server: Server, path: string, auth = false): Promise<{ status: number; ms: number; body: string }> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const request = http.get(`${server.address}${path}`, { headers: auth ? { authorization: `Bearer ${server.token}` } : {} }, (response) => {
      const parts: Buffer[] = [];
      response.on('data', (p: Buffer) => parts.push(p));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, ms: performance.now() - start, body: Buffer.concat(parts).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

// ───────── `--async`: Kabinet itself (main.ts) as an API process and a worker process, on PostgreSQL + Redis ─────────

/**
 * Resident memory of a process, from Linux's /proc: now (VmRSS) and the highest since the last `resetPeak`
 * (VmHWM); and the CPU time it has used (user + system), which a loaded machine does not inflate like wall time.
 */
async function residentOf(pid: number): Promise<{ rss: number; peak: number; cpuMs: number }> {
  const [status, stat] = await Promise.all([readFile(`/proc/${pid}/status`, 'utf8'), readFile(`/proc/${pid}/stat`, 'utf8')]);
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th, in 1/100 s.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { rss: kb('VmRSS'), peak: kb('VmHWM'), cpuMs: (Number(fields[11]) + Number(fields[12])) * 10 };
}

/** Starts VmHWM again from the current RSS (Linux: "5" into clear_refs), so the peak is the upload's, not start-up's. */
const resetPeak = (pid: number) => writeFile(`/proc/${pid}/clear_refs`, '5');

const freePort = () => new Promise<number>((resolve, reject) => {
  const probe = createServer();
  probe.listen(0, '127.0.0.1', () => {
    const { port } = probe.address() as { port: number };
    probe.close(() => resolve(port));
  });
  probe.on('error', reject);
});

/** `node --import tsx main.ts` with these roles; resolves once its output matches `ready`. */
async function startKabinet(roles: string, env: Record<string, string>, ready: RegExp): Promise<{ child: ChildProcess; stop(): Promise<void> }> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  // What `npm start` runs: the built bundle, with its Node flags.
  const child = spawn(process.execPath, [...START_FLAGS, 'scripts/start.mjs'], { cwd: root, env: { PATH: process.env.PATH, ...env, ROLES: roles }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d;
      if (ready.test(output)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(() => reject(new Error(`${roles} process exited:\n${output}`)));
  });
  return {
    child,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The API process (ROLES=api) and a worker (ROLES=worker) on one database and one Redis, with an import token. */
type Measured = { memory(): Promise<{ rss: number; peak: number; cpuMs: number }>; resetPeak(): Promise<void> };

async function withApiAndWorker<T>(url: string, fn: (api: Omit<Server, 'memory'> & Measured, worker: Measured) => Promise<T>): Promise<T> {
  const database = await openDatabase({ kind: 'postgres', url });
  await database.migrate();
  const { createApiTokenService } = await import('../core/api-tokens/api-token.service.ts');
  const { ApiScope } = await import('../core/db/generated/enums.ts');
  const { token } = await createApiTokenService(database.prisma).create('bench', [ApiScope.IMPORT]);
  await database.close();
  const port = await freePort();
  const env = {
    NODE_ENV: 'production', LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(port), API_DOCS: 'false', DATABASE_URL: url,
    REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379', QUEUE_PREFIX: `kabinet-bench-${randomBytes(3).toString('hex')}`,
    IMPORT_BATCH_SIZE: String(BATCH), CODE_SECRET: 'bench-secret-0123456789abcdef', PDF_PASSWORD_KEY: 'bench-pdf-key-0123456789abcdef',
  };
  // LOG_LEVEL=warn: the readiness lines are info; a worker says nothing at warn, so it is waited for at info.
  const api = await startKabinet('api', { ...env, LOG_LEVEL: 'info' }, /database ready/);
  const worker = await startKabinet('worker', { ...env, LOG_LEVEL: 'info' }, /worker running jobs/);
  try {
    return await fn(
      { address: `http://127.0.0.1:${port}`, token, memory: () => residentOf(api.child.pid!), resetPeak: () => resetPeak(api.child.pid!), stop: api.stop },
      { memory: () => residentOf(worker.child.pid!), resetPeak: () => resetPeak(worker.child.pid!) },
    );
  } finally {
    await Promise.all([api.stop(), worker.stop()]);
  }
}

/**
 * `--async`: the year's payslips as one NDJSON request with `Prefer: respond-async`: the API process stages the
 * body in the database and answers 202, a separate worker process runs it. Meanwhile /healthz is asked every 50 ms
 * (latency percentiles) and the run's progress every second; RSS of both processes at rest and their peaks.
 */
async function apiAsync(server: Omit<Server, 'memory'> & Measured, data: Data, worker: Measured) {
  await upload(server, 'organizations', { ndjson: ndjsonChunks(data.organizations) });
  await upload(server, 'departments', { ndjson: ndjsonChunks(data.departments) });
  await upload(server, 'employees', { ndjson: ndjsonChunks(data.employees) });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await Promise.all([server.resetPeak(), worker.resetPeak()]);
  const { rss: rest, cpuMs: apiCpu0 } = await server.memory();
  const { rss: workerRest, cpuMs: workerCpu0 } = await worker.memory();
  // Asked from a process of its own: this one is busy making the upload's body, which would delay its own readings.
  const poller = fork(SELF, ['--poll-healthz', server.address], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const polled = new Promise<{ latencies: number[]; failures: number }>((resolve) => poller.once('message', resolve));
  const start = performance.now();
  const clientCpu = process.cpuUsage();
  const accepted = await post(server, 'payslips', 'application/x-ndjson', ndjsonChunks((function* () { for (const p of data.periods) yield* data.payslipsFor(p); })()), { prefer: 'respond-async' });
  const { user, system } = process.cpuUsage(clientCpu);
  // The bench makes the 100 MB body as it sends it: on a loaded machine that, not the server, sets the 202 time.
  const clientCpuMs = (user + system) / 1000;
  if (accepted.status !== 202) throw new Error(`expected 202, got ${accepted.status} ${JSON.stringify(accepted.body).slice(0, 300)}`);
  const acceptedMs = performance.now() - start;
  const stagedCpuMs = (await server.memory()).cpuMs - apiCpu0;
  const stagedPeak = (await server.memory()).peak;
  const readings: Summary[] = [];
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const r = await timedGet(server, `/api/v1/imports/${accepted.body.importId}`, true);
    const reading = JSON.parse(r.body) as Summary;
    readings.push(reading);
    console.log(`  ${seconds(performance.now() - start)}: ${reading.status} ${reading.processed.toLocaleString('en')} rows, ${reading.rowsPerSecond ?? '-'} rows/s, ETA ${reading.etaSeconds ?? '-'} s`);
    if (reading.status === 'SUCCEEDED' || reading.status === 'FAILED') break;
  }
  const ms = performance.now() - start;
  poller.send('stop');
  const { latencies, failures: healthFailures } = await polled;
  const { peak, cpuMs: apiCpu1 } = await server.memory();
  const { peak: workerPeak, cpuMs: workerCpu1 } = await worker.memory();
  const sorted = latencies.sort((a, b) => a - b);
  const final = readings.at(-1)!;
  if (final.status !== 'SUCCEEDED' || final.rejected > 0) throw new Error(`async upload ended ${final.status} with ${final.rejected} rejected`);
  const monotonic = readings.every((r, i) => i === 0 || r.processed >= readings[i - 1]!.processed);
  return { ms, acceptedMs, rest, peak, stagedPeak, workerRest, workerPeak, stagedCpuMs, clientCpuMs, apiCpuMs: apiCpu1 - apiCpu0, workerCpuMs: workerCpu1 - workerCpu0, readings: readings.length, monotonic, healthz: { n: sorted.length, failures: healthFailures, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN } };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
const perSecond = (rows: number, ms: number) => `${Math.round(rows / (ms / 1000)).toLocaleString('en')} rows/s`;
const rowsOf = (data: Data) => data.employees.length + data.periods.reduce((n, p) => {
  const slips = data.payslipsFor(p);
  return n + slips.length + slips.reduce((m, s) => m + s.lines.length, 0);
}, 0);

/** A month of 20,000 payslips as one JSON request, on a fresh database with its employees already uploaded. */
async function monthOf20000(): Promise<{ ms: number; cpuMs: number }> {
  const month = generateHrData({ employees: 20_000, months: 1 });
  return withDatabase(async (url) => {
    const server = await startServer({ DATABASE_URL: url });
    try {
      await upload(server, 'organizations', { json: JSON.stringify({ items: month.organizations }) });
      await upload(server, 'departments', { json: JSON.stringify({ items: month.departments }) });
      await upload(server, 'employees', { json: JSON.stringify({ items: month.employees }) });
      const body = JSON.stringify({ items: month.payslipsFor(month.periods[0]!) });
      const cpu = (await server.memory()).cpuMs ?? NaN;
      const start = performance.now();
      await upload(server, 'payslips', { json: body });
      const ms = performance.now() - start;
      return { ms, cpuMs: ((await server.memory()).cpuMs ?? NaN) - cpu };
    } finally {
      await server.stop();
    }
  });
}

const printMonth = (m: { ms: number; cpuMs: number }) =>
  console.log(`a month of 20,000 payslips (JSON): ${seconds(m.ms)} (target ≤ 5 s), server CPU ${seconds(m.cpuMs)}`);

async function main(): Promise<void> {
  const employees = Number(process.argv[2] ?? 10_000);
  const months = Number(process.argv[3] ?? 12);
  const pgliteEmployees = Number(process.argv[4] ?? 1000);
  const data = generateHrData({ employees, months });
  const rows = rowsOf(data);
  console.log(`PostgreSQL: ${employees} employees, ${months} months: ${rows.toLocaleString('en')} rows (employees + payslips + lines)`);
  if (process.argv.includes('--async')) {
    const result = await withDatabase((url) => withApiAndWorker(url, (api, worker) => apiAsync(api, data, worker)));
    const h = result.healthz;
    console.log(`NDJSON year staged by the API process, run by a worker process: 202 after ${seconds(result.acceptedMs)} (body staged), SUCCEEDED after ${seconds(result.ms)}  ${perSecond(rows, result.ms)}; ${result.readings} progress readings, ${result.monotonic ? 'never decreasing' : 'DECREASING'}`);
    console.log(`/healthz of the API process during it: ${h.n} answers, ${h.failures} failures; p50 ${h.p50.toFixed(1)} ms, p95 ${h.p95.toFixed(1)} ms, p99 ${h.p99.toFixed(1)} ms, max ${h.max.toFixed(1)} ms (target < 100 ms)`);
    console.log(`API process RSS: at rest ${mb(result.rest)}, peak ${mb(result.peak)} (${mb(result.stagedPeak)} by the 202) (target < 400 MB); worker process RSS: at rest ${mb(result.workerRest)}, peak ${mb(result.workerPeak)}`);
    console.log(`CPU time: API process ${seconds(result.apiCpuMs)} (${seconds(result.stagedCpuMs)} of it staging the body), worker process ${seconds(result.workerCpuMs)}; the bench making and sending the body: ${seconds(result.clientCpuMs)}`);
    return;
  }
  if (process.argv.includes('--reupload-month')) {
    // The JSON year, its unchanged re-upload and the month of 20,000: the figures of the raw-row shortcut.
    const json = await withServer((server) => apiJson(server, data));
    console.log(`API, JSON per month: ${seconds(json.first)}  ${perSecond(rows, json.first)}, server CPU ${seconds(json.firstCpuMs)}; unchanged re-upload ${seconds(json.again)} (target ≤ 5 s), server CPU ${seconds(json.againCpuMs)}`);
    if (!process.argv.includes('--no-month')) printMonth(await monthOf20000());
    return;
  }
  if (process.argv.includes('--month-only')) {
    printMonth(await monthOf20000());
    return;
  }
  if (process.argv.includes('--ndjson-only')) {
    // Just the NDJSON year and the server's memory (a quicker look than the whole comparison).
    const only = await withServer((server) => apiNdjson(server, data));
    console.log(`API, NDJSON stream: ${seconds(only.ms)}  ${perSecond(rows, only.ms)}, server CPU ${seconds(only.cpuMs)}; server RSS at rest ${mb(only.rest)}, peak ${mb(only.peak)} (+${mb(only.peak - only.rest)})`);
    return;
  }

  const base = await bareCreateMany(data);
  console.log(`bare createMany       : ${seconds(base)}  ${perSecond(rows, base)}`);
  const anchor = await unnestAnchor(data);
  console.log(`unnest anchor (pg)    : ${seconds(anchor)}  ${perSecond(rows, anchor)}`);

  const json = await withServer((server) => apiJson(server, data));
  console.log(`API, JSON per month   : ${seconds(json.first)}  ${perSecond(rows, json.first)}`);
  console.log(`unchanged re-upload   : ${seconds(json.again)}`);

  const ndjson = await withServer((server) => apiNdjson(server, data));
  console.log(`API, NDJSON stream    : ${seconds(ndjson.ms)}  ${perSecond(rows, ndjson.ms)}  (payslips run: ${ndjson.year.rowsPerSecond} payslips/s as reported)`);
  console.log(`server RSS at rest    : ${mb(ndjson.rest)}; peak during the NDJSON year: ${mb(ndjson.peak)} (+${mb(ndjson.peak - ndjson.rest)})`);

  const { ms: monthMs } = await monthOf20000();

  const best = Math.min(json.first, ndjson.ms);
  console.log(`
PostgreSQL, ${employees} × ${months}                | time     | rows/s
bare createMany                      | ${seconds(base).padStart(8)} | ${perSecond(rows, base)}
unnest anchor (plain pg)             | ${seconds(anchor).padStart(8)} | ${perSecond(rows, anchor)}
API, JSON envelope per month         | ${seconds(json.first).padStart(8)} | ${perSecond(rows, json.first)}
API, NDJSON, the year in one request | ${seconds(ndjson.ms).padStart(8)} | ${perSecond(rows, ndjson.ms)}
unchanged re-upload (JSON)           | ${seconds(json.again).padStart(8)} |   (target ≤ 5 s)
a month of 20,000 payslips (JSON)    | ${seconds(monthMs).padStart(8)} |   (target ≤ 5 s)
API (best of the two) / createMany   | ${(base / best).toFixed(1)}×  (target ≥ 4×); JSON ${(base / json.first).toFixed(1)}×, NDJSON ${(base / ndjson.ms).toFixed(1)}×
API (best of the two) / anchor       | ${((anchor / best) * 100).toFixed(0)} %  (target ≥ 50 %); JSON ${((anchor / json.first) * 100).toFixed(0)} %, NDJSON ${((anchor / ndjson.ms) * 100).toFixed(0)} %
server RSS at rest / NDJSON peak     | ${mb(ndjson.rest)} / ${mb(ndjson.peak)}  (+${mb(ndjson.peak - ndjson.rest)}, target ≤ +150 MB)`);

  if (pgliteEmployees > 0) {
    const small = generateHrData({ employees: pgliteEmployees, months });
    const smallRows = rowsOf(small);
    const dir = await mkdtemp(path.join(tmpdir(), 'kabinet-bench-'));
    try {
      const server = await startServer({ DATABASE_URL: undefined, DATA_DIR: path.join(dir, 'data') });
      try {
        const { first, again } = await apiJson(server, small);
        console.log(`
PGlite (embedded), ${pgliteEmployees} × ${months}: through the API (JSON per month) ${seconds(first)}  ${perSecond(smallRows, first)}; unchanged re-upload ${seconds(again)}`);
      } finally {
        await server.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/** `--poll-healthz <address>`: asks /healthz every 50 ms until told to stop, then sends back the latencies. */
async function pollHealthz(address: string): Promise<void> {
  const latencies: number[] = [];
  let failures = 0;
  let stop = false;
  process.once('message', () => (stop = true));
  const server = { address, token: '' } as Server;
  while (!stop) {
    const r = await timedGet(server, '/healthz').catch(() => ({ status: 0, ms: NaN }));
    if (r.status === 200) latencies.push(r.ms);
    else failures += 1;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  process.send!({ latencies, failures }, () => process.exit(0));
}

if (process.argv.includes('--poll-healthz')) await pollHealthz(process.argv[process.argv.indexOf('--poll-healthz') + 1]!);
else if (process.argv.includes('--serve')) await serve();
else await main();
