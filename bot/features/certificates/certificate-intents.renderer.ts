import type { Translator } from '../../../core/i18n.ts';
import type { RenderedMessage } from '../../../core/telegram/intents.ts';
import type {
  CertificateCard,
  CertificateDeadlineIntent,
  CertificateDigestIntent,
  CertificateForHrIntent,
  CertificateStatusIntent,
} from '../../../core/telegram/certificate-intents.ts';
import type { InlineKeyboard } from '../../../core/telegram/telegram-port.ts';
import { certificateCallbacks } from './certificate.callbacks.ts';

type T = ReturnType<Translator['t']>;

const formatDay = (day: string, language: 'ru' | 'en') =>
  new Intl.DateTimeFormat(language === 'ru' ? 'ru-RU' : 'en-GB', { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${day}T00:00:00Z`));

/** The card's text: what was asked, by whom, by when, and where it stands. Plain text (no markup to escape). */
function cardText(card: CertificateCard, t: T, language: 'ru' | 'en'): string {
  const lines = [
    t('hr.card_title', { number: card.number, type: card.typeName }),
    t('hr.card_employee', { name: card.employeeName, personnelNumber: card.personnelNumber }),
  ];
  if (card.position || card.department) lines.push([card.position, card.department].filter(Boolean).join(', '));
  for (const field of card.fields) lines.push(`${field.label}: ${field.value}`);
  if (card.electronicIssued) lines.push(t('hr.card_electronic_issued', { count: card.paperCopies }));
  lines.push(t(card.overdue ? 'hr.card_deadline_overdue' : 'hr.card_deadline', { date: formatDay(card.deadlineOn, language) }));
  lines.push(t('hr.card_status', { status: t(`status.${card.status}`) }));
  if (card.assigneeName || card.takenThroughApi) lines.push(t('hr.card_assignee', { name: card.assigneeName ?? t('hr.through_api') }));
  if (card.status === 'DONE') lines.push(t(card.resolution === 'PICKUP' ? 'hr.card_done_pickup' : 'hr.card_done_document'));
  if (card.rejectionReason) lines.push(t('hr.card_rejected', { reason: card.rejectionReason }));
  return lines.join('\n');
}

/** «Взять» / «Отклонить» while new, «Готово» / «Отклонить» once taken, nothing when closed. */
function cardKeyboard(card: CertificateCard, t: T): InlineKeyboard | undefined {
  const ids = { requestId: card.requestId };
  if (card.status === 'NEW') return [[{ text: t('hr.take'), callbackData: certificateCallbacks.take.pack(ids) }, { text: t('hr.reject'), callbackData: certificateCallbacks.reject.pack(ids) }]];
  if (card.status === 'IN_PROGRESS') return [[{ text: t('hr.done'), callbackData: certificateCallbacks.done.pack(ids) }, { text: t('hr.reject'), callbackData: certificateCallbacks.reject.pack(ids) }]];
  return undefined;
}

export function renderCertificateForHr(intent: CertificateForHrIntent, translator: Translator): RenderedMessage {
  const t = translator.t(intent.language, 'certificates');
  const keyboard = cardKeyboard(intent.card, t);
  return { text: cardText(intent.card, t, intent.language), ...(keyboard ? { keyboard } : {}) };
}

export function renderCertificateStatus(intent: CertificateStatusIntent, translator: Translator): RenderedMessage {
  const t = translator.t(intent.language, 'certificates');
  const vars = { number: intent.number, type: intent.typeName, date: formatDay(intent.deadlineOn, intent.language), reason: intent.rejectionReason ?? '', count: intent.paperCopies };
  switch (intent.status) {
    case 'NEW':
      // Only with a document: the electronic copy of an instant certificate, paper copies to follow.
      return { text: t('employee.electronic_copy', vars) };
    case 'IN_PROGRESS':
      return { text: t('employee.taken', vars) };
    case 'DONE':
      return { text: t(intent.withDocument ? 'employee.done_document' : intent.resolution === 'PICKUP' ? 'employee.done_pickup' : 'employee.done', vars) };
    case 'REJECTED':
      return { text: t('employee.rejected', vars) };
    case 'CANCELLED':
      return { text: t('employee.cancelled', vars) };
  }
}

export function renderCertificateDeadline(intent: CertificateDeadlineIntent, translator: Translator): RenderedMessage {
  const t = translator.t(intent.language, 'certificates');
  return { text: `${t('hr.deadline_today')}\n\n${cardText(intent.card, t, intent.language)}` };
}

export function renderCertificateDigest(intent: CertificateDigestIntent, translator: Translator): RenderedMessage {
  const t = translator.t(intent.language, 'certificates');
  const lines = [t('digest.title', { count: intent.total })];
  for (const r of intent.requests) {
    lines.push(t('digest.line', { number: r.number, type: r.typeName, name: r.employeeName, date: formatDay(r.deadlineOn, intent.language), status: t(`status.${r.status}`) }));
  }
  if (intent.total > intent.requests.length) lines.push(t('digest.more', { count: intent.total - intent.requests.length }));
  return { text: lines.join('\n') };
}
