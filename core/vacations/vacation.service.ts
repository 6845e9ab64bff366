import { systemClock, type Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';

export interface VacationSummary {
  asOf: Date | null;
  balances: { typeName: string; entitledDays: number; usedDays: number; remainingDays: number }[];
  planned: { typeName: string; startsOn: Date; endsOn: Date; days: number }[];
}

// 1С names the main annual leave «Основной (ежегодный) отпуск» (type code «Основной»); other payroll systems say
// "Main leave" or "Annual leave". Anchored at the start: «Дополнительный … к основному» or "Additional annual
// leave" are additional leaves.
const MAIN_LEAVE = /^(основн|main\b|annual\b)/i;

/** The main annual leave first, then additional leaves by name: the order an employee reads them in. */
export function byLeaveOrder(a: { typeCode: string; typeName: string }, b: { typeCode: string; typeName: string }): number {
  const main = (v: { typeCode: string; typeName: string }) => (MAIN_LEAVE.test(v.typeCode.trim()) || MAIN_LEAVE.test(v.typeName.trim()) ? 0 : 1);
  return main(a) - main(b) || a.typeName.localeCompare(b.typeName, 'ru') || a.typeCode.localeCompare(b.typeCode);
}

/** `[type_code, type_name, as_of, entitled, used, remaining]` and `[type_name, starts_on, ends_on, days]`, as JSON. */
type BalanceCells = [string, string, string, number, number, number];
type PlannedCells = [string, string, string, number];

/** A calendar date as PostgreSQL writes it in JSON ("2026-10-31"), as the UTC midnight the rest of Kabinet uses. */
const utcDate = (day: string) => new Date(`${day}T00:00:00.000Z`);

/**
 * An employee's vacation balance as of the last payroll calculation, and their planned vacations ahead. Read in one
 * statement of one row: it answers a tap in the bot, where every round trip to the database shows, and each
 * update pays for every row and column it brings back (PostgreSQL's planning of a `UNION`, Prisma's decoding of
 * each cell). The two lists come as JSON text, parsed here, so both databases hand over the same shapes.
 */
export function createVacationService(db: Db, clock: Clock = systemClock) {
  async function summary(employeeId: string): Promise<VacationSummary> {
    const now = clock.now();
    const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const [row] = await db.$queryRaw<{ balances: string | null; planned: string | null }[]>`
      SELECT (SELECT json_agg(json_build_array(type_code, type_name, as_of, entitled_days, used_days, remaining_days))::text
                FROM vacation_balances WHERE employee_id = ${employeeId}::uuid) AS balances,
             (SELECT json_agg(json_build_array(type_name, starts_on, ends_on, days) ORDER BY starts_on, type_name)::text
                FROM planned_vacations WHERE employee_id = ${employeeId}::uuid AND ends_on >= ${today}::date) AS planned`;
    const balances = (row?.balances ? (JSON.parse(row.balances) as BalanceCells[]) : []).map(([typeCode, typeName, asOf, entitledDays, usedDays, remainingDays]) => ({
      typeCode, typeName, asOf: utcDate(asOf), entitledDays: Number(entitledDays), usedDays: Number(usedDays), remainingDays: Number(remainingDays),
    }));
    const asOf = balances.reduce<Date | null>((latest, b) => (!latest || b.asOf > latest ? b.asOf : latest), null);
    return {
      asOf,
      balances: balances.sort(byLeaveOrder).map(({ typeName, entitledDays, usedDays, remainingDays }) => ({ typeName, entitledDays, usedDays, remainingDays })),
      planned: (row?.planned ? (JSON.parse(row.planned) as PlannedCells[]) : []).map(([typeName, startsOn, endsOn, days]) => ({
        typeName, startsOn: utcDate(startsOn), endsOn: utcDate(endsOn), days: Number(days),
      })),
    };
  }
  return { summary };
}

export type VacationService = ReturnType<typeof createVacationService>;
