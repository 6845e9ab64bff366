import type { Actor } from '../access/actor.ts';
import { actorFields } from '../access/actor.ts';
import { authorize } from '../access/permissions.ts';
import { audit } from '../audit/audit-log.ts';
import { systemClock, type Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { type CalendarYear, calendarYearProblems, createWorkingCalendar, dayIn, labourCodeYear, SHIPPED_CALENDAR, type WorkingCalendar } from './production-calendar.ts';

/** Where a year of the calendar in use comes from. */
export type CalendarOrigin = 'uploaded' | 'shipped' | 'labour-code';

export interface CalendarYearView extends CalendarYear {
  origin: CalendarOrigin;
  uploadedAt: string | null;
}

/** Working days HR has for a request (ТК РФ ст. 62). */
export const LEGAL_DEADLINE_WORKING_DAYS = 3;

interface StoredDays {
  daysOff: string[];
  workdays: string[];
  shortDays: string[];
}

const sortedUnique = (days: string[]) => [...new Set(days)].sort();

/**
 * The production calendar in use: the years shipped with Kabinet, replaced year by year by what the payroll system
 * uploaded, and for a year nobody gave, the Labour Code's own holidays (provisional). Read from the database on
 * every use (a handful of rows), so an upload through any instance counts everywhere at once.
 */
export function createCalendarService(deps: { db: Db; timeZone: string; clock?: Clock }) {
  const { db, timeZone } = deps;
  const clock = deps.clock ?? systemClock;

  async function uploadedYears(): Promise<(CalendarYear & { uploadedAt: Date })[]> {
    const rows = await db.productionCalendarYear.findMany({ orderBy: { year: 'asc' } });
    return rows.map((r) => {
      const days = r.days as unknown as StoredDays;
      return { year: r.year, source: r.source, provisional: r.provisional, daysOff: days.daysOff, workdays: days.workdays, shortDays: days.shortDays, uploadedAt: r.uploadedAt };
    });
  }

  async function workingCalendar(): Promise<WorkingCalendar> {
    return createWorkingCalendar([...SHIPPED_CALENDAR, ...(await uploadedYears())], labourCodeYear);
  }

  /** The legal deadline of a request made at `at`: three working days after its day in the company's time zone. */
  async function deadlineFor(at: Date): Promise<string> {
    return (await workingCalendar()).addWorkingDays(dayIn(at, timeZone), LEGAL_DEADLINE_WORKING_DAYS);
  }

  /** Today in the company's time zone (YYYY-MM-DD). */
  const today = () => dayIn(clock.now(), timeZone);

  /** Adds or replaces a year (the payroll system's «Производственный календарь»). Refuses a year that does not add up. */
  async function upload(actor: Actor, input: CalendarYear): Promise<{ year: number; replaced: boolean; workingDays: number }> {
    authorize(actor, 'imports.write');
    const year: CalendarYear = {
      year: input.year,
      source: input.source.trim() || 'upload',
      provisional: input.provisional,
      daysOff: sortedUnique(input.daysOff),
      workdays: sortedUnique(input.workdays),
      shortDays: sortedUnique(input.shortDays),
    };
    // Duplicates inside one list are merged; the same date in two lists is a contradiction.
    const [problem] = calendarYearProblems({ ...year, daysOff: year.daysOff, workdays: year.workdays });
    if (problem) {
      const { code, ...params } = problem;
      throw new AppError(code, 'validation', { ...params, year: input.year });
    }
    const days: StoredDays = { daysOff: year.daysOff, workdays: year.workdays, shortDays: year.shortDays };
    const now = clock.now();
    const replaced = await db.$transaction(async (tx) => {
      const existing = await tx.productionCalendarYear.findUnique({ where: { year: year.year }, select: { year: true } });
      await tx.productionCalendarYear.upsert({
        where: { year: year.year },
        create: { year: year.year, source: year.source, provisional: year.provisional, days: { ...days }, uploadedAt: now },
        update: { source: year.source, provisional: year.provisional, days: { ...days }, uploadedAt: now },
      });
      await audit(tx, { ...actorFields(actor), action: 'calendar.upload', entityType: 'ProductionCalendarYear', entityId: String(year.year), details: { replaced: existing !== null } });
      return existing !== null;
    });
    const calendar = createWorkingCalendar([year]);
    return { year: year.year, replaced, workingDays: calendar.workingDaysBetween(`${year.year - 1}-12-31`, `${year.year}-12-31`) };
  }

  /** A year as the deadlines use it, and where it comes from. */
  async function year(actor: Actor, wanted: number): Promise<CalendarYearView> {
    authorize(actor, 'imports.read');
    const uploaded = (await uploadedYears()).find((y) => y.year === wanted);
    if (uploaded) {
      const { uploadedAt, ...rest } = uploaded;
      return { ...rest, origin: 'uploaded', uploadedAt: uploadedAt.toISOString() };
    }
    const shipped = SHIPPED_CALENDAR.find((y) => y.year === wanted);
    if (shipped) return { ...shipped, origin: 'shipped', uploadedAt: null };
    return { ...labourCodeYear(wanted), origin: 'labour-code', uploadedAt: null };
  }

  /** Every year Kabinet has data for (shipped or uploaded), with its origin. */
  async function years(actor: Actor): Promise<{ year: number; origin: CalendarOrigin; provisional: boolean; source: string }[]> {
    authorize(actor, 'imports.read');
    const byYear = new Map<number, { year: number; origin: CalendarOrigin; provisional: boolean; source: string }>();
    for (const y of SHIPPED_CALENDAR) byYear.set(y.year, { year: y.year, origin: 'shipped', provisional: y.provisional, source: y.source });
    for (const y of await uploadedYears()) byYear.set(y.year, { year: y.year, origin: 'uploaded', provisional: y.provisional, source: y.source });
    return [...byYear.values()].sort((a, b) => a.year - b.year);
  }

  return { workingCalendar, deadlineFor, today, upload, year, years, timeZone };
}

export type CalendarService = ReturnType<typeof createCalendarService>;
