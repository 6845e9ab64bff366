import type { Context } from 'grammy';
import type { Language, TFunction, Translator } from '../core/i18n.ts';
import type { LinkingService, TelegramUser } from '../core/linking/linking.service.ts';
import type { Logger } from '../core/logger.ts';

export interface BotDeps {
  linking: LinkingService;
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
