import type { Actor } from '../access/actor.ts';
import { authorize } from '../access/permissions.ts';
import { loadScope } from '../cabinet/scope.ts';
import { systemClock, type Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { fullName } from '../employees/employee-name.ts';
import type { Language, Translator } from '../i18n.ts';
import { type ActivationReportView, type NotActiveReason, renderActivationReportPdf } from '../pdf/activation-report.pdf.ts';
import type { PdfFonts } from '../pdf/pdf-fonts.ts';
import { adminStatus } from './employee-status.ts';

export interface ActivationReport {
  generatedAt: string;
  totals: ActivationReportView['totals'];
  /** Largest first; `departmentId` is the payroll id (null: employees without a department). */
  departments: { departmentId: string | null; name: string; total: number; active: number }[];
  /** Most actionable reason first, then by name. */
  notActive: { employeeId: string; personnelNumber: string; fullName: string; department: string | null; reason: NotActiveReason }[];
}

const REASON_ORDER: NotActiveReason[] = ['NO_CONTACTS', 'NOT_PUBLISHED', 'NOT_INVITED', 'INVITATION_NOT_OPENED', 'INVITATION_OPENED', 'BLOCKED_BOT'];

/**
 * Who has come in and who has not, and why (the 1С guide's "green figure", for the whole cabinet): totals per mark,
 * activation per department, and everyone in the cabinet's scope not yet active with the reason. Dismissed and
 * disabled employees are counted apart and are not in the list. As JSON for scripts and as a one-page PDF.
 */
export function createActivationReport(deps: { db: Db; translator: Translator; fonts: () => PdfFonts; timeZone: string; clock?: Clock }) {
  const { db } = deps;
  const clock = deps.clock ?? systemClock;

  async function data(actor: Actor, language: Language = 'ru'): Promise<ActivationReport> {
    authorize(actor, 'employees.read');
    const now = clock.now();
    const scope = await loadScope(db);
    const employees = await db.employee.findMany({
      where: scope.where,
      orderBy: [{ lastName: 'asc' }, { firstName: 'asc' }, { id: 'asc' }],
      select: {
        externalId: true, personnelNumber: true, lastName: true, firstName: true, middleName: true,
        phone: true, email: true, cabinetState: true, dismissedAt: true, departmentId: true,
        department: { select: { externalId: true, name: true, organization: { select: { name: true } } } },
        telegramAccount: { select: { blockedAt: true } },
        invitations: { where: { revokedAt: null }, orderBy: { createdAt: 'desc' }, take: 1, select: { sentAt: true, openedAt: true } },
      },
    });
    const t = deps.translator.t(language, 'admin');
    const totals: ActivationReportView['totals'] = { employees: 0, notPublished: 0, published: 0, invited: 0, active: 0, blocked: 0, disabled: 0 };
    const departments = new Map<string, { departmentId: string | null; name: string; organization: string | null; total: number; active: number }>();
    const notActive: ActivationReport['notActive'] = [];
    for (const e of employees) {
      const status = adminStatus({ ...e, blockedAt: e.telegramAccount?.blockedAt ?? null }, now);
      if (status === 'DISABLED') {
        totals.disabled += 1;
        continue;
      }
      totals.employees += 1;
      if (status === 'NOT_PUBLISHED') totals.notPublished += 1;
      else if (status === 'PUBLISHED') totals.published += 1;
      else if (status === 'INVITED') totals.invited += 1;
      else if (status === 'ACTIVE') totals.active += 1;
      else totals.blocked += 1;

      const key = e.departmentId ?? '';
      const department = departments.get(key) ?? { departmentId: e.department?.externalId ?? null, name: e.department?.name ?? t('report.no_department'), organization: e.department?.organization.name ?? null, total: 0, active: 0 };
      department.total += 1;
      if (status === 'ACTIVE') department.active += 1;
      departments.set(key, department);

      if (status === 'ACTIVE') continue;
      const invitation = e.invitations[0];
      const reason: NotActiveReason = !e.phone && !e.email
        ? 'NO_CONTACTS'
        : status === 'BLOCKED'
          ? 'BLOCKED_BOT'
          : status === 'NOT_PUBLISHED'
            ? 'NOT_PUBLISHED'
            : !invitation?.sentAt && !invitation?.openedAt
              ? 'NOT_INVITED'
              : invitation.openedAt
                ? 'INVITATION_OPENED'
                : 'INVITATION_NOT_OPENED';
      notActive.push({ employeeId: e.externalId, personnelNumber: e.personnelNumber, fullName: fullName(e), department: e.department?.name ?? null, reason });
    }
    // Two organizations may both have a "Бухгалтерия": such names get their organization added.
    const byName = new Map<string, number>();
    for (const d of departments.values()) byName.set(d.name, (byName.get(d.name) ?? 0) + 1);
    const rows = [...departments.values()]
      .map((d) => ({ departmentId: d.departmentId, name: (byName.get(d.name) ?? 0) > 1 && d.organization ? `${d.name} (${d.organization})` : d.name, total: d.total, active: d.active }))
      .sort((a, b) => b.total - a.total || a.name.localeCompare(b.name, 'ru'));
    notActive.sort((a, b) => REASON_ORDER.indexOf(a.reason) - REASON_ORDER.indexOf(b.reason) || a.fullName.localeCompare(b.fullName, 'ru'));
    return { generatedAt: now.toISOString(), totals, departments: rows, notActive };
  }

  /** The same report as a one-page PDF (bar chart per department drawn with pdfkit's vector graphics). */
  async function pdf(actor: Actor, language: Language): Promise<Buffer> {
    const report = await data(actor, language);
    return renderActivationReportPdf(
      {
        generatedAt: new Date(report.generatedAt),
        totals: report.totals,
        departments: report.departments.map((d) => ({ name: d.name, total: d.total, active: d.active })),
        notActive: report.notActive.map((e) => ({ name: e.fullName, personnelNumber: e.personnelNumber, department: e.department, reason: e.reason })),
      },
      { t: deps.translator.t(language), language, fonts: deps.fonts(), timeZone: deps.timeZone },
    );
  }

  return { data, pdf };
}

export type ActivationReportService = ReturnType<typeof createActivationReport>;
