import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateHrData, prng } from '../../prisma/seed/hr-generator.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import type { DbKind } from '../helpers/test-database.ts';

// Malformed input must never answer 5xx: every route refuses it (4xx) or, for uploads, reports it per row.
// Bounded and seeded: the same requests on every run, and a failure prints the request that caused it.

type Rng = ReturnType<typeof prng>;

const NASTY_STRINGS = [
  '\u0000', 'a\u0000b', 'org-1\u0000', '\ud800', 'org-\ud800', '\udc00x', 'x\ud83d', '', ' ', '   ', '\t\n',
  'x'.repeat(5000), '0000-01-01', '0000-01', '0001-01-01T00:00:00', '9999-12-31', '2026-02-30', '2026-13', '-1', '1e400',
  'NaN', 'Infinity', '１２３', '١٢٣', '12,34,56', '1 234,567', '--1', '+', '++7', '8 (912) 345-67-89', '380501234567',
  '+12345678', '.', '../', '%', '%00', '\\', "'; DROP TABLE employees; --", '{"a":1}', '[]', 'null', 'true', '💥',
  '\u202e', '\ufeff', 'ИНН', 'emp-1', 'dep-1', 'org-1', 'NOT_PUBLISHED', 'ALL',
];
const NASTY_VALUES: unknown[] = [
  null, true, false, 0, -1, 1.5, -0.001, 1e308, -1e308, 2 ** 53 + 1, 9.99e20, 1e-7, [], {}, [null], { a: '\u0000' },
  [[[[[[[[[[]]]]]]]]]], { items: [] },
];

type Schema = {
  type?: string | string[]; properties?: Record<string, Schema>; required?: string[]; items?: Schema; anyOf?: Schema[];
  oneOf?: Schema[]; enum?: unknown[]; const?: unknown; format?: string; examples?: unknown[];
};

// Well-formed values by field name, so that a request with one defect gets past the others to the code under test.
const REALISTIC: [RegExp, unknown[]][] = [
  [/^(employeeId|responsibleEmployeeId)$/, ['emp-00001', 'emp-00002', 'emp-00003']],
  [/^organizationId$/, ['org-romashka', 'org-romashka-ural']],
  [/^(departmentId|parentId)$/, ['dep-accounting', 'dep-production', null]],
  [/^id$/, ['fuzz-1', 'fuzz-2', 'emp-00001', 'org-romashka', 'dep-accounting']],
  [/^period$/, ['2026-10', '2026-09-01']],
  [/(At|On|asOf)$/, ['2026-10-31', '2021-03-15T00:00:00', '0001-01-01T00:00:00']],
  [/^(amount|debtStart|debtEnd|accrued|withheld|paid)$/, [85000, '85000,50', 0, -15.5]],
  [/(days|hours|Days)$/, [22, '14,5', 176]],
  [/^phone$/, ['8 (912) 345-67-89', '+375291234567', null]],
  [/^email$/, ['a.b@romashka.ru', null]],
  [/^inn$/, ['7707083893']],
  [/^kpp$/, ['770701001']],
  [/^address$/, ['romashka', 'г. Москва']],
];

/** A well-formed value for the schema (as far as a generator without domain knowledge gets). */
function wellFormed(schema: Schema | undefined, rng: Rng, name = '', depth = 0): unknown {
  if (!schema || depth > 6) return null;
  const known = REALISTIC.find(([pattern]) => pattern.test(name));
  if (known && !schema.const && !schema.enum) return rng.pick(known[1]);
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) return wellFormed(rng.pick(branches), rng, name, depth + 1);
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return rng.pick(schema.enum);
  switch (Array.isArray(schema.type) ? rng.pick(schema.type) : schema.type) {
    case 'object':
      return Object.fromEntries(Object.entries(schema.properties ?? {})
        .filter(([key]) => schema.required?.includes(key) || rng.chance(0.7))
        .map(([key, property]) => [key, wellFormed(property, rng, key, depth + 1)]));
    case 'array':
      return Array.from({ length: rng.int(1, 3) }, () => wellFormed(schema.items, rng, name, depth + 1));
    case 'string':
      return schema.format === 'uuid' ? '0193a1f2-0000-7000-8000-000000000000' : rng.pick(['Иванова', 'Бухгалтерия', 'ОКЛ', 'x']);
    case 'number':
    case 'integer':
      return rng.int(1, 50);
    case 'boolean':
      return rng.chance(0.5);
    default:
      return null;
  }
}

// The defects that once reached the database and failed there, drawn more often than the rest.
const DANGEROUS = ['\u0000', 'a\u0000b', 'org-romashka\u0000', '\ud800', 'emp-\ud800', '\udc00x', ' ', '', '0000-01-01', '0000-01', '999999999999999.99'];

/** One defect at a random place: a value replaced by a malformed one, or a field removed. */
function mutate(value: unknown, rng: Rng, depth = 0): unknown {
  const nasty = () => (rng.chance(0.4) ? rng.pick(DANGEROUS) : rng.chance(0.6) ? rng.pick(NASTY_STRINGS) : rng.pick(NASTY_VALUES));
  // The body and its items list are replaced whole rarely: most defects belong deep inside a row.
  if (value === null || typeof value !== 'object' || rng.chance(depth < 2 ? 0.02 : 0.15)) return nasty();
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  if (keys.length === 0) return nasty();
  const key = rng.pick(keys);
  const target = copy as Record<string, unknown>;
  if (!Array.isArray(copy) && rng.chance(0.1)) delete target[key];
  else target[key] = mutate(target[key], rng, depth + 1);
  return copy;
}

/** Percent-encodes text, lone surrogates included (as the bytes a broken client would send). */
function encode(text: string): string {
  return [...text].map((c) => {
    try {
      return encodeURIComponent(c);
    } catch {
      return '%ED%A0%80';
    }
  }).join('');
}

interface Operation {
  method: string;
  path: string;
  parameters: { in: 'query' | 'path' | 'header'; name: string; schema?: Schema }[];
  body?: Schema;
}

/** Every documented route of the app, from its own OpenAPI document. */
function operationsOf(app: FastifyInstance): Operation[] {
  const doc = app.swagger() as { paths: Record<string, Record<string, { parameters?: Operation['parameters']; requestBody?: { content: Record<string, { schema: Schema }> } }>> };
  return Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({
    method: method.toUpperCase(),
    path,
    parameters: op.parameters ?? [],
    body: op.requestBody?.content['application/json']?.schema,
  })));
}

/** Every route the app serves (from its router), the Swagger UI aside, as "METHOD /path/{param}". */
function servedRoutes(app: FastifyInstance): string[] {
  const stack: string[] = [];
  const routes: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│├└─ ]*)(\S.*?) \(([A-Z, ]+)\)$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    stack.push(match[2]!);
    const path = stack.join('').replace(/:(\w+)/g, '{$1}');
    if (path.startsWith('/docs')) continue;
    for (const method of match[3]!.split(', ')) if (method !== 'HEAD') routes.push(`${method} ${path}`);
  }
  return routes.sort();
}

function requestFor(op: Operation, rng: Rng) {
  const param = (name: string, schema?: Schema) => encode(String(rng.chance(0.6) ? rng.pick(NASTY_STRINGS) : wellFormed(schema, rng, name)));
  let url = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => param(name, { type: 'string' }));
  const query = op.parameters.filter((p) => p.in === 'query' && rng.chance(0.6)).map((p) => `${p.name}=${param(p.name, p.schema)}`);
  if (rng.chance(0.1)) query.push(`${rng.pick(['q', 'page', 'x'])}=${encode(rng.pick(NASTY_STRINGS))}`);
  if (query.length > 0) url += `?${query.join('&')}`;
  const headers: Record<string, string> = {};
  if (rng.chance(0.08)) headers['idempotency-key'] = rng.pick(['fuzz-1', 'fuzz-2', ' ', 'x'.repeat(300), '%00']);
  if (rng.chance(0.1)) headers['accept-language'] = rng.pick(['en', 'de', '*', ';;;', 'en;q=abc']);
  // The raw text sent: mostly JSON of a well-formed body with defects, sometimes not JSON at all.
  let body: string | undefined;
  if (op.body || rng.chance(0.1)) {
    const roll = rng.next();
    if (roll < 0.05) body = rng.pick(['{"items": [', '', 'null', '[]', '"text"', '{"items": "abc"}', '['.repeat(5000) + ']'.repeat(5000), '{"items":[{"id":"\\u0000"}]}']);
    else if (roll < 0.08) body = JSON.stringify(rng.pick(NASTY_VALUES));
    else {
      let value = wellFormed(op.body ?? { type: 'object' }, rng);
      for (let n = rng.int(rng.chance(0.1) ? 0 : 1, 3); n > 0; n--) value = mutate(value, rng);
      body = JSON.stringify(value);
    }
  }
  return { method: op.method as 'GET' | 'POST' | 'PUT', url, headers, body };
}

const show = (r: { method: string; url: string; body?: string }) => {
  const body = r.body ?? '';
  return `${r.method} ${r.url} ${body.length > 600 ? `${body.slice(0, 600)}…` : body}`;
};

const RUNS: [DbKind, number, number][] = [['pglite', 320, 20261130], ['postgres', 120, 7]];

describe.each(RUNS)('malformed requests on %s', (kind, count, seed) => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await createTestApp(kind);
    token = (await t.container.services.apiTokens.create('fuzz', ['IMPORT', 'ADMIN', 'HR'])).token;
    // A small company, so that well-formed parts of a request reach stored rows.
    const data = generateHrData({ employees: 6, months: 1, noContactsEvery: 4 });
    for (const [name, items] of [['organizations', data.organizations], ['departments', data.departments], ['employees', data.employees], ['payslips', data.payslipsFor('2026-10')], ['vacations', data.vacations()]] as const) {
      expect((await t.request({ method: 'POST', url: `/api/v1/imports/${name}`, token, body: { items } })).json().rejected).toBe(0);
    }
  });
  afterAll(async () => t?.close());

  it('the fuzz table covers every route the app serves', () => {
    const documented = operationsOf(t.app).map((op) => `${op.method} ${op.path}`).sort();
    expect(documented).toEqual(servedRoutes(t.app));
    expect(documented.length).toBeGreaterThanOrEqual(14);
  });

  it(`${count} seeded malformed requests over every route: none answers 5xx`, async () => {
    const rng = prng(seed);
    const operations = operationsOf(t.app);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (let i = 0; i < count; i++) {
      const request = requestFor(operations[i % operations.length]!, rng);
      const res = await t.request({ ...request, token: rng.chance(0.97) ? token : null });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      if (res.statusCode >= 500) failures.push(`${res.statusCode} ${show(request)} → ${res.body.slice(0, 200)}`);
      else if (res.statusCode >= 400 && request.url.startsWith('/api/')) {
        // Refusals keep the API's error shape.
        const body = res.json() as { code?: unknown; message?: unknown };
        if (typeof body.code !== 'string' || typeof body.message !== 'string') failures.push(`shape ${show(request)} → ${res.body.slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
    // The fuzz reached both refusals and handlers that ran.
    expect([...statuses.keys()].some((s) => s < 300)).toBe(true);
    expect([...statuses.keys()].some((s) => s >= 400)).toBe(true);
    // Nothing was left half-done, and the valid upload path still works.
    expect(await t.testDb.database.prisma.importRun.count({ where: { status: { not: 'SUCCEEDED' } } })).toBe(0);
  });

  it('answers the inputs that once crashed with 400 for parameters and per-row errors for uploads', async () => {
    const ask = (method: 'GET' | 'POST', url: string, body?: unknown) => t.request({ method, url, token, body });
    for (const url of [
      '/api/v1/employees?q=%00', '/api/v1/employees?organizationId=org%00', '/api/v1/employees?departmentId=%00',
      '/api/v1/employees?page=1e400', '/api/v1/employees?page=100000000000000000000',
    ]) {
      const res = await ask('GET', url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().code, url).toBe('VALIDATION_FAILED');
    }
    expect((await ask('POST', '/api/v1/employees/%00/unlock')).statusCode).toBe(400);
    for (const body of [{ employeeIds: ['emp-00001', '\u0000'] }, { departmentIds: ['dep-\ud800'] }]) {
      for (const action of ['publish', 'unpublish']) expect((await ask('POST', `/api/v1/cabinets/${action}`, body)).statusCode).toBe(400);
    }
    const settings = await t.request({ method: 'PUT', url: '/api/v1/cabinet/settings', token, body: { address: 'romashka', responsibleEmployeeId: 'emp\u0000', scope: { kind: 'ALL' } } });
    expect(settings.statusCode).toBe(400);

    const upload = await ask('POST', '/api/v1/imports/organizations', { items: [{ id: 'org-\u0000', name: 'x' }, { id: 'org-fuzz', name: 'ООО «Фазз»' }] });
    expect(upload.statusCode).toBe(200);
    expect(upload.json()).toMatchObject({ rejected: 1, errors: [{ row: 0, field: 'id', code: 'invalid_text' }] });
    expect(await t.testDb.database.prisma.organization.count({ where: { externalId: 'org-fuzz' } })).toBe(1);
  });
});
