import type { Language } from '../i18n.ts';

/**
 * What the certificate queue tells people in Telegram (see intents.ts): the facts of a request, in the reader's
 * language where they come from data (the type's name, the fields' labels and values as the catalogue words them),
 * never a sentence: the bot's renderer writes those, with the buttons its features handle.
 */

export type CertificateStatusName = 'NEW' | 'IN_PROGRESS' | 'DONE' | 'REJECTED' | 'CANCELLED';

/** A request as HR reads it on the card in the HR chat. */
export interface CertificateCard {
  requestId: string;
  /** "С-000123" */
  number: string;
  typeName: string;
  employeeName: string;
  personnelNumber: string;
  department: string | null;
  position: string | null;
  /** The employee's answers, labelled and formatted in the reader's language. */
  fields: { label: string; value: string }[];
  /** YYYY-MM-DD */
  deadlineOn: string;
  overdue: boolean;
  status: CertificateStatusName;
  /** Who took it: an employee's name, or null (nobody, or HR through the API: see `takenThroughApi`). */
  assigneeName: string | null;
  takenThroughApi: boolean;
  rejectionReason: string | null;
  resolution: 'DOCUMENT' | 'PICKUP' | null;
  paperCopies: number;
  /** An instant document whose electronic copy the employee already has: HR prepares the paper copies. */
  electronicIssued: boolean;
  leave: boolean;
}

/** A new request, or a change to one, on its card in the HR chat (posted once, then edited). */
export interface CertificateForHrIntent {
  kind: 'certificate-for-hr';
  chatId: bigint;
  language: Language;
  card: CertificateCard;
}

/** The employee is told what became of their request (with the document as a file when there is one). */
export interface CertificateStatusIntent {
  kind: 'certificate-status';
  chatId: bigint;
  language: Language;
  requestId: string;
  number: string;
  typeName: string;
  status: CertificateStatusName;
  deadlineOn: string;
  rejectionReason: string | null;
  resolution: 'DOCUMENT' | 'PICKUP' | null;
  paperCopies: number;
  /** The message is the caption of the document it comes with. */
  withDocument: boolean;
}

/** Morning of the deadline day: the request is still open. */
export interface CertificateDeadlineIntent {
  kind: 'certificate-deadline-today';
  chatId: bigint;
  language: Language;
  card: CertificateCard;
}

/** The daily digest of overdue requests, to an admin. */
export interface CertificateDigestIntent {
  kind: 'certificate-overdue-digest';
  chatId: bigint;
  language: Language;
  /** Overdue requests in all; `requests` lists the most overdue first, capped. */
  total: number;
  requests: { number: string; typeName: string; employeeName: string; deadlineOn: string; status: CertificateStatusName; assigneeName: string | null }[];
}

export type CertificateIntent = CertificateForHrIntent | CertificateStatusIntent | CertificateDeadlineIntent | CertificateDigestIntent;
