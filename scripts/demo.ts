// `npm run demo`: loads a realistic company through the same HTTP upload path the payroll system uses
// (organizations, departments, 60 employees, 12 months of payslips, vacations), sets up the cabinet, publishes it,
// and prints an API token to try the API with. Safe to run again: uploads are idempotent.
import { buildApp } from '../api/app.ts';
import { bootstrap } from '../core/bootstrap.ts';
import { createContainer } from '../core/container.ts';
import { ApiScope } from '../core/db/generated/enums.ts';
import { createTranslator } from '../core/i18n.ts';
import { generateHrData } from '../prisma/seed/hr-generator.ts';

const { config, logger } = bootstrap({ LOG_LEVEL: 'warn' });
const container = await createContainer(config, logger, createTranslator());
const app = await buildApp({ config, logger, translator: createTranslator(), container });
await app.ready();

try {
  const { token } = await container.services.apiTokens.create('demo', [ApiScope.IMPORT, ApiScope.ADMIN, ApiScope.HR]);
  const data = generateHrData({ employees: 60, months: 12, noContactsEvery: 15, dismissedEvery: 25 });
  const call = async (method: 'POST' | 'PUT', url: string, body: unknown) => {
    const res = await app.inject({ method, url, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    if (res.statusCode !== 200) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };

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
Demo company loaded. API token (import, admin, hr), shown once:

  ${token}

Start Kabinet with \`npm start\`, then try:
  curl -H "Authorization: Bearer ${token}" "${base}/api/v1/employees?pageSize=5"
  curl -H "Authorization: Bearer ${token}" ${base}/api/v1/cabinet/settings
API documentation: ${base}/docs`);
} finally {
  await app.close();
  await container.close();
}
