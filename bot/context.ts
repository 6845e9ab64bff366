import type { Context } from 'grammy';
import type { CalendarService } from '../core/calendar/calendar.service.ts';
import type { CatalogueService } from '../core/certificates/catalogue.service.ts';
import type { CertificateRequestService } from '../core/certificates/certificate-requests.service.ts';
import type { HrChatService } from '../core/certificates/hr-chat.service.ts';
import type { AdminServices } from '../core/admin/admin-module.ts';
import type { PublishingService } from '../core/cabinet/publishing.service.ts';
import type { Language, TFunction, Translator } from '../core/i18n.ts';
import type { LinkingService, Session, TelegramUser } from '../core/linking/linking.service.ts';
import type { Logger } from '../core/logger.ts';
import type { PayslipService } from '../core/payslips/payslip.service.ts';
import type { VacationService } from '../core/vacations/vacation.service.ts';
import type { TelegramFiles } from './features/certificates/telegram-files.ts';

export interface BotDeps {
  linking: LinkingService;
  payslips: PayslipService;
  vacations: VacationService;
  /** Certificates and the HR queue (issue 9). */
  certificates: CertificateRequestService;
  catalogue: CatalogueService;
  calendar: CalendarService;
  hrChats: HrChatService;
  /** Downloads what HR sends in reply to a request (tests answer it without the internet). */
  files: TelegramFiles;
  /** The admin's services (issue 10): status list, report, roles, invitations; publishing of cabinets. */
  admin: AdminServices;
  publishing: PublishingService;
  translator: Translator;
  logger: Logger;
  codeTtlMinutes: number;
}

export type KabinetSession = Session;

/** Per update: who is writing, in which language, and what they may do. Nothing here outlives the update. */
export interface KabinetFlavor {
  deps: BotDeps;
  /** This update's logger: every line carries its `update_id`. */
  logger: Logger;
  /**
   * The Telegram account behind the update, with its private chat (in Telegram a user's private chat with a bot
   * has the user's id: in a group the update's chat is not theirs). Updates without a sender stop before features.
   */
  user: TelegramUser;
  language: Language;
  t: TFunction;
  /** Read from the database on every update (roles included), never from what the update itself claims. */
  kabinet: KabinetSession;
  /** Which feature took the update (set by `feature()` in bot/index.ts), for the update's log line. */
  handledBy?: string;
}

export type BotContext = Context & KabinetFlavor;
