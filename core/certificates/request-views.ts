import type { Prisma } from '../db/generated/client.ts';
import { fullName } from '../employees/employee-name.ts';
import type { Language } from '../i18n.ts';
import type { CertificateCard, CertificateStatusName } from '../telegram/certificate-intents.ts';
import type { FieldValue, Localized } from './certificate-fields.ts';
import { formatRequestNumber } from './request-number.ts';

/** One answer as the employee gave it, in both languages (stored with the request). */
export interface StoredAnswer {
  key: string;
  label: Localized;
  text: Localized;
}

/** Everything a view of a request needs, never the document's bytes. */
export const REQUEST_SELECT = {
  id: true,
  number: true,
  employeeId: true,
  fields: true,
  answers: true,
  status: true,
  deadlineOn: true,
  paperCopies: true,
  needsHr: true,
  assigneeId: true,
  assigneeTokenId: true,
  rejectionReason: true,
  resolution: true,
  documentName: true,
  documentMime: true,
  documentSize: true,
  issuedAt: true,
  documentSentAt: true,
  createdAt: true,
  takenAt: true,
  completedAt: true,
  version: true,
  type: { select: { code: true, nameRu: true, nameEn: true, instant: true, leave: true } },
  employee: {
    select: {
      id: true,
      externalId: true,
      lastName: true,
      firstName: true,
      middleName: true,
      personnelNumber: true,
      position: true,
      department: { select: { name: true } },
    },
  },
  assignee: { select: { externalId: true, lastName: true, firstName: true, middleName: true } },
} as const satisfies Prisma.CertificateRequestSelect;

export type RequestRow = Prisma.CertificateRequestGetPayload<{ select: typeof REQUEST_SELECT }>;

const day = (date: Date) => date.toISOString().slice(0, 10);
const OPEN = new Set(['NEW', 'IN_PROGRESS']);

export const isOpen = (status: string) => OPEN.has(status);
/** Open past its deadline day (`today` in the company's time zone). */
export const isOverdue = (row: { status: string; deadlineOn: Date }, today: string) => isOpen(row.status) && day(row.deadlineOn) < today;

/** A request as the API shows it (and the bot's «Мои заявки» reads it). */
export interface RequestView {
  id: string;
  number: string;
  type: { code: string; name: string; leave: boolean; instant: boolean };
  employee: { employeeId: string; personnelNumber: string; fullName: string; position: string | null; department: string | null };
  fields: Record<string, FieldValue>;
  answers: { key: string; label: string; value: string }[];
  status: CertificateStatusName;
  deadlineOn: string;
  overdue: boolean;
  paperCopies: number;
  assignee: { employeeId: string; fullName: string } | { apiToken: true } | null;
  rejectionReason: string | null;
  resolution: 'DOCUMENT' | 'PICKUP' | null;
  document: { fileName: string; mimeType: string; size: number | null } | null;
  /** When Kabinet generated the electronic copy of an instant document. */
  issuedAt: string | null;
  createdAt: string;
  takenAt: string | null;
  completedAt: string | null;
}

export function toRequestView(row: RequestRow, language: Language, today: string): RequestView {
  const answers = (row.answers as unknown as StoredAnswer[]).map((a) => ({ key: a.key, label: a.label[language], value: a.text[language] }));
  return {
    id: row.id,
    number: formatRequestNumber(row.number),
    type: { code: row.type.code, name: language === 'ru' ? row.type.nameRu : row.type.nameEn, leave: row.type.leave, instant: row.type.instant !== null },
    employee: {
      employeeId: row.employee.externalId,
      personnelNumber: row.employee.personnelNumber,
      fullName: fullName(row.employee),
      position: row.employee.position,
      department: row.employee.department?.name ?? null,
    },
    fields: row.fields as Record<string, FieldValue>,
    answers,
    status: row.status,
    deadlineOn: day(row.deadlineOn),
    overdue: isOverdue(row, today),
    paperCopies: row.paperCopies,
    assignee: row.assignee ? { employeeId: row.assignee.externalId, fullName: fullName(row.assignee) } : row.assigneeTokenId ? { apiToken: true } : null,
    rejectionReason: row.rejectionReason,
    resolution: row.resolution,
    document: row.documentName && row.documentMime ? { fileName: row.documentName, mimeType: row.documentMime, size: row.documentSize } : null,
    issuedAt: row.issuedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    takenAt: row.takenAt?.toISOString() ?? null,
    completedAt: row.completedAt?.toISOString() ?? null,
  };
}

/** The card HR reads in the HR chat (and in reminders). */
export function toCard(row: RequestRow, language: Language, today: string): CertificateCard {
  const view = toRequestView(row, language, today);
  return {
    requestId: row.id,
    number: view.number,
    typeName: view.type.name,
    employeeName: view.employee.fullName,
    personnelNumber: view.employee.personnelNumber,
    department: view.employee.department,
    position: view.employee.position,
    fields: view.answers.map((a) => ({ label: a.label, value: a.value })),
    deadlineOn: view.deadlineOn,
    overdue: view.overdue,
    status: view.status,
    assigneeName: row.assignee ? fullName(row.assignee) : null,
    takenThroughApi: !row.assignee && row.assigneeTokenId !== null,
    rejectionReason: row.rejectionReason,
    resolution: row.resolution,
    paperCopies: row.paperCopies,
    electronicIssued: row.issuedAt !== null && row.needsHr,
    leave: row.type.leave,
  };
}
