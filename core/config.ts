import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { SMS_DEFAULT_URLS, type SmsSettings } from './delivery/sms-gateway.ts';

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
  IMPORT_LOOKUP_ROWS: z.coerce.number().int().min(1).max(50_000).default(10_000),
  IMPORT_ASYNC_THRESHOLD_MB: z.coerce.number().min(0).max(2048).default(8),
  HTTP_REQUEST_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
  HTTP_CONNECTION_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(120),
  IDEMPOTENCY_TTL_HOURS: z.coerce.number().int().positive().default(72),
  IDEMPOTENCY_LEASE_MINUTES: z.coerce.number().int().min(1).max(1440).default(10),
  API_DOCS: bool.default(true),
  SHUTDOWN_TIMEOUT_SECONDS: z.coerce.number().int().min(2).max(3600).default(10),
  ROLES: z
    .string()
    .transform((v) => v.split(',').map((r) => r.trim().toLowerCase()).filter(Boolean))
    .pipe(z.array(z.enum(['api', 'bot', 'worker'])).min(1, 'name at least one of api, bot, worker'))
    .default(['api', 'bot', 'worker']),

  BOT_TOKEN: z.string().regex(/^\d+:[\w-]{20,}$/, 'must look like 123456:ABC… (from @BotFather)').optional(),
  TELEGRAM_API_ROOT: z.string().url().optional(),
  BOT_USERNAME: z.string().regex(/^@?[A-Za-z][A-Za-z0-9_]{3,31}$/, "the bot's @username, as BotFather gave it").optional(),
  WEBHOOK_URL: z.string().url().refine((v) => v.startsWith('https://'), 'Telegram calls webhooks over https only').optional(),
  WEBHOOK_SECRET: z.string().regex(/^[A-Za-z0-9_-]{16,256}$/, '16–256 of A-Z a-z 0-9 _ -').optional(),

  CODE_SECRET: z.string().min(16, 'at least 16 characters').optional(),
  CODE_TTL_MINUTES: z.coerce.number().int().min(1).max(60).default(10),
  CODE_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  CODE_MAX_SENDS: z.coerce.number().int().min(1).max(20).default(3),
  CODE_SEND_WINDOW_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
  CODE_MAX_SENDS_PER_DAY: z.coerce.number().int().min(1).max(200).default(10),
  CODE_RESEND_COOLDOWN_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
  LINK_LOCK_AFTER_FAILURES: z.coerce.number().int().min(1).max(1000).default(20),
  LINK_TRUST_TELEGRAM_CONTACT: bool.default(false),

  SMTP_URL: z.string().url().refine((v) => /^smtps?:\/\//.test(v), 'must start with smtp:// or smtps://').optional(),
  MAIL_FROM: z.string().min(3).default('Kabinet <no-reply@kabinet.local>'),
  SMS_PROVIDER: z.enum(['smsru', 'smsc', 'http']).optional(),
  SMS_API_URL: z.string().url().refine((v) => /^https?:\/\//.test(v), 'must start with http:// or https://').optional(),
  SMSRU_API_ID: z.string().min(8).optional(),
  SMSC_LOGIN: z.string().min(1).optional(),
  SMSC_PASSWORD: z.string().min(1).optional(),
  SMS_API_TOKEN: z.string().min(1).optional(),
  SMS_SENDER: z.string().min(1).max(11).optional(),

  QUEUE_PREFIX: z.string().regex(/^[a-z0-9_-]+$/i).default('kabinet'),

  PDF_PASSWORD_KEY: z.string().min(16, 'at least 16 characters').optional(),
  NOTIFY_RATE_PER_SECOND: z.coerce.number().int().min(1).max(30).default(25),
  INVITATION_TTL_DAYS: z.coerce.number().int().min(1).max(90).default(7),
  INVITE_RATE_PER_SECOND: z.coerce.number().int().min(1).max(1000).default(10),
  INVITE_RESEND_INTERVAL_HOURS: z.coerce.number().int().min(0).max(24 * 90).default(24),
  TIMEZONE: z.string().refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'unknown time zone').default('Europe/Moscow'),
});

export type Env = z.input<typeof EnvSchema>;

/** What a process does: serve the HTTP API, take Telegram updates, run jobs and periodic tasks. */
export type ProcessRole = 'api' | 'bot' | 'worker';

export interface Config {
  env: 'development' | 'production' | 'test';
  isProduction: boolean;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  /** Timeouts: a whole request must arrive within `requestTimeoutMs`; a connection idle that long is closed. */
  http: { host: string; port: number; bodyLimitBytes: number; docs: boolean; requestTimeoutMs: number; connectionTimeoutMs: number };
  /** How long a stop (SIGTERM/SIGINT) may take: in-flight requests get most of it, then jobs and the database. */
  shutdownTimeoutMs: number;
  /** ROLES: all three by default; with Redis, API/bot processes and workers may run apart (`npm run worker`). */
  roles: ReadonlySet<ProcessRole>;
  database: { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string };
  redisUrl: string | undefined;
  /** `asyncThresholdBytes`: a larger upload is answered 202 at once and runs in the background. */
  imports: { batchSize: number; lookupRows: number; idempotencyTtlHours: number; idempotencyLeaseMinutes: number; asyncThresholdBytes: number };
  bot:
    | { enabled: false }
    | { enabled: true; token: string; apiRoot: string | undefined; username: string | undefined; webhook: { url: string; secret: string } | undefined };
  codes: {
    secret: string;
    ttlMinutes: number;
    maxAttempts: number;
    maxSends: number;
    sendWindowMinutes: number;
    /** Codes sent to one employee's contact in 24 hours, whichever Telegram accounts asked. */
    maxSendsPerDay: number;
    resendCooldownSeconds: number;
    lockAfterFailures: number;
    trustTelegramContact: boolean;
  };
  delivery: {
    smtpUrl: string | undefined;
    mailFrom: string;
    sms: SmsSettings | undefined;
    /** No e-mail or SMS configured in development: codes are written to the log, marked as such. */
    logCodesInDevelopment: boolean;
  };
  queuePrefix: string;
  invitations: {
    /** How long an invitation link works. */
    ttlDays: number;
    /** Invitation e-mails and SMS per second overall (their own pace: they are not Telegram messages). */
    ratePerSecond: number;
    /** A bulk invitation leaves out whoever was invited this recently. */
    resendIntervalHours: number;
  };
  payslips: {
    /** Key that encrypts employees' PDF passwords at rest. */
    passwordKey: string;
    notifyRatePerSecond: number;
    timeZone: string;
  };
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
  const problems: string[] = [];
  if (e.SMS_PROVIDER === 'smsru' && !e.SMSRU_API_ID) problems.push('  SMSRU_API_ID: required when SMS_PROVIDER=smsru');
  if (e.SMS_PROVIDER === 'smsc' && (!e.SMSC_LOGIN || !e.SMSC_PASSWORD)) problems.push('  SMSC_LOGIN, SMSC_PASSWORD: required when SMS_PROVIDER=smsc');
  if (e.SMS_PROVIDER === 'http' && !e.SMS_API_URL) problems.push('  SMS_API_URL: required when SMS_PROVIDER=http');
  if (!e.SMS_PROVIDER && (e.SMSRU_API_ID || e.SMSC_LOGIN || e.SMS_API_URL)) problems.push('  SMS_PROVIDER: set it (smsru, smsc or http) to use the SMS settings given');
  if (e.NODE_ENV === 'production' && e.BOT_TOKEN && !e.CODE_SECRET) problems.push('  CODE_SECRET: required in production (keys the hashes of one-time codes)');
  if (e.NODE_ENV === 'production' && e.BOT_TOKEN && !e.PDF_PASSWORD_KEY) problems.push('  PDF_PASSWORD_KEY: required in production (encrypts the passwords employees set for their PDFs)');
  const roles = new Set(e.ROLES);
  // A process that leaves a role to others needs what they share: Redis for the jobs (without it they run in the
  // process that queues them) and PostgreSQL (the embedded database admits one process). Else the role is nobody's.
  if (roles.size < 3 && (!e.REDIS_URL || !e.DATABASE_URL)) {
    const missing = [!e.REDIS_URL && 'REDIS_URL (the job queues they share)', !e.DATABASE_URL && 'DATABASE_URL (the embedded database admits one process)'].filter(Boolean).join(' and ');
    problems.push(`  ROLES: ${e.ROLES.join(',')} leaves the other roles to other processes, which needs ${missing}; without them run api,bot,worker in one process (the default)`);
  }
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  const sms = smsSettings(e);
  return {
    env: e.NODE_ENV,
    isProduction: e.NODE_ENV === 'production',
    logLevel: e.LOG_LEVEL,
    http: { host: e.HOST, port: e.PORT, bodyLimitBytes: Math.round(e.API_BODY_LIMIT_MB * 1024 * 1024), docs: e.API_DOCS,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_SECONDS * 1000, connectionTimeoutMs: e.HTTP_CONNECTION_TIMEOUT_SECONDS * 1000 },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_SECONDS * 1000,
    roles,
    database: e.DATABASE_URL ? { kind: 'postgres', url: e.DATABASE_URL } : { kind: 'pglite', dataDir: e.DATA_DIR },
    redisUrl: e.REDIS_URL,
    imports: { batchSize: e.IMPORT_BATCH_SIZE, lookupRows: e.IMPORT_LOOKUP_ROWS, idempotencyTtlHours: e.IDEMPOTENCY_TTL_HOURS, idempotencyLeaseMinutes: e.IDEMPOTENCY_LEASE_MINUTES,
      asyncThresholdBytes: Math.round(e.IMPORT_ASYNC_THRESHOLD_MB * 1024 * 1024) },
    bot: e.BOT_TOKEN
      ? {
          enabled: true,
          token: e.BOT_TOKEN,
          apiRoot: e.TELEGRAM_API_ROOT,
          username: e.BOT_USERNAME?.replace(/^@/, ''),
          // Derived from the token when not given, so every instance behind the webhook agrees without coordination.
          webhook: e.WEBHOOK_URL ? { url: e.WEBHOOK_URL, secret: e.WEBHOOK_SECRET ?? createHash('sha256').update(`webhook:${e.BOT_TOKEN}`).digest('hex').slice(0, 48) } : undefined,
        }
      : { enabled: false },
    codes: {
      // Development and tests get a fixed key; production refuses to start without one (checked above).
      secret: e.CODE_SECRET ?? 'kabinet-development-code-secret',
      ttlMinutes: e.CODE_TTL_MINUTES,
      maxAttempts: e.CODE_MAX_ATTEMPTS,
      maxSends: e.CODE_MAX_SENDS,
      sendWindowMinutes: e.CODE_SEND_WINDOW_MINUTES,
      maxSendsPerDay: e.CODE_MAX_SENDS_PER_DAY,
      resendCooldownSeconds: e.CODE_RESEND_COOLDOWN_SECONDS,
      lockAfterFailures: e.LINK_LOCK_AFTER_FAILURES,
      trustTelegramContact: e.LINK_TRUST_TELEGRAM_CONTACT,
    },
    delivery: {
      smtpUrl: e.SMTP_URL,
      mailFrom: e.MAIL_FROM,
      sms,
      logCodesInDevelopment: e.NODE_ENV === 'development' && !e.SMTP_URL && !sms,
    },
    queuePrefix: e.QUEUE_PREFIX,
    invitations: { ttlDays: e.INVITATION_TTL_DAYS, ratePerSecond: e.INVITE_RATE_PER_SECOND, resendIntervalHours: e.INVITE_RESEND_INTERVAL_HOURS },
    payslips: {
      passwordKey: e.PDF_PASSWORD_KEY ?? 'kabinet-development-pdf-password-key',
      notifyRatePerSecond: e.NOTIFY_RATE_PER_SECOND,
      timeZone: e.TIMEZONE,
    },
  };
}

function smsSettings(e: z.infer<typeof EnvSchema>): SmsSettings | undefined {
  const sender = e.SMS_SENDER;
  switch (e.SMS_PROVIDER) {
    case 'smsru':
      return { provider: 'smsru', url: e.SMS_API_URL ?? SMS_DEFAULT_URLS.smsru, apiId: e.SMSRU_API_ID!, sender };
    case 'smsc':
      return { provider: 'smsc', url: e.SMS_API_URL ?? SMS_DEFAULT_URLS.smsc, login: e.SMSC_LOGIN!, password: e.SMSC_PASSWORD!, sender };
    case 'http':
      return { provider: 'http', url: e.SMS_API_URL!, token: e.SMS_API_TOKEN, sender };
    default:
      return undefined;
  }
}

/** Reads `.env` from the working directory into the process environment, if there is one (entry points only). */
export function loadDotEnv(file = '.env'): void {
  if (existsSync(file)) process.loadEnvFile(file);
}
