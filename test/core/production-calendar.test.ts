import { describe, expect, it } from 'vitest';
import { CalendarYearMissingError, createWorkingCalendar, dayIn, SHIPPED_CALENDAR } from '../../core/calendar/production-calendar.ts';

const calendar = createWorkingCalendar(SHIPPED_CALENDAR);

const workingDaysIn = (year: number) => {
  let n = 0;
  for (let t = Date.UTC(year, 0, 1); t < Date.UTC(year + 1, 0, 1); t += 86_400_000) if (calendar.isWorkingDay(new Date(t).toISOString().slice(0, 10))) n++;
  return n;
};

describe('production calendar', () => {
  it('has the official number of working days in the years whose decree is in', () => {
    // Both years have 247 working days by their decrees.
    expect(workingDaysIn(2025)).toBe(247);
    expect(workingDaysIn(2026)).toBe(247);
  });

  it('knows transferred days off and working Saturdays', () => {
    expect(calendar.isWorkingDay('2025-11-01')).toBe(true); // Saturday worked for Monday 3 November
    expect(calendar.isWorkingDay('2025-11-03')).toBe(false);
    expect(calendar.isWorkingDay('2025-05-08')).toBe(false); // 23 February 2025 (a Sunday) moved here
    expect(calendar.isWorkingDay('2026-01-09')).toBe(false); // 3 January 2026 moved here
    expect(calendar.isWorkingDay('2026-12-31')).toBe(false); // 4 January 2026 moved here
    expect(calendar.isWorkingDay('2026-03-09')).toBe(false); // 8 March on a Sunday
    expect(calendar.isWorkingDay('2026-12-29')).toBe(true);
  });

  it('puts the deadline three working days after the request, across the New Year holidays', () => {
    // Wednesday 30 December 2026: 31 December is a transferred day off, 1–10 January are holidays and a weekend.
    expect(calendar.addWorkingDays('2026-12-30', 3)).toBe('2027-01-13');
    expect(calendar.workingDaysBetween('2026-12-30', '2027-01-13')).toBe(3);
  });

  it('puts the deadline across the May holidays', () => {
    // Wednesday 29 April 2026: 30 April (1), 1–3 May off, 4 May (2), 5 May (3).
    expect(calendar.addWorkingDays('2026-04-29', 3)).toBe('2026-05-05');
    // Thursday 7 May 2026: 8 May (1), 9–11 May off (Victory Day on a Saturday moves to Monday), 12 May (2), 13 May (3).
    expect(calendar.addWorkingDays('2026-05-07', 3)).toBe('2026-05-13');
    // A request on a holiday counts from the next working day: 1 May 2025 → 5, 6, 7 May.
    expect(calendar.addWorkingDays('2025-05-01', 3)).toBe('2025-05-07');
  });

  it('refuses to guess past the years it knows, and an upload adds or corrects a year', () => {
    expect(() => calendar.addWorkingDays('2027-12-30', 3)).toThrow(CalendarYearMissingError);
    const corrected = createWorkingCalendar([...SHIPPED_CALENDAR, { year: 2028, source: 'test', provisional: false, daysOff: ['2028-01-03'], workdays: [], shortDays: [] }]);
    expect(corrected.addWorkingDays('2027-12-30', 3)).toBe('2028-01-05');
  });

  it('takes the day of the request in Moscow time', () => {
    expect(dayIn(new Date('2026-12-29T22:30:00Z'), 'Europe/Moscow')).toBe('2026-12-30');
  });
});

describe('production calendar without a decree', () => {
  it('derives a year from the Labour Code alone as the shipped provisional 2027 does', async () => {
    const { labourCodeYear } = await import('../../core/calendar/production-calendar.ts');
    const shipped2027 = SHIPPED_CALENDAR.find((y) => y.year === 2027)!;
    const derived = labourCodeYear(2027);
    expect(derived.provisional).toBe(true);
    expect(derived.daysOff).toEqual(shipped2027.daysOff);
    expect(derived.shortDays).toEqual(shipped2027.shortDays);
    // A holiday on a weekend moves to the next working day: 9 May 2027 (Sunday) → Monday 10 May.
    expect(derived.daysOff).toContain('2027-05-10');
  });

  it('checks an uploaded year: the shipped ones pass, mangled ones do not', async () => {
    const { calendarYearProblems } = await import('../../core/calendar/production-calendar.ts');
    for (const year of SHIPPED_CALENDAR) expect(calendarYearProblems(year), String(year.year)).toEqual([]);
    const y2026 = SHIPPED_CALENDAR.find((y) => y.year === 2026)!;
    expect(calendarYearProblems({ ...y2026, workdays: ['2026-03-10'] })[0]).toMatchObject({ code: 'CALENDAR_WORKDAY_NOT_WEEKEND', date: '2026-03-10' });
    expect(calendarYearProblems({ ...y2026, daysOff: [] })[0]).toMatchObject({ code: 'CALENDAR_IMPLAUSIBLE' });
  });

  it('falls back to a derived year only when asked to', async () => {
    const { labourCodeYear } = await import('../../core/calendar/production-calendar.ts');
    expect(() => createWorkingCalendar(SHIPPED_CALENDAR).isWorkingDay('2030-01-09')).toThrow(CalendarYearMissingError);
    expect(createWorkingCalendar(SHIPPED_CALENDAR, labourCodeYear).isWorkingDay('2030-01-09')).toBe(true);
  });
});
