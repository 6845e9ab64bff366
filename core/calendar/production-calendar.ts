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

/** Later entries for a year replace earlier ones (an upload corrects the shipped data). */
export function createWorkingCalendar(years: CalendarYear[]): WorkingCalendar {
  const byYear = new Map<number, { off: Set<string>; work: Set<string> }>();
  for (const y of years) byYear.set(y.year, { off: new Set(y.daysOff), work: new Set(y.workdays) });

  function isWorkingDay(day: string): boolean {
    const year = Number(day.slice(0, 4));
    const known = byYear.get(year);
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
