import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { CabinetState } from '../db/generated/enums.ts';
import { DEFAULT_LANGUAGE, type Language } from '../i18n.ts';
import type { JobDefinition } from '../jobs/job-definition.ts';
import { deliverIntent, type TelegramOutbound } from '../telegram/intents.ts';
import { RecipientBlockedError, TelegramRefusedError } from '../telegram/telegram-port.ts';

/** How long a run's claim on a notification holds without renewal; a run renews it while it waits and sends. */
export const CLAIM_MS = 15_000;
const RENEW_MS = 5_000;

/** Another run is sending this notification right now (or died doing so less than CLAIM_MS ago): retry later. */
export class NotificationBusyError extends Error {
  override name = 'NotificationBusyError';
}

/**
 * Tells one employee that their payslip is ready: emits a `payslip-ready` intent, which the bot's renderer turns into
 * the message with its Open and «Ознакомлен» buttons. The pace (overall and one a second per chat, shared through
 * Redis when there is one) is the Telegram port's. A user who blocked the bot is marked and skipped without retries,
 * and never holds up the others.
 *
 * Once per notification: the row is re-read on every run, a run claims it before sending (so a second job for the
 * same row, queued again by the outbox sweep after Redis lost the first while it still ran, waits and then finds it
 * sent), and `sentAt` is written as soon as Telegram confirms. A worker killed between Telegram's confirmation and
 * that write leaves the one message whose fate nobody can know; it is sent again rather than lost.
 */
export function createPayslipNotificationJob(deps: {
  db: Db;
  /** Undefined in a process without the bot token: the job fails and is retried (by a worker that has it). */
  telegram: TelegramOutbound | undefined;
  retry?: { attempts: number; backoffMs: number };
  clock?: Clock;
}): JobDefinition<'notify-payslip'> {
  const { db } = deps;
  const clock = deps.clock ?? systemClock;
  const later = (ms: number) => new Date(clock.now().getTime() + ms);
  return {
    name: 'notify-payslip',
    // Enough tries, with their backoff (1 + 2 + 4 + 8 + 16 s), to outlast the claim of a run that died.
    attempts: deps.retry?.attempts ?? 6,
    backoffMs: deps.retry?.backoffMs ?? 1000,
    // Most of a notification's time is spent waiting for a slot of the send gate: enough of them wait at once to
    // keep the gate busy while some sit out a retry_after.
    concurrency: 25,

    async handle({ notificationId }, { logger }) {
      const notification = await db.payslipNotification.findUnique({
        where: { id: notificationId },
        include: { employee: { select: { cabinetState: true, telegramAccount: true } } },
      });
      if (!notification || notification.sentAt || notification.skipped) return;
      const account = notification.employee.telegramAccount;
      const skip = (reason: string) => db.payslipNotification.update({ where: { id: notificationId }, data: { skipped: reason, claimToken: null, claimedUntil: null } });
      if (!account || notification.employee.cabinetState !== CabinetState.ACTIVE) return void (await skip('NOT_LINKED'));
      if (account.blockedAt) return void (await skip('BLOCKED'));
      if (!deps.telegram) throw new Error('this process has no bot token (BOT_TOKEN): it cannot deliver notifications');

      const token = randomUUID();
      const { count } = await db.payslipNotification.updateMany({
        where: { id: notificationId, sentAt: null, skipped: null, OR: [{ claimedUntil: null }, { claimedUntil: { lt: clock.now() } }] },
        data: { claimToken: token, claimedUntil: later(CLAIM_MS) },
      });
      if (count === 0) throw new NotificationBusyError('another run is sending this notification');
      const mine = { id: notificationId, claimToken: token };
      const renewal = setInterval(() => void db.payslipNotification.updateMany({ where: mine, data: { claimedUntil: later(CLAIM_MS) } }).catch(() => undefined), RENEW_MS);
      renewal.unref();
      const release = () => db.payslipNotification.updateMany({ where: mine, data: { claimToken: null, claimedUntil: null } });

      const language = (account.language as Language | null) ?? DEFAULT_LANGUAGE;
      try {
        await deliverIntent(deps.telegram, { kind: 'payslip-ready', chatId: account.chatId, language, payslipId: notification.payslipId, period: notification.period });
      } catch (error) {
        if (error instanceof TelegramRefusedError) {
          // Telegram refuses this message for good (it is malformed): retrying every sweep for a week changes nothing.
          logger.error({ err: { name: error.name, message: error.message } }, 'Telegram refused a payday notification');
          return void (await skip('REFUSED'));
        }
        if (!(error instanceof RecipientBlockedError)) {
          await release().catch(() => undefined);
          throw error;
        }
        await db.$transaction([
          db.telegramAccount.update({ where: { id: account.id }, data: { blockedAt: clock.now() } }),
          db.payslipNotification.update({ where: { id: notificationId }, data: { skipped: 'BLOCKED', claimToken: null, claimedUntil: null } }),
        ]);
        return;
      } finally {
        clearInterval(renewal);
      }
      const now = clock.now();
      await db.$transaction([
        db.payslipNotification.update({ where: { id: notificationId }, data: { sentAt: now, claimToken: null, claimedUntil: null } }),
        db.telegramAccount.update({ where: { id: account.id }, data: { notifiedAt: now } }),
      ]);
    },
  };
}
