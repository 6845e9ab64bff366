import { existsSync } from 'node:fs';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const postgresUrl = z
  .string()
  .url()
  .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must start with postgresql://');

const redisUrl = z
  .string()
  .url()
  .refine((v) => /^rediss?:\/\//.test(v), 'must start with redis:// or rediss://');

/** Every variable Kabinet reads. `.env.example` documents each one. */
const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATABASE_URL: postgresUrl.optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  REDIS_URL: redisUrl.optional(),
  API_BODY_LIMIT_MB: z.coerce.number().positive().max(2048).default(256),
  IMPORT_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(1000),
  IDEMPOTENCY_TTL_HOURS: z.coerce.number().int().positive().default(72),
  API_DOCS: bool.default(true),
});

export type Env = z.input<typeof EnvSchema>;

export interface Config {
  env: 'development' | 'production' | 'test';
  isProduction: boolean;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  http: { host: string; port: number; bodyLimitBytes: number; docs: boolean };
  database: { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string };
  redisUrl: string | undefined;
  imports: { batchSize: number; idempotencyTtlHours: number };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Validates the environment once; every other module receives the typed result, never `process.env`. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable in a .env file means "not set", as it does for most tools.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    env: e.NODE_ENV,
    isProduction: e.NODE_ENV === 'production',
    logLevel: e.LOG_LEVEL,
    http: { host: e.HOST, port: e.PORT, bodyLimitBytes: Math.round(e.API_BODY_LIMIT_MB * 1024 * 1024), docs: e.API_DOCS },
    database: e.DATABASE_URL ? { kind: 'postgres', url: e.DATABASE_URL } : { kind: 'pglite', dataDir: e.DATA_DIR },
    redisUrl: e.REDIS_URL,
    imports: { batchSize: e.IMPORT_BATCH_SIZE, idempotencyTtlHours: e.IDEMPOTENCY_TTL_HOURS },
  };
}

/** Reads `.env` from the working directory into the process environment, if there is one (entry points only). */
export function loadDotEnv(file = '.env'): void {
  if (existsSync(file)) process.loadEnvFile(file);
}
