// Starts what the configuration enables: the HTTP API (always) and, in later issues, the Telegram bot and job
// workers. A bare HTTP server listens first and answers /healthz while the application loads (~1–2 s of module
// loading) and the embedded database is created on a first start (~4 s); then requests go to Fastify.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { bootstrap } from './core/bootstrap.ts';
import { ConfigError } from './core/config.ts';
import { installShutdown } from './core/shutdown.ts';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

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
  const containerPromise = createContainer(config, logger);
  const app = await buildApp({
    config,
    logger,
    translator: createTranslator(),
    container: containerPromise,
    serverFactory: (h) => {
      fastifyHandler = h;
      return server;
    },
  });
  installShutdown(logger, [
    { name: 'database', close: async () => (await containerPromise.catch(() => undefined))?.close() },
    { name: 'http', close: () => app.close() },
  ]);
  await app.ready();
  handler = fastifyHandler;

  const database = config.database.kind === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.database.dataDir}`;
  logger.info({ docs: config.http.docs ? '/docs' : 'off' }, `Kabinet API listening on http://${config.http.host}:${config.http.port}, database: ${database}`);

  try {
    await containerPromise;
    logger.info('database ready');
  } catch (error) {
    logger.fatal({ err: error }, 'could not open or migrate the database');
    await app.close();
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
