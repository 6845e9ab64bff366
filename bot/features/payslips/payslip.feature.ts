import { Composer, InlineKeyboard, InputFile } from 'grammy';
import type { PayslipListItem } from '../../../core/payslips/payslip.service.ts';
import { formatPeriod } from '../../../core/pdf/format.ts';
import type { BotContext } from '../../context.ts';
import { linkedEmployee } from '../../filters/guards.ts';

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** Payslips: a picker over the periods that exist (paged by year), /payslip YYYY-MM, and «Ознакомлен». */
export function payslipFeature(labels: string[]) {
  const feature = new Composer<BotContext>();

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

  feature.command('payslip', async (ctx) => {
    const arg = ctx.match.trim();
    if (!arg) return picker(ctx);
    const employee = await linkedEmployee(ctx);
    if (!employee) return;
    if (!PERIOD.test(arg)) return ctx.reply(ctx.t('payslip:bad_period'));
    const items = await ctx.deps.payslips.byPeriod(employee.id, arg);
    if (items.length === 0) return ctx.reply(ctx.t('payslip:not_found'));
    for (const item of items) await sendPayslip(ctx, item.id);
  });
  feature.hears(labels, (ctx) => picker(ctx));

  feature.callbackQuery(/^py:(\d{4})$/, (ctx) => picker(ctx, Number(ctx.match[1])));

  feature.callbackQuery(/^ps:([A-Za-z0-9_-]{22})$/, async (ctx) => {
    if (!(await linkedEmployee(ctx))) return;
    await ctx.answerCallbackQuery();
    await sendPayslip(ctx, ctx.match[1]!);
  });

  feature.callbackQuery(/^ack:([A-Za-z0-9_-]{22})$/, async (ctx) => {
    const employee = await linkedEmployee(ctx);
    if (!employee) return;
    const { result, period } = await ctx.deps.payslips.acknowledge(employee.id, ctx.match[1]!);
    if (result === 'not_found') return ctx.answerCallbackQuery({ text: ctx.t('payslip:expired_button'), show_alert: true });
    await ctx.answerCallbackQuery({ text: result === 'recorded' ? ctx.t('payslip:acknowledged', { period: formatPeriod(period!, ctx.language) }) : ctx.t('payslip:already_acknowledged') });
  });

  // Anything else that looks like ours is stale or forged: say so, send nothing.
  feature.callbackQuery(/^(ps|py|ack):/, (ctx) => ctx.answerCallbackQuery({ text: ctx.t('payslip:expired_button'), show_alert: true }));

  return feature;
}

function pickerKeyboard(ctx: BotContext, items: PayslipListItem[], year: number, years: number[]): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  items.forEach((item, i) => {
    const period = formatPeriod(item.period, ctx.language, true);
    keyboard.text(ctx.t(item.kind === 'ADVANCE' ? 'payslip:button_advance' : 'payslip:button', { period }), `ps:${item.id}`);
    if (i % 2 === 1) keyboard.row();
  });
  keyboard.row();
  const index = years.indexOf(year);
  const older = years[index + 1];
  const newer = index > 0 ? years[index - 1] : undefined;
  if (older !== undefined) keyboard.text(ctx.t('payslip:older', { year: older }), `py:${older}`);
  if (newer !== undefined) keyboard.text(ctx.t('payslip:newer', { year: newer }), `py:${newer}`);
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
    ...(document.acknowledged ? {} : { reply_markup: new InlineKeyboard().text(ctx.t('payslip:acknowledge'), `ack:${document.id}`) }),
  });
}
