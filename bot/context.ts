import type { Context } from 'grammy';
import type { Language, TFunction, Translator } from '../core/i18n.ts';
import type { LinkingService, TelegramUser } from '../core/linking/linking.service.ts';
import type { Logger } from '../core/logger.ts';
import type { PayslipService } from '../core/payslips/payslip.service.ts';
import type { VacationService } from '../core/vacations/vacation.service.ts';

export interface BotDeps {
  linking: LinkingService;
  payslips: PayslipService;
  vacations: VacationService;
  translator: Translator;
  logger: Logger;
  codeTtlMinutes: number;
}

export type KabinetSession = Awaited<ReturnType<LinkingService['session']>>;

/** Per update: who is writing, in which language, and what they may do. Nothing here outlives the update. */
export interface KabinetFlavor {
  deps: BotDeps;
  user: TelegramUser;
  language: Language;
  t: TFunction;
  kabinet: KabinetSession;
}

export type BotContext = Context & KabinetFlavor;
