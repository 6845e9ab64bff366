/**
 * How core reaches Telegram without knowing grammY or the Bot API: outbound messages only, to private chats and
 * groups alike (a group's chat id is negative). Built from the configuration by any process that has the bot token
 * (API, bot or worker); bot/telegram-port.ts implements it. Calls are paced (overall and per chat) and retried on
 * flood control and Telegram's 5xx inside the port; what still fails is thrown as one of the errors below, or as
 * any other error, which a job takes as "retry later".
 */
export interface TelegramPort {
  sendText(chatId: bigint, message: OutboundText): Promise<SentMessage>;
  sendDocument(chatId: bigint, document: OutboundDocument): Promise<SentMessage>;
  /** MessageGoneError when the message no longer exists; an unchanged text is not an error. */
  editText(message: SentMessage, content: OutboundText): Promise<void>;
  /** Replaces the file (and caption) of a document message. */
  editDocument(message: SentMessage, document: OutboundDocument): Promise<void>;
  /** `undefined` removes the buttons. */
  editKeyboard(message: SentMessage, keyboard: InlineKeyboard | undefined): Promise<void>;
  /** A message already gone counts as deleted. */
  deleteMessage(message: SentMessage): Promise<void>;
  /** The bot's @username without "@", for deep links (t.me/<username>?start=…): from the config, or asked once. */
  botUsername(): Promise<string>;
  close(): Promise<void>;
}

/** A button that answers with callback data (parsed by a bot feature), or one that opens a link. */
export type InlineButton = { text: string; callbackData: string } | { text: string; url: string };
export type InlineKeyboard = readonly (readonly InlineButton[])[];

export interface OutboundText {
  text: string;
  keyboard?: InlineKeyboard;
  /** Plain text unless said otherwise; HTML needs every value escaped by the renderer. */
  parseMode?: 'HTML';
  /** A topic of a forum group. */
  threadId?: number;
  silent?: boolean;
}

export interface OutboundDocument {
  data: Buffer;
  fileName: string;
  caption?: string;
  keyboard?: InlineKeyboard;
  threadId?: number;
}

export interface SentMessage {
  chatId: bigint;
  messageId: number;
}

export class TelegramPortError extends Error {
  override name = 'TelegramPortError';
}

/** Telegram said 403, or the chat is gone: the user blocked the bot, or the bot was removed from the group. */
export class RecipientBlockedError extends TelegramPortError {
  override name = 'RecipientBlockedError';
}

/** The message to edit or delete is not there any more (deleted, or too old to edit). */
export class MessageGoneError extends TelegramPortError {
  override name = 'MessageGoneError';
}

/** Telegram refused the call for good (400 of another kind): retrying the same call cannot help. */
export class TelegramRefusedError extends TelegramPortError {
  override name = 'TelegramRefusedError';
}
