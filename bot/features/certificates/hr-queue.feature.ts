import { InlineKeyboard } from 'grammy';
import { Composer } from '../../composer.ts';
import type { Message } from 'grammy/types';
import { AppError } from '../../../core/errors.ts';
import type { BotContext } from '../../context.ts';
import { actorOf, requirePermission } from '../../filters/guards.ts';
import { awaitRejection, rejectionPending } from './certificate-draft.ts';
import { certificateCallbacks as cb } from './certificate.callbacks.ts';
import { errorText } from './texts.ts';

const HR = 'certificates.queue' as const;
/** The number as the card and the bot's prompts print it («С-000123»). */
const NUMBER = /[СC]-\d{6,}/;

/** The request a message answers: a reply to one of the bot's own messages (a card or a prompt) naming its number. */
function repliedRequest(ctx: BotContext): string | null {
  const replied: Message | undefined = ctx.message?.reply_to_message;
  if (!replied || replied.from?.id !== ctx.me.id) return null;
  return NUMBER.exec(replied.text ?? replied.caption ?? '')?.[0] ?? null;
}

/** A reply in the group that quotes what it answers (the chat may be busy). */
const quoting = (ctx: BotContext) => (ctx.msgId !== undefined ? { reply_parameters: { message_id: ctx.msgId, allow_sending_without_reply: true } } : {});

/**
 * The HR chat: `/hrchat` binds a group (admins only), and the cards the outbox posts there are worked with their
 * buttons: «Взять», «Готово» (then a reply with the document, or "ready for pickup"), «Отклонить» (then a reply
 * with the reason). Each press and reply is checked against the presser's roles as read in this update's session;
 * the data only names a request, and the service refuses what its status does not allow (replays change nothing).
 * The card itself is re-drawn by the outbox job after each change, and the employee is told by it too.
 */
export const hrQueueFeature = new Composer<BotContext>();
const group = hrQueueFeature.chatType(['group', 'supergroup']);

hrQueueFeature.chatType('private').command('hrchat', (ctx) => ctx.reply(ctx.t('certificates:hr.bind_in_group')));

group.command('hrchat', requirePermission('hr-chat.bind'), async (ctx) => {
  await ctx.deps.hrChats.bind(actorOf(ctx)!, { chatId: BigInt(ctx.chat.id), title: ctx.chat.title ?? null, language: ctx.language });
  await ctx.reply(ctx.t('certificates:hr.bound'), quoting(ctx));
});

/** Runs an HR action; a refusal of the service (taken already, closed, not found) is told to the presser only. */
async function act(ctx: BotContext, action: () => Promise<string | undefined>): Promise<void> {
  try {
    const text = await action();
    await ctx.answerCallbackQuery(text ? { text } : {});
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    await ctx.answerCallbackQuery({ text: errorText(ctx, error), show_alert: true });
  }
}

const stale = (ctx: BotContext) => ctx.answerCallbackQuery({ text: ctx.t('certificates:order.stale'), show_alert: true });

group.callbackQuery(cb.take.anyWithPrefix, requirePermission(HR), async (ctx) => {
  const data = cb.take.unpack(ctx.callbackQuery.data);
  if (!data) return stale(ctx);
  await act(ctx, async () => {
    const request = await ctx.deps.certificates.take(actorOf(ctx)!, data.requestId, ctx.language);
    return ctx.t('certificates:hr.taken_ok', { number: request.number });
  });
});

group.callbackQuery(cb.done.anyWithPrefix, requirePermission(HR), async (ctx) => {
  const data = cb.done.unpack(ctx.callbackQuery.data);
  if (!data) return stale(ctx);
  await act(ctx, async () => {
    const request = await ctx.deps.certificates.get(actorOf(ctx)!, data.requestId, ctx.language);
    if (request.status !== 'IN_PROGRESS') throw new AppError(request.status === 'NEW' ? 'CERTIFICATE_NOT_TAKEN' : 'CERTIFICATE_CLOSED', 'conflict', { number: request.number });
    const keyboard = new InlineKeyboard().text(ctx.t('certificates:hr.pickup'), cb.pickup.pack({ requestId: request.id }));
    const card = ctx.callbackQuery.message?.message_id;
    await ctx.reply(ctx.t('certificates:hr.send_document', { number: request.number }), {
      reply_markup: keyboard,
      ...(card !== undefined ? { reply_parameters: { message_id: card, allow_sending_without_reply: true } } : {}),
    });
    return undefined;
  });
});

group.callbackQuery(cb.pickup.anyWithPrefix, requirePermission(HR), async (ctx) => {
  const data = cb.pickup.unpack(ctx.callbackQuery.data);
  if (!data) return stale(ctx);
  await act(ctx, async () => {
    const request = await ctx.deps.certificates.completeForPickup(actorOf(ctx)!, data.requestId, ctx.language);
    await ctx.editMessageReplyMarkup().catch(() => undefined);
    return ctx.t('certificates:hr.pickup_ok', { number: request.number });
  });
});

group.callbackQuery(cb.reject.anyWithPrefix, requirePermission(HR), async (ctx) => {
  const data = cb.reject.unpack(ctx.callbackQuery.data);
  if (!data) return stale(ctx);
  await act(ctx, async () => {
    const request = await ctx.deps.certificates.get(actorOf(ctx)!, data.requestId, ctx.language);
    if (request.status !== 'NEW' && request.status !== 'IN_PROGRESS') throw new AppError('CERTIFICATE_CLOSED', 'conflict', { number: request.number });
    // The reason comes as a reply (group privacy mode lets replies to the bot through); who is answering is stored.
    await awaitRejection(ctx, request.id);
    const card = ctx.callbackQuery.message?.message_id;
    await ctx.reply(ctx.t('certificates:hr.ask_reason', { number: request.number }), {
      reply_markup: { force_reply: true, selective: true },
      ...(card !== undefined ? { reply_parameters: { message_id: card, allow_sending_without_reply: true } } : {}),
    });
    return undefined;
  });
});

// «Готово» with a document: a PDF or a photo sent as a reply to the card (or to the bot's prompt).
group
  .on(['message:document', 'message:photo'])
  .filter((ctx) => repliedRequest(ctx) !== null, requirePermission(HR), async (ctx) => {
    const number = repliedRequest(ctx)!;
    const document = ctx.message.document;
    const photo = ctx.message.photo?.at(-1);
    const fileId = document?.file_id ?? photo!.file_id;
    try {
      const data = await ctx.deps.files.download(ctx.api, fileId);
      const request = await ctx.deps.certificates.completeWithDocument(actorOf(ctx)!, number, { data, fileName: document?.file_name ?? null }, ctx.language);
      await ctx.reply(ctx.t('certificates:hr.document_ok', { number: request.number }), quoting(ctx));
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      await ctx.reply(errorText(ctx, error), quoting(ctx));
    }
  });

// «Отклонить»: the reason, as a reply to the bot, from the HR member who pressed the button.
group.on('message:text').filter(
  (ctx) => rejectionPending(ctx) !== null && ctx.message.reply_to_message?.from?.id === ctx.me.id && !ctx.message.text.startsWith('/'),
  requirePermission(HR),
  async (ctx) => {
    const requestId = rejectionPending(ctx)!;
    await awaitRejection(ctx, null);
    try {
      const request = await ctx.deps.certificates.reject(actorOf(ctx)!, requestId, ctx.message.text, ctx.language);
      await ctx.reply(ctx.t('certificates:hr.rejected_ok', { number: request.number }), quoting(ctx));
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      await ctx.reply(errorText(ctx, error), quoting(ctx));
    }
  },
);
