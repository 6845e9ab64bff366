import { Composer } from '../../composer.ts';
import { LANGUAGES, type Language } from '../../../core/i18n.ts';
import type { BotContext } from '../../context.ts';
import { languageKeyboard, mainMenu, menuLabels } from '../../keyboards.ts';

/** /help, /whoami, /language, /logout: everything about the account itself, in the private chat only. */
export function accountFeature(labels: { whoami: string[]; language: string[]; help: string[] }) {
  const feature = new Composer<BotContext>();
  const chat = feature.chatType('private');

  const help = (ctx: BotContext) => ctx.reply(ctx.t('help'));
  chat.command('help', help);
  chat.hears(labels.help, help);

  const language = (ctx: BotContext) => ctx.reply(ctx.t('language_choose'), { reply_markup: languageKeyboard() });
  chat.command('language', language);
  chat.hears(labels.language, language);

  chat.callbackQuery(/^lang:([a-z]{2})$/, async (ctx) => {
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
    const text = ctx.t('whoami', {
      name: e.fullName,
      personnelNumber: e.personnelNumber,
      organization: e.organization,
      department: e.department ?? none,
      position: e.position ?? none,
    });
    // Roles as this update's session read them: what the bot will let this person do right now.
    const roles = e.roles.map((role) => ctx.t(`roles.${role}`)).join(', ');
    await ctx.reply(roles ? `${text}\n${ctx.t('whoami_roles', { roles })}` : text);
  };
  chat.command('whoami', whoami);
  chat.hears(labels.whoami, whoami);
  chat.callbackQuery('set:whoami', async (ctx) => {
    await ctx.answerCallbackQuery();
    await whoami(ctx);
  });

  chat.command('logout', async (ctx) => {
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
