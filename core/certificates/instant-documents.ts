import type { Db } from '../db/database.ts';
import { PayslipKind } from '../db/generated/enums.ts';
import { fullName } from '../employees/employee-name.ts';
import type { Language, Translator } from '../i18n.ts';
import { type CertificateHeader, renderEmploymentCertificatePdf, renderVacationCertificatePdf } from '../pdf/certificate.pdf.ts';
import type { PdfFonts } from '../pdf/pdf-fonts.ts';
import { byLeaveOrder } from '../vacations/vacation.service.ts';
import type { InstantDocument } from './catalogue-seed.ts';
import type { FieldDefinition, FieldValue } from './certificate-fields.ts';

/** Final payslips the average salary of an employment certificate is taken over. */
export const SALARY_MONTHS = 6;

export interface GeneratedDocument {
  data: Buffer;
  fileName: string;
  mime: 'application/pdf';
}

export interface InstantInput {
  employeeId: string;
  /** "С-000123" */
  number: string;
  issuedAt: Date;
  fields: Record<string, FieldValue>;
  /** The type's field definitions (labels of the chosen options). */
  definitions: FieldDefinition[];
  language: Language;
}

/** Average of the kopeck amounts, rounded half up. */
export function averageKopecks(amounts: bigint[]): bigint {
  if (amounts.length === 0) return 0n;
  const n = BigInt(amounts.length);
  const sum = amounts.reduce((a, b) => a + b, 0n);
  return (sum * 2n + n) / (2n * n);
}

/**
 * The documents Kabinet draws up itself from the data it holds, at once: the employment certificate (organization
 * with INN/KPP and address; employee, position, department, hire date; optionally the average of the last six final
 * payslips' accruals, naming the months) and the vacation balance certificate (balances with their as-of date).
 */
export function createInstantDocuments(deps: { db: Db; fonts: () => PdfFonts; translator: Translator; timeZone: string }) {
  const { db } = deps;

  async function header(employeeId: string, number: string, issuedAt: Date): Promise<CertificateHeader> {
    const employee = await db.employee.findUniqueOrThrow({
      where: { id: employeeId },
      select: { lastName: true, firstName: true, middleName: true, personnelNumber: true, position: true, hiredAt: true, organization: { select: { name: true, inn: true, kpp: true, address: true } }, department: { select: { name: true } } },
    });
    return {
      number,
      issuedAt,
      issuer: employee.organization,
      employeeName: fullName(employee),
      personnelNumber: employee.personnelNumber,
      position: employee.position,
      department: employee.department?.name ?? null,
      hiredAt: employee.hiredAt,
    };
  }

  /** The average monthly accruals of the last six final payslips, and their periods (oldest first). */
  async function salary(employeeId: string): Promise<{ averageKopecks: bigint; periods: string[] }> {
    const payslips = await db.payslip.findMany({
      where: { employeeId, kind: PayslipKind.FINAL },
      orderBy: { period: 'desc' },
      take: SALARY_MONTHS,
      select: { period: true, totalAccrued: true },
    });
    const oldestFirst = payslips.reverse();
    return { averageKopecks: averageKopecks(oldestFirst.map((p) => p.totalAccrued)), periods: oldestFirst.map((p) => p.period) };
  }

  async function render(kind: InstantDocument, input: InstantInput): Promise<GeneratedDocument> {
    const options = { t: deps.translator.t(input.language), language: input.language, fonts: deps.fonts(), timeZone: deps.timeZone };
    const t = options.t;
    const base = await header(input.employeeId, input.number, input.issuedAt);
    if (kind === 'EMPLOYMENT') {
      const purposeField = input.definitions.find((f) => f.key === 'purpose');
      const purposeValue = input.fields.purpose;
      const purpose =
        purposeField?.kind === 'choice'
          ? (purposeField.options.find((o) => o.value === purposeValue)?.label[input.language] ?? t('certificates:pdf.purpose_default'))
          : typeof purposeValue === 'string'
            ? purposeValue
            : t('certificates:pdf.purpose_default');
      const withSalary = input.fields.with_salary === true;
      const data = await renderEmploymentCertificatePdf({ ...base, purpose, ...(withSalary ? { salary: await salary(input.employeeId) } : {}) }, options);
      return { data, fileName: t('certificates:file.employment', { number: input.number }), mime: 'application/pdf' };
    }
    const balances = await db.vacationBalance.findMany({ where: { employeeId: input.employeeId } });
    const asOf = balances.reduce<Date | null>((latest, b) => (!latest || b.asOf > latest ? b.asOf : latest), null);
    const data = await renderVacationCertificatePdf(
      { ...base, asOf, balances: balances.sort(byLeaveOrder).map((b) => ({ typeName: b.typeName, remainingDays: Number(b.remainingDays) })) },
      options,
    );
    return { data, fileName: t('certificates:file.vacation_balance', { number: input.number }), mime: 'application/pdf' };
  }

  return { render, salary };
}

export type InstantDocuments = ReturnType<typeof createInstantDocuments>;
