import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import calendar2026 from '../../core/calendar/data/2026.json' with { type: 'json' };
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

describe.each(DB_KINDS)('production calendar API, %s', (kind) => {
  let t: TestApp;
  const put = (year: number, body: unknown, token = t.tokens.import) => t.request({ method: 'PUT', url: `/api/v1/calendar/${year}`, token, body });
  const deadline = (at: string) => t.container.services.calendar.deadlineFor(new Date(at));

  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await t.reset();
  });

  it('shows the shipped years, and the Labour Code alone for a year nobody gave', async () => {
    const list = await t.request({ method: 'GET', url: '/api/v1/calendar', token: t.tokens.import });
    expect(list.json().items.map((y: { year: number; origin: string; provisional: boolean }) => [y.year, y.origin, y.provisional])).toEqual([[2025, 'shipped', false], [2026, 'shipped', false], [2027, 'shipped', true]]);
    const shipped = await t.request({ method: 'GET', url: '/api/v1/calendar/2026', token: t.tokens.admin });
    expect(shipped.json()).toMatchObject({ year: 2026, origin: 'shipped', daysOff: calendar2026.daysOff, uploadedAt: null });
    const guessed = await t.request({ method: 'GET', url: '/api/v1/calendar/2028', token: t.tokens.import });
    expect(guessed.json()).toMatchObject({ year: 2028, origin: 'labour-code', provisional: true });
    expect(guessed.json().daysOff).toContain('2028-01-03');
    // Past the shipped years deadlines still come out (by the Labour Code's holidays), never an error.
    expect(await deadline('2028-01-01T09:00:00Z')).toBe('2028-01-12');
  });

  it('an uploaded year replaces the shipped one, and deadlines follow it at once', async () => {
    // Tuesday 29 December 2026: 30 December, then 11 and 12 January.
    expect(await deadline('2026-12-29T09:00:00Z')).toBe('2027-01-12');
    const corrected = { ...calendar2026, source: 'Исправленный календарь из 1С', daysOff: [...calendar2026.daysOff, '2026-12-30'], shortDays: ['2026-04-30', '2026-05-08', '2026-06-11', '2026-11-03', '2026-12-29'] };
    const res = await put(2026, { source: corrected.source, daysOff: corrected.daysOff, workdays: [], shortDays: corrected.shortDays });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ year: 2026, replaced: false, workingDays: 246 });
    expect(await deadline('2026-12-29T09:00:00Z')).toBe('2027-01-13');
    const shown = await t.request({ method: 'GET', url: '/api/v1/calendar/2026', token: t.tokens.import });
    expect(shown.json()).toMatchObject({ origin: 'uploaded', source: 'Исправленный календарь из 1С', provisional: false });
    expect(shown.json().daysOff).toContain('2026-12-30');
    expect((await put(2026, { daysOff: calendar2026.daysOff, workdays: [] })).json()).toEqual({ year: 2026, replaced: true, workingDays: 247 });
    expect(await deadline('2026-12-29T09:00:00Z')).toBe('2027-01-12');

    // A newer year: a Saturday worked moves the deadline earlier.
    const y2028 = { daysOff: ['2028-01-03', '2028-01-04', '2028-01-05', '2028-01-06', '2028-01-07', '2028-01-10', '2028-02-23', '2028-03-08', '2028-05-01', '2028-05-09', '2028-06-12', '2028-11-06'], workdays: ['2028-01-08'], provisional: true };
    expect((await put(2028, y2028)).statusCode).toBe(200);
    expect(await deadline('2028-01-05T09:00:00Z')).toBe('2028-01-12');
    const audit = await t.testDb.database.prisma.auditLog.findMany({ where: { action: 'calendar.upload' }, select: { actorType: true, entityId: true } });
    expect(audit).toEqual([{ actorType: 'API_TOKEN', entityId: '2026' }, { actorType: 'API_TOKEN', entityId: '2026' }, { actorType: 'API_TOKEN', entityId: '2028' }]);
  });

  it('refuses a year that does not add up, and stores nothing', async () => {
    const cases: [unknown, number, string][] = [
      [{ daysOff: ['2025-12-31'], workdays: [] }, 422, 'CALENDAR_DATE_OUTSIDE_YEAR'],
      [{ daysOff: ['2026-02-30'], workdays: [] }, 422, 'CALENDAR_DATE_INVALID'],
      [{ daysOff: ['2026-03-09'], workdays: ['2026-03-10'] }, 422, 'CALENDAR_WORKDAY_NOT_WEEKEND'],
      [{ daysOff: ['2026-03-07'], workdays: ['2026-03-07'] }, 422, 'CALENDAR_DATE_TWICE'],
      [{ daysOff: ['2026-03-09'], workdays: [], shortDays: ['2026-03-09'] }, 422, 'CALENDAR_SHORT_DAY_NOT_WORKING'],
      [{ daysOff: Array.from({ length: 40 }, (_, i) => new Date(Date.UTC(2026, 5, 1 + i)).toISOString().slice(0, 10)), workdays: [] }, 422, 'CALENDAR_IMPLAUSIBLE'],
      [{ daysOff: ['1 января'], workdays: [] }, 400, 'VALIDATION_FAILED'],
      [{ daysOff: [] }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [body, status, code] of cases) {
      const res = await put(2026, body);
      expect([res.statusCode, res.json().code], JSON.stringify(body)).toEqual([status, code]);
    }
    const message = (await t.request({ method: 'PUT', url: '/api/v1/calendar/2026', token: t.tokens.import, body: { daysOff: [], workdays: ['2026-03-10'] } })).json().message;
    expect(message).toBe('Календарь 2026: 2026-03-10 — будний день; рабочими указывают только перенесённые субботы и воскресенья.');
    expect(await t.testDb.database.prisma.productionCalendarYear.count()).toBe(0);
  });

  it('is uploaded by the payroll system only', async () => {
    for (const token of [t.tokens.admin, t.tokens.hr]) expect((await put(2026, { daysOff: calendar2026.daysOff, workdays: [] }, token)).statusCode).toBe(403);
    expect((await t.request({ method: 'GET', url: '/api/v1/calendar/2026', token: t.tokens.hr })).statusCode).toBe(403);
  });
});
