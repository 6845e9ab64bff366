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

/** An employee's vacation balance as of the last payroll calculation, and their planned vacations ahead. */
export function createVacationService(db: Db) {
  async function summary(employeeId: string, today = new Date()): Promise<VacationSummary> {
    const [balances, planned] = await Promise.all([
      db.vacationBalance.findMany({ where: { employeeId } }),
      db.plannedVacation.findMany({ where: { employeeId, endsOn: { gte: new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate())) } }, orderBy: { startsOn: 'asc' } }),
    ]);
    const asOf = balances.reduce<Date | null>((latest, b) => (!latest || b.asOf > latest ? b.asOf : latest), null);
    return {
      asOf,
      balances: balances.sort(byLeaveOrder).map((b) => ({ typeName: b.typeName, entitledDays: Number(b.entitledDays), usedDays: Number(b.usedDays), remainingDays: Number(b.remainingDays) })),
      planned: planned.map((p) => ({ typeName: p.typeName, startsOn: p.startsOn, endsOn: p.endsOn, days: Number(p.days) })),
    };
  }
  return { summary };
}

export type VacationService = ReturnType<typeof createVacationService>;
