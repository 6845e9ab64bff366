import type { Actor } from '../access/actor.ts';
import { authorize } from '../access/permissions.ts';
import { audit } from '../audit/audit-log.ts';
import type { Db } from '../db/database.ts';
import { PayslipKind } from '../db/generated/enums.ts';
import type { Language, Translator } from '../i18n.ts';
import type { PdfFonts } from '../pdf/pdf-fonts.ts';
import { renderPayslipPdf } from '../pdf/payslip.pdf.ts';
import { type PasswordBox, passwordProblem } from './pdf-password.ts';
import { fullName } from '../employees/employee-name.ts';

export interface PayslipListItem {
  /** The payslip's id (the bot packs it into buttons); always checked against the employee on use. */
  id: string;
  period: string;
  kind: PayslipKind;
}

export interface PayslipDocument {
  fileName: string;
  pdf: Buffer;
  period: string;
  kind: PayslipKind;
  id: string;
  protected: boolean;
  acknowledged: boolean;
}

const KIND_ORDER: Record<PayslipKind, number> = { FINAL: 0, ADVANCE: 1 };
/** Ids come from buttons, i.e. from anyone: what is not a UUID is no payslip (and never reaches a uuid column). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Payslips as an employee sees them. Every method takes the employee the caller is linked as, and every lookup is
 * scoped to that employee: whatever id a button carries, nobody gets someone else's payslip.
 */
export function createPayslipService(deps: { db: Db; fonts: () => PdfFonts; translator: Translator; passwords: PasswordBox; timeZone: string }) {
  const { db, translator, passwords } = deps;

  async function years(employeeId: string): Promise<number[]> {
    const rows = await db.payslip.findMany({ where: { employeeId }, select: { period: true }, distinct: ['period'] });
    return [...new Set(rows.map((r) => Number(r.period.slice(0, 4))))].sort((a, b) => b - a);
  }

  /** Payslips of one year (the latest by default), newest first; final before advance within a month. */
  async function list(employeeId: string, year?: number): Promise<{ year: number | null; years: number[]; items: PayslipListItem[] }> {
    const all = await years(employeeId);
    const chosen = year !== undefined && all.includes(year) ? year : all[0];
    if (chosen === undefined) return { year: null, years: [], items: [] };
    const rows = await db.payslip.findMany({
      where: { employeeId, period: { startsWith: `${chosen}-` } },
      select: { id: true, period: true, kind: true },
    });
    rows.sort((a, b) => b.period.localeCompare(a.period) || KIND_ORDER[a.kind] - KIND_ORDER[b.kind]);
    return { year: chosen, years: all, items: rows.map((r) => ({ id: r.id, period: r.period, kind: r.kind })) };
  }

  async function byPeriod(employeeId: string, period: string): Promise<PayslipListItem[]> {
    const rows = await db.payslip.findMany({ where: { employeeId, period }, select: { id: true, period: true, kind: true } });
    return rows.sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind]).map((r) => ({ id: r.id, period: r.period, kind: r.kind }));
  }

  /** The employee's own payslip behind a button's id, with all the PDF needs; null for anything else. */
  async function find(employeeId: string, id: string) {
    if (!UUID.test(id)) return null;
    const payslip = await db.payslip.findFirst({
      where: { id, employeeId },
      include: {
        lines: { orderBy: { lineNo: 'asc' } },
        organization: { select: { name: true } },
        employee: { select: { lastName: true, firstName: true, middleName: true, personnelNumber: true, pdfPassword: true } },
        acknowledgements: { where: { employeeId }, select: { id: true } },
      },
    });
    return payslip ? { payslip } : null;
  }

  type Found = NonNullable<Awaited<ReturnType<typeof find>>>;

  /** Renders what `find` returned; split from it so the caller can say "no such payslip" before any work shows. */
  async function render(found: Found, language: Language): Promise<PayslipDocument> {
    const { payslip } = found;
    const e = payslip.employee;
    const password = e.pdfPassword ? passwords.open(e.pdfPassword) ?? undefined : undefined;
    const pdf = await renderPayslipPdf(
      {
        period: payslip.period,
        kind: payslip.kind,
        organization: payslip.organization.name,
        employeeName: fullName(e),
        personnelNumber: e.personnelNumber,
        department: payslip.departmentName,
        position: payslip.position,
        debtStart: payslip.debtStart,
        debtEnd: payslip.debtEnd,
        totals: { accrued: payslip.totalAccrued, withheld: payslip.totalWithheld, paid: payslip.totalPaid },
        lines: payslip.lines,
      },
      { t: translator.t(language), language, fonts: deps.fonts(), generatedAt: new Date(), timeZone: deps.timeZone, ...(password ? { password } : {}) },
    );
    return {
      id: payslip.id,
      fileName: `payslip-${payslip.period}${payslip.kind === PayslipKind.ADVANCE ? '-advance' : ''}.pdf`,
      pdf,
      period: payslip.period,
      kind: payslip.kind,
      protected: Boolean(password),
      acknowledged: payslip.acknowledgements.length > 0,
    };
  }

  /** «Ознакомлен»: records the moment, once. */
  async function acknowledge(employeeId: string, id: string): Promise<{ result: 'recorded' | 'already' | 'not_found'; period?: string }> {
    if (!UUID.test(id)) return { result: 'not_found' };
    const payslip = await db.payslip.findFirst({ where: { id, employeeId }, select: { id: true, period: true } });
    if (!payslip) return { result: 'not_found' };
    const { count } = await db.payslipAcknowledgement.createMany({ data: [{ payslipId: payslip.id, employeeId }], skipDuplicates: true });
    if (count > 0) await audit(db, { actorType: 'EMPLOYEE', actorId: employeeId, action: 'payslip.acknowledge', entityType: 'Payslip', entityId: payslip.id });
    return { result: count > 0 ? 'recorded' : 'already', period: payslip.period };
  }

  async function setPassword(employeeId: string, password: string): Promise<'set' | 'too_short' | 'too_long' | 'too_simple'> {
    const problem = passwordProblem(password);
    if (problem) return problem;
    await db.employee.update({ where: { id: employeeId }, data: { pdfPassword: passwords.seal(password) } });
    await audit(db, { actorType: 'EMPLOYEE', actorId: employeeId, action: 'payslip.password.set', entityType: 'Employee', entityId: employeeId });
    return 'set';
  }

  async function clearPassword(employeeId: string): Promise<void> {
    await db.employee.update({ where: { id: employeeId }, data: { pdfPassword: null } });
    await audit(db, { actorType: 'EMPLOYEE', actorId: employeeId, action: 'payslip.password.clear', entityType: 'Employee', entityId: employeeId });
  }

  async function hasPassword(employeeId: string): Promise<boolean> {
    return (await db.employee.findUnique({ where: { id: employeeId }, select: { pdfPassword: true } }))?.pdfPassword != null;
  }

  /** For HR and admins: who has, and who has not, acknowledged the payslips of a period. */
  async function acknowledgements(actor: Actor, period: string) {
    authorize(actor, 'payslips.acknowledgements.read');
    const payslips = await db.payslip.findMany({
      where: { period },
      select: {
        employeeId: true,
        kind: true,
        acknowledgements: { select: { acknowledgedAt: true } },
        employee: {
          select: {
            externalId: true, personnelNumber: true, lastName: true, firstName: true, middleName: true, cabinetState: true,
            telegramAccount: { select: { blockedAt: true } },
            notifications: { where: { period }, select: { sentAt: true, skipped: true } },
          },
        },
      },
    });
    const byEmployee = new Map<string, (typeof payslips)[number][]>();
    for (const p of payslips) byEmployee.set(p.employeeId, [...(byEmployee.get(p.employeeId) ?? []), p]);
    const acknowledged: { employeeId: string; fullName: string; acknowledgedAt: string }[] = [];
    const pending: { employeeId: string; personnelNumber: string; fullName: string; cabinetState: string; notifiedAt: string | null; blocked: boolean }[] = [];
    for (const list of byEmployee.values()) {
      const e = list[0]!.employee;
      const name = fullName(e);
      const ack = list.flatMap((p) => p.acknowledgements.map((a) => a.acknowledgedAt)).sort((a, b) => a.getTime() - b.getTime())[0];
      if (ack) acknowledged.push({ employeeId: e.externalId, fullName: name, acknowledgedAt: ack.toISOString() });
      else pending.push({
        employeeId: e.externalId,
        personnelNumber: e.personnelNumber,
        fullName: name,
        cabinetState: e.cabinetState,
        notifiedAt: e.notifications[0]?.sentAt?.toISOString() ?? null,
        blocked: Boolean(e.telegramAccount?.blockedAt),
      });
    }
    pending.sort((a, b) => a.fullName.localeCompare(b.fullName, 'ru'));
    return { period, employees: byEmployee.size, acknowledged: acknowledged.length, notAcknowledged: pending };
  }

  return { years, list, byPeriod, find, render, acknowledge, setPassword, clearPassword, hasPassword, acknowledgements };
}

export type PayslipService = ReturnType<typeof createPayslipService>;
