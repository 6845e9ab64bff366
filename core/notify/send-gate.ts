import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** Waits until one more message may go out without exceeding `max` per `windowMs` (Telegram: ~30/s overall). */
export interface SendGate {
  acquire(): Promise<void>;
  close(): Promise<void>;
}

/** Sliding window in this process: exact, first come first served. */
export function createLocalSendGate(max: number, windowMs = 1000): SendGate {
  const sent: number[] = [];
  let chain = Promise.resolve();
  return {
    acquire() {
      chain = chain.then(async () => {
        for (;;) {
          const now = Date.now();
          while (sent.length > 0 && sent[0]! <= now - windowMs) sent.shift();
          if (sent.length < max) {
            sent.push(now);
            return;
          }
          await new Promise((r) => setTimeout(r, sent[0]! + windowMs - now + 1));
        }
      });
      return chain;
    },
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

export function createRedisSendGate(options: { url: string; key: string; max: number; windowMs?: number }): SendGate {
  const redis = new Redis(options.url, { maxRetriesPerRequest: 3, lazyConnect: true });
  const windowMs = options.windowMs ?? 1000;
  return {
    async acquire() {
      for (;;) {
        const wait = Number(await redis.eval(ACQUIRE, 1, options.key, windowMs, options.max, randomBytes(9).toString('base64url')));
        if (wait <= 0) return;
        await new Promise((r) => setTimeout(r, wait));
      }
    },
    close: async () => {
      redis.disconnect();
    },
  };
}
