import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { safeError } from '../../core/logger.ts';

export interface TelegramWebhook {
  /** Path of WEBHOOK_URL, e.g. /telegram/webhook. */
  path: string;
  secret: string;
  /** false: the bot takes no updates now (starting failed, or stopping); Telegram redelivers after a 503. */
  handleUpdate(update: unknown): Promise<boolean>;
}

const sameSecret = (given: string | string[] | undefined, expected: string) => {
  if (typeof given !== 'string' || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(expected));
};

/** Telegram's calls, accepted only with the secret token set by setWebhook. */
export function telegramWebhookRoutes(app: FastifyInstance, webhook: TelegramWebhook): void {
  app.post(webhook.path, { schema: { hide: true } }, async (request, reply) => {
    if (!sameSecret(request.headers['x-telegram-bot-api-secret-token'], webhook.secret)) {
      return reply.code(401).send({ code: 'INVALID_WEBHOOK_SECRET', message: 'Unknown caller' });
    }
    const update = request.body;
    if (update === null || typeof update !== 'object' || typeof (update as { update_id?: unknown }).update_id !== 'number') {
      return reply.code(400).send({ code: 'VALIDATION_FAILED', message: 'Not a Telegram update' });
    }
    // The bot's error boundary answers the user; Telegram only needs to hear that the update arrived.
    const accepted = await webhook.handleUpdate(update).catch((error: unknown) => {
      request.log.error({ err: safeError(error) }, 'webhook update failed');
      return true;
    });
    if (!accepted) return reply.code(503).header('retry-after', '5').send({ code: 'SERVICE_UNAVAILABLE', message: 'Not taking updates now' });
    return { ok: true };
  });
}
