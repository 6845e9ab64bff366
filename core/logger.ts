import { pino, type Logger } from 'pino';

export type { Logger };

// Personal data and secrets never reach the logs, even when a careless call passes a whole object.
const REDACT = [
  'phone', '*.phone', 'email', '*.email', 'code', '*.code', 'token', '*.token', 'password', '*.password',
  'req.headers.authorization', 'req.headers["x-telegram-bot-api-secret-token"]', 'headers.authorization',
];

export function createLogger(options: { level: string; pretty?: boolean }): Logger {
  return pino({
    level: options.level,
    redact: { paths: REDACT, censor: '[redacted]' },
    ...(options.pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss' } } } : {}),
  });
}
