// Starts what the configuration enables: the HTTP API always, the Telegram bot when BOT_TOKEN is set, and job
// workers when REDIS_URL is set (without Redis, jobs run in-process). A bare HTTP server listens first and answers
// /healthz while the application loads and the embedded database is created on a first start; then requests go
// to Fastify.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { bootstrap } from './core/bootstrap.ts';
import { ConfigError } from './core/config.ts';
import { safeError } from './core/logger.ts';
import { installShutdown } from './core/shutdown.ts';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

const HOUSEKEEPING_INTERVAL_MS = 3600_000;

async function main(): Promise<void> {
  const { config, logger } = bootstrap();

  // Set only once Fastify is ready: its handler must not see a request while plugins are still loading.
  let handler: Handler | undefined;
  let fastifyHandler: Handler | undefined;
  const server = createServer((request, response) => {
    if (handler) return handler(request, response);
    const healthz = request.url === '/healthz';
    response.writeHead(healthz ? 200 : 503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '2' });
    response.end(JSON.stringify(healthz ? { status: 'ok' } : { code: 'SERVICE_STARTING', message: 'Kabinet is starting. Retry in a few seconds.' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.http.port, config.http.host, resolve);
  });

  const [{ buildApp }, { createContainer }, { createTranslator }] = await Promise.all([
    import('./api/app.ts'),
    import('./core/container.ts'),
    import('./core/i18n.ts'),
  ]);
  const translator = createTranslator();
  const containerPromise = createContainer(config, logger, translator);

  let telegram: import('./bot/telegram.ts').TelegramHandle | undefined;
  let telegramReady: Promise<void> = Promise.resolve();
  const webhook = config.bot.enabled && config.bot.webhook ? config.bot.webhook : undefined;
  const app = await buildApp({
    config,
    logger,
    translator,
    container: containerPromise,
    serverFactory: (h) => {
      fastifyHandler = h;
      return server;
    },
    ...(webhook
      ? {
          telegramWebhook: {
            path: new URL(webhook.url).pathname,
            secret: webhook.secret,
            handleUpdate: async (update: unknown) => {
              await telegramReady;
              await telegram?.handleUpdate(update);
            },
          },
        }
      : {}),
  });
  let housekeepingTimer: NodeJS.Timeout | undefined;
  let housekeepingRun: Promise<unknown> = Promise.resolve();
  // Closed last to first: the bot stops taking updates, HTTP drains, housekeeping finishes its queries, and only
  // then is the database closed (closing PGlite under a running query never returns).
  installShutdown(logger, [
    { name: 'database and jobs', close: async () => (await containerPromise.catch(() => undefined))?.close() },
    {
      name: 'housekeeping',
      close: async () => {
        clearInterval(housekeepingTimer);
        await housekeepingRun;
      },
    },
    { name: 'http', close: () => app.close() },
    { name: 'telegram', close: async () => telegram?.stop() },
  ]);
  await app.ready();
  handler = fastifyHandler;

  const database = config.database.kind === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.database.dataDir}`;
  logger.info({ docs: config.http.docs ? '/docs' : 'off' }, `Kabinet API listening on http://${config.http.host}:${config.http.port}, database: ${database}`);

  let container: Awaited<typeof containerPromise>;
  try {
    container = await containerPromise;
    logger.info({ jobs: container.services.jobs.kind }, 'database ready');
    await container.services.jobs.startWorkers();
    const housekeeping = () => {
      housekeepingRun = container.services.housekeeping.run().then(
        (done) => logger.info(done, 'housekeeping'),
        (error: unknown) => logger.warn({ err: safeError(error) }, 'housekeeping failed'),
      );
    };
    housekeeping();
    housekeepingTimer = setInterval(housekeeping, HOUSEKEEPING_INTERVAL_MS);
    housekeepingTimer.unref();
  } catch (error) {
    logger.fatal({ err: safeError(error), reason: (error as Error).message }, 'could not open or migrate the database, or reach Redis');
    await app.close();
    process.exit(1);
  }

  if (!config.bot.enabled) {
    logger.warn('Telegram bot is off: set BOT_TOKEN (create a bot with @BotFather) to turn it on. The API works without it.');
    return;
  }
  if (!config.delivery.smtpUrl && !config.delivery.sms && !config.delivery.logCodesInDevelopment) {
    logger.error('No way to deliver sign-in codes: set SMTP_URL and/or SMS_PROVIDER with SMSRU_API_ID. Employees cannot sign in until then.');
  }
  const { startTelegram } = await import('./bot/telegram.ts');
  const starting = startTelegram({ bot: config.bot, container, translator, logger, codeTtlMinutes: config.codes.ttlMinutes });
  telegramReady = starting.then(() => undefined, () => undefined);
  try {
    telegram = await starting;
  } catch (error) {
    logger.fatal({ err: { name: (error as Error).name, message: (error as Error).message } }, 'Telegram refused to start the bot: check BOT_TOKEN (and TELEGRAM_API_ROOT if set)');
    await app.close();
    await container.close();
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
