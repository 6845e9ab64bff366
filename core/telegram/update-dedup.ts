import type { Redis } from 'ioredis';
import { systemClock, type Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { connectRedis, createRedisTrouble } from '../jobs/redis-connection.ts';
import { safeError, type Logger } from '../logger.ts';

/** How long an update id is remembered: Telegram gives up redelivering an update well within a day. */
export const UPDATE_MEMORY_MS = 24 * 3600_000;

/**
 * Recognizes a Telegram update seen before, by any instance: Telegram redelivers a webhook update whose answer was
 * slow or lost, possibly to another instance behind the load balancer, and a redelivered update must have one
 * effect. Through Redis (`SET NX EX`) when there is one, else in a small table. At most once: an update is marked
 * when it is taken, so one whose handling was cut by a crash is not handled again either.
 */
export interface UpdateDeduplicator {
  /** true the first time an update id is seen in the last 24 hours; false for a redelivery. */
  firstTime(updateId: number): Promise<boolean>;
  /** Forgets ids older than 24 hours (the table; Redis expires them itself). Returns how many. */
  purge(): Promise<number>;
  close(): Promise<void>;
}

export function createRedisUpdateDeduplicator(options: { url: string; keyPrefix: string; logger: Logger }): UpdateDeduplicator {
  const log = options.logger.child({ component: 'update-dedup' });
  const redis: Redis = connectRedis(options.url, { maxRetriesPerRequest: 1, lazyConnect: true, connectTimeout: 2000 }, createRedisTrouble(log, 'update-dedup'));
  let warned = false;
  return {
    async firstTime(updateId) {
      try {
        const set = await redis.set(`${options.keyPrefix}:tg-update:${updateId}`, '1', 'EX', UPDATE_MEMORY_MS / 1000, 'NX');
        warned = false;
        return set === 'OK';
      } catch (error) {
        // Redis down: answering the user matters more than the rare redelivery that arrives meanwhile.
        if (!warned) log.warn({ err: safeError(error) }, 'cannot check Telegram updates for redelivery (Redis unreachable); handling them anyway');
        warned = true;
        return true;
      }
    },
    purge: async () => 0,
    close: async () => {
      redis.disconnect();
    },
  };
}

export function createDatabaseUpdateDeduplicator(options: { db: Db; clock?: Clock }): UpdateDeduplicator {
  const { db } = options;
  const clock = options.clock ?? systemClock;
  return {
    async firstTime(updateId) {
      const now = clock.now();
      // One statement: of two instances taking the same id at once, exactly one inserts it. A row older than a day
      // is taken over (update ids are not reused in practice, but a day-old row must not hide an update).
      const inserted = await db.$executeRaw`
        INSERT INTO telegram_updates (update_id, received_at) VALUES (${BigInt(updateId)}, ${now})
        ON CONFLICT (update_id) DO UPDATE SET received_at = EXCLUDED.received_at
        WHERE telegram_updates.received_at < ${new Date(now.getTime() - UPDATE_MEMORY_MS)}`;
      return inserted === 1;
    },
    async purge() {
      const { count } = await db.telegramUpdate.deleteMany({ where: { receivedAt: { lt: new Date(clock.now().getTime() - UPDATE_MEMORY_MS) } } });
      return count;
    },
    close: async () => {},
  };
}
