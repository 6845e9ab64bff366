import { InlineKeyboard } from 'grammy';
import { Composer } from '../../composer.ts';
import type { BotContext } from '../../context.ts';
import { languageKeyboard } from '../../keyboards.ts';
import { linkedEmployee } from '../../filters/guards.ts';

const PDF_PASSWORD = 'pdf_password';

/** Settings: the PDF password (asked for in the chat, the message deleted at once) and the language. */
export function settingsFeature(labels: string[]) {
  const feature = new Composer<BotContext>();
  const chat = feature.chatType('private');

  const show = async (ctx: BotContext) => {
    const employee = await linkedEmployee(ctx);
    if (!employee) return;
    const has = await ctx.deps.payslips.hasPassword(employee.id);
    const keyboard = new InlineKeyboard().text(ctx.t(has ? 'settings.change_password' : 'settings.set_password'), 'set:pwd');
    if (has) keyboard.text(ctx.t('settings.clear_password'), 'set:pwd-clear');
    keyboard.row().text(ctx.t('settings.language'), 'set:lang').text(ctx.t('settings.whoami'), 'set:whoami');
    await ctx.reply(`${ctx.t('settings.title')}\n\n${ctx.t(has ? 'settings.password_on' : 'settings.password_off')}`, { reply_markup: keyboard });
  };
  chat.command('settings', show);
  chat.hears(labels, show);

  chat.callbackQuery('set:pwd', async (ctx) => {
    if (!(await linkedEmployee(ctx))) return;
    await ctx.deps.linking.setPendingInput(ctx.user, PDF_PASSWORD);
    await ctx.answerCallbackQuery();
    await ctx.reply(ctx.t('settings.ask_password'), { reply_markup: { force_reply: true } });
  });
  chat.callbackQuery('set:pwd-clear', async (ctx) => {
    const employee = await linkedEmployee(ctx);
    if (!employee) return;
    await ctx.deps.payslips.clearPassword(employee.id);
    await ctx.answerCallbackQuery();
    await ctx.reply(ctx.t('settings.password_cleared'));
  });
  chat.callbackQuery('set:lang', async (ctx) => {
    await ctx.answerCallbackQuery();
    await ctx.reply(ctx.t('language_choose'), { reply_markup: languageKeyboard() });
  });
  return feature;
}

/**
 * Answers to a question the bot asked (the PDF password). Runs before the sign-in handler, which would take a
 * password of six digits for a code. The message is deleted at once so the password does not stay in the chat.
 */
export const pendingInputFeature = new Composer<BotContext>();
pendingInputFeature.chatType('private').on('message:text', async (ctx, next) => {
  if (ctx.kabinet.pendingInput !== PDF_PASSWORD || !ctx.kabinet.employee || ctx.message.text.startsWith('/')) return next();
  await ctx.deleteMessage().catch(() => undefined);
  const result = await ctx.deps.payslips.setPassword(ctx.kabinet.employee.id, ctx.message.text);
  if (result !== 'set') return ctx.reply(ctx.t(`settings.password_${result}`));
  await ctx.deps.linking.setPendingInput(ctx.user, null);
  await ctx.reply(ctx.t('settings.password_set'));
});
