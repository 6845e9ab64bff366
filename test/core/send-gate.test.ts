import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createLocalSendGate, createRedisSendGate, type SendGate } from '../../core/notify/send-gate.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const key = `kabinet-test-${process.pid}-${randomBytes(3).toString('hex')}:send-gate`;

async function decisions(gates: SendGate[], total: number): Promise<number[]> {
  const times: number[] = [];
  await Promise.all(Array.from({ length: total }, async (_, i) => {
    await gates[i % gates.length]!.acquire();
    times.push(Date.now());
  }));
  return times.sort((a, b) => a - b);
}

describe.each([
  ['in-process', () => [createLocalSendGate(5, 300)]],
  ['Redis, two processes sharing one pace', () => [createRedisSendGate({ url: REDIS_URL, key, max: 5, windowMs: 300 }), createRedisSendGate({ url: REDIS_URL, key, max: 5, windowMs: 300 })]],
])('send gate, %s', (_name, make) => {
  it('lets at most `max` sends through per window', async () => {
    const gates = make();
    const times = await decisions(gates, 16);
    // Times are taken when acquire() returns, a round trip after the gate decided: allow a few ms of that.
    for (let i = 5; i < times.length; i++) expect(times[i]! - times[i - 5]!, `send ${i}`).toBeGreaterThanOrEqual(300 - 15);
    // Unpaced, 16 acquisitions would take a few ms; paced at 5 per 300 ms they need at least three windows.
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(3 * 300 - 15);
    for (const gate of gates) await gate.close();
    const redis = new Redis(REDIS_URL);
    await redis.del(key);
    redis.disconnect();
  });
});
