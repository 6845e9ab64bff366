import { createRequire } from 'node:module';
import { loadConfig, loadDotEnv, type Config } from './config.ts';
import { createLogger, type Logger } from './logger.ts';

/**
 * What every entry point (server, CLI scripts, benchmarks) starts with: .env, validated config, a logger.
 * `defaults` apply where the environment says nothing (a CLI script is quieter than the server).
 */
export function bootstrap(defaults: Record<string, string> = {}): { config: Config; logger: Logger } {
  loadDotEnv();
  const config = loadConfig({ ...defaults, ...process.env });
  const logger = createLogger({ level: config.logLevel, pretty: !config.isProduction && process.stdout.isTTY && hasPrettyPrinter() });
  return { config, logger };
}

function hasPrettyPrinter(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}
