import { InlineKeyboard, InputFile } from 'grammy';
import { Composer } from '../../composer.ts';
import type { PayslipListItem } from '../../../core/payslips/payslip.service.ts';
import { formatPeriod } from '../../../core/pdf/format.ts';
import type { BotContext } from '../../context.ts';
import { linkedEmployee } from '../../filters/guards.ts';
import { payslipCallbacks } from './payslip.callbacks.ts';

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** Payslips: a picker over the periods that exist (paged by year), /payslip YYYY-MM, and «Ознакомлен». */
export function payslipFeature(labels: string[]) {
  const feature = new Composer<BotContext>();
  // Payslips are personal: they are shown, sent and acknowledged in the private chat only, whatever a button says.
  const chat = feature.chatType('private');

  const picker = async (ctx: BotContext, year?: number) => {
    const employee = await linkedEmployee(ctx);
    if (!employee) return;
    const page = await ctx.deps.payslips.list(employee.id, year);
    if (page.year === null) return ctx.reply(ctx.t('payslip:none'));
    const keyboard = pickerKeyboard(ctx, page.items, page.year, page.years);
    const text = ctx.t('payslip:choose_year', { year: page.year });
    if (ctx.callbackQuery) {
      await ctx.answerCallbackQuery();
      await ctx.editMessageText(text, { reply_markup: keyboard }).catch(() => ctx.reply(text, { reply_markup: keyboard }));
      return;
    }
    await ctx.reply(text, { reply_markup: keyboard });
  };

  chat.command('payslip', async (ctx) => {
    const arg = ctx.match.trim();
    if (!arg) return picker(ctx);
    const employee = await linkedEmployee(ctx);
    if (!employee) return;
    if (!PERIOD.test(arg)) return ctx.reply(ctx.t('payslip:bad_period'));
    const items = await ctx.deps.payslips.byPeriod(employee.id, arg);
    if (items.length === 0) return ctx.reply(ctx.t('payslip:not_found'));
    for (const item of items) await sendPayslip(ctx, item.id);
  });
  chat.hears(labels, (ctx) => picker(ctx));

  const expired = (ctx: BotContext) => ctx.answerCallbackQuery({ text: ctx.t('payslip:expired_button'), show_alert: true });

  chat.callbackQuery(payslipCallbacks.year.filter, (ctx) => picker(ctx, payslipCallbacks.year.unpack(ctx.callbackQuery.data)?.year));

  chat.callbackQuery(payslipCallbacks.open.filter, async (ctx) => {
    const data = payslipCallbacks.open.unpack(ctx.callbackQuery.data);
    if (!data) return expired(ctx);
    if (!(await linkedEmployee(ctx))) return;
    await ctx.answerCallbackQuery();
    await sendPayslip(ctx, data.payslipId);
  });

  chat.callbackQuery(payslipCallbacks.acknowledge.filter, async (ctx) => {
    const data = payslipCallbacks.acknowledge.unpack(ctx.callbackQuery.data);
    if (!data) return expired(ctx);
    const employee = await linkedEmployee(ctx);
    if (!employee) return;
    const { result, period } = await ctx.deps.payslips.acknowledge(employee.id, data.payslipId);
    if (result === 'not_found') return ctx.answerCallbackQuery({ text: ctx.t('payslip:expired_button'), show_alert: true });
    await ctx.answerCallbackQuery({ text: result === 'recorded' ? ctx.t('payslip:acknowledged', { period: formatPeriod(period!, ctx.language) }) : ctx.t('payslip:already_acknowledged') });
  });

  // Anything else that looks like ours is stale or forged: say so, send nothing.
  chat.callbackQuery(Object.values(payslipCallbacks).map((codec) => codec.anyWithPrefix), expired);

  return feature;
}

function pickerKeyboard(ctx: BotContext, items: PayslipListItem[], year: number, years: number[]): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  items.forEach((item, i) => {
    const period = formatPeriod(item.period, ctx.language, true);
    keyboard.text(ctx.t(item.kind === 'ADVANCE' ? 'payslip:button_advance' : 'payslip:button', { period }), payslipCallbacks.open.pack({ payslipId: item.id }));
    if (i % 2 === 1) keyboard.row();
  });
  keyboard.row();
  const index = years.indexOf(year);
  const older = years[index + 1];
  const newer = index > 0 ? years[index - 1] : undefined;
  if (older !== undefined) keyboard.text(ctx.t('payslip:older', { year: older }), payslipCallbacks.year.pack({ year: older }));
  if (newer !== undefined) keyboard.text(ctx.t('payslip:newer', { year: newer }), payslipCallbacks.year.pack({ year: newer }));
  return keyboard;
}

/** Sends one payslip of the linked employee; "upload_document" shows only once there is a payslip to render. */
async function sendPayslip(ctx: BotContext, id: string): Promise<void> {
  const employee = ctx.kabinet.employee!;
  const found = await ctx.deps.payslips.find(employee.id, id);
  if (!found) {
    await ctx.reply(ctx.t('payslip:not_found'));
    return;
  }
  await ctx.replyWithChatAction('upload_document');
  const document = await ctx.deps.payslips.render(found, ctx.language);
  const period = formatPeriod(document.period, ctx.language);
  // Final and advance payslips of one month would otherwise look alike in the chat.
  const kind = ctx.t(`payslip:kind.${document.kind}`);
  await ctx.replyWithDocument(new InputFile(document.pdf, document.fileName), {
    caption: ctx.t(document.protected ? 'payslip:caption_protected' : 'payslip:caption', { period, kind }),
    ...(document.acknowledged ? {} : { reply_markup: new InlineKeyboard().text(ctx.t('payslip:acknowledge'), payslipCallbacks.acknowledge.pack({ payslipId: document.id })) }),
  });
}
