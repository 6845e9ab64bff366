import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../core/logger.ts';
import { createLocalSendGate, createRedisSendGate } from '../../core/telegram/send-gate.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = createLogger({ level: 'silent' });
const keyPrefix = `kabinet-test-${process.pid}-${randomBytes(3).toString('hex')}`;

describe('send gate in this process (fake timers: the gate decides, not the machine load)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('lets `max` sends through per window, in order, and the next ones exactly when a slot frees', async () => {
    vi.useFakeTimers({ now: 0 });
    const gate = createLocalSendGate(5, 300);
    const granted: { i: number; at: number }[] = [];
    const all = Promise.all(Array.from({ length: 16 }, (_, i) => gate.acquire().then(() => granted.push({ i, at: Date.now() }))));
    await vi.advanceTimersByTimeAsync(2000);
    await all;
    expect(granted.map((g) => g.i)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    // Five at once; each later send one window (+1 ms) after the send whose slot it takes.
    expect(granted.map((g) => g.at)).toEqual([0, 0, 0, 0, 0, 301, 301, 301, 301, 301, 602, 602, 602, 602, 602, 903]);
    for (let i = 5; i < granted.length; i++) expect(granted[i]!.at - granted[i - 5]!.at).toBeGreaterThan(300);
  });

  it('tryAcquire takes a free slot, or says how long until one frees and takes nothing', async () => {
    vi.useFakeTimers({ now: 1000 });
    const gate = createLocalSendGate(2, 1000);
    expect(await gate.tryAcquire()).toBe(0);
    vi.advanceTimersByTime(400);
    expect(await gate.tryAcquire()).toBe(0);
    expect(await gate.tryAcquire()).toBe(601);
    expect(await gate.tryAcquire()).toBe(601);
    vi.advanceTimersByTime(601);
    expect(await gate.tryAcquire()).toBe(0);
    expect(await gate.tryAcquire()).toBe(400);
  });
});

describe('send gate shared through Redis (two processes, one pace, timed by Redis)', () => {
  const keys: string[] = [];
  afterAll(async () => {
    const redis = new Redis(REDIS_URL);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('grants `max` slots per window across instances, then answers how long to wait', async () => {
    const key = `${keyPrefix}:gate-a`;
    keys.push(key);
    // A window far longer than the test: every decision below is the gate's, whatever the load on the machine.
    const gates = [createRedisSendGate({ url: REDIS_URL, key, max: 5, windowMs: 600_000, logger }), createRedisSendGate({ url: REDIS_URL, key, max: 5, windowMs: 600_000, logger })];
    const decisions: number[] = [];
    for (let i = 0; i < 8; i++) decisions.push(await gates[i % 2]!.tryAcquire());
    expect(decisions.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    for (const wait of decisions.slice(5)) {
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(600_001);
    }
    // Refusals take no slot: the set still holds exactly the five granted sends.
    const redis = new Redis(REDIS_URL);
    expect(await redis.zcard(key)).toBe(5);
    redis.disconnect();
    for (const gate of gates) await gate.close();
  });

  it('acquire() waits until the gate frees a slot: the granted sends are a window apart by Redis\'s clock', async () => {
    const key = `${keyPrefix}:gate-b`;
    keys.push(key);
    const gate = createRedisSendGate({ url: REDIS_URL, key, max: 1, windowMs: 200, logger });
    const redis = new Redis(REDIS_URL);
    await gate.acquire();
    const [, first] = await redis.zrange(key, 0, -1, 'WITHSCORES');
    await gate.acquire();
    // The second slot was granted only once the first had left the window, which removed it.
    const after = await redis.zrange(key, 0, -1, 'WITHSCORES');
    expect(after).toHaveLength(2);
    expect(Number(after[1]) - Number(first)).toBeGreaterThanOrEqual(200);
    redis.disconnect();
    await gate.close();
  });
});
