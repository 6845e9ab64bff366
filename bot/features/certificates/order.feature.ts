import { InlineKeyboard } from 'grammy';
import { Composer } from '../../composer.ts';
import type { EmployeeActor } from '../../../core/access/actor.ts';
import type { ResolvedField } from '../../../core/certificates/certificate-fields.ts';
import { formatFieldValue, parseFieldValue } from '../../../core/certificates/certificate-fields.ts';
import { AppError } from '../../../core/errors.ts';
import type { BotContext } from '../../context.ts';
import { actorOf, linkedEmployee } from '../../filters/guards.ts';
import { type CertificateDraft, newNonce, readDraft, saveDraft } from './certificate-draft.ts';
import { certificateCallbacks as cb } from './certificate.callbacks.ts';
import { errorText, formatDay } from './texts.ts';

/** Kinds answered with a button; the others are typed. */
const BUTTON_KINDS = new Set(['choice', 'yes_no', 'copies']);

/** The actor of a linked sender (told to sign in otherwise). */
async function employeeActor(ctx: BotContext): Promise<EmployeeActor | null> {
  return (await linkedEmployee(ctx)) ? actorOf(ctx) : null;
}

/** A press that does not match the sender's stored dialog: an old message, a replay, or forged data. */
const stale = (ctx: BotContext) => ctx.answerCallbackQuery({ text: ctx.t('certificates:order.stale'), show_alert: true });

async function fieldsOf(ctx: BotContext, actor: EmployeeActor, typeCode: string) {
  return ctx.deps.certificates.form(actor, typeCode);
}

/** Asks the draft's current question, or shows the confirmation screen once every question is answered. */
async function ask(ctx: BotContext, draft: CertificateDraft, fields: ResolvedField[], typeName: string): Promise<void> {
  await saveDraft(ctx, draft);
  if (draft.step >= fields.length) return confirm(ctx, draft, fields, typeName);
  const field = fields[draft.step]!;
  const language = ctx.language;
  const keyboard = new InlineKeyboard();
  const answer = (text: string, value: number) => keyboard.text(text, cb.answer.pack({ nonce: draft.nonce, step: draft.step, value }));
  switch (field.kind) {
    case 'choice':
      field.options.forEach((o, i) => answer(o.label[language], i).row());
      break;
    case 'yes_no':
      answer(ctx.t('certificates:yes_button'), 1);
      answer(ctx.t('certificates:no_button'), 0);
      keyboard.row();
      break;
    case 'copies':
      for (let n = 0; n <= field.max; n++) {
        answer(String(n), n);
        if (n % 6 === 5) keyboard.row();
      }
      keyboard.row();
      break;
    default:
      break;
  }
  if (field.optional) keyboard.text(ctx.t('certificates:order.skip'), cb.skip.pack({ nonce: draft.nonce, step: draft.step })).row();
  const lines = [ctx.t('certificates:order.question', { type: typeName, n: draft.step + 1, total: fields.length }), field.label[language]];
  if (!BUTTON_KINDS.has(field.kind)) lines.push(ctx.t('certificates:order.type_answer'));
  lines.push(ctx.t('certificates:order.cancel_hint'));
  await ctx.reply(lines.join('\n\n'), keyboard.inline_keyboard.length > 0 ? { reply_markup: keyboard } : {});
}

async function confirm(ctx: BotContext, draft: CertificateDraft, fields: ResolvedField[], typeName: string): Promise<void> {
  const today = ctx.deps.calendar.today();
  const words = { yes: ctx.t('certificates:yes'), no: ctx.t('certificates:no') };
  const lines = [ctx.t('certificates:order.confirm_title', { type: typeName })];
  for (const field of fields) {
    if (!(field.key in draft.answers)) continue;
    const parsed = parseFieldValue(field, draft.answers[field.key], today);
    if (parsed.ok) lines.push(`${field.label[ctx.language]}: ${formatFieldValue(field, parsed.value, ctx.language, words)}`);
  }
  const keyboard = new InlineKeyboard()
    .text(ctx.t('certificates:order.send'), cb.send.pack({ nonce: draft.nonce }))
    .row()
    .text(ctx.t('certificates:order.edit'), cb.edit.pack({ nonce: draft.nonce }))
    .text(ctx.t('certificates:order.stop'), cb.stop.pack({ nonce: draft.nonce }));
  await ctx.reply(lines.join('\n'), { reply_markup: keyboard });
}

/**
 * Records an answer (raw, as pressed or typed) after the service's parser accepts it, and moves to the next
 * question; a bad answer is explained in the user's language and the question asked again.
 */
async function answerWith(ctx: BotContext, draft: CertificateDraft, fields: ResolvedField[], typeName: string, raw: string | number | boolean | undefined): Promise<void> {
  const field = fields[draft.step]!;
  if (raw !== undefined) {
    const parsed = parseFieldValue(field, raw, ctx.deps.calendar.today());
    if (!parsed.ok) {
      await ctx.reply(ctx.t(`certificates:field_problem.${parsed.code}`, parsed.params ?? {}));
      return ask(ctx, draft, fields, typeName);
    }
    draft.answers[field.key] = raw;
  }
  return ask(ctx, { ...draft, step: draft.step + 1 }, fields, typeName);
}

/** «Справки»: the catalogue → the type's questions one at a time → confirmation → a request with its number. */
export function orderFeature(labels: string[]) {
  const feature = new Composer<BotContext>();
  const chat = feature.chatType('private');

  const showCatalogue = async (ctx: BotContext) => {
    if (!(await employeeActor(ctx))) return;
    const types = await ctx.deps.catalogue.available();
    if (types.length === 0) return void (await ctx.reply(ctx.t('certificates:order.empty')));
    const draft: CertificateDraft = { nonce: newNonce(), typeCode: null, step: 0, answers: {} };
    await saveDraft(ctx, draft);
    const keyboard = new InlineKeyboard();
    for (const type of types) keyboard.text(type.name[ctx.language], cb.type.pack({ nonce: draft.nonce, typeId: type.id })).row();
    await ctx.reply(ctx.t('certificates:order.choose'), { reply_markup: keyboard });
  };
  chat.command('certificates', showCatalogue);
  chat.hears(labels, showCatalogue);

  chat.command('cancel', async (ctx, next) => {
    if (!readDraft(ctx)) return next();
    await saveDraft(ctx, null);
    await ctx.reply(ctx.t('certificates:order.cancelled'));
  });

  /** The sender's draft at a press, checked against the press's nonce (and step, when the button answers one). */
  const draftFor = (ctx: BotContext, nonce: string, step?: number): CertificateDraft | null => {
    const draft = readDraft(ctx);
    if (!draft || draft.nonce !== nonce) return null;
    if (step !== undefined && (draft.typeCode === null || draft.step !== step)) return null;
    return draft;
  };

  /** Runs a dialog step; what the service refuses (a type switched off meanwhile, a bad answer) is said plainly. */
  const guarded = async (ctx: BotContext, step: () => Promise<void>) => {
    try {
      await step();
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      await saveDraft(ctx, null);
      await ctx.reply(errorText(ctx, error));
    }
  };

  chat.callbackQuery(cb.type.anyWithPrefix, async (ctx) => {
    const actor = await employeeActor(ctx);
    if (!actor) return;
    const data = cb.type.unpack(ctx.callbackQuery.data);
    const draft = data && draftFor(ctx, data.nonce);
    if (!data || !draft || draft.typeCode !== null) return stale(ctx);
    const type = (await ctx.deps.catalogue.available()).find((t) => t.id === data.typeId);
    if (!type) return stale(ctx);
    await ctx.answerCallbackQuery();
    await guarded(ctx, async () => {
      const { fields } = await fieldsOf(ctx, actor, type.code);
      await ask(ctx, { nonce: draft.nonce, typeCode: type.code, step: 0, answers: {} }, fields, type.name[ctx.language]);
    });
  });

  chat.callbackQuery([cb.answer.anyWithPrefix, cb.skip.anyWithPrefix], async (ctx) => {
    const actor = await employeeActor(ctx);
    if (!actor) return;
    const data = cb.answer.unpack(ctx.callbackQuery.data) ?? cb.skip.unpack(ctx.callbackQuery.data);
    const draft = data && draftFor(ctx, data.nonce, data.step);
    if (!data || !draft) return stale(ctx);
    await guarded(ctx, async () => {
      const { type, fields } = await fieldsOf(ctx, actor, draft.typeCode!);
      const field = fields[draft.step];
      if (!field) return void (await stale(ctx));
      let raw: string | number | boolean | undefined;
      if ('value' in data) {
        const value = data.value as number;
        if (field.kind === 'choice') raw = field.options[value]?.value;
        else if (field.kind === 'yes_no') raw = value === 1 ? true : value === 0 ? false : undefined;
        else if (field.kind === 'copies') raw = value <= field.max ? value : undefined;
        if (raw === undefined) return void (await stale(ctx));
      } else if (!field.optional) return void (await stale(ctx));
      await ctx.answerCallbackQuery();
      await answerWith(ctx, draft, fields, type.name[ctx.language], raw);
    });
  });

  chat.callbackQuery(cb.send.anyWithPrefix, async (ctx) => {
    const actor = await employeeActor(ctx);
    if (!actor) return;
    const data = cb.send.unpack(ctx.callbackQuery.data);
    const draft = data && draftFor(ctx, data.nonce);
    if (!draft || draft.typeCode === null) return stale(ctx);
    // The draft goes first: a second press of «Send» (or a replay) finds nothing to send.
    await saveDraft(ctx, null);
    await ctx.answerCallbackQuery();
    try {
      const request = await ctx.deps.certificates.create(actor, { typeCode: draft.typeCode, fields: draft.answers });
      const vars = { number: request.number, type: request.type.name, date: formatDay(request.deadlineOn, ctx.language) };
      const key = !request.type.instant ? 'created' : request.status === 'DONE' ? 'created_instant' : 'created_instant_copies';
      await ctx.reply(ctx.t(`certificates:order.${key}`, vars));
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      // An answer that no longer holds (e.g. dates now in the past): back to that question.
      const { type, fields } = await fieldsOf(ctx, actor, draft.typeCode);
      const step = fields.findIndex((f) => f.key === error.params.field);
      await ctx.reply(errorText(ctx, error));
      if (step >= 0) await ask(ctx, { ...draft, step }, fields, type.name[ctx.language]);
      else await confirm(ctx, await restore(ctx, draft), fields, type.name[ctx.language]);
    }
  });
  const restore = async (ctx: BotContext, draft: CertificateDraft) => {
    await saveDraft(ctx, draft);
    return draft;
  };

  chat.callbackQuery(cb.edit.anyWithPrefix, async (ctx) => {
    const actor = await employeeActor(ctx);
    if (!actor) return;
    const data = cb.edit.unpack(ctx.callbackQuery.data);
    const draft = data && draftFor(ctx, data.nonce);
    if (!draft || draft.typeCode === null) return stale(ctx);
    await ctx.answerCallbackQuery();
    await guarded(ctx, async () => {
      const { type, fields } = await fieldsOf(ctx, actor, draft.typeCode!);
      await ask(ctx, { ...draft, step: 0, answers: {} }, fields, type.name[ctx.language]);
    });
  });

  chat.callbackQuery(cb.stop.anyWithPrefix, async (ctx) => {
    const data = cb.stop.unpack(ctx.callbackQuery.data);
    if (!data || !draftFor(ctx, data.nonce)) return stale(ctx);
    await saveDraft(ctx, null);
    await ctx.answerCallbackQuery();
    await ctx.reply(ctx.t('certificates:order.cancelled'));
  });

  // A typed answer to the current question. Commands and other features' menu buttons are not answers.
  chat.on('message:text', async (ctx, next) => {
    const draft = readDraft(ctx);
    if (!draft || draft.typeCode === null || ctx.message.text.startsWith('/')) return next();
    const actor = await employeeActor(ctx);
    if (!actor) return;
    await guarded(ctx, async () => {
      const { type, fields } = await fieldsOf(ctx, actor, draft.typeCode!);
      const typeName = type.name[ctx.language];
      const field = fields[draft.step];
      if (!field) return void (await ctx.reply(ctx.t('certificates:order.use_buttons')));
      let raw: string = ctx.message.text;
      // A choice may be typed as its label too.
      if (field.kind === 'choice') raw = field.options.find((o) => o.label[ctx.language].toLowerCase() === raw.trim().toLowerCase())?.value ?? raw;
      await answerWith(ctx, draft, fields, typeName, raw);
    });
  });

  return feature;
}
