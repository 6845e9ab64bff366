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

interface SummaryRow {
  kind: 'B' | 'P';
  type_code: string;
  type_name: string;
  as_of: Date | null;
  entitled: string | null;
  used: string | null;
  remaining: string | null;
  starts_on: Date | null;
  ends_on: Date | null;
  days: string | null;
}

/**
 * An employee's vacation balance as of the last payroll calculation, and their planned vacations ahead. Read in one
 * statement: it answers a tap in the bot, where every round trip to the database shows.
 */
export function createVacationService(db: Db, clock: Clock = systemClock) {
  async function summary(employeeId: string): Promise<VacationSummary> {
    const now = clock.now();
    const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const rows = await db.$queryRaw<SummaryRow[]>`
      SELECT 'B' AS kind, type_code, type_name, as_of, entitled_days::text AS entitled, used_days::text AS used,
             remaining_days::text AS remaining, NULL::date AS starts_on, NULL::date AS ends_on, NULL::text AS days
        FROM vacation_balances WHERE employee_id = ${employeeId}::uuid
      UNION ALL
      SELECT 'P', type_code, type_name, NULL::date, NULL::text, NULL::text, NULL::text, starts_on, ends_on, days::text
        FROM planned_vacations WHERE employee_id = ${employeeId}::uuid AND ends_on >= ${today}::date
      ORDER BY 1, 8`;
    const balances = rows.filter((r) => r.kind === 'B').map((r) => ({ typeCode: r.type_code, typeName: r.type_name, asOf: r.as_of!, entitledDays: Number(r.entitled), usedDays: Number(r.used), remainingDays: Number(r.remaining) }));
    const asOf = balances.reduce<Date | null>((latest, b) => (!latest || b.asOf > latest ? b.asOf : latest), null);
    return {
      asOf,
      balances: balances.sort(byLeaveOrder).map(({ typeName, entitledDays, usedDays, remainingDays }) => ({ typeName, entitledDays, usedDays, remainingDays })),
      planned: rows.filter((r) => r.kind === 'P').map((r) => ({ typeName: r.type_name, startsOn: r.starts_on!, endsOn: r.ends_on!, days: Number(r.days) })),
    };
  }
  return { summary };
}

export type VacationService = ReturnType<typeof createVacationService>;
