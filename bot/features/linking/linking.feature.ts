import { Composer } from '../../composer.ts';
import type { CodeChannels, Identification, IdentifyResult, Linked, VerifyResult } from '../../../core/linking/linking.service.ts';
import { safeError } from '../../../core/logger.ts';
import type { BotContext } from '../../context.ts';
import { contactKeyboard, mainMenu } from '../../keyboards.ts';

const CODE = /^\s*(\d{3})\s?-?(\d{3})\s*$/;
const EMAIL_LIKE = /@/;
const PHONE_LIKE = /^[+\d\s()\-.]{7,}$/;

/** Sign-in: /start (with an invitation token or without), a shared or typed contact, the code. Private chat only. */
export const linkingFeature = new Composer<BotContext>();
const chat = linkingFeature.chatType('private');

/**
 * Which channels this Kabinet sends codes by, said to everyone alike: it depends on the configuration only, so
 * nobody learns anything about a contact, and whoever has no phone or e-mail on such a channel knows to ask HR.
 */
const channelsContext = (channels: CodeChannels): 'sms' | 'email' | undefined =>
  channels.sms === channels.email ? undefined : channels.sms ? 'sms' : 'email';
const channelsNote = (ctx: BotContext) => ctx.t('linking:channels', { context: channelsContext(ctx.deps.linking.channels) });

chat.command('start', async (ctx) => {
  const payload = ctx.match.trim();
  if (payload) {
    await ctx.reply(ctx.t('linking:invitation_welcome'));
    return answerIdentify(ctx, await ctx.deps.linking.identify(ctx.user, { kind: 'invitation', token: payload }));
  }
  if (ctx.kabinet.employee) {
    return ctx.reply(ctx.t('linking:linked', { name: ctx.kabinet.employee.firstName }), { reply_markup: mainMenu(ctx.t) });
  }
  await ctx.reply(`${ctx.t('linking:welcome')}\n\n${channelsNote(ctx)}`, { reply_markup: contactKeyboard(ctx.t) });
});

chat.on('message:contact', async (ctx) => {
  // Only the sender's own contact proves anything: a forwarded card of a colleague is refused.
  if (ctx.message.contact.user_id !== ctx.from.id) {
    return ctx.reply(ctx.t('linking:foreign_contact'), { reply_markup: contactKeyboard(ctx.t) });
  }
  // Telegram shares numbers in international form without the "+" (380…, 49…): read them as such, never as a
  // Russian national number that happens to have the same digits.
  const shared = ctx.message.contact.phone_number.trim();
  await identify(ctx, { kind: 'phone', value: shared.startsWith('+') ? shared : `+${shared}`, verifiedContact: true });
});

chat.on('message:text', async (ctx, next) => {
  const text = ctx.message.text.trim();
  if (text.startsWith('/')) return next();
  const code = CODE.exec(text);
  if (code) return answerVerify(ctx, await ctx.deps.linking.verify(ctx.user, `${code[1]}${code[2]}`));
  if (ctx.kabinet.employee) return next();
  if (EMAIL_LIKE.test(text)) return identify(ctx, { kind: 'email', value: text });
  if (PHONE_LIKE.test(text)) return identify(ctx, { kind: 'phone', value: text, verifiedContact: false });
  await ctx.reply(ctx.t('linking:invalid_contact'), { reply_markup: contactKeyboard(ctx.t) });
});

async function identify(ctx: BotContext, identification: Identification) {
  await answerIdentify(ctx, await ctx.deps.linking.identify(ctx.user, identification));
}

async function answerIdentify(ctx: BotContext, result: IdentifyResult) {
  switch (result.kind) {
    case 'code_sent':
      return ctx.reply(ctx.t('linking:code_sent', { minutes: ctx.deps.codeTtlMinutes, context: channelsContext(ctx.deps.linking.channels) }), { reply_markup: { remove_keyboard: true } });
    case 'cooldown':
      return ctx.reply(ctx.t('linking:cooldown', { count: result.seconds }));
    case 'rate_limited':
      return ctx.reply(ctx.t('linking:rate_limited', { count: result.minutes }));
    case 'invalid_contact':
      return ctx.reply(ctx.t('linking:invalid_contact'), { reply_markup: contactKeyboard(ctx.t) });
    case 'invalid_invitation':
      return ctx.reply(ctx.t('linking:invitation_invalid'), { reply_markup: contactKeyboard(ctx.t) });
    case 'locked':
      return ctx.reply(ctx.t('linking:locked'), { reply_markup: { remove_keyboard: true } });
    case 'linked':
      return welcomeLinked(ctx, result.linked);
  }
}

async function answerVerify(ctx: BotContext, result: VerifyResult) {
  switch (result.kind) {
    case 'linked':
      return welcomeLinked(ctx, result.linked);
    case 'wrong':
      return ctx.reply(ctx.t('linking:wrong_code', { count: result.attemptsLeft }));
    case 'expired':
    case 'too_many_attempts':
    case 'no_code':
    case 'locked':
      return ctx.reply(ctx.t(`linking:${result.kind}`));
    case 'refused':
      // Only the holder of a real code gets here: saying that the cabinet is closed tells them nothing new.
      return ctx.reply(ctx.t('linking:disabled'), { reply_markup: { remove_keyboard: true } });
  }
}

async function welcomeLinked(ctx: BotContext, linked: Linked) {
  await ctx.reply(ctx.t('linking:linked', { name: linked.firstName }), { reply_markup: mainMenu(ctx.t) });
  if (linked.previousChatId !== null) {
    // The old account learns why it lost access; a failure here (it blocked the bot) must not undo the link.
    await ctx.api
      .sendMessage(Number(linked.previousChatId), ctx.deps.translator.t(linked.previousLanguage ?? ctx.language)('linking:linked_elsewhere'))
      .catch((error: unknown) => ctx.logger.warn({ err: safeError(error) }, 'could not tell the previous account'));
  }
}
