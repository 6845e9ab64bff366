import type { Db } from '../db/database.ts';

export interface VacationSummary {
  asOf: Date | null;
  balances: { typeName: string; entitledDays: number; usedDays: number; remainingDays: number }[];
  planned: { typeName: string; startsOn: Date; endsOn: Date; days: number }[];
}

/** An employee's vacation balance as of the last payroll calculation, and their planned vacations ahead. */
export function createVacationService(db: Db) {
  async function summary(employeeId: string, today = new Date()): Promise<VacationSummary> {
    const [balances, planned] = await Promise.all([
      db.vacationBalance.findMany({ where: { employeeId }, orderBy: { typeName: 'asc' } }),
      db.plannedVacation.findMany({ where: { employeeId, endsOn: { gte: new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate())) } }, orderBy: { startsOn: 'asc' } }),
    ]);
    const asOf = balances.reduce<Date | null>((latest, b) => (!latest || b.asOf > latest ? b.asOf : latest), null);
    return {
      asOf,
      balances: balances.map((b) => ({ typeName: b.typeName, entitledDays: Number(b.entitledDays), usedDays: Number(b.usedDays), remainingDays: Number(b.remainingDays) })),
      planned: planned.map((p) => ({ typeName: p.typeName, startsOn: p.startsOn, endsOn: p.endsOn, days: Number(p.days) })),
    };
  }
  return { summary };
}

export type VacationService = ReturnType<typeof createVacationService>;
