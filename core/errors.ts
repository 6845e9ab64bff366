/** How an error should be treated by whoever shows it: the API maps it to a status, the bot to a message. */
export type ErrorKind = 'validation' | 'unauthorized' | 'forbidden' | 'not_found' | 'conflict' | 'too_large' | 'unavailable';

/**
 * A domain error. `code` is stable for clients (SCREAMING_SNAKE) and also the i18n key in `locales/<lng>/errors.json`;
 * `params` fill the message's placeholders.
 */
export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly code: string,
    readonly kind: ErrorKind,
    readonly params: Record<string, string | number> = {},
  ) {
    super(code);
  }
}

export const validationError = (code: string, params?: Record<string, string | number>) => new AppError(code, 'validation', params);
