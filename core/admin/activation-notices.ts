import { EMPLOYEE_ROLE_SOURCE, effectiveRoles } from '../access/employee-actor.ts';
import { SETTINGS_ID } from '../cabinet/scope.ts';
import { systemClock, type Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { Role } from '../db/generated/enums.ts';
import { fullName } from '../employees/employee-name.ts';
import { DEFAULT_LANGUAGE, LANGUAGES, type Language } from '../i18n.ts';
import type { JobDefinition } from '../jobs/job-definition.ts';
import { safeError, type Logger } from '../logger.ts';
import { deliverIntent, type TelegramOutbound } from '../telegram/intents.ts';
import { RecipientBlockedError } from '../telegram/telegram-port.ts';

/** How often the admins' summary of new sign-ins is put together: a burst within it is one message. */
export const ACTIVATION_REPORT_EVERY_MS = 30_000;
/** Sign-ins younger than this wait for the next summary: their transaction may still be committing. */
export const ACTIVATION_REPORT_LAG_MS = 5000;
/** Names shown in one summary; the rest are counted. */
const NAMES_SHOWN = 10;

/**
 * Tells the admins in Telegram who has signed in for the first time: each run reports every activation since the
 * previous run's watermark (cabinet_settings.activations_reported_at) as one message per admin, so a burst of
 * hundreds is one summary, not hundreds of messages. The watermark is moved before anything is sent, by a
 * conditional update: two runs at once (two workers) cannot both report the same sign-ins. A summary that fails to
 * reach an admin is not retried (it is a courtesy; the status list and the report hold the truth).
 * `cabinet_settings.notify_activations` switches it off (the watermark still moves, so turning it back on does not
 * bring up old news).
 */
export function createActivationNotices(deps: { db: Db; telegram: TelegramOutbound | undefined; logger: Logger; clock?: Clock }) {
  const { db, logger } = deps;
  const clock = deps.clock ?? systemClock;

  async function run(): Promise<{ activations: number; admins: number }> {
    const settings = await db.cabinetSettings.findUnique({ where: { id: SETTINGS_ID }, select: { notifyActivations: true, activationsReportedAt: true } });
    if (!settings) return { activations: 0, admins: 0 };
    const now = clock.now();
    const cutoff = new Date(now.getTime() - ACTIVATION_REPORT_LAG_MS);
    const since = settings.activationsReportedAt;
    if (since && since >= cutoff) return { activations: 0, admins: 0 };
    const claimed = await db.cabinetSettings.updateMany({ where: { id: SETTINGS_ID, activationsReportedAt: since }, data: { activationsReportedAt: cutoff } });
    // Another run took this stretch; a first run ever only sets the watermark (nothing before it is news).
    if (claimed.count === 0 || !since || !settings.notifyActivations || !deps.telegram) return { activations: 0, admins: 0 };

    const activated = await db.employee.findMany({
      where: { activatedAt: { gt: since, lte: cutoff } },
      orderBy: { activatedAt: 'asc' },
      select: { id: true, lastName: true, firstName: true, middleName: true },
    });
    if (activated.length === 0) return { activations: 0, admins: 0 };
    const admins = await db.employee.findMany({
      where: { OR: [{ roles: { some: { role: Role.ADMIN } } }, { responsibleFor: { isNot: null } }], telegramAccount: { is: { blockedAt: null } } },
      select: { id: true, ...EMPLOYEE_ROLE_SOURCE, telegramAccount: { select: { id: true, chatId: true, language: true } } },
    });
    let told = 0;
    for (const admin of admins) {
      const account = admin.telegramAccount;
      if (!account || !effectiveRoles(admin, now).includes(Role.ADMIN)) continue;
      // Their own sign-in is no news to them.
      const others = activated.filter((e) => e.id !== admin.id);
      if (others.length === 0) continue;
      const language: Language = (LANGUAGES as readonly string[]).includes(account.language ?? '') ? (account.language as Language) : DEFAULT_LANGUAGE;
      try {
        await deliverIntent(deps.telegram, { kind: 'activations', chatId: account.chatId, language, count: others.length, names: others.slice(0, NAMES_SHOWN).map(fullName) });
        told += 1;
      } catch (error) {
        if (error instanceof RecipientBlockedError) await db.telegramAccount.update({ where: { id: account.id }, data: { blockedAt: clock.now() } });
        else logger.warn({ adminId: admin.id, err: safeError(error) }, 'could not tell an admin about new sign-ins');
      }
    }
    return { activations: activated.length, admins: told };
  }

  const job: JobDefinition<'report-activations'> = {
    name: 'report-activations',
    attempts: 1,
    backoffMs: 0,
    everyMs: ACTIVATION_REPORT_EVERY_MS,
    async handle() {
      const done = await run();
      if (done.activations > 0) logger.info(done, 'admins told about new sign-ins');
    },
  };

  return { run, job };
}

export type ActivationNotices = ReturnType<typeof createActivationNotices>;
