import { Composer } from '../../composer.ts';
import { formatDate, formatQuantity } from '../../../core/pdf/format.ts';
import type { BotContext } from '../../context.ts';
import { linkedEmployee } from '../../filters/guards.ts';

/** Vacation balance per type "as of the last payroll calculation", and planned vacations ahead; private chat only. */
export function vacationFeature(labels: string[]) {
  const feature = new Composer<BotContext>();
  const chat = feature.chatType('private');
  const show = async (ctx: BotContext) => {
    const employee = await linkedEmployee(ctx);
    if (!employee) return;
    const { asOf, balances, planned } = await ctx.deps.vacations.summary(employee.id);
    if (!asOf || balances.length === 0) return ctx.reply(ctx.t('vacation.none'));
    // `count` picks the plural form (1 день, 2 дня, 5 дней, 18,67 дня); `formatted` is the number as written.
    const days = (n: number) => ctx.t('days', { count: n, formatted: formatQuantity(n, ctx.language) });
    const lines = [`${ctx.t('vacation.title', { date: formatDate(asOf, ctx.language) })}`, `(${ctx.t('vacation.source')})`, ''];
    for (const b of balances) {
      lines.push(ctx.t('vacation.balance', { type: b.typeName, remaining: days(b.remainingDays) }));
      lines.push(ctx.t('vacation.details', { entitled: formatQuantity(b.entitledDays, ctx.language), used: formatQuantity(b.usedDays, ctx.language) }));
    }
    lines.push('');
    if (planned.length === 0) lines.push(ctx.t('vacation.no_planned'));
    else {
      lines.push(ctx.t('vacation.planned_title'));
      for (const p of planned) {
        lines.push(ctx.t('vacation.planned', { from: formatDate(p.startsOn, ctx.language), to: formatDate(p.endsOn, ctx.language), days: days(p.days), type: p.typeName }));
      }
    }
    await ctx.reply(lines.join('\n'));
  };
  chat.command('vacation', show);
  chat.hears(labels, show);
  return feature;
}
