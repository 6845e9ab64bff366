import type { Db } from '../db/database.ts';
import { CabinetState } from '../db/generated/enums.ts';
import type { JobQueue } from '../jobs/job-definition.ts';
import { uuidv7 } from '../util/ids.ts';

/**
 * Turns newly uploaded payslips into "your payslip is ready" notifications: one per employee, for the newest new
 * period of the upload (a year of history uploaded at once is not twelve messages), and only once per employee
 * and period, whatever is replayed: the notification row is the claim, the job only sends what it finds.
 */
export function createPayslipPublisher(deps: { db: Db; jobs: JobQueue; enabled: () => boolean }) {
  const { db, jobs } = deps;

  async function payslipsCreated(payslipIds: string[]): Promise<number> {
    if (payslipIds.length === 0 || !deps.enabled()) return 0;
    const created = await db.payslip.findMany({
      where: { id: { in: payslipIds }, employee: { cabinetState: CabinetState.ACTIVE, telegramAccount: { isNot: null } } },
      select: { id: true, employeeId: true, period: true, kind: true },
    });
    const newest = new Map<string, (typeof created)[number]>();
    for (const p of created) {
      const current = newest.get(p.employeeId);
      // The newest period; within it the final payslip rather than the advance.
      if (!current || p.period > current.period || (p.period === current.period && p.kind === 'FINAL')) newest.set(p.employeeId, p);
    }
    const claims = [...newest.values()].map((p) => ({ id: uuidv7(), employeeId: p.employeeId, period: p.period, payslipId: p.id }));
    if (claims.length === 0) return 0;
    await db.payslipNotification.createMany({ data: claims, skipDuplicates: true });
    const won = await db.payslipNotification.findMany({ where: { id: { in: claims.map((c) => c.id) } }, select: { id: true } });
    for (const { id } of won) await jobs.enqueue('notify-payslip', { notificationId: id }, { jobId: `notify-${id}` });
    return won.length;
  }

  return { payslipsCreated };
}

export type PayslipPublisher = ReturnType<typeof createPayslipPublisher>;
