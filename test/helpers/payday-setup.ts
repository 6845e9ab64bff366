import type { Db } from '../../core/db/database.ts';
import { CabinetState } from '../../core/db/generated/enums.ts';
import { uuidv7 } from '../../core/util/ids.ts';

export interface LinkedStaff {
  /** Payroll-system ids, as uploads name them: `${prefix}-1` … */
  externalIds: string[];
  employeeIds: string[];
  /** Telegram chat (and user) id of each, in the same order. */
  chatIds: number[];
}

/**
 * Employees already signed in to the bot (cabinet ACTIVE, Telegram account linked), written straight to the
 * database in a few statements: a payday of thousands needs no thousands of sign-ins first.
 */
export async function seedLinkedStaff(db: Db, options: { count: number; firstChatId: number; prefix?: string; now?: Date }): Promise<LinkedStaff> {
  const prefix = options.prefix ?? 'staff';
  const now = options.now ?? new Date();
  const organizationId = uuidv7();
  const departmentId = uuidv7();
  await db.organization.create({ data: { id: organizationId, externalId: `${prefix}-org`, name: 'ООО «Ромашка»', sourceHash: '' } });
  await db.department.create({ data: { id: departmentId, externalId: `${prefix}-dep`, organizationId, name: 'Бухгалтерия', sourceHash: '' } });
  const staff = Array.from({ length: options.count }, (_, i) => ({ id: uuidv7(), externalId: `${prefix}-${i + 1}`, chatId: options.firstChatId + i }));
  await db.employee.createMany({
    data: staff.map((s, i) => ({
      id: s.id, externalId: s.externalId, personnelNumber: String(10_000 + i), lastName: 'Иванова', firstName: 'Мария', middleName: 'Петровна',
      organizationId, departmentId, cabinetState: CabinetState.ACTIVE, publishedAt: now, activatedAt: now, sourceHash: '',
    })),
  });
  await db.telegramAccount.createMany({
    data: staff.map((s) => ({ telegramUserId: BigInt(s.chatId), chatId: BigInt(s.chatId), employeeId: s.id, linkedAt: now, language: 'ru' })),
  });
  return { externalIds: staff.map((s) => s.externalId), employeeIds: staff.map((s) => s.id), chatIds: staff.map((s) => s.chatId) };
}

/** Linked staff with a payslip each for `period` and its notification row claimed, not yet sent (the outbox). */
export async function seedPayday(db: Db, options: { employees: number; firstChatId: number; period: string; now?: Date; prefix?: string }) {
  const now = options.now ?? new Date();
  const staff = await seedLinkedStaff(db, { count: options.employees, firstChatId: options.firstChatId, now, ...(options.prefix ? { prefix: options.prefix } : {}) });
  const organizationId = (await db.organization.findFirstOrThrow({ where: { externalId: `${options.prefix ?? 'staff'}-org` } })).id;
  const payslips = staff.employeeIds.map((employeeId) => ({ id: uuidv7(), employeeId, organizationId, period: options.period, kind: 'FINAL' as const, totalAccrued: 8_500_000n, totalWithheld: 1_105_000n, totalPaid: 7_395_000n, sourceHash: '' }));
  await db.payslip.createMany({ data: payslips });
  const notifications = payslips.map((p) => ({ id: uuidv7(now.getTime()), employeeId: p.employeeId, period: p.period, payslipId: p.id, createdAt: now }));
  await db.payslipNotification.createMany({ data: notifications });
  return { ...staff, payslipIds: payslips.map((p) => p.id), notifications: notifications.map((n) => n.id) };
}
