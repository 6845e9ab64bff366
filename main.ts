// Starts the roles this process plays (ROLES, or `--roles=` on the command line; all three by default):
//   api    — the HTTP API (uploads, settings, publishing);
//   bot    — Telegram updates, by long polling or by webhook (served on the same HTTP port);
//   worker — job consumers and the periodic tasks (housekeeping, the payday outbox sweep).
// `npm start` plays all three; with REDIS_URL and DATABASE_URL, `npm start` with ROLES=api,bot and any number of
// `npm run worker` processes share the work. A process with the bot token sends Telegram messages whatever its roles.
// A bare HTTP server listens first and answers /healthz while the application loads and the embedded database is
// created on a first start; then requests go to Fastify. A worker alone listens on no port.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { bootstrap } from './core/bootstrap.ts';
import { ConfigError, type Config } from './core/config.ts';
import { DataDirLockedError } from './core/db/data-dir-lock.ts';
import { safeError } from './core/logger.ts';
import { createHttpDrain, installShutdown, type ShutdownStep } from './core/shutdown.ts';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** Of the shutdown deadline, what HTTP draining leaves for the jobs and the database to close. */
const SHUTDOWN_RESERVE_MS = 2000;

/** Where a CLI command on this machine reaches this process (token:create while the embedded database is ours). */
function localUrl(http: Config['http']): string {
  const host = http.host === '0.0.0.0' || http.host === '::' || http.host === '' ? '127.0.0.1' : http.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${http.port}`;
}

/** `--roles=worker` (what `npm run worker` passes) wins over ROLES from the environment or .env. */
function rolesFromArguments(argv: string[]): string | undefined {
  const index = argv.findIndex((a) => a === '--roles' || a.startsWith('--roles='));
  if (index < 0) return undefined;
  const arg = argv[index]!;
  return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[index + 1];
}

async function main(): Promise<void> {
  const rolesArgument = rolesFromArguments(process.argv.slice(2));
  // Before .env is read: a variable already set is never replaced by the file.
  if (rolesArgument !== undefined) process.env.ROLES = rolesArgument;
  const { config, logger } = bootstrap();
  const roles = config.roles;
  const bot = config.bot.enabled ? config.bot : undefined;
  const webhookSettings = roles.has('bot') ? bot?.webhook : undefined;
  // The API, or Telegram's webhook calls: a worker alone (or a polling bot alone) has no port to listen on.
  const listens = roles.has('api') || webhookSettings !== undefined;
  logger.info({ roles: [...roles] }, `Kabinet starting as ${[...roles].join(', ')}`);

  // Set only once Fastify is ready: its handler must not see a request while plugins are still loading.
  let handler: Handler | undefined;
  let fastifyHandler: Handler | undefined;
  const reply = (response: ServerResponse, status: number, body: object, headers: Record<string, string> = {}) => {
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    response.end(JSON.stringify(body));
  };
  const server = listens
    ? createServer((request, response) => {
        // A request on a kept-alive connection while stopping: refuse it and close the connection.
        if (http!.draining) return reply(response, 503, { code: 'SHUTTING_DOWN', message: 'Kabinet is stopping. Retry in a few seconds.' }, { connection: 'close', 'retry-after': '5' });
        if (handler) return handler(request, response);
        const healthz = request.url === '/healthz';
        reply(response, healthz ? 200 : 503, healthz ? { status: 'ok' } : { code: 'SERVICE_STARTING', message: 'Kabinet is starting. Retry in a few seconds.' }, { 'retry-after': '2' });
      })
    : undefined;
  const http = server ? createHttpDrain(server) : undefined;
  if (server) {
    // Fastify applies its timeouts only to a server it creates itself: set them on this one.
    server.requestTimeout = config.http.requestTimeoutMs;
    server.setTimeout(config.http.connectionTimeoutMs);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.http.port, config.http.host, resolve);
    });
  }

  // PGlite compiles its WebAssembly off the main thread and reads its files meanwhile: begun now, that overlaps with
  // loading the API's modules below instead of following it.
  const databasePromise = import('./core/db/database.ts').then(({ openDatabase }) => openDatabase(config.database));
  // Handled where the container is built; until then a failure must not count as unhandled.
  databasePromise.catch(() => undefined);

  const [{ buildApp }, { createContainer }, { createTranslator }, { failInterruptedImports }, { checkRedisForQueues }, telegramModules] = await Promise.all([
    import('./api/app.ts'),
    import('./core/container.ts'),
    import('./core/i18n.ts'),
    import('./core/interrupted-imports.ts'),
    import('./core/jobs/redis-check.ts'),
    // grammY is loaded only by a process that has the bot token.
    bot ? Promise.all([import('./bot/telegram.ts'), import('./bot/telegram-port.ts'), import('./core/telegram/webhook-lock.ts')]) : undefined,
  ]);
  const translator = createTranslator();
  // With the embedded database this process is the only one that may open it; CLI commands ask it instead.
  const localAdmin = config.database.kind === 'pglite' && listens ? { secret: randomBytes(32).toString('base64url') } : undefined;
  // Outbound Telegram for every role: an API instance's uploads and a worker's jobs reach users without a bot.
  const telegram = telegramModules ? telegramModules[1].createTelegramOutbound(config, translator, logger) : undefined;

  const containerPromise = createContainer(config, logger, translator, { database: databasePromise, ...(telegram ? { telegram } : {}) }).then(async (container) => {
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
  containerPromise.catch(() => undefined);

  const webhook =
    webhookSettings && telegramModules
      ? telegramModules[0].createWebhookEndpoint(webhookSettings, {
          // The de-duplication lives in the container; a webhook call waits for it like the API waits for the database.
          updates: { firstTime: async (id) => (await containerPromise).services.telegramUpdates.firstTime(id), purge: async () => 0, close: async () => {} },
          logger: logger.child({ component: 'bot' }),
        })
      : undefined;
  const app = server
    ? await buildApp({
        config,
        logger,
        translator,
        container: containerPromise,
        roles,
        serverFactory: (h) => {
          fastifyHandler = h;
          return server;
        },
        ...(webhook ? { telegramWebhook: { path: webhook.path, handle: (request, response) => webhook.handle(request, response) } } : {}),
        ...(localAdmin ? { localAdmin } : {}),
      })
    : undefined;

  let telegramHandle: import('./bot/telegram.ts').TelegramHandle | undefined;
  // Set by the first stop step: a start still in progress (waiting for Redis, for Telegram) must not begin new work.
  let stopping = false;

  // The stop order, first to last; each step is a no-op for a role this process does not play.
  const steps: ShutdownStep[] = [
    // 1. No new work from Telegram: polling ends; webhook updates are answered 503, so Telegram redelivers them.
    {
      name: 'telegram updates',
      close: async () => {
        stopping = true;
        await telegramHandle?.stop();
      },
    },
    // 2. HTTP: refuse new connections at once, let requests in flight (an upload) finish within the deadline.
    {
      name: 'http',
      close: async ({ remainingMs }) => {
        if (!http || !app) return;
        const { cut } = await http.drain(remainingMs() - SHUTDOWN_RESERVE_MS);
        if (cut > 0) logger.warn({ requests: cut }, 'requests still running at the shutdown deadline were cut; an upload among them is marked failed at the next start');
        await app.close();
      },
    },
    // 2b. Uploads answered 202 that this worker is running get what is left of the deadline; one still running after
    //     it keeps its body staged and is taken over by a worker once its lease passes (core/imports/import-job.ts).
    {
      name: 'background uploads',
      close: async ({ remainingMs }) => {
        const container = await containerPromise.catch(() => undefined);
        if (!container) return;
        const finished = await container.services.imports.drain(Math.max(0, remainingMs() - SHUTDOWN_RESERVE_MS));
        if (!finished) logger.warn('an upload running in the background was cut by the shutdown deadline; a worker runs it again once its lease has passed');
      },
    },
    // 3. Jobs and periodic tasks: running ones finish (a periodic task its queries: PGlite never answers a query cut
    //    by its close); in-process jobs not yet started stay in their outbox rows for the next start.
    { name: 'jobs', close: async () => (await containerPromise.catch(() => undefined))?.services.jobs.close() },
    // 4. Outbound Telegram, Redis connections, and the database last (and with it the embedded data directory's lock).
    { name: 'database', close: async () => (await containerPromise.catch(() => undefined))?.close() },
  ];
  installShutdown(logger, steps, config.shutdownTimeoutMs);

  if (app) {
    await app.ready();
    handler = fastifyHandler;
    const database = config.database.kind === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.database.dataDir}`;
    logger.info({ docs: config.http.docs && roles.has('api') ? '/docs' : 'off' }, `Kabinet listening on http://${config.http.host}:${config.http.port}, database: ${database}`);
  }

  let container: Awaited<typeof containerPromise>;
  try {
    container = await containerPromise;
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      logger.fatal({ pid: error.owner.pid, command: error.owner.command, since: error.owner.startedAt }, `${error.message} Stop that process first, or give this one another DATA_DIR.`);
    } else {
      logger.fatal({ err: safeError(error), reason: (error as Error).message }, 'could not open or migrate the database');
    }
    await http?.drain(0);
    process.exit(1);
  }
  logger.info({ jobs: container.services.jobs.kind }, 'database ready');

  if (roles.has('worker')) {
    if (config.redisUrl) void checkRedisForQueues(config.redisUrl, logger);
    if (!bot) logger.warn('This worker has no BOT_TOKEN: payday notifications queued by other processes fail here until it has one.');
    // With Redis down at start the workers wait for it (the queue logs the outage): the bot must not wait with them.
    // Its jobs wait in their outbox rows, or in Redis once it is back.
    void container.services.jobs.startWorkers().then(
      () => {
        if (!stopping) logger.info({ jobs: container.services.jobs.kind }, 'worker running jobs and periodic tasks');
      },
      (error: unknown) => logger.error({ err: safeError(error) }, 'job workers could not start'),
    );
  }

  if (!roles.has('bot')) return;
  if (!bot || !telegramModules) {
    logger.warn('Telegram bot is off: set BOT_TOKEN (create a bot with @BotFather) to turn it on. The API works without it.');
    return;
  }
  if (!config.delivery.smtpUrl && !config.delivery.sms && !config.delivery.logCodesInDevelopment) {
    logger.error('No way to deliver sign-in codes: set SMTP_URL and/or SMS_PROVIDER with SMSRU_API_ID. Employees cannot sign in until then.');
  }
  if (stopping) return;
  const [{ startTelegram, botDeps }, , { inOneInstance }] = telegramModules;
  const starting = startTelegram({
    bot,
    deps: botDeps(container, translator, logger, config.codes.ttlMinutes),
    logger,
    // Several instances behind one webhook URL: the one that holds the lock sets it, the others need not.
    registerWebhook: async (set) => {
      const didSet = await inOneInstance(container.database.prisma, set);
      if (!didSet) logger.info('another instance is setting the webhook right now');
    },
  });
  webhook?.attach(starting);
  try {
    telegramHandle = await starting;
    // Stopped while the bot was starting: the stop step found no bot to stop.
    if (stopping) await telegramHandle.stop();
  } catch (error) {
    logger.fatal({ err: { name: (error as Error).name, message: (error as Error).message } }, 'Telegram refused to start the bot: check BOT_TOKEN (and TELEGRAM_API_ROOT if set)');
    await http?.drain(0);
    await container.close();
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
