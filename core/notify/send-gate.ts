import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { connectRedis, createRedisTrouble } from '../jobs/redis-connection.ts';
import type { Logger } from '../logger.ts';

/** Waits until one more message may go out without exceeding `max` per `windowMs` (Telegram: ~30/s overall). */
export interface SendGate {
  /** Resolves when a slot is taken. */
  acquire(): Promise<void>;
  /** Takes a slot if one is free (0), or says how many ms until one may be (and takes nothing). */
  tryAcquire(): Promise<number>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sliding window in this process: exact, first come first served. */
export function createLocalSendGate(max: number, windowMs = 1000): SendGate {
  const sent: number[] = [];
  let chain = Promise.resolve();
  const take = (): number => {
    const now = Date.now();
    while (sent.length > 0 && sent[0]! <= now - windowMs) sent.shift();
    if (sent.length < max) {
      sent.push(now);
      return 0;
    }
    return sent[0]! + windowMs - now + 1;
  };
  return {
    acquire() {
      // Chained, so waiting senders are let through in the order they asked.
      chain = chain.then(async () => {
        for (let wait = take(); wait > 0; wait = take()) await sleep(wait);
      });
      return chain;
    },
    tryAcquire: async () => take(),
    close: async () => {},
  };
}

// Sliding-window log in a sorted set: drop what left the window, take a slot if one is free, else say how long
// to wait. Atomic in Redis and timed by Redis's clock, so workers on several hosts share one pace even when their
// own clocks disagree.
const ACQUIRE = `
local key, window, max, member = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < max then
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, window * 2)
  return 0
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return tonumber(oldest[2]) + window - now + 1`;

export function createRedisSendGate(options: { url: string; key: string; max: number; windowMs?: number; logger: Logger }): SendGate {
  const redis: Redis = connectRedis(options.url, { maxRetriesPerRequest: 3, lazyConnect: true }, createRedisTrouble(options.logger, 'send-gate'));
  const windowMs = options.windowMs ?? 1000;
  const tryAcquire = async () => Number(await redis.eval(ACQUIRE, 1, options.key, windowMs, options.max, randomBytes(9).toString('base64url')));
  return {
    async acquire() {
      for (let wait = await tryAcquire(); wait > 0; wait = await tryAcquire()) await sleep(wait);
    },
    tryAcquire,
    close: async () => {
      redis.disconnect();
    },
  };
}
