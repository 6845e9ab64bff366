import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { checkRedisForQueues, readRedisSettings, redisWarnings } from '../../core/jobs/redis-check.ts';
import { createLogger } from '../../core/logger.ts';
import { freePort } from '../helpers/free-port.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const settingsOf = (config: Record<string, string>) => readRedisSettings(async (parameter) => config[parameter]);

describe('Redis settings the job queues depend on', () => {
  it('warns about an evicting policy and about no persistence, naming what to set', async () => {
    const warnings = redisWarnings(await settingsOf({ 'maxmemory-policy': 'allkeys-lru', save: '', appendonly: 'no' }));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/maxmemory-policy is allkeys-lru.*Set maxmemory-policy noeviction/);
    expect(warnings[1]).toMatch(/no data on disk.*appendonly yes/);
  });

  it('is content with noeviction and either RDB snapshots or AOF', async () => {
    expect(redisWarnings(await settingsOf({ 'maxmemory-policy': 'noeviction', save: '3600 1 300 100', appendonly: 'no' }))).toEqual([]);
    expect(redisWarnings(await settingsOf({ 'maxmemory-policy': 'noeviction', save: '', appendonly: 'yes' }))).toEqual([]);
  });

  it('says what to check by hand when CONFIG GET is refused (managed Redis)', async () => {
    const settings = await readRedisSettings(async () => {
      throw new Error("ERR unknown command 'CONFIG'");
    });
    expect(settings).toEqual({ maxmemoryPolicy: undefined, persistent: undefined });
    expect(redisWarnings(settings)).toEqual([expect.stringMatching(/CONFIG GET refused.*noeviction/)]);
  });

  it('reads the real server at start and logs one JSON line per warning; never throws when Redis is down', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }) });
    const settings = await checkRedisForQueues(REDIS_URL, logger);
    expect(settings?.maxmemoryPolicy).toEqual(expect.any(String));
    expect(lines).toHaveLength(redisWarnings(settings!).length);

    lines.length = 0;
    expect(await checkRedisForQueues(`redis://127.0.0.1:${await freePort()}`, logger)).toBeUndefined();
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['could not check the Redis settings at start']);
  });
});
