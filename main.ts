// Starts what the configuration enables: the HTTP API always, the Telegram bot when BOT_TOKEN is set, and job
// workers when REDIS_URL is set (without Redis, jobs run in-process). A bare HTTP server listens first and answers
// /healthz while the application loads and the embedded database is created on a first start; then requests go
// to Fastify.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { bootstrap } from './core/bootstrap.ts';
import { ConfigError, type Config } from './core/config.ts';
import { DataDirLockedError } from './core/db/data-dir-lock.ts';
import { safeError } from './core/logger.ts';
import { createHttpDrain, installShutdown } from './core/shutdown.ts';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

const HOUSEKEEPING_INTERVAL_MS = 3600_000;
/** How often claimed-but-unsent payday notifications are queued again (lost jobs, Redis outages, exhausted retries). */
const OUTBOX_SWEEP_INTERVAL_MS = 5 * 60_000;
/** Of the shutdown deadline, what HTTP draining leaves for the jobs and the database to close. */
const SHUTDOWN_RESERVE_MS = 2000;

/** Where a CLI command on this machine reaches this process (token:create while the embedded database is ours). */
function localUrl(http: Config['http']): string {
  const host = http.host === '0.0.0.0' || http.host === '::' || http.host === '' ? '127.0.0.1' : http.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${http.port}`;
}

async function main(): Promise<void> {
  const { config, logger } = bootstrap();

  // Set only once Fastify is ready: its handler must not see a request while plugins are still loading.
  let handler: Handler | undefined;
  let fastifyHandler: Handler | undefined;
  const reply = (response: ServerResponse, status: number, body: object, headers: Record<string, string> = {}) => {
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    response.end(JSON.stringify(body));
  };
  const server = createServer((request, response) => {
    // A request on a kept-alive connection while stopping: refuse it and close the connection.
    if (http.draining) return reply(response, 503, { code: 'SHUTTING_DOWN', message: 'Kabinet is stopping. Retry in a few seconds.' }, { connection: 'close', 'retry-after': '5' });
    if (handler) return handler(request, response);
    const healthz = request.url === '/healthz';
    reply(response, healthz ? 200 : 503, healthz ? { status: 'ok' } : { code: 'SERVICE_STARTING', message: 'Kabinet is starting. Retry in a few seconds.' }, { 'retry-after': '2' });
  });
  const http = createHttpDrain(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.http.port, config.http.host, resolve);
  });

  const [{ buildApp }, { createContainer }, { createTranslator }, { failInterruptedImports }, { createWebhookEndpoint }, { checkRedisForQueues }] = await Promise.all([
    import('./api/app.ts'),
    import('./core/container.ts'),
    import('./core/i18n.ts'),
    import('./core/interrupted-imports.ts'),
    import('./bot/telegram.ts'),
    import('./core/jobs/redis-check.ts'),
  ]);
  const translator = createTranslator();
  // With the embedded database this process is the only one that may open it; CLI commands ask it instead.
  const localAdmin = config.database.kind === 'pglite' ? { secret: randomBytes(32).toString('base64url') } : undefined;

  const containerPromise = createContainer(config, logger, translator).then(async (container) => {
    const { database } = container;
    // Uploads of a process that is gone stay RUNNING for ever; say what happened to them. Done before this process
    // takes requests, and while no other process can start one (see Database.join).
    const markInterrupted = async (alone: boolean) => {
      const failed = await failInterruptedImports(database.prisma, { alone, now: container.services.clock.now() });
      if (failed > 0) logger.warn({ imports: failed }, 'uploads cut short by an earlier stop are marked as failed; upload them again to finish');
    };
    const { alone } = await database.join(() => markInterrupted(true));
    if (!alone) await markInterrupted(false);
    if (localAdmin) await database.dataDirLock?.advertise({ url: localUrl(config.http), secret: localAdmin.secret });
    return container;
  });

  const webhook = config.bot.enabled && config.bot.webhook ? createWebhookEndpoint(config.bot.webhook) : undefined;
  const app = await buildApp({
    config,
    logger,
    translator,
    container: containerPromise,
    serverFactory: (h) => {
      fastifyHandler = h;
      return server;
    },
    ...(webhook ? { telegramWebhook: webhook } : {}),
    ...(localAdmin ? { localAdmin } : {}),
  });

  let telegram: import('./bot/telegram.ts').TelegramHandle | undefined;
  // Set by the first stop step: a start still in progress (waiting for Redis, for Telegram) must not begin new work.
  let stopping = false;
  const timers: NodeJS.Timeout[] = [];
  const background = new Set<Promise<unknown>>();
  /** Runs a periodic task, never two at once, and lets shutdown wait for the one in progress. */
  const every = (name: string, intervalMs: number, task: () => Promise<unknown>) => {
    if (stopping) return;
    let current: Promise<unknown> | undefined;
    const tick = () => {
      if (current || stopping) return;
      current = task()
        .catch((error: unknown) => logger.warn({ err: safeError(error), task: name }, `${name} failed`))
        .finally(() => {
          background.delete(current!);
          current = undefined;
        });
      background.add(current);
    };
    tick();
    const timer = setInterval(tick, intervalMs);
    timer.unref();
    timers.push(timer);
  };

  // The stop order, first to last. Each later role (api, bot, worker processes) keeps its part of this list.
  installShutdown(
    logger,
    [
      // 1. No new work from Telegram: polling ends; webhook updates are answered 503, so Telegram redelivers them.
      {
        name: 'telegram updates',
        close: async () => {
          stopping = true;
          await telegram?.stop();
        },
      },
      // 2. HTTP: refuse new connections at once, let requests in flight (an upload) finish within the deadline.
      {
        name: 'http',
        close: async ({ remainingMs }) => {
          const { cut } = await http.drain(remainingMs() - SHUTDOWN_RESERVE_MS);
          if (cut > 0) logger.warn({ requests: cut }, 'requests still running at the shutdown deadline were cut; an upload among them is marked failed at the next start');
          await app.close();
        },
      },
      // 3. Periodic tasks: no new pass; a running one finishes its queries (PGlite never returns when closed under one).
      {
        name: 'periodic tasks',
        close: async () => {
          for (const timer of timers) clearInterval(timer);
          await Promise.allSettled([...background]);
        },
      },
      // 4. Jobs: running ones finish; in-process jobs not yet started stay in their outbox rows for the next start.
      { name: 'jobs', close: async () => (await containerPromise.catch(() => undefined))?.services.jobs.close() },
      // 5. The database last (and with it the lock of the embedded data directory).
      { name: 'database', close: async () => (await containerPromise.catch(() => undefined))?.close() },
    ],
    config.shutdownTimeoutMs,
  );
  await app.ready();
  handler = fastifyHandler;

  const database = config.database.kind === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.database.dataDir}`;
  logger.info({ docs: config.http.docs ? '/docs' : 'off' }, `Kabinet API listening on http://${config.http.host}:${config.http.port}, database: ${database}`);

  let container: Awaited<typeof containerPromise>;
  try {
    container = await containerPromise;
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      logger.fatal({ pid: error.owner.pid, command: error.owner.command, since: error.owner.startedAt }, `${error.message} Stop that process first, or give this one another DATA_DIR.`);
    } else {
      logger.fatal({ err: safeError(error), reason: (error as Error).message }, 'could not open or migrate the database');
    }
    await http.drain(0);
    process.exit(1);
  }
  logger.info({ jobs: container.services.jobs.kind }, 'database ready');
  if (config.redisUrl) void checkRedisForQueues(config.redisUrl, logger);
  await container.services.jobs.startWorkers();
  if (stopping) return;
  every('housekeeping', HOUSEKEEPING_INTERVAL_MS, async () => logger.info(await container.services.housekeeping.run(), 'housekeeping'));

  if (!config.bot.enabled) {
    logger.warn('Telegram bot is off: set BOT_TOKEN (create a bot with @BotFather) to turn it on. The API works without it.');
    return;
  }
  if (!config.delivery.smtpUrl && !config.delivery.sms && !config.delivery.logCodesInDevelopment) {
    logger.error('No way to deliver sign-in codes: set SMTP_URL and/or SMS_PROVIDER with SMSRU_API_ID. Employees cannot sign in until then.');
  }
  const { startTelegram } = await import('./bot/telegram.ts');
  if (stopping) return;
  const starting = startTelegram({ bot: config.bot, container, translator, logger, codeTtlMinutes: config.codes.ttlMinutes });
  webhook?.attach(starting);
  try {
    telegram = await starting;
    // Stopped while the bot was starting: the stop step found no bot to stop.
    if (stopping) await telegram.stop();
  } catch (error) {
    logger.fatal({ err: { name: (error as Error).name, message: (error as Error).message } }, 'Telegram refused to start the bot: check BOT_TOKEN (and TELEGRAM_API_ROOT if set)');
    await http.drain(0);
    await container.close();
    process.exit(1);
  }
  // Payday notifications claimed but never sent (jobs lost with Redis, an upload while the queue was down, a stop
  // in the middle of a broadcast) are queued again now and then; the notifier exists from here on.
  every('payslip outbox sweep', OUTBOX_SWEEP_INTERVAL_MS, async () => {
    const queued = await container.services.publisher.sweep();
    if (queued > 0) logger.info({ queued }, 'unsent payday notifications queued again');
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
