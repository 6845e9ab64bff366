import { Composer } from 'grammy';
import { LANGUAGES, type Language } from '../../../core/i18n.ts';
import type { BotContext } from '../../context.ts';
import { languageKeyboard, mainMenu, menuLabels } from '../../keyboards.ts';

/** /help, /whoami, /language, /logout: everything about the account itself. */
export function accountFeature(labels: { whoami: string[]; language: string[]; help: string[] }) {
  const feature = new Composer<BotContext>();

  const help = (ctx: BotContext) => ctx.reply(ctx.t('help'));
  feature.command('help', help);
  feature.hears(labels.help, help);

  const language = (ctx: BotContext) => ctx.reply(ctx.t('language_choose'), { reply_markup: languageKeyboard() });
  feature.command('language', language);
  feature.hears(labels.language, language);

  feature.callbackQuery(/^lang:([a-z]{2})$/, async (ctx) => {
    const choice = ctx.match[1] as Language;
    // Callback data is user input: only a supported language is stored.
    if (!LANGUAGES.includes(choice)) return ctx.answerCallbackQuery();
    await ctx.deps.linking.setLanguage(ctx.user, choice);
    const t = ctx.deps.translator.t(choice);
    await ctx.answerCallbackQuery();
    await ctx.editMessageReplyMarkup().catch(() => undefined);
    await ctx.reply(t('language_set'), ctx.kabinet.employee ? { reply_markup: mainMenu(t) } : {});
  });

  const whoami = async (ctx: BotContext) => {
    const e = ctx.kabinet.employee;
    if (!e) return ctx.reply(ctx.t('linking:not_linked'));
    const none = ctx.t('not_set');
    await ctx.reply(ctx.t('whoami', {
      name: e.fullName,
      personnelNumber: e.personnelNumber,
      organization: e.organization,
      department: e.department ?? none,
      position: e.position ?? none,
    }));
  };
  feature.command('whoami', whoami);
  feature.hears(labels.whoami, whoami);
  feature.callbackQuery('set:whoami', async (ctx) => {
    await ctx.answerCallbackQuery();
    await whoami(ctx);
  });

  feature.command('logout', async (ctx) => {
    const done = await ctx.deps.linking.logout(ctx.user);
    await ctx.reply(ctx.t(done ? 'logout_done' : 'logout_nothing'), { reply_markup: { remove_keyboard: true } });
  });

  return feature;
}

export const accountLabels = (translator: Parameters<typeof menuLabels>[0]) => ({
  whoami: menuLabels(translator, 'whoami'),
  language: menuLabels(translator, 'language'),
  help: menuLabels(translator, 'help'),
});
