import type { Server } from 'node:http';
import { safeError, type Logger } from './logger.ts';

export interface ShutdownStep {
  name: string;
  /** `remainingMs()`: what is left of the overall deadline, for a step that waits (HTTP drain). */
  close: (deadline: { remainingMs(): number }) => Promise<unknown>;
}

/**
 * Runs the steps once, in the order given, on SIGINT/SIGTERM (the caller lists them in stop order). A second
 * signal, or a stop that runs past the deadline, exits at once: an operator pressing Ctrl+C twice means it, and a
 * supervisor would kill the process anyway.
 */
export function installShutdown(logger: Logger, steps: ShutdownStep[], deadlineMs = 10_000) {
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    closing = true;
    const endsAt = Date.now() + deadlineMs;
    logger.info({ signal, deadlineMs }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error('shutdown took too long: exiting');
      process.exit(1);
    }, deadlineMs);
    timer.unref();
    const deadline = { remainingMs: () => Math.max(0, endsAt - Date.now()) };
    for (const step of steps) {
      try {
        await step.close(deadline);
      } catch (error) {
        logger.error({ err: safeError(error), step: step.name }, 'error while closing');
      }
    }
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  return shutdown;
}

/**
 * Graceful stop of a Node HTTP server: refuse new connections at once, let requests in flight finish, close
 * keep-alive connections as they fall idle, and cut what is left at the deadline. Node's `server.close()` alone
 * would wait forever on a keep-alive connection; Fastify's `close()` does nothing to a server it was handed
 * through `serverFactory` (main.ts listens before Fastify exists).
 */
export function createHttpDrain(server: Server) {
  let inFlight = 0;
  let draining = false;
  server.on('request', (_request, response) => {
    inFlight += 1;
    response.once('close', () => {
      inFlight -= 1;
      // The connection may now be idle: close it rather than wait for the client's next request.
      if (draining) setImmediate(() => server.closeIdleConnections());
    });
  });
  return {
    /** True once drain() started: requests that still arrive on open connections should be answered 503. */
    get draining() {
      return draining;
    },
    inFlight: () => inFlight,
    /** Resolves once every connection has ended; `cut` counts requests still running at the deadline. */
    async drain(graceMs: number): Promise<{ cut: number }> {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), Math.max(0, graceMs));
      });
      const outcome = await Promise.race([closed.then(() => 'closed' as const), late]);
      clearTimeout(timer);
      if (outcome === 'closed') return { cut: 0 };
      const cut = inFlight;
      server.closeAllConnections();
      await closed;
      return { cut };
    },
  };
}
