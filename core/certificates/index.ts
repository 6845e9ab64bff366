import { createCalendarService } from '../calendar/calendar.service.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import type { Translator } from '../i18n.ts';
import type { JobQueue } from '../jobs/job-definition.ts';
import type { Logger } from '../logger.ts';
import type { PdfFonts } from '../pdf/pdf-fonts.ts';
import type { TelegramOutbound } from '../telegram/intents.ts';
import { createCatalogueService } from './catalogue.service.ts';
import { createCertificateJobs } from './certificate-jobs.ts';
import { type CertificateOutbox, createCertificateOutbox } from './certificate-outbox.ts';
import { createCertificateRequestService } from './certificate-requests.service.ts';
import { createHrChatService } from './hr-chat.service.ts';
import { createInstantDocuments } from './instant-documents.ts';

/**
 * The certificate capability for the container: its job definitions first (they go into the queue), then its
 * services once the queue exists (the outbox queues into it).
 */
export function createCertificates(deps: {
  db: Db;
  timeZone: string;
  logger: Logger;
  translator: Translator;
  fonts: () => PdfFonts;
  telegram: TelegramOutbound | undefined;
  /** Whether Telegram messages are to be queued at all (a process that has, or whose workers have, the bot token). */
  enabled: () => boolean;
  clock?: Clock;
  retry?: { attempts: number; backoffMs: number };
}) {
  const { db, clock, logger, translator } = deps;
  let outbox: CertificateOutbox | undefined;
  const calendar = createCalendarService({ db, timeZone: deps.timeZone, clock });
  const catalogue = createCatalogueService({ db });
  const hrChats = createHrChatService({ db, clock, onBound: async () => outbox?.sweep() });
  const jobs = createCertificateJobs({ db, calendar, hrChats, outbox: () => outbox, telegram: deps.telegram, logger, clock, retry: deps.retry });
  return {
    jobs: jobs.definitions,
    services(queue: JobQueue) {
      outbox = createCertificateOutbox({ db, jobs: queue, enabled: deps.enabled, logger, clock });
      const instant = createInstantDocuments({ db, fonts: deps.fonts, translator, timeZone: deps.timeZone });
      return {
        calendar,
        catalogue,
        hrChats,
        certificateOutbox: outbox,
        certificates: createCertificateRequestService({ db, calendar, catalogue, instant, outbox, translator, clock }),
        /** The morning tasks, callable directly (the periodic jobs call them). */
        certificateMornings: { remindDeadlines: jobs.remindDeadlines, sendOverdueDigest: jobs.sendOverdueDigest },
      };
    },
  };
}
