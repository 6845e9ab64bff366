import { systemClock, type Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { CabinetState } from '../db/generated/enums.ts';
import { DEFAULT_LANGUAGE, type Language, type Translator } from '../i18n.ts';
import type { JobDefinition } from '../jobs/job-definition.ts';
import { type Notifier, RecipientBlockedError } from '../notify/notifier.ts';
import type { SendGate } from '../notify/send-gate.ts';
import { formatPeriod } from '../pdf/format.ts';
import { toShortId } from './short-id.ts';

const PER_CHAT_INTERVAL_MS = 1000;

export class ChatBusyError extends Error {
  override name = 'ChatBusyError';
}

/**
 * Sends one "your payslip is ready" message with Open and «Ознакомлен» buttons. The overall pace comes from the send
 * gate (shared through Redis when there is one); the per-chat pace (one a second) is kept in the database, so both
 * hold across workers. A user who blocked
 * the bot is marked and skipped without retries, and never holds up the others.
 */
export function createPayslipNotificationJob(deps: {
  db: Db;
  translator: Translator;
  notifier: () => Notifier | undefined;
  /** Paces sends overall (NOTIFY_RATE_PER_SECOND), right before each message goes out. */
  gate: SendGate;
  retry?: { attempts: number; backoffMs: number };
  clock?: Clock;
}): JobDefinition<'notify-payslip'> {
  const { db, translator } = deps;
  const clock = deps.clock ?? systemClock;
  return {
    name: 'notify-payslip',
    attempts: deps.retry?.attempts ?? 6,
    backoffMs: deps.retry?.backoffMs ?? 1000,

    async handle({ notificationId }) {
      const notification = await db.payslipNotification.findUnique({
        where: { id: notificationId },
        include: { employee: { select: { cabinetState: true, telegramAccount: true } } },
      });
      if (!notification || notification.sentAt || notification.skipped) return;
      const account = notification.employee.telegramAccount;
      const skip = (reason: string) => db.payslipNotification.update({ where: { id: notificationId }, data: { skipped: reason } });
      if (!account || notification.employee.cabinetState !== CabinetState.ACTIVE) return void (await skip('NOT_LINKED'));
      if (account.blockedAt) return void (await skip('BLOCKED'));
      if (account.notifiedAt && clock.now().getTime() - account.notifiedAt.getTime() < PER_CHAT_INTERVAL_MS) throw new ChatBusyError('chat notified less than a second ago');

      const notifier = deps.notifier();
      if (!notifier) throw new Error('no Telegram notifier in this process');
      const language = (account.language as Language | null) ?? DEFAULT_LANGUAGE;
      const t = translator.t(language, 'payslip');
      const id = toShortId(notification.payslipId);
      await deps.gate.acquire();
      try {
        await notifier.sendMessage(account.chatId, t('published', { period: formatPeriod(notification.period, language) }), {
          buttons: [[{ text: t('open'), data: `ps:${id}` }, { text: t('acknowledge'), data: `ack:${id}` }]],
        });
      } catch (error) {
        if (!(error instanceof RecipientBlockedError)) throw error;
        await db.$transaction([
          db.telegramAccount.update({ where: { id: account.id }, data: { blockedAt: clock.now() } }),
          db.payslipNotification.update({ where: { id: notificationId }, data: { skipped: 'BLOCKED' } }),
        ]);
        return;
      }
      const now = clock.now();
      await db.$transaction([
        db.payslipNotification.update({ where: { id: notificationId }, data: { sentAt: now } }),
        db.telegramAccount.update({ where: { id: account.id }, data: { notifiedAt: now } }),
      ]);
    },
  };
}
