import { safeError, type Logger } from '../logger.ts';
import { loadIoredis } from './redis-connection.ts';

export interface RedisSettings {
  /** undefined: Redis would not say (CONFIG refused, as managed services often do). */
  maxmemoryPolicy: string | undefined;
  /** RDB snapshots or AOF on; undefined when Redis would not say. */
  persistent: boolean | undefined;
}

/** Reads what BullMQ's production advice asks about. `get` returns the value of one CONFIG parameter. */
export async function readRedisSettings(get: (parameter: string) => Promise<string | undefined>): Promise<RedisSettings> {
  const attempt = async (parameter: string) => get(parameter).catch(() => undefined);
  const [maxmemoryPolicy, save, appendonly] = await Promise.all([attempt('maxmemory-policy'), attempt('save'), attempt('appendonly')]);
  const persistent = save === undefined && appendonly === undefined ? undefined : (save ?? '').trim() !== '' || appendonly === 'yes';
  return { maxmemoryPolicy, persistent };
}

/** Warnings for the log, one per problem: what is wrong, what it costs, what to set. */
export function redisWarnings(settings: RedisSettings): string[] {
  const warnings: string[] = [];
  if (settings.maxmemoryPolicy === undefined) {
    warnings.push('Could not read the Redis settings (CONFIG GET refused): make sure maxmemory-policy is noeviction and that Redis persists its data (AOF or RDB), as BullMQ requires.');
    return warnings;
  }
  if (settings.maxmemoryPolicy !== 'noeviction') {
    warnings.push(`Redis maxmemory-policy is ${settings.maxmemoryPolicy}: under memory pressure Redis deletes queued jobs. Set maxmemory-policy noeviction (BullMQ requires it).`);
  }
  if (settings.persistent === false) {
    warnings.push('Redis keeps no data on disk (no RDB snapshots, no AOF): queued jobs are lost when Redis restarts. Payday notifications are queued again from the database; sign-in codes in flight are not. Turn on appendonly yes (or RDB snapshots).');
  }
  return warnings;
}

/** Checks at start that the Redis behind the job queues will keep them; logs what to change. Never throws. */
export async function checkRedisForQueues(url: string, logger: Logger): Promise<RedisSettings | undefined> {
  const redis = new (loadIoredis().Redis)(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3000, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    const settings = await readRedisSettings(async (parameter) => {
      const reply = (await redis.config('GET', parameter)) as string[];
      return reply.length >= 2 ? reply[1] : undefined;
    });
    for (const warning of redisWarnings(settings)) logger.warn({ component: 'job-queue' }, warning);
    return settings;
  } catch (error) {
    // Unreachable now: the queue's own connection reports and retries; this check is advice, not a gate.
    logger.warn({ component: 'job-queue', err: safeError(error) }, 'could not check the Redis settings at start');
    return undefined;
  } finally {
    redis.disconnect();
  }
}
