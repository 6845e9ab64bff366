import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

// Personal data and secrets never reach the logs, even when a careless call passes a whole object. Paths are
// specific: a wildcard such as `*.code` would also hide the error codes (`err.code`, e.g. Prisma's P2002) that
// make a failure diagnosable.
const REDACT = [
  'phone', '*.phone', 'email', '*.email', 'token', '*.token', 'password', '*.password',
  // One-time codes, wherever a caller might pass them along with a payload.
  'code', 'oneTimeCode', '*.oneTimeCode', 'payload.code', 'body.code', 'data.code',
  'req.headers.authorization', 'req.headers["x-telegram-bot-api-secret-token"]', 'headers.authorization',
];

/**
 * How an HTTP request appears in the log: method and path only. The query string is left out because search
 * terms (`q=` an employee's name, e-mail or phone) are personal data.
 */
export function requestForLog(request: { method?: string; url?: string; ip?: string }): { method?: string; path: string; remoteAddress?: string } {
  return { method: request.method, path: pathOf(request.url), ...(request.ip ? { remoteAddress: request.ip } : {}) };
}

export const pathOf = (url: string | undefined): string => (url ?? '').split('?', 1)[0]!;

export function createLogger(options: { level: string; pretty?: boolean; destination?: DestinationStream }): Logger {
  const settings = {
    level: options.level,
    redact: { paths: REDACT, censor: '[redacted]' },
    // Fastify takes these over from the logger it is given (its own would print the full URL).
    serializers: { req: requestForLog },
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
