import { systemClock, type Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { ContactChannel } from '../db/generated/enums.ts';
import { PermanentDeliveryError } from '../delivery/delivery-errors.ts';
import type { EmailSender } from '../delivery/email-sender.ts';
import type { SmsGateway } from '../delivery/sms-gateway.ts';
import { DEFAULT_LANGUAGE, type Language, type Translator } from '../i18n.ts';
import { type JobDefinition, PermanentJobError } from '../jobs/job-definition.ts';
import { generateCode, hashCode } from './code-crypto.ts';

export interface CodeDeliveryDeps {
  db: Db;
  codes: Config['codes'];
  email: EmailSender | undefined;
  sms: SmsGateway | undefined;
  /** Development without SMTP or SMS: write the code to the log, clearly marked. Never in production or tests. */
  logCodes: boolean;
  translator: Translator;
  clock?: Clock;
  /** Retry schedule; tests shorten it. */
  retry?: { attempts: number; backoffMs: number };
}

type Channel = 'sms' | 'email' | 'log';

/**
 * Generates the code here, in the worker, stores only its keyed hash, and sends it to the contact HR has on record.
 * The plaintext exists only in this function and in the message, never in the database or the queue.
 * Safe to run twice: a code already sent, used, superseded or expired is left alone.
 *
 * A delivery that fails for good is logged for the operators and never reported to the chat: only real employees'
 * codes are ever sent, so a "could not send" would tell the asker that the contact belongs to someone here.
 */
export function createCodeDeliveryJob(deps: CodeDeliveryDeps): JobDefinition<'deliver-code'> {
  const { db, codes, translator } = deps;
  const clock = deps.clock ?? systemClock;

  async function languageOf(telegramUserId: bigint): Promise<Language> {
    const account = await db.telegramAccount.findUnique({ where: { telegramUserId }, select: { language: true } });
    return (account?.language as Language | null) ?? DEFAULT_LANGUAGE;
  }

  return {
    name: 'deliver-code',
    attempts: deps.retry?.attempts ?? 5,
    backoffMs: deps.retry?.backoffMs ?? 2000,

    async handle({ codeId }, { logger }) {
      const code = await db.oneTimeCode.findUnique({
        where: { id: codeId },
        include: { employee: { select: { id: true, phone: true, email: true } } },
      });
      if (!code || code.consumedAt || code.sentAt || code.expiresAt <= clock.now()) return;
      if (!code.employee) return;

      const { phone, email } = code.employee;
      const available: Channel[] = [];
      const preferSms = code.channel !== ContactChannel.EMAIL;
      const smsOk = Boolean(deps.sms && phone);
      const emailOk = Boolean(deps.email && email);
      if (preferSms ? smsOk : emailOk) available.push(preferSms ? 'sms' : 'email');
      if (preferSms ? emailOk : smsOk) available.push(preferSms ? 'email' : 'sms');
      if (deps.logCodes) available.push('log');
      const channel = available[0];
      if (!channel) {
        // HR has no contact of this employee on a configured channel; the bot told everyone up front which ones exist.
        logger.warn({ codeId: code.id }, 'no configured channel reaches this employee: code not sent');
        return;
      }

      const plain = generateCode();
      await db.oneTimeCode.update({ where: { id: code.id }, data: { codeHash: hashCode(codes.secret, code.id, plain) } });
      const t = translator.t(await languageOf(code.telegramUserId), 'linking');
      try {
        if (channel === 'sms') await deps.sms!.send(phone!, t('delivery.sms', { code: plain, minutes: codes.ttlMinutes }));
        else if (channel === 'email') await deps.email!.send({ to: email!, subject: t('delivery.email_subject'), text: t('delivery.email_text', { code: plain, minutes: codes.ttlMinutes }) });
        else logger.warn({ developmentOnlyCode: plain, codeId: code.id }, 'DEVELOPMENT ONLY: one-time code written to the log because neither SMTP_URL nor SMS_PROVIDER is set');
      } catch (error) {
        if (error instanceof PermanentDeliveryError) throw new PermanentJobError(error.message);
        throw error;
      }
      await db.oneTimeCode.update({ where: { id: code.id }, data: { sentAt: clock.now(), channel: channel === 'email' ? ContactChannel.EMAIL : ContactChannel.SMS } });
      logger.info({ codeId: code.id, channel }, 'one-time code sent');
    },
  };
}
