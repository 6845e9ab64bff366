import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../api/app.ts';
import { loadConfig, type Config } from '../../core/config.ts';
import { assembleContainer, type Channels, type Container, type ServiceDeps } from '../../core/container.ts';
import type { Clock } from '../../core/clock.ts';
import type { TelegramOutbound } from '../../core/telegram/intents.ts';
import { ApiScope } from '../../core/db/generated/enums.ts';
import { createTranslator } from '../../core/i18n.ts';
import { createLogger, type Logger } from '../../core/logger.ts';
import { createTestDatabase, type DbKind, type TestDatabase } from './test-database.ts';

export interface TestApp {
  app: FastifyInstance;
  container: Container;
  testDb: TestDatabase;
  config: Config;
  tokens: { import: string; admin: string; hr: string };
  /** Empties the database and issues fresh tokens. */
  reset(): Promise<void>;
  close(): Promise<void>;
  request(options: { method: 'GET' | 'POST' | 'PUT'; url: string; token?: string | null; body?: unknown; headers?: Record<string, string> }): Promise<LightMyRequestResponse>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  channels?: Channels;
  jobQueue?: ServiceDeps['jobQueue'];
  /** Defaults to a silent logger. */
  logger?: Logger;
  /** Where services read the time; defaults to the system clock. */
  clock?: Clock;
  /** Outbound Telegram (the bot harness brings one whose Bot API is captured). */
  telegram?: (config: Config, logger: Logger) => TelegramOutbound;
}

export async function createTestApp(kind: DbKind, options: TestAppOptions = {}): Promise<TestApp> {
  const { env = {}, channels = { email: undefined, sms: undefined }, jobQueue } = options;
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', IMPORT_BATCH_SIZE: '50', ...env });
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const testDb = await createTestDatabase(kind);
  const translator = createTranslator();
  const telegram = options.telegram?.(config, logger);
  const container = assembleContainer(testDb.database, config, logger, translator, { channels, jobQueue, deliveryRetry: { attempts: 3, backoffMs: 5 }, clock: options.clock, ...(telegram ? { telegram } : {}) });
  const app = await buildApp({ config, logger, translator, container });
  await app.ready();

  const tokens = { import: '', admin: '', hr: '' };
  const issueTokens = async () => {
    tokens.import = (await container.services.apiTokens.create('test-import', [ApiScope.IMPORT])).token;
    tokens.admin = (await container.services.apiTokens.create('test-admin', [ApiScope.ADMIN])).token;
    tokens.hr = (await container.services.apiTokens.create('test-hr', [ApiScope.HR])).token;
  };
  await issueTokens();

  return {
    app,
    container,
    testDb,
    config,
    tokens,
    reset: async () => {
      await testDb.reset();
      await issueTokens();
    },
    close: async () => {
      await container.services.jobs.close();
      await container.telegram?.port.close();
      await container.services.telegramUpdates.close();
      await app.close();
      await testDb.drop();
    },
    request: ({ method, url, token, body, headers }) =>
      app.inject({
        method,
        url,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      }),
  };
}
