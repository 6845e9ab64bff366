// `npm run webhook:set`: registers WEBHOOK_URL (with its secret token and the updates the bot takes) with Telegram,
// from one place, e.g. a deploy step before the instances start. Instances in webhook mode also set it at start,
// one of them at a time (an advisory lock); this command needs no database.
import { Api } from 'grammy';
import { registerWebhook } from '../bot/telegram.ts';
import { bootstrap } from '../core/bootstrap.ts';

const { config, logger } = bootstrap({ LOG_LEVEL: 'warn' });
if (!config.bot.enabled || !config.bot.webhook) {
  console.error('Set BOT_TOKEN and WEBHOOK_URL (https://…/path served by Kabinet) first: without WEBHOOK_URL the bot polls and needs no webhook.');
  process.exit(2);
}
const api = new Api(config.bot.token, config.bot.apiRoot ? { apiRoot: config.bot.apiRoot } : undefined);
try {
  await registerWebhook(api, config.bot.webhook);
  const info = await api.getWebhookInfo();
  console.log(`Webhook set: ${info.url} (updates: ${(info.allowed_updates ?? []).join(', ') || 'default'}; pending: ${info.pending_update_count})`);
} catch (error) {
  logger.error({ err: { name: (error as Error).name, message: (error as Error).message } }, 'Telegram refused the webhook');
  console.error('Telegram refused the webhook: check BOT_TOKEN, WEBHOOK_URL (https only) and TELEGRAM_API_ROOT if set.');
  process.exit(1);
}
