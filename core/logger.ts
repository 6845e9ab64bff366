import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

// Personal data and secrets never reach the logs, even when a careless call passes a whole object.
const REDACT = [
  'phone', '*.phone', 'email', '*.email', 'code', '*.code', 'token', '*.token', 'password', '*.password',
  'req.headers.authorization', 'req.headers["x-telegram-bot-api-secret-token"]', 'headers.authorization',
];

export function createLogger(options: { level: string; pretty?: boolean; destination?: DestinationStream }): Logger {
  const settings = {
    level: options.level,
    redact: { paths: REDACT, censor: '[redacted]' },
    ...(options.pretty && !options.destination ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss' } } } : {}),
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/**
 * What of an error may be logged: its class, code and where it happened. Messages are left out because they
 * quote values (a database error repeats the row, a delivery error the address).
 */
export function safeError(error: unknown): { name: string; code?: string | number; at?: string } {
  if (!(error instanceof Error)) return { name: typeof error };
  const code = (error as { code?: string | number }).code;
  const frames = error.stack?.split('\n').slice(1).map((l) => l.trim()).filter((l) => l.startsWith('at ')).slice(0, 8).join(' | ');
  return { name: error.name, ...(code !== undefined ? { code } : {}), ...(frames ? { at: frames } : {}) };
}
