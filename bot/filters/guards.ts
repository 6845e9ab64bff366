import type { BotContext } from '../context.ts';

type LinkedEmployee = NonNullable<BotContext['kabinet']['employee']>;

/** The employee this Telegram account is linked as, or a "sign in first" answer and null. */
export async function linkedEmployee(ctx: BotContext): Promise<LinkedEmployee | null> {
  const employee = ctx.kabinet.employee;
  if (employee) return employee;
  if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: ctx.t('linking:not_linked'), show_alert: true });
  else await ctx.reply(ctx.t('linking:not_linked'));
  return null;
}
