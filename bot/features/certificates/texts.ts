import type { AppError } from '../../../core/errors.ts';
import type { Language } from '../../../core/i18n.ts';
import type { BotContext } from '../../context.ts';

export const formatDay = (day: string, language: Language) =>
  new Intl.DateTimeFormat(language === 'ru' ? 'ru-RU' : 'en-GB', { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${day}T00:00:00Z`));

/** A refusal of the service as the person reads it: a field's problem in the dialog's words, anything else as the API says it. */
export function errorText(ctx: BotContext, error: AppError): string {
  if (error.code.startsWith('FIELD_')) return ctx.t(`certificates:field_problem.${error.code.slice('FIELD_'.length).toLowerCase()}`, error.params);
  return ctx.t(`errors:${error.code}`, error.params);
}
