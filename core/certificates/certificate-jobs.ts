import { hourIn } from '../calendar/production-calendar.ts';
import type { CalendarService } from '../calendar/calendar.service.ts';
import { systemClock, type Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { CabinetState, CertificateStatus, Role } from '../db/generated/enums.ts';
import { DEFAULT_LANGUAGE, LANGUAGES, type Language } from '../i18n.ts';
import type { JobDefinition } from '../jobs/job-definition.ts';
import { safeError, type Logger } from '../logger.ts';
import type { CertificateStatusIntent } from '../telegram/certificate-intents.ts';
import { deliverIntent, type TelegramOutbound } from '../telegram/intents.ts';
import { MessageGoneError, RecipientBlockedError, TelegramRefusedError } from '../telegram/telegram-port.ts';
import type { CertificateOutbox } from './certificate-outbox.ts';
import type { HrChatService } from './hr-chat.service.ts';
import { formatRequestNumber } from './request-number.ts';
import { isOpen, REQUEST_SELECT, toCard } from './request-views.ts';

/** How long a worker may talk to Telegram about one request before another may take over (a crashed worker). */
const LEASE_MS = 2 * 60_000;
/** Reminders and the digest wait for the company's morning. */
export const MORNING_HOUR = 9;
export const MORNING_JOBS_EVERY_MS = 10 * 60_000;
export const CERTIFICATE_SWEEP_EVERY_MS = 5 * 60_000;
/** Requests listed in one digest; the rest are counted. */
const DIGEST_LINES = 20;
const OPEN_STATUSES = [CertificateStatus.NEW, CertificateStatus.IN_PROGRESS];

/** Another worker is talking to Telegram about this request right now: retry once it is done. */
export class RequestBusyError extends Error {
  override name = 'RequestBusyError';
}

const toDate = (day: string) => new Date(`${day}T00:00:00.000Z`);
const languageOf = (value: string | null | undefined): Language => ((LANGUAGES as readonly string[]).includes(value ?? '') ? (value as Language) : DEFAULT_LANGUAGE);

export interface CertificateJobDeps {
  db: Db;
  calendar: CalendarService;
  hrChats: HrChatService;
  /** Built after the queue these jobs are part of. */
  outbox: () => CertificateOutbox | undefined;
  /** Undefined in a process without the bot token: message jobs fail and are retried by a worker that has it. */
  telegram: TelegramOutbound | undefined;
  logger: Logger;
  clock?: Clock;
  retry?: { attempts: number; backoffMs: number };
}

/**
 * The certificate queue's jobs: the HR chat's card of a request (posted once, then edited), the employee's message
 * (with the document), the outbox sweep, and the two morning tasks. Each may run twice, in two workers at once:
 * messages are sent under a lease on the request's row, morning messages under a claim row or column.
 */
export function createCertificateJobs(deps: CertificateJobDeps) {
  const { db, calendar, hrChats, telegram, logger } = deps;
  const clock = deps.clock ?? systemClock;
  const retry = deps.retry ?? { attempts: 6, backoffMs: 1000 };

  const lease = {
    async take(column: 'hrClaimUntil' | 'employeeClaimUntil', id: string): Promise<boolean> {
      const now = clock.now();
      const { count } = await db.certificateRequest.updateMany({
        where: { id, OR: [{ [column]: null }, { [column]: { lt: now } }] },
        data: { [column]: new Date(now.getTime() + LEASE_MS) },
      });
      return count === 1;
    },
    release: (column: 'hrClaimUntil' | 'employeeClaimUntil', id: string) => db.certificateRequest.updateMany({ where: { id }, data: { [column]: null } }),
  };

  const needTelegram = (): TelegramOutbound => {
    if (!telegram) throw new Error('this process has no bot token (BOT_TOKEN): it cannot send Telegram messages');
    return telegram;
  };

  /** Posts the request's card to the HR chat, or brings the card already posted up to date. */
  async function syncHr(requestId: string): Promise<void> {
    const peek = await db.certificateRequest.findUnique({ where: { id: requestId }, select: { needsHr: true, version: true, hrSyncedVersion: true, hrMessageId: true } });
    if (!peek || !peek.needsHr || peek.hrSyncedVersion >= peek.version) return;
    const hrChat = await hrChats.current();
    // Nowhere to post yet: binding the HR chat sweeps the outbox.
    if (!hrChat && peek.hrMessageId === null) return;
    const outbound = needTelegram();
    if (!(await lease.take('hrClaimUntil', requestId))) throw new RequestBusyError('another worker is updating this request in the HR chat');
    try {
      const row = await db.certificateRequest.findUniqueOrThrow({ where: { id: requestId }, select: { ...REQUEST_SELECT, hrChatId: true, hrMessageId: true, hrSyncedVersion: true } });
      if (row.hrSyncedVersion >= row.version) return;
      const synced = () => db.certificateRequest.updateMany({ where: { id: requestId, hrSyncedVersion: { lt: row.version } }, data: { hrSyncedVersion: row.version } });
      const language = hrChat?.language ?? DEFAULT_LANGUAGE;
      const card = toCard(row, language, calendar.today());
      if (row.hrMessageId !== null && row.hrChatId !== null) {
        const message = outbound.render({ kind: 'certificate-for-hr', chatId: row.hrChatId, language, card });
        try {
          await outbound.port.editText({ chatId: row.hrChatId, messageId: row.hrMessageId }, message);
          await synced();
          return;
        } catch (error) {
          // Deleted in the chat: an open request is posted again, a closed one needs no card.
          if (!(error instanceof MessageGoneError)) throw error;
          if (!isOpen(row.status)) return void (await synced());
        }
      } else if (!isOpen(row.status)) {
        // Closed before it was ever posted (cancelled while Telegram was down, done through the API): nothing to show.
        return void (await synced());
      }
      if (!hrChat) return;
      const sent = await outbound.port.sendText(hrChat.chatId, outbound.render({ kind: 'certificate-for-hr', chatId: hrChat.chatId, language, card }));
      await db.certificateRequest.update({ where: { id: requestId }, data: { hrChatId: sent.chatId, hrMessageId: sent.messageId, hrPostedAt: clock.now(), hrSyncedVersion: row.version } });
    } finally {
      await lease.release('hrClaimUntil', requestId);
    }
  }

  /** Tells the employee what became of the request; the document goes as a file with the message as its caption. */
  async function notifyEmployee(requestId: string, log: Logger): Promise<void> {
    const peek = await db.certificateRequest.findUnique({ where: { id: requestId }, select: { version: true, employeeNotifiedVersion: true } });
    if (!peek || peek.employeeNotifiedVersion >= peek.version) return;
    if (!(await lease.take('employeeClaimUntil', requestId))) throw new RequestBusyError('another worker is telling the employee about this request');
    try {
      const row = await db.certificateRequest.findUniqueOrThrow({
        where: { id: requestId },
        select: { ...REQUEST_SELECT, employeeNotifiedVersion: true, documentSentAt: true, employee: { select: { ...REQUEST_SELECT.employee.select, cabinetState: true, telegramAccount: { select: { id: true, chatId: true, language: true, blockedAt: true } } } } },
      });
      if (row.employeeNotifiedVersion >= row.version) return;
      const told = (extra: { documentSentAt?: Date } = {}) =>
        db.certificateRequest.updateMany({ where: { id: requestId, employeeNotifiedVersion: { lt: row.version } }, data: { employeeNotifiedVersion: row.version, ...extra } });
      const account = row.employee.telegramAccount;
      // Not reachable in Telegram: «Мои заявки» and the document are there when they sign in again.
      if (!account || account.blockedAt || row.employee.cabinetState !== CabinetState.ACTIVE) return void (await told());
      const withDocument = row.documentName !== null && row.documentSentAt === null;
      const worthTelling = withDocument || row.status === CertificateStatus.IN_PROGRESS || row.status === CertificateStatus.DONE || row.status === CertificateStatus.REJECTED;
      if (!worthTelling) return void (await told());
      const outbound = needTelegram();
      const language = languageOf(account.language);
      const intent: CertificateStatusIntent = {
        kind: 'certificate-status',
        chatId: account.chatId,
        language,
        requestId,
        number: formatRequestNumber(row.number),
        typeName: language === 'ru' ? row.type.nameRu : row.type.nameEn,
        status: row.status,
        deadlineOn: row.deadlineOn.toISOString().slice(0, 10),
        rejectionReason: row.rejectionReason,
        resolution: row.resolution,
        paperCopies: row.paperCopies,
        withDocument,
      };
      try {
        if (withDocument) {
          const stored = await db.certificateRequest.findUniqueOrThrow({ where: { id: requestId }, select: { document: true } });
          await outbound.port.sendDocument(account.chatId, { data: Buffer.from(stored.document!), fileName: row.documentName!, caption: outbound.render(intent).text });
          await told({ documentSentAt: clock.now() });
        } else {
          await deliverIntent(outbound, intent);
          await told();
        }
      } catch (error) {
        if (error instanceof RecipientBlockedError) {
          await db.telegramAccount.update({ where: { id: account.id }, data: { blockedAt: clock.now() } });
          return void (await told());
        }
        if (error instanceof TelegramRefusedError) {
          log.error({ err: safeError(error) }, 'Telegram refused a message about a certificate request');
          return void (await told());
        }
        throw error;
      }
    } finally {
      await lease.release('employeeClaimUntil', requestId);
    }
  }

  /**
   * On the deadline day's morning, one reminder in the HR chat per open request due today. The day is claimed on the
   * row before sending (a conditional UPDATE), so any number of workers send it once; a failed send gives the claim
   * back for the next run.
   */
  async function remindDeadlines(): Promise<number> {
    const now = clock.now();
    if (hourIn(now, calendar.timeZone) < MORNING_HOUR) return 0;
    const day = toDate(calendar.today());
    const hrChat = await hrChats.current();
    if (!hrChat || !telegram) return 0;
    const notYet = { OR: [{ reminderSentOn: null }, { reminderSentOn: { lt: day } }] };
    const due = await db.certificateRequest.findMany({
      where: { status: { in: OPEN_STATUSES }, needsHr: true, deadlineOn: day, ...notYet },
      orderBy: { number: 'asc' },
      select: { ...REQUEST_SELECT, reminderSentOn: true },
    });
    let sent = 0;
    let failure: unknown;
    for (const row of due) {
      const { count } = await db.certificateRequest.updateMany({ where: { id: row.id, ...notYet }, data: { reminderSentOn: day } });
      if (count === 0) continue;
      try {
        await deliverIntent(telegram, { kind: 'certificate-deadline-today', chatId: hrChat.chatId, language: hrChat.language, card: toCard(row, hrChat.language, calendar.today()) });
        sent += 1;
      } catch (error) {
        await db.certificateRequest.updateMany({ where: { id: row.id, reminderSentOn: day }, data: { reminderSentOn: row.reminderSentOn } });
        failure = error;
      }
    }
    if (failure) throw failure;
    return sent;
  }

  /** The admins Kabinet can reach in Telegram: the ADMIN role or the cabinet's responsible employee, still working here. */
  async function reachableAdmins(now: Date) {
    return db.employee.findMany({
      where: {
        OR: [{ roles: { some: { role: Role.ADMIN } } }, { responsibleFor: { isNot: null } }],
        cabinetState: { not: CabinetState.DISABLED },
        AND: [{ OR: [{ dismissedAt: null }, { dismissedAt: { gt: now } }] }],
        telegramAccount: { is: { blockedAt: null } },
      },
      select: { id: true, telegramAccount: { select: { id: true, chatId: true, language: true } } },
    });
  }

  /**
   * Once a day, each admin gets the list of requests past their deadline (nothing when there are none). A row per
   * admin and day is the claim: inserted before sending, removed again when the send fails.
   */
  async function sendOverdueDigest(): Promise<number> {
    const now = clock.now();
    if (hourIn(now, calendar.timeZone) < MORNING_HOUR || !telegram) return 0;
    const today = calendar.today();
    const day = toDate(today);
    const where = { status: { in: OPEN_STATUSES }, needsHr: true, deadlineOn: { lt: day } };
    const [total, rows] = await Promise.all([
      db.certificateRequest.count({ where }),
      db.certificateRequest.findMany({ where, orderBy: [{ deadlineOn: 'asc' }, { number: 'asc' }], take: DIGEST_LINES, select: REQUEST_SELECT }),
    ]);
    if (total === 0) return 0;
    let sent = 0;
    let failure: unknown;
    for (const admin of await reachableAdmins(now)) {
      const account = admin.telegramAccount!;
      const { count } = await db.certificateDigest.createMany({ data: [{ day, employeeId: admin.id, createdAt: now }], skipDuplicates: true });
      if (count === 0) continue;
      const language = languageOf(account.language);
      try {
        await deliverIntent(telegram, {
          kind: 'certificate-overdue-digest',
          chatId: account.chatId,
          language,
          total,
          requests: rows.map((r) => {
            const card = toCard(r, language, today);
            return { number: card.number, typeName: card.typeName, employeeName: card.employeeName, deadlineOn: card.deadlineOn, status: card.status, assigneeName: card.assigneeName };
          }),
        });
        sent += 1;
      } catch (error) {
        if (error instanceof RecipientBlockedError) {
          await db.telegramAccount.update({ where: { id: account.id }, data: { blockedAt: now } });
          continue;
        }
        await db.certificateDigest.deleteMany({ where: { day, employeeId: admin.id } });
        failure = error;
      }
    }
    if (failure) throw failure;
    return sent;
  }

  const definitions = {
    'sync-certificate-hr': {
      name: 'sync-certificate-hr',
      attempts: retry.attempts,
      backoffMs: retry.backoffMs,
      handle: ({ requestId }) => syncHr(requestId),
    },
    'notify-certificate-employee': {
      name: 'notify-certificate-employee',
      attempts: retry.attempts,
      backoffMs: retry.backoffMs,
      handle: ({ requestId }, { logger: log }) => notifyEmployee(requestId, log),
    },
    'sweep-certificate-outbox': {
      name: 'sweep-certificate-outbox',
      attempts: 1,
      backoffMs: 0,
      everyMs: CERTIFICATE_SWEEP_EVERY_MS,
      async handle() {
        const queued = (await deps.outbox()?.sweep()) ?? 0;
        if (queued > 0) logger.info({ queued }, 'certificate messages not yet sent queued again');
      },
    },
    'certificate-deadline-reminders': {
      name: 'certificate-deadline-reminders',
      attempts: 1,
      backoffMs: 0,
      everyMs: MORNING_JOBS_EVERY_MS,
      async handle() {
        const sent = await remindDeadlines();
        if (sent > 0) logger.info({ sent }, 'deadline reminders sent to the HR chat');
      },
    },
    'certificate-overdue-digest': {
      name: 'certificate-overdue-digest',
      attempts: 1,
      backoffMs: 0,
      everyMs: MORNING_JOBS_EVERY_MS,
      async handle() {
        const sent = await sendOverdueDigest();
        if (sent > 0) logger.info({ sent }, 'overdue digest sent to the admins');
      },
    },
  } satisfies {
    'sync-certificate-hr': JobDefinition<'sync-certificate-hr'>;
    'notify-certificate-employee': JobDefinition<'notify-certificate-employee'>;
    'sweep-certificate-outbox': JobDefinition<'sweep-certificate-outbox'>;
    'certificate-deadline-reminders': JobDefinition<'certificate-deadline-reminders'>;
    'certificate-overdue-digest': JobDefinition<'certificate-overdue-digest'>;
  };

  return { definitions, syncHr, notifyEmployee, remindDeadlines, sendOverdueDigest };
}
