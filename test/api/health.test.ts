import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.ts';
import { loadConfig } from '../../core/config.ts';
import type { Container } from '../../core/container.ts';
import { createTranslator } from '../../core/i18n.ts';
import { createLogger } from '../../core/logger.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

describe('health, readiness and docs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('pglite');
  });
  afterAll(async () => t?.close());

  it('answers liveness and readiness', async () => {
    expect((await t.request({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await t.request({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready', database: 'pglite' });
  });

  it('serves the OpenAPI document with every upload and an example of each row', async () => {
    const res = await t.request({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    for (const name of ['organizations', 'departments', 'employees', 'payslips', 'vacations']) {
      const op = doc.paths[`/api/v1/imports/${name}`].post;
      const items = op.requestBody.content['application/json'].schema.properties.items;
      expect(items.items.example ?? items.items.examples, name).toBeDefined();
    }
    expect(doc.paths['/api/v1/cabinet/settings'].put).toBeDefined();
    expect(doc.paths['/api/v1/cabinets/publish'].post).toBeDefined();
    expect(doc.paths['/api/v1/employees'].get).toBeDefined();
    expect((await t.request({ method: 'GET', url: '/docs' })).statusCode).toBeLessThan(400);
  });

  it('answers unknown routes with {code, message}', async () => {
    const res = await t.request({ method: 'GET', url: '/api/v1/nope', headers: { 'accept-language': 'en' } });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ code: 'NOT_FOUND', message: 'There is no such API route.' });
  });

  it('is live but not ready while the database is still opening, and API calls wait for it', async () => {
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' });
    let open!: (c: Container) => void;
    const container = new Promise<Container>((resolve) => (open = resolve));
    const app = await buildApp({ config, logger: createLogger({ level: 'silent' }), translator: createTranslator(), container });
    await app.ready();
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/readyz' })).json()).toEqual({ status: 'not_ready', reason: 'starting' });
    const waiting = app.inject({ url: '/api/v1/employees', headers: { authorization: `Bearer ${t.tokens.admin}` } });
    open(t.container);
    expect((await waiting).statusCode).toBe(200);
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);
    await app.close();
  });
});
