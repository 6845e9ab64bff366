import { createRequire } from 'node:module';
import type { Redis, RedisOptions } from 'ioredis';
import { safeError, type Logger } from '../logger.ts';

interface ErrorSource {
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * Reports Redis trouble as one structured log line per outage instead of one per reconnect attempt. Every ioredis
 * connection and every BullMQ object must have an `error` listener: without one, ioredis prints a multi-line
 * "[ioredis] Unhandled error event" to stderr on each retry, and BullMQ falls back to console.error.
 */
export function createRedisTrouble(logger: Logger, component: string, quietMs = 60_000) {
  let lastReport = 0;
  let suppressed = 0;
  const report = (error: unknown) => {
    const now = Date.now();
    if (now - lastReport < quietMs) {
      suppressed += 1;
      return;
    }
    logger.warn({ component, err: safeError(error), ...(suppressed > 0 ? { suppressed } : {}) }, 'Redis unreachable or failing; retrying');
    lastReport = now;
    suppressed = 0;
  };
  return {
    report,
    recovered() {
      if (lastReport === 0) return;
      logger.info({ component }, 'Redis reachable again');
      lastReport = 0;
      suppressed = 0;
    },
    watch<T extends ErrorSource>(source: T): T {
      source.on('error', report);
      return source;
    },
  };
}

export type RedisTrouble = ReturnType<typeof createRedisTrouble>;

// ioredis is required by the first connection: a process without REDIS_URL never loads it.
const require = createRequire(import.meta.url);

/** ioredis, loaded on first use. */
export function loadIoredis(): typeof import('ioredis') {
  return require('ioredis') as typeof import('ioredis');
}

/** An ioredis connection whose errors go to `trouble` (never to stderr). */
export function connectRedis(url: string, options: RedisOptions, trouble: RedisTrouble): Redis {
  const redis = new (loadIoredis().Redis)(url, options);
  trouble.watch(redis);
  redis.on('ready', () => trouble.recovered());
  return redis;
}
