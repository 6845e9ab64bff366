import { safeError, type Logger } from './logger.ts';

/**
 * Closes everything once, in reverse order of opening, on SIGINT/SIGTERM. A second signal, or a close that hangs
 * past the deadline, exits at once: an operator pressing Ctrl+C twice means it.
 */
export function installShutdown(logger: Logger, steps: { name: string; close: () => Promise<unknown> }[], deadlineMs = 10_000) {
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    closing = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error('shutdown took too long: exiting');
      process.exit(1);
    }, deadlineMs);
    timer.unref();
    for (const step of [...steps].reverse()) {
      try {
        await step.close();
      } catch (error) {
        logger.error({ err: safeError(error), step: step.name }, 'error while closing');
      }
    }
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  return shutdown;
}
