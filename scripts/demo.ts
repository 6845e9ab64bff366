// `npm run demo`: loads a realistic company through the same HTTP upload path the payroll system uses
// (organizations, departments, 60 employees, 12 months of payslips, vacations), sets up the cabinet, publishes it,
// and prints an API token to try the API with. Safe to run again: uploads are idempotent.
// While Kabinet runs on the same embedded database, the demo uploads through that running server instead.
import { buildApp } from '../api/app.ts';
import { bootstrap } from '../core/bootstrap.ts';
import { createContainer, type Container } from '../core/container.ts';
import { ApiScope } from '../core/db/generated/enums.ts';
import { createTranslator } from '../core/i18n.ts';
import { generateHrData } from '../prisma/seed/hr-generator.ts';
import { callRunningKabinet, DataDirLockedError, explainLocked } from './cli-support.ts';

type Call = (method: 'POST' | 'PUT', url: string, body: unknown) => Promise<{ status: number; text: string }>;

const { config, logger } = bootstrap({ LOG_LEVEL: 'warn' });
const scopes = [ApiScope.IMPORT, ApiScope.ADMIN, ApiScope.HR];
let container: Container | undefined;
let send: Call;
let token: string;
let running: number | undefined;
let close = async () => {};
try {
  container = await createContainer(config, logger, createTranslator());
} catch (error) {
  if (!(error instanceof DataDirLockedError)) throw error;
  const admin = error.owner.admin;
  if (!admin) {
    console.error(explainLocked(error, 'demo', 'That process does not take local commands (it is not `npm start`, or it is still starting).'));
    process.exit(1);
  }
  running = error.owner.pid;
  token = (await callRunningKabinet<{ token: string }>(admin, '/api-tokens', { name: 'demo', scopes })).token;
  send = async (method, url, body) => {
    const res = await fetch(`${admin.url}${url}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, text: await res.text() };
  };
}
if (container) {
  const local = container;
  const app = await buildApp({ config, logger, translator: createTranslator(), container: local });
  await app.ready();
  token = (await local.services.apiTokens.create('demo', scopes)).token;
  send = async (method, url, body) => {
    const res = await app.inject({ method, url, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    return { status: res.statusCode, text: res.body };
  };
  close = async () => {
    await app.close();
    await local.close();
  };
}

try {
  const call = async (method: 'POST' | 'PUT', url: string, body: unknown) => {
    const res = await send!(method, url, body);
    if (res.status !== 200) throw new Error(`${method} ${url}: ${res.status} ${res.text}`);
    return JSON.parse(res.text);
  };
  const data = generateHrData({ employees: 60, months: 12, noContactsEvery: 15, dismissedEvery: 25 });

  const uploads: [string, unknown[]][] = [
    ['organizations', data.organizations],
    ['departments', data.departments],
    ['employees', data.employees],
    ['payslips', data.periods.flatMap((p) => data.payslipsFor(p))],
    ['vacations', data.vacations()],
  ];
  for (const [name, items] of uploads) {
    const r = await call('POST', `/api/v1/imports/${name}`, { items });
    console.log(`${name.padEnd(14)} ${String(items.length).padStart(5)} rows: ${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged, ${r.rejected} rejected`);
    if (r.noContacts?.length) console.log(`${''.padEnd(14)} without phone and e-mail: ${r.noContacts.map((e: { fullName: string }) => e.fullName).join(', ')}`);
  }
  await call('PUT', '/api/v1/cabinet/settings', { address: 'romashka', responsibleEmployeeId: 'emp-00001', scope: { kind: 'ALL' } });
  const published = await call('POST', '/api/v1/cabinets/publish', { all: true });
  console.log(`cabinets       published ${published.changed} (already ${published.unchanged}, skipped ${published.skipped.length})`);

  const base = `http://localhost:${config.http.port}`;
  console.log(`
Demo company loaded${running ? ` through the running Kabinet (pid ${running})` : ''}. API token (import, admin, hr), shown once:

  ${token!}

${running ? 'Kabinet is running; try:' : 'Start Kabinet with `npm start`, then try:'}
  curl -H "Authorization: Bearer ${token!}" "${base}/api/v1/employees?pageSize=5"
  curl -H "Authorization: Bearer ${token!}" ${base}/api/v1/cabinet/settings
API documentation: ${base}/docs`);
} finally {
  await close();
}
