// `npm run bench:import`: 10,000 employees and 12 months of payslips (~120,000 payslips, 8 lines each) into
// PostgreSQL through the real HTTP API, against a bare `createMany` of the same rows; then an unchanged re-upload.
// Needs a PostgreSQL server: BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres); it creates
// and drops its own databases there.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { buildApp } from '../api/app.ts';
import { loadConfig } from '../core/config.ts';
import { assembleContainer } from '../core/container.ts';
import { openDatabase, type Database } from '../core/db/database.ts';
import { ApiScope, CabinetState, PayslipKind, PayslipSection } from '../core/db/generated/enums.ts';
import { toKopecks, toQuantity } from '../core/imports/normalize.ts';
import { createTranslator } from '../core/i18n.ts';
import { createLogger } from '../core/logger.ts';
import { uuidv7 } from '../core/util/ids.ts';
import { generateHrData } from '../prisma/seed/hr-generator.ts';

const EMPLOYEES = Number(process.argv[2] ?? 10_000);
const MONTHS = Number(process.argv[3] ?? 12);
const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const BATCH = 1000;

const data = generateHrData({ employees: EMPLOYEES, months: MONTHS });
const payslipsByPeriod = data.periods.map((p) => data.payslipsFor(p));
const totalPayslips = payslipsByPeriod.reduce((s, p) => s + p.length, 0);
const totalLines = payslipsByPeriod.reduce((s, p) => s + p.reduce((n, r) => n + r.lines.length, 0), 0);
console.log(`${EMPLOYEES} employees, ${MONTHS} months: ${totalPayslips} payslips with ${totalLines} lines`);

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function withDatabase<T>(fn: (db: Database) => Promise<T>): Promise<T> {
  const name = `kabinet_bench_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const db = await openDatabase({ kind: 'postgres', url: url.toString() });
  try {
    await db.migrate();
    return await fn(db);
  } finally {
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

/** The same rows written the plain way: prepared in memory first (untimed), then createMany in batches. */
async function baseline(db: Database): Promise<number> {
  const prisma = db.prisma;
  const orgIds = new Map(data.organizations.map((o) => [o.id, uuidv7()]));
  const depIds = new Map(data.departments.map((d) => [d.id, uuidv7()]));
  const empIds = new Map(data.employees.map((e) => [e.id, uuidv7()]));
  const orgRows = data.organizations.map((o) => ({ id: orgIds.get(o.id)!, externalId: o.id, name: o.name, inn: o.inn ?? null, kpp: o.kpp ?? null, sourceHash: '' }));
  const depRows = data.departments.map((d) => ({ id: depIds.get(d.id)!, externalId: d.id, organizationId: orgIds.get(d.organizationId)!, name: d.name, sourceHash: '' }));
  const empRows = data.employees.map((e) => ({
    id: empIds.get(e.id)!, externalId: e.id, personnelNumber: e.personnelNumber, lastName: e.lastName, firstName: e.firstName,
    middleName: e.middleName ?? null, position: e.position ?? null, organizationId: orgIds.get(e.organizationId)!,
    departmentId: depIds.get(e.departmentId!)!, phone: null, email: e.email ?? null, cabinetState: CabinetState.NOT_PUBLISHED, sourceHash: '',
  }));
  const sections = { accrued: PayslipSection.ACCRUED, withheld: PayslipSection.WITHHELD, paid: PayslipSection.PAID, other: PayslipSection.OTHER };
  const months = payslipsByPeriod.map((rows) => rows.map((r) => {
    const id = uuidv7();
    return {
      payslip: {
        id, employeeId: empIds.get(r.employeeId)!, organizationId: orgIds.get(data.employees.find(() => true)!.organizationId)!,
        period: r.period, kind: PayslipKind.FINAL, totalAccrued: 0n, totalWithheld: 0n, totalPaid: 0n, sourceHash: '',
      },
      lines: r.lines.map((l, i) => ({
        payslipId: id, lineNo: i + 1, section: sections[l.section], code: l.code ?? null, name: l.name, note: l.note ?? null,
        days: toQuantity(l.days) ?? null, hours: toQuantity(l.hours) ?? null, amount: toKopecks(l.amount)!,
      })),
    };
  }));

  const start = performance.now();
  await prisma.organization.createMany({ data: orgRows });
  await prisma.department.createMany({ data: depRows });
  for (let i = 0; i < empRows.length; i += BATCH) await prisma.employee.createMany({ data: empRows.slice(i, i + BATCH) });
  for (const month of months) {
    for (let i = 0; i < month.length; i += BATCH) {
      const batch = month.slice(i, i + BATCH);
      await prisma.payslip.createMany({ data: batch.map((b) => b.payslip) });
      await prisma.payslipLine.createMany({ data: batch.flatMap((b) => b.lines) });
    }
  }
  return performance.now() - start;
}

/** Through the real HTTP API: JSON over loopback, validation, lookups, fingerprints, batched transactions. */
async function throughApi(db: Database): Promise<{ first: number; again: number }> {
  const config = loadConfig({ NODE_ENV: 'production', LOG_LEVEL: 'warn', IMPORT_BATCH_SIZE: String(BATCH), HOST: '127.0.0.1', PORT: '0', API_DOCS: 'false' });
  const logger = createLogger({ level: 'warn' });
  const translator = createTranslator();
  const container = assembleContainer(db, config, logger, translator);
  const app = await buildApp({ config, logger, translator, container });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const { token } = await container.services.apiTokens.create('bench', [ApiScope.IMPORT]);
  const upload = async (name: string, items: unknown[]) => {
    const res = await fetch(`${address}/api/v1/imports/${name}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ items }),
    });
    const body = (await res.json()) as { rejected: number; created: number; unchanged: number };
    if (res.status !== 200 || body.rejected > 0) throw new Error(`${name}: ${res.status} ${JSON.stringify(body).slice(0, 500)}`);
    return body;
  };
  const everything = async () => {
    const start = performance.now();
    await upload('organizations', data.organizations);
    await upload('departments', data.departments);
    await upload('employees', data.employees);
    for (const month of payslipsByPeriod) await upload('payslips', month);
    return performance.now() - start;
  };
  try {
    const first = await everything();
    const again = await everything();
    return { first, again };
  } finally {
    await app.close();
  }
}

const base = await withDatabase(baseline);
const api = await withDatabase(throughApi);
const rows = EMPLOYEES + totalPayslips + totalLines;
const ratio = base / api.first;
console.log(`
bare createMany baseline : ${seconds(base)}  (${Math.round(rows / (base / 1000))} rows/s)
through the API          : ${seconds(api.first)}  (${Math.round(rows / (api.first / 1000))} rows/s)
API throughput / baseline: ${(ratio * 100).toFixed(0)} %   (target ≥ 50 %)
unchanged re-upload      : ${seconds(api.again)} = ${((api.again / api.first) * 100).toFixed(0)} % of the first   (target ≤ 25 %)`);
