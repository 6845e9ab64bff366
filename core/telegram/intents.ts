import type { Role } from '../db/generated/enums.ts';
import type { Language } from '../i18n.ts';
import type { CertificateIntent } from './certificate-intents.ts';
import type { InlineKeyboard, SentMessage, TelegramPort } from './telegram-port.ts';

/**
 * What happened, for someone in Telegram: ids and the reader's language, never text. Core jobs emit intents;
 * renderers in bot/ turn them into text and buttons with the same callback-data codecs the bot's features parse,
 * so every Telegram string (and every button a feature must understand) is made in one place.
 * New kinds (certificate ready, a request for HR, an invitation) are added here and to the bot's renderer.
 */
export type TelegramIntent = PayslipReadyIntent | ActivationsIntent | InvitationProgressIntent | CertificateIntent;

export interface PayslipReadyIntent {
  kind: 'payslip-ready';
  chatId: bigint;
  language: Language;
  payslipId: string;
  /** YYYY-MM */
  period: string;
}

/** To an admin: employees signed in for the first time since the last summary (a burst is one message). */
export interface ActivationsIntent {
  kind: 'activations';
  chatId: bigint;
  language: Language;
  /** How many signed in since the last summary. */
  count: number;
  /** The first few of them, as HR's records name them; the rest are counted. */
  names: string[];
}

/** The admin's message showing a bulk invitation's progress; edited in place as the run goes (core/invitations). */
export interface InvitationProgressIntent {
  kind: 'invitation-progress';
  chatId: bigint;
  messageId: number;
  language: Language;
  batchId: string;
  status: 'running' | 'finished' | 'stopped';
  total: number;
  sent: number;
  failed: number;
  /** Not sent yet (queued, or being sent). */
  remaining: number;
  /** Left unsent by a stop, or dropped because the employee was unpublished meanwhile. */
  cancelled: number;
}

export interface RenderedMessage {
  text: string;
  keyboard?: InlineKeyboard;
  parseMode?: 'HTML';
}

export type IntentRenderer = (intent: TelegramIntent) => RenderedMessage;

/** Outbound Telegram of a process that has the bot token: the port and the bot's renderer of intents. */
export interface TelegramOutbound {
  port: TelegramPort;
  render: IntentRenderer;
  /**
   * Per-person command menus (admins get theirs), for the refresh-commands job: core/admin's CommandMenus, spelled
   * out here so that telegram/ does not import admin/ (which imports telegram/).
   */
  menus?: { refresh(target: { chatId: bigint; language: Language; roles: Role[] }): Promise<void> };
}

/** Renders the intent and sends it to its chat. Throws what the port throws (RecipientBlockedError, …). */
export function deliverIntent(outbound: TelegramOutbound, intent: TelegramIntent): Promise<SentMessage> {
  const message = outbound.render(intent);
  return outbound.port.sendText(intent.chatId, message);
}
