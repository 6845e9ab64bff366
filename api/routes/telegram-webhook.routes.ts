import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { safeError } from '../../core/logger.ts';

/**
 * Webhook mode of the bot: Telegram posts updates to `path`. The handler is the bot adapter's (grammY's
 * `webhookCallback` behind the secret check and the de-duplication, see bot/telegram.ts); main.ts hands it over, so
 * that the two adapters never import each other.
 */
export interface TelegramWebhook {
  /** Path of WEBHOOK_URL, e.g. /telegram/webhook. */
  path: string;
  handle(request: FastifyRequest, reply: FastifyReply): Promise<void>;
}

export function telegramWebhookRoutes(app: FastifyInstance, webhook: TelegramWebhook): void {
  app.post(webhook.path, { schema: { hide: true } }, async (request, reply) => {
    try {
      await webhook.handle(request, reply);
    } catch (error) {
      // The bot's error boundary answers the user; a failure here must not make Telegram deliver the update again.
      request.log.error({ err: safeError(error) }, 'webhook update failed');
      if (!reply.sent) return { ok: true };
    }
    return reply;
  });
}
