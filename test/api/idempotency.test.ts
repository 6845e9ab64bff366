import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requestFingerprint } from '../../api/plugins/idempotency.ts';
import { organization } from '../fixtures/hr-rows.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { createTestClock, type TestClock } from '../helpers/test-clock.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

const MINUTE = 60_000;

describe.each(DB_KINDS)('Idempotency-Key leases on %s', (kind) => {
  let t: TestApp;
  let clock: TestClock;
  const url = '/api/v1/imports/organizations';
  const body = { items: [organization()] };
  const key = 'zup-organizations-2026-11-30';

  beforeAll(async () => {
    clock = createTestClock();
    t = await createTestApp(kind, { clock, env: { IDEMPOTENCY_LEASE_MINUTES: '10', IDEMPOTENCY_TTL_HOURS: '72' } });
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    await t.reset();
    clock.set('2026-11-30T09:00:00.000Z');
  });

  const send = () => t.request({ method: 'POST', url, token: t.tokens.import, body, headers: { 'idempotency-key': key } });

  /** The record a request leaves when it dies after taking its key (killed process, lost database connection). */
  async function requestThatDied(): Promise<string> {
    const principal = await t.container.services.apiTokens.authenticate(t.tokens.import);
    const bodyHash = createHash('sha256').update(JSON.stringify(body)).digest('hex');
    const start = await t.container.services.idempotency.begin(principal!.tokenId, key, requestFingerprint('POST', url, bodyHash));
    expect(start.kind).toBe('new');
    return (start as { recordId: string }).recordId;
  }

  it('answers 409 while the first request holds its lease, and runs the retry once the lease has run out', async () => {
    const dead = await requestThatDied();
    const prisma = t.testDb.database.prisma;

    const during = await send();
    expect(during.statusCode).toBe(409);
    expect(during.json().code).toBe('IDEMPOTENCY_IN_PROGRESS');
    clock.advance(10 * MINUTE - 1);
    expect((await send()).statusCode).toBe(409);
    expect(await prisma.importRun.count()).toBe(0);
    expect(await prisma.organization.count()).toBe(0);

    clock.advance(2);
    const retry = await send();
    expect(retry.statusCode, retry.body).toBe(200);
    expect(retry.json()).toMatchObject({ created: 1, rejected: 0 });
    expect(retry.headers['idempotent-replayed']).toBeUndefined();

    // The retry's answer is the one kept: a later repeat replays it, even if the presumed-dead request wakes up.
    await t.container.services.idempotency.complete(dead, 500, { stale: true });
    const repeat = await send();
    expect(repeat.statusCode).toBe(200);
    expect(repeat.headers['idempotent-replayed']).toBe('true');
    expect(repeat.json()).toEqual(retry.json());
    expect(await prisma.importRun.count()).toBe(1);
  });

  it('a stale key still refuses a different request', async () => {
    await requestThatDied();
    clock.advance(11 * MINUTE);
    const other = await t.request({ method: 'POST', url, token: t.tokens.import, body: { items: [organization({ id: 'org-2' })] }, headers: { 'idempotency-key': key } });
    expect(other.statusCode).toBe(422);
    expect(other.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('a completed answer is replayed for the whole TTL, then forgotten', async () => {
    const first = await send();
    expect(first.json()).toMatchObject({ created: 1 });
    clock.advance(71 * 60 * MINUTE);
    expect((await send()).headers['idempotent-replayed']).toBe('true');
    clock.advance(2 * 60 * MINUTE);
    const after = await send();
    expect(after.headers['idempotent-replayed']).toBeUndefined();
    expect(after.json()).toMatchObject({ created: 0, unchanged: 1 });
  });
});
