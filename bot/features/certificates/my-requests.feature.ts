import { InlineKeyboard } from 'grammy';
import { Composer } from '../../composer.ts';
import { AppError } from '../../../core/errors.ts';
import type { BotContext } from '../../context.ts';
import { actorOf, linkedEmployee } from '../../filters/guards.ts';
import { certificateCallbacks as cb } from './certificate.callbacks.ts';
import { errorText, formatDay } from './texts.ts';

const SHOWN = 10;

/** «Мои заявки»: the employee's requests with status and deadline; those nobody has taken can be cancelled. */
export function myRequestsFeature(labels: string[]) {
  const feature = new Composer<BotContext>();
  const chat = feature.chatType('private');

  const show = async (ctx: BotContext) => {
    if (!(await linkedEmployee(ctx))) return;
    const page = await ctx.deps.certificates.mine(actorOf(ctx)!, { pageSize: SHOWN });
    if (page.total === 0) return void (await ctx.reply(ctx.t('certificates:mine.empty')));
    const lines = [ctx.t('certificates:mine.title', { count: page.total })];
    const keyboard = new InlineKeyboard();
    for (const r of page.items) {
      const open = r.status === 'NEW' || r.status === 'IN_PROGRESS';
      lines.push(ctx.t(open ? 'certificates:mine.line_open' : 'certificates:mine.line', { number: r.number, type: r.type.name, status: ctx.t(`certificates:status.${r.status}`), date: formatDay(r.deadlineOn, ctx.language) }));
      if (r.status === 'NEW' && r.assignee === null) keyboard.text(ctx.t('certificates:mine.cancel', { number: r.number }), cb.cancel.pack({ requestId: r.id })).row();
    }
    if (page.total > page.items.length) lines.push(ctx.t('certificates:mine.more', { count: page.total - page.items.length }));
    await ctx.reply(lines.join('\n'), keyboard.inline_keyboard.length > 0 ? { reply_markup: keyboard } : {});
  };
  chat.command('requests', show);
  chat.hears(labels, show);

  // The id in the data is only a name: the service cancels only the sender's own request, and only while it is new.
  chat.callbackQuery(cb.cancel.anyWithPrefix, async (ctx) => {
    if (!(await linkedEmployee(ctx))) return;
    const data = cb.cancel.unpack(ctx.callbackQuery.data);
    if (!data) return void (await ctx.answerCallbackQuery({ text: ctx.t('certificates:order.stale'), show_alert: true }));
    try {
      const request = await ctx.deps.certificates.cancel(actorOf(ctx)!, data.requestId);
      await ctx.answerCallbackQuery();
      await ctx.reply(ctx.t('certificates:mine.cancelled', { number: request.number, type: request.type.name }));
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      await ctx.answerCallbackQuery({ text: errorText(ctx, error), show_alert: true });
    }
  });
  return feature;
}
