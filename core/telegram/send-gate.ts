import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { connectRedis, createRedisTrouble } from '../jobs/redis-connection.ts';
import type { Logger } from '../logger.ts';

/**
 * Paces outbound Telegram calls: at most `max` per `windowMs` overall (Telegram allows ~30 messages a second), at
 * most one per `chatIntervalMs` to one chat (Telegram: about one a second), and none while Telegram has asked to
 * wait (a 429's retry_after). Every attempt takes a slot, retries included: that is what keeps the rate in every
 * window and not only on average.
 */
export interface SendGate {
  /** Resolves when a slot is taken (for `chat`, when given: a chat id). */
  acquire(chat?: string): Promise<void>;
  /** Takes a slot if one is free (0), or says how many ms until one may be (and takes nothing). */
  tryAcquire(chat?: string): Promise<number>;
  /** No slot for anyone during the next `ms` (Telegram answered 429 with retry_after). */
  pause(ms: number): Promise<void>;
  close(): Promise<void>;
}

export interface SendGateLimits {
  max: number;
  windowMs?: number;
  /** Least time between two slots of one chat; defaults to `windowMs`. */
  chatIntervalMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sliding window in this process: exact; first come first served overall, and one slot at a time per chat. */
export function createLocalSendGate(max: number, windowMs = 1000, chatIntervalMs = windowMs): SendGate {
  const sent: number[] = [];
  const lastOfChat = new Map<string, number>();
  const chatQueues = new Map<string, Promise<void>>();
  let pausedUntil = 0;
  let chain = Promise.resolve();
  const take = (chat: string | undefined): number => {
    const now = Date.now();
    if (pausedUntil > now) return pausedUntil - now;
    const chatFree = chat === undefined ? 0 : (lastOfChat.get(chat) ?? -Infinity) + chatIntervalMs - now;
    if (chatFree > 0) return chatFree;
    while (sent.length > 0 && sent[0]! <= now - windowMs) sent.shift();
    if (sent.length < max) {
      sent.push(now);
      if (chat !== undefined) lastOfChat.set(chat, now);
      // Forget chats whose interval is over, so that a long-running process does not keep every chat id.
      if (lastOfChat.size > 10_000) for (const [c, at] of lastOfChat) if (at <= now - chatIntervalMs) lastOfChat.delete(c);
      return 0;
    }
    return sent[0]! + windowMs - now + 1;
  };
  const acquireOverall = (chat: string | undefined) => {
    // Chained, so waiting senders are let through in the order they asked.
    chain = chain.then(async () => {
      for (let wait = take(chat); wait > 0; wait = take(chat)) await sleep(wait);
    });
    return chain;
  };
  return {
    acquire(chat) {
      if (chat === undefined) return acquireOverall(undefined);
      // One waiter per chat at the head of the overall line: a busy chat never holds up the others.
      const previous = chatQueues.get(chat) ?? Promise.resolve();
      const mine = previous.then(async () => {
        for (let wait = (lastOfChat.get(chat) ?? -Infinity) + chatIntervalMs - Date.now(); wait > 0; wait = (lastOfChat.get(chat) ?? -Infinity) + chatIntervalMs - Date.now()) await sleep(wait);
        await acquireOverall(chat);
      });
      const tail = mine.catch(() => undefined);
      chatQueues.set(chat, tail);
      void tail.then(() => {
        if (chatQueues.get(chat) === tail) chatQueues.delete(chat);
      });
      return mine;
    },
    tryAcquire: async (chat) => take(chat),
    pause: async (ms) => {
      pausedUntil = Math.max(pausedUntil, Date.now() + ms);
    },
    close: async () => {},
  };
}

// Sliding-window log in a sorted set: drop what left the window, take a slot if one is free, else say how long
// to wait. A chat's slot is a key that expires after the chat interval; a pause is a key that expires when
// Telegram's retry_after is over. Atomic in Redis and timed by Redis's clock, so workers on several hosts share
// one pace even when their own clocks disagree, and a refused attempt takes nothing.
const ACQUIRE = `
local key, pauseKey, chatKey = KEYS[1], KEYS[2], KEYS[3]
local window, max, member, chatInterval = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local paused = redis.call('PTTL', pauseKey)
if paused > 0 then return paused end
if chatKey then
  local busy = redis.call('PTTL', chatKey)
  if busy > 0 then return busy end
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < max then
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, window * 2)
  if chatKey then redis.call('SET', chatKey, '1', 'PX', chatInterval) end
  return 0
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return tonumber(oldest[2]) + window - now + 1`;

// A pause only ever grows: a shorter retry_after must not cut a longer one short.
const PAUSE = `
local left = redis.call('PTTL', KEYS[1])
if left < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 0`;

export function createRedisSendGate(options: { url: string; key: string; max: number; windowMs?: number; chatIntervalMs?: number; logger: Logger }): SendGate {
  const redis: Redis = connectRedis(options.url, { maxRetriesPerRequest: 3, lazyConnect: true }, createRedisTrouble(options.logger, 'send-gate'));
  const windowMs = options.windowMs ?? 1000;
  const chatIntervalMs = options.chatIntervalMs ?? windowMs;
  const pauseKey = `${options.key}:pause`;
  const tryAcquire = async (chat?: string) => {
    const keys = chat === undefined ? [options.key, pauseKey] : [options.key, pauseKey, `${options.key}:chat:${chat}`];
    return Number(await redis.eval(ACQUIRE, keys.length, ...keys, windowMs, options.max, randomBytes(9).toString('base64url'), chatIntervalMs));
  };
  return {
    async acquire(chat) {
      for (let wait = await tryAcquire(chat); wait > 0; wait = await tryAcquire(chat)) await sleep(wait);
    },
    tryAcquire,
    pause: async (ms) => void (await redis.eval(PAUSE, 1, pauseKey, Math.max(1, Math.round(ms)))),
    close: async () => {
      redis.disconnect();
    },
  };
}

/**
 * The gate every process with the bot token shares: through Redis when there is one (workers on several hosts keep
 * one pace), else in this process. `marginMs` widens the window and the chat interval by the time a granted call may
 * take to reach Telegram, so that the rate also holds in every window as Telegram counts it, on arrival.
 */
export function createSendGate(options: { redisUrl: string | undefined; keyPrefix: string; limits: SendGateLimits; marginMs?: number; logger: Logger }): SendGate {
  const margin = options.marginMs ?? 0;
  const windowMs = (options.limits.windowMs ?? 1000) + margin;
  const chatIntervalMs = (options.limits.chatIntervalMs ?? options.limits.windowMs ?? 1000) + margin;
  return options.redisUrl
    ? createRedisSendGate({ url: options.redisUrl, key: `${options.keyPrefix}:send-gate`, max: options.limits.max, windowMs, chatIntervalMs, logger: options.logger })
    : createLocalSendGate(options.limits.max, windowMs, chatIntervalMs);
}
