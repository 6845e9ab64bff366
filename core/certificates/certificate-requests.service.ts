import { actorFields, type Actor, type EmployeeActor } from '../access/actor.ts';
import { hasLeft } from '../access/employee-actor.ts';
import { authorize, can } from '../access/permissions.ts';
import { audit } from '../audit/audit-log.ts';
import type { CalendarService } from '../calendar/calendar.service.ts';
import { systemClock, type Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import type { Prisma } from '../db/generated/client.ts';
import { CertificateResolution, CertificateStatus } from '../db/generated/enums.ts';
import { AppError } from '../errors.ts';
import { DEFAULT_LANGUAGE, LANGUAGES, type Language, type Translator } from '../i18n.ts';
import { byLeaveOrder } from '../vacations/vacation.service.ts';
import type { CatalogueService, CatalogueType } from './catalogue.service.ts';
import type { CertificateOutbox } from './certificate-outbox.ts';
import { type FieldValue, formatFieldValue, parseFieldValue, type ResolvedField, resolveFields } from './certificate-fields.ts';
import { acceptDocument } from './document-file.ts';
import type { InstantDocuments } from './instant-documents.ts';
import { formatRequestNumber, parseRequestRef } from './request-number.ts';
import { REQUEST_SELECT, type RequestRow, type RequestView, type StoredAnswer, toRequestView } from './request-views.ts';

const DAY_MS = 86_400_000;
const MAX_REASON = 1000;
const OPEN_STATUSES = [CertificateStatus.NEW, CertificateStatus.IN_PROGRESS];

export interface NewRequest {
  /** Catalogue code, e.g. "EMPLOYMENT". */
  typeCode: string;
  /** Answers by field key: what the bot collected, or JSON values. */
  fields: Record<string, unknown>;
}

export interface RequestFilter {
  status?: CertificateStatus[];
  typeCode?: string;
  /** true: open and past the deadline day; false: everything else. */
  overdue?: boolean;
  /** The payroll system's employee id. */
  employeeId?: string;
  page?: number;
  pageSize?: number;
}

export interface RequestPage {
  total: number;
  page: number;
  pageSize: number;
  items: RequestView[];
}

export interface RequestDocument {
  data: Buffer;
  fileName: string;
  mime: string;
}

const toDate = (day: string) => new Date(`${day}T00:00:00.000Z`);

/**
 * Certificate requests and leave applications: the employee orders (instant documents are issued on the spot),
 * HR works the queue (take → complete with a document or "ready for pickup", or reject with a reason), the
 * employee may cancel one nobody has taken. Every transition is one conditional UPDATE (a replayed or concurrent
 * press changes nothing), audited, and leaves the HR card and the employee's message to the outbox jobs.
 */
export function createCertificateRequestService(deps: {
  db: Db;
  calendar: CalendarService;
  catalogue: CatalogueService;
  instant: InstantDocuments;
  outbox: CertificateOutbox;
  translator: Translator;
  clock?: Clock;
}) {
  const { db, calendar, catalogue, outbox, translator } = deps;
  const clock = deps.clock ?? systemClock;
  const today = () => calendar.today();

  /** The ordering employee: only a linked employee who still works here orders in their own name. */
  async function orderingEmployee(actor: Actor) {
    if (actor.kind !== 'employee') throw new AppError('CERTIFICATE_EMPLOYEES_ONLY', 'forbidden');
    const employee = await db.employee.findUnique({
      where: { id: actor.employeeId },
      select: { id: true, cabinetState: true, dismissedAt: true, telegramAccount: { select: { language: true } } },
    });
    if (!employee || hasLeft(employee, clock.now())) throw new AppError('CERTIFICATE_EMPLOYEES_ONLY', 'forbidden');
    const language = (LANGUAGES as readonly string[]).includes(employee.telegramAccount?.language ?? '') ? (employee.telegramAccount!.language as Language) : DEFAULT_LANGUAGE;
    return { id: employee.id, language };
  }

  async function leaveTypesOf(employeeId: string) {
    const balances = await db.vacationBalance.findMany({ where: { employeeId } });
    return balances.sort(byLeaveOrder);
  }

  async function activeType(code: string): Promise<CatalogueType> {
    const type = await catalogue.byCode(code);
    if (!type || !type.active) throw new AppError('CERTIFICATE_TYPE_NOT_FOUND', 'not_found', { code });
    return type;
  }

  /** What the bot asks an employee for a type, one question at a time: leave kinds resolved to their balances. */
  async function form(actor: Actor, typeCode: string): Promise<{ type: CatalogueType; fields: ResolvedField[] }> {
    const employee = await orderingEmployee(actor);
    const type = await activeType(typeCode);
    const leaveTypes = type.leave ? (await leaveTypesOf(employee.id)).map((b) => ({ code: b.typeCode, name: b.typeName })) : [];
    return { type, fields: resolveFields(type.fields, { leaveTypes }) };
  }

  const words = (language: Language) => {
    const t = translator.t(language, 'certificates');
    return { yes: t('yes'), no: t('no') };
  };

  /** Parses every answer against the type's fields; the first problem is thrown with the field's key. */
  function readAnswers(fields: ResolvedField[], input: Record<string, unknown>, day: string) {
    const known = new Set(fields.map((f) => f.key));
    const unknown = Object.keys(input).find((k) => !known.has(k));
    if (unknown !== undefined) throw new AppError('CERTIFICATE_FIELD_UNKNOWN', 'validation', { field: unknown });
    const values: Record<string, FieldValue> = {};
    const answers: StoredAnswer[] = [];
    for (const field of fields) {
      const raw = input[field.key];
      if (field.optional && (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === ''))) continue;
      const parsed = parseFieldValue(field, raw, day);
      if (!parsed.ok) throw new AppError(`FIELD_${parsed.code.toUpperCase()}`, 'validation', { field: field.key, ...parsed.params });
      values[field.key] = parsed.value;
      answers.push({
        key: field.key,
        label: field.label,
        text: { ru: formatFieldValue(field, parsed.value, 'ru', words('ru')), en: formatFieldValue(field, parsed.value, 'en', words('en')) },
      });
    }
    return { values, answers };
  }

  /** A leave application asks for no more calendar days (both ends included) than are left of that kind of leave. */
  function checkLeave(type: CatalogueType, values: Record<string, FieldValue>, balances: { typeCode: string; remainingDays: { toString(): string } }[]): void {
    const kind = type.fields.find((f) => f.kind === 'leave_type');
    const dates = type.fields.find((f) => f.kind === 'date_range');
    if (!kind || !dates) return;
    const range = values[dates.key] as { from: string; to: string } | undefined;
    const balance = balances.find((b) => b.typeCode === values[kind.key]);
    if (!range || !balance) return;
    const days = (Date.parse(range.to) - Date.parse(range.from)) / DAY_MS + 1;
    const remaining = Number(balance.remainingDays.toString());
    if (days > remaining) throw new AppError('LEAVE_EXCEEDS_BALANCE', 'validation', { days, remaining: Math.floor(remaining) });
  }

  async function load(where: Prisma.CertificateRequestWhereUniqueInput): Promise<RequestRow | null> {
    return db.certificateRequest.findUnique({ where, select: REQUEST_SELECT });
  }

  /** The request a caller names (id or number), or NOT_FOUND. */
  async function byRef(ref: string): Promise<RequestRow> {
    const parsed = parseRequestRef(ref);
    const row = parsed ? await load('id' in parsed ? { id: parsed.id } : { number: parsed.number }) : null;
    if (!row) throw new AppError('CERTIFICATE_REQUEST_NOT_FOUND', 'not_found', { ref });
    return row;
  }

  /**
   * Orders a certificate (or applies for leave). An instant type is generated at once as a PDF and the request is
   * DONE; with paper copies it stays NEW for HR, who prepares them (the electronic copy is delivered already).
   */
  async function create(actor: Actor, input: NewRequest): Promise<RequestView> {
    const employee = await orderingEmployee(actor);
    const type = await activeType(input.typeCode);
    const balances = type.leave ? await leaveTypesOf(employee.id) : [];
    if (type.leave && balances.length === 0) throw new AppError('LEAVE_NO_BALANCE', 'validation');
    const fields = resolveFields(type.fields, { leaveTypes: balances.map((b) => ({ code: b.typeCode, name: b.typeName })) });
    const now = clock.now();
    const day = today();
    const { values, answers } = readAnswers(fields, input.fields, day);
    if (type.leave) checkLeave(type, values, balances);
    const copiesField = fields.find((f) => f.kind === 'copies');
    const paperCopies = copiesField && typeof values[copiesField.key] === 'number' ? (values[copiesField.key] as number) : 0;
    const deadline = await calendar.deadlineFor(now);
    const needsHr = type.instant === null || paperCopies > 0;

    // The number is taken first, so that an instant document carries it; the PDF is drawn outside the transaction.
    const [{ n }] = (await db.$queryRaw<{ n: bigint }[]>`SELECT nextval(pg_get_serial_sequence('certificate_requests', 'number')) AS n`) as [{ n: bigint }];
    const number = Number(n);
    const document = type.instant
      ? await deps.instant.render(type.instant, { employeeId: employee.id, number: formatRequestNumber(number), issuedAt: now, fields: values, definitions: type.fields, language: employee.language })
      : undefined;

    const id = await db.$transaction(async (tx) => {
      const row = await tx.certificateRequest.create({
        data: {
          number,
          employeeId: employee.id,
          typeId: type.id,
          fields: values as Prisma.InputJsonObject,
          answers: answers as unknown as Prisma.InputJsonArray,
          status: document && !needsHr ? CertificateStatus.DONE : CertificateStatus.NEW,
          deadlineOn: toDate(deadline),
          paperCopies,
          needsHr,
          createdAt: now,
          // Nothing to tell the employee about a plain new request (the bot has just said it); an instant one
          // has its document to deliver. HR has nothing to see of an instant one without paper copies.
          employeeNotifiedVersion: document ? 0 : 1,
          hrSyncedVersion: needsHr ? 0 : 1,
          ...(document
            ? { document: new Uint8Array(document.data), documentName: document.fileName, documentMime: document.mime, documentSize: document.data.length, issuedAt: now, resolution: CertificateResolution.DOCUMENT, ...(needsHr ? {} : { completedAt: now }) }
            : {}),
        },
        select: { id: true },
      });
      await audit(tx, { ...actorFields(actor), action: 'certificate.request', entityType: 'CertificateRequest', entityId: row.id, details: { type: type.code, number, instant: document !== undefined, paperCopies } });
      return row.id;
    });
    await outbox.changed({ id, version: 1, needsHr, employeeBehind: document !== undefined });
    return toRequestView((await load({ id }))!, employee.language, day);
  }

  /** The employee's own requests, newest first. */
  async function mine(actor: Actor, options: { page?: number; pageSize?: number } = {}): Promise<RequestPage> {
    const employee = await orderingEmployee(actor);
    const page = Math.max(1, options.page ?? 1);
    const pageSize = Math.min(50, Math.max(1, options.pageSize ?? 10));
    const where = { employeeId: employee.id };
    const [total, rows] = await Promise.all([
      db.certificateRequest.count({ where }),
      db.certificateRequest.findMany({ where, orderBy: { number: 'desc' }, skip: (page - 1) * pageSize, take: pageSize, select: REQUEST_SELECT }),
    ]);
    const day = today();
    return { total, page, pageSize, items: rows.map((r) => toRequestView(r, employee.language, day)) };
  }

  /** One of the employee's own requests (someone else's is NOT_FOUND, as if it did not exist). */
  async function mineOne(actor: Actor, ref: string): Promise<RequestRow> {
    const employee = await orderingEmployee(actor);
    const row = await byRef(ref).catch(() => null);
    if (!row || row.employeeId !== employee.id) throw new AppError('CERTIFICATE_REQUEST_NOT_FOUND', 'not_found', { ref });
    return row;
  }

  function conflict(row: { number: number; status: CertificateStatus }): AppError {
    const number = formatRequestNumber(row.number);
    if (row.status === CertificateStatus.IN_PROGRESS) return new AppError('CERTIFICATE_ALREADY_TAKEN', 'conflict', { number });
    if (row.status === CertificateStatus.NEW) return new AppError('CERTIFICATE_NOT_TAKEN', 'conflict', { number });
    return new AppError('CERTIFICATE_CLOSED', 'conflict', { number });
  }

  /**
   * One transition: a conditional UPDATE (`from` the statuses it may leave), the audit entry, and the new version
   * for the outbox. Refused with the reason when the request is not (or no longer) in one of those statuses.
   */
  async function transition(
    actor: Actor,
    row: RequestRow,
    action: string,
    where: Prisma.CertificateRequestWhereInput,
    data: Prisma.CertificateRequestUpdateManyMutationInput,
    options: { employeeTold?: boolean; details?: Prisma.InputJsonObject } = {},
  ): Promise<RequestRow> {
    const changed = await db.$transaction(async (tx) => {
      const { count } = await tx.certificateRequest.updateMany({ where: { id: row.id, ...where }, data: { ...data, version: { increment: 1 } } });
      if (count === 0) return null;
      // The employee acted themselves: nothing to tell them.
      if (options.employeeTold) await tx.$executeRaw`UPDATE certificate_requests SET employee_notified_version = version WHERE id = ${row.id}::uuid`;
      await audit(tx, { ...actorFields(actor), action, entityType: 'CertificateRequest', entityId: row.id, details: { number: row.number, ...options.details } });
      return tx.certificateRequest.findUniqueOrThrow({ where: { id: row.id }, select: { version: true, needsHr: true } });
    });
    if (!changed) {
      const now = await db.certificateRequest.findUniqueOrThrow({ where: { id: row.id }, select: { number: true, status: true } });
      throw conflict(now);
    }
    await outbox.changed({ id: row.id, version: changed.version, needsHr: changed.needsHr, employeeBehind: !options.employeeTold });
    return (await load({ id: row.id }))!;
  }

  /** The employee withdraws a request nobody has taken yet. */
  async function cancel(actor: Actor, ref: string): Promise<RequestView> {
    const row = await mineOne(actor, ref);
    const employee = actor as EmployeeActor;
    const done = await transition(actor, row, 'certificate.cancel', { status: CertificateStatus.NEW, employeeId: employee.employeeId }, { status: CertificateStatus.CANCELLED, completedAt: clock.now() }, { employeeTold: true });
    return toRequestView(done, (await orderingEmployee(actor)).language, today());
  }

  // ───────────── HR ─────────────

  async function list(actor: Actor, filter: RequestFilter = {}, language: Language = DEFAULT_LANGUAGE): Promise<RequestPage> {
    authorize(actor, 'certificates.queue');
    const page = Math.max(1, filter.page ?? 1);
    const pageSize = Math.min(200, Math.max(1, filter.pageSize ?? 50));
    const day = today();
    const overdue: Prisma.CertificateRequestWhereInput = { status: { in: OPEN_STATUSES }, deadlineOn: { lt: toDate(day) } };
    const where: Prisma.CertificateRequestWhereInput = {
      // HR's queue: an instant document without paper copies never reaches HR.
      needsHr: true,
      ...(filter.status?.length ? { status: { in: filter.status } } : {}),
      ...(filter.typeCode ? { type: { code: filter.typeCode } } : {}),
      ...(filter.employeeId ? { employee: { externalId: filter.employeeId } } : {}),
      ...(filter.overdue === true ? { AND: [overdue] } : filter.overdue === false ? { NOT: overdue } : {}),
    };
    const [total, rows] = await Promise.all([
      db.certificateRequest.count({ where }),
      db.certificateRequest.findMany({ where, orderBy: [{ deadlineOn: 'asc' }, { number: 'asc' }], skip: (page - 1) * pageSize, take: pageSize, select: REQUEST_SELECT }),
    ]);
    return { total, page, pageSize, items: rows.map((r) => toRequestView(r, language, day)) };
  }

  async function get(actor: Actor, ref: string, language: Language = DEFAULT_LANGUAGE): Promise<RequestView> {
    if (actor.kind === 'employee' && !can(actor, 'certificates.queue')) return toRequestView(await mineOne(actor, ref), language, today());
    authorize(actor, 'certificates.queue');
    return toRequestView(await byRef(ref), language, today());
  }

  /** The request's document: for HR, or for the employee it belongs to. */
  async function document(actor: Actor, ref: string): Promise<RequestDocument> {
    let row: RequestRow;
    if (actor.kind === 'employee' && !can(actor, 'certificates.queue')) row = await mineOne(actor, ref);
    else {
      authorize(actor, 'certificates.queue');
      row = await byRef(ref);
    }
    const stored = await db.certificateRequest.findUniqueOrThrow({ where: { id: row.id }, select: { document: true, documentName: true, documentMime: true } });
    if (!stored.document || !stored.documentName || !stored.documentMime) throw new AppError('CERTIFICATE_NO_DOCUMENT', 'not_found', { number: formatRequestNumber(row.number) });
    return { data: Buffer.from(stored.document), fileName: stored.documentName, mime: stored.documentMime };
  }

  const assignee = (actor: Actor) => ({
    assigneeId: actor.kind === 'employee' ? actor.employeeId : null,
    assigneeTokenId: actor.kind === 'api-token' ? actor.tokenId : null,
  });

  /** «Взять»: only a NEW request, and only once (a replayed press finds it taken). */
  async function take(actor: Actor, ref: string, language: Language = DEFAULT_LANGUAGE): Promise<RequestView> {
    authorize(actor, 'certificates.queue');
    const row = await byRef(ref);
    const done = await transition(actor, row, 'certificate.take', { status: CertificateStatus.NEW, needsHr: true }, { status: CertificateStatus.IN_PROGRESS, takenAt: clock.now(), ...assignee(actor) });
    return toRequestView(done, language, today());
  }

  /** «Готово» with a document (PDF, JPEG or PNG): only a taken request, by anyone with the HR role. */
  async function completeWithDocument(actor: Actor, ref: string, file: { data: Buffer; fileName?: string | null }, language: Language = DEFAULT_LANGUAGE): Promise<RequestView> {
    authorize(actor, 'certificates.queue');
    const row = await byRef(ref);
    const accepted = acceptDocument(file, formatRequestNumber(row.number));
    const done = await transition(
      actor,
      row,
      'certificate.complete',
      { status: CertificateStatus.IN_PROGRESS },
      {
        status: CertificateStatus.DONE,
        resolution: CertificateResolution.DOCUMENT,
        document: new Uint8Array(accepted.data),
        documentName: accepted.fileName,
        documentMime: accepted.mime,
        documentSize: accepted.data.length,
        // A new document is delivered again, even where an electronic copy went out before.
        documentSentAt: null,
        completedAt: clock.now(),
      },
      { details: { resolution: 'DOCUMENT', mime: accepted.mime, size: accepted.data.length } },
    );
    return toRequestView(done, language, today());
  }

  /** «Готово»: ready for pickup at the office (paper copies, originals). */
  async function completeForPickup(actor: Actor, ref: string, language: Language = DEFAULT_LANGUAGE): Promise<RequestView> {
    authorize(actor, 'certificates.queue');
    const row = await byRef(ref);
    const done = await transition(actor, row, 'certificate.complete', { status: CertificateStatus.IN_PROGRESS }, { status: CertificateStatus.DONE, resolution: CertificateResolution.PICKUP, completedAt: clock.now() }, { details: { resolution: 'PICKUP' } });
    return toRequestView(done, language, today());
  }

  /** «Отклонить» with a reason the employee reads: a new or taken request. */
  async function reject(actor: Actor, ref: string, reason: string, language: Language = DEFAULT_LANGUAGE): Promise<RequestView> {
    authorize(actor, 'certificates.queue');
    const text = reason.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ').trim();
    if (text.length === 0 || text.length > MAX_REASON) throw new AppError('CERTIFICATE_REASON_INVALID', 'validation', { max: MAX_REASON });
    const row = await byRef(ref);
    const done = await transition(actor, row, 'certificate.reject', { status: { in: OPEN_STATUSES }, needsHr: true }, { status: CertificateStatus.REJECTED, rejectionReason: text, completedAt: clock.now() });
    return toRequestView(done, language, today());
  }

  return { form, create, mine, cancel, list, get, document, take, completeWithDocument, completeForPickup, reject };
}

export type CertificateRequestService = ReturnType<typeof createCertificateRequestService>;
