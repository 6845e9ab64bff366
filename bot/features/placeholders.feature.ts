import { Composer } from 'grammy';
import type { BotContext } from '../context.ts';
import { linkedEmployee } from '../filters/guards.ts';

/** Certificates and requests arrive with a later issue; their menu places answer honestly until then. */
export function placeholdersFeature(labels: string[]) {
  const feature = new Composer<BotContext>();
  const chat = feature.chatType('private');
  const soon = async (ctx: BotContext) => {
    if (await linkedEmployee(ctx)) await ctx.reply(ctx.t('coming_soon'));
  };
  chat.command(['certificates', 'requests'], soon);
  chat.hears(labels, soon);
  return feature;
}
