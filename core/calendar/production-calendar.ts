import calendar2025 from './data/2025.json' with { type: 'json' };
import calendar2026 from './data/2026.json' with { type: 'json' };
import calendar2027 from './data/2027.json' with { type: 'json' };

/**
 * One year of the Russian production calendar («производственный календарь»): the weekdays that are not worked
 * (public holidays and the government's transfers) and the weekend days that are. Everything else follows the
 * five-day week. Dates are `YYYY-MM-DD`.
 */
export interface CalendarYear {
  year: number;
  /** Where the year comes from (the decree), shown to whoever wonders why a deadline falls where it does. */
  source: string;
  /** True while the government's decree for the year is not in: only the Labour Code's own rules are applied. */
  provisional: boolean;
  daysOff: string[];
  workdays: string[];
  shortDays: string[];
}

/** The years shipped with Kabinet; the payroll system may upload newer or corrected ones. */
export const SHIPPED_CALENDAR: CalendarYear[] = [calendar2025, calendar2026, calendar2027];

const DAY_MS = 86_400_000;
const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);

export class CalendarYearMissingError extends Error {
  override name = 'CalendarYearMissingError';
  constructor(readonly year: number) {
    super(`no production calendar for ${year}`);
  }
}

export interface WorkingCalendar {
  isWorkingDay(day: string): boolean;
  /**
   * The date `count` working days after `day` (not counting `day` itself): the legal deadline of ТК РФ ст. 62
   * for a request made on `day`. Throws CalendarYearMissingError past the known years.
   */
  addWorkingDays(day: string, count: number): string;
  /** Working days after `from` up to and including `to` (0 when `to` is not after `from`). */
  workingDaysBetween(from: string, to: string): number;
}

/**
 * Later entries for a year replace earlier ones (an upload corrects the shipped data). `fallback` supplies a year
 * nobody gave (e.g. `labourCodeYear`); without it such a year throws CalendarYearMissingError.
 */
export function createWorkingCalendar(years: CalendarYear[], fallback?: (year: number) => CalendarYear): WorkingCalendar {
  const byYear = new Map<number, { off: Set<string>; work: Set<string> }>();
  const add = (y: CalendarYear) => {
    const entry = { off: new Set(y.daysOff), work: new Set(y.workdays) };
    byYear.set(y.year, entry);
    return entry;
  };
  for (const y of years) add(y);

  function isWorkingDay(day: string): boolean {
    const year = Number(day.slice(0, 4));
    const known = byYear.get(year) ?? (fallback ? add(fallback(year)) : undefined);
    if (!known) throw new CalendarYearMissingError(year);
    if (known.work.has(day)) return true;
    if (known.off.has(day)) return false;
    const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
    return weekday !== 0 && weekday !== 6;
  }

  function addWorkingDays(day: string, count: number): string {
    let t = Date.parse(`${day}T00:00:00Z`);
    for (let left = count; left > 0; ) {
      t += DAY_MS;
      if (isWorkingDay(isoDay(t))) left -= 1;
    }
    return isoDay(t);
  }

  function workingDaysBetween(from: string, to: string): number {
    let n = 0;
    for (let t = Date.parse(`${from}T00:00:00Z`) + DAY_MS, end = Date.parse(`${to}T00:00:00Z`); t <= end; t += DAY_MS) {
      if (isWorkingDay(isoDay(t))) n += 1;
    }
    return n;
  }

  return { isWorkingDay, addWorkingDays, workingDaysBetween };
}

/** The calendar day in `timeZone` (Moscow by default) at `at`: a request made at 01:00 MSK belongs to that day. */
export function dayIn(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

const weekday = (day: string) => new Date(`${day}T00:00:00Z`).getUTCDay();
const isWeekend = (day: string) => weekday(day) === 0 || weekday(day) === 6;
const nextDay = (day: string) => isoDay(Date.parse(`${day}T00:00:00Z`) + DAY_MS);
const previousDay = (day: string) => isoDay(Date.parse(`${day}T00:00:00Z`) - DAY_MS);

/**
 * A year by the Labour Code alone (ТК РФ ст. 112), for a year whose decree Kabinet has not been given: the public
 * holidays, and a holiday falling on a weekend moved to the next working day (the January holidays excepted: the
 * government moves those by decree). Short days are the working days before a holiday. Marked provisional.
 */
export function labourCodeYear(year: number): CalendarYear {
  const y = String(year).padStart(4, '0');
  const january = ['01', '02', '03', '04', '05', '06', '07', '08'].map((d) => `${y}-01-${d}`);
  const others = ['02-23', '03-08', '05-01', '05-09', '06-12', '11-04'].map((d) => `${y}-${d}`);
  const holidays = new Set([...january, ...others]);
  const off = new Set(january.filter((d) => !isWeekend(d)));
  for (const holiday of others) {
    if (!isWeekend(holiday)) {
      off.add(holiday);
      continue;
    }
    let moved = nextDay(holiday);
    while (isWeekend(moved) || holidays.has(moved) || off.has(moved)) moved = nextDay(moved);
    off.add(moved);
  }
  const isOff = (d: string) => isWeekend(d) || off.has(d);
  // The working day before a holiday is an hour shorter (ст. 95), a holiday moved off a weekend aside.
  const shortDays = [...holidays, `${year + 1}-01-01`]
    .map(previousDay)
    .filter((d) => d.startsWith(`${y}-`) && !isOff(d));
  return {
    year,
    source: 'ТК РФ ст. 112 (без постановления Правительства о переносе выходных дней)',
    provisional: true,
    daysOff: [...off].sort(),
    workdays: [],
    shortDays: [...new Set(shortDays)].sort(),
  };
}

export type CalendarProblem =
  | { code: 'CALENDAR_DATE_INVALID'; date: string }
  | { code: 'CALENDAR_DATE_OUTSIDE_YEAR'; date: string }
  | { code: 'CALENDAR_DATE_TWICE'; date: string }
  | { code: 'CALENDAR_WORKDAY_NOT_WEEKEND'; date: string }
  | { code: 'CALENDAR_SHORT_DAY_NOT_WORKING'; date: string }
  | { code: 'CALENDAR_IMPLAUSIBLE'; count: number };

/** A Russian year has 247 or 248 working days; far outside this range the data is mangled, not a real year. */
const PLAUSIBLE_WORKING_DAYS = { min: 235, max: 255 };

/**
 * What is wrong with an uploaded year, first problem first (empty when it is usable): every date a real date inside
 * the year, none listed twice, worked days only on weekends (a weekday is worked anyway), short days on working
 * days, and a plausible number of working days. A weekend listed as a day off is harmless and accepted.
 */
export function calendarYearProblems(input: CalendarYear): CalendarProblem[] {
  const problems: CalendarProblem[] = [];
  const y = String(input.year);
  const seen = new Set<string>();
  for (const date of [...input.daysOff, ...input.workdays, ...input.shortDays]) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || isoDay(Date.parse(`${date}T00:00:00Z`) || 0) !== date) problems.push({ code: 'CALENDAR_DATE_INVALID', date });
    else if (!date.startsWith(`${y}-`)) problems.push({ code: 'CALENDAR_DATE_OUTSIDE_YEAR', date });
  }
  if (problems.length > 0) return problems;
  for (const date of [...input.daysOff, ...input.workdays]) {
    if (seen.has(date)) problems.push({ code: 'CALENDAR_DATE_TWICE', date });
    seen.add(date);
  }
  for (const date of input.workdays) if (!isWeekend(date)) problems.push({ code: 'CALENDAR_WORKDAY_NOT_WEEKEND', date });
  const off = new Set(input.daysOff);
  const work = new Set(input.workdays);
  const working = (d: string) => work.has(d) || (!off.has(d) && !isWeekend(d));
  for (const date of new Set(input.shortDays)) if (!working(date)) problems.push({ code: 'CALENDAR_SHORT_DAY_NOT_WORKING', date });
  if (problems.length > 0) return problems;
  let count = 0;
  for (let t = Date.parse(`${y}-01-01T00:00:00Z`), end = Date.parse(`${input.year + 1}-01-01T00:00:00Z`); t < end; t += DAY_MS) if (working(isoDay(t))) count += 1;
  if (count < PLAUSIBLE_WORKING_DAYS.min || count > PLAUSIBLE_WORKING_DAYS.max) problems.push({ code: 'CALENDAR_IMPLAUSIBLE', count });
  return problems;
}

/** The hour (0–23) in `timeZone` at `at`: morning jobs wait for the company's morning, not the server's. */
export function hourIn(at: Date, timeZone: string): number {
  return Number(new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', hourCycle: 'h23' }).format(at));
}
