import { createIntentRenderer } from '../../bot/intent-renderer.ts';
import type { Translator } from '../../core/i18n.ts';
import type { TelegramOutbound } from '../../core/telegram/intents.ts';
import type { InlineKeyboard, OutboundDocument, OutboundText, SentMessage, TelegramPort } from '../../core/telegram/telegram-port.ts';

export interface FakeCall {
  method: 'sendText' | 'sendDocument' | 'editText' | 'editDocument' | 'editKeyboard' | 'deleteMessage';
  chatId: bigint;
  messageId: number;
  text?: string;
  keyboard?: InlineKeyboard;
  document?: { data: Buffer; fileName: string };
}

/**
 * Outbound Telegram for core tests: the bot's real renderer of intents, and a port that records every call and
 * answers with increasing message ids. A chat can be made unreachable (every call to it throws, as a network
 * failure or Telegram's 5xx would after the port's own retries).
 */
export function createFakeTelegram(translator: Translator) {
  const calls: FakeCall[] = [];
  const failing = new Map<bigint, () => Error>();
  let nextId = 1000;
  const check = (chatId: bigint) => {
    const failure = failing.get(chatId);
    if (failure) throw failure();
  };
  const text = (chatId: bigint, message: OutboundText) => ({ chatId, text: message.text, ...(message.keyboard ? { keyboard: message.keyboard } : {}) });
  const port: TelegramPort = {
    async sendText(chatId, message) {
      check(chatId);
      const messageId = nextId++;
      calls.push({ method: 'sendText', messageId, ...text(chatId, message) });
      return { chatId, messageId };
    },
    async sendDocument(chatId, document: OutboundDocument) {
      check(chatId);
      const messageId = nextId++;
      calls.push({ method: 'sendDocument', chatId, messageId, text: document.caption ?? '', document: { data: Buffer.from(document.data), fileName: document.fileName } });
      return { chatId, messageId };
    },
    async editText(message: SentMessage, content) {
      check(message.chatId);
      calls.push({ method: 'editText', messageId: message.messageId, ...text(message.chatId, content) });
    },
    async editDocument(message, document) {
      check(message.chatId);
      calls.push({ method: 'editDocument', chatId: message.chatId, messageId: message.messageId, document: { data: document.data, fileName: document.fileName } });
    },
    async editKeyboard(message, keyboard) {
      check(message.chatId);
      calls.push({ method: 'editKeyboard', chatId: message.chatId, messageId: message.messageId, ...(keyboard ? { keyboard } : {}) });
    },
    async deleteMessage(message) {
      calls.push({ method: 'deleteMessage', chatId: message.chatId, messageId: message.messageId });
    },
    botUsername: async () => 'kabinet_test_bot',
    close: async () => {},
  };
  const outbound: TelegramOutbound = { port, render: createIntentRenderer(translator) };
  return {
    outbound,
    calls,
    /** Every call to `chatId` throws until `restore`. */
    breakChat(chatId: bigint, error: () => Error = () => Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' })) {
      failing.set(chatId, error);
    },
    restore(chatId: bigint) {
      failing.delete(chatId);
    },
    to(chatId: bigint): FakeCall[] {
      return calls.filter((c) => c.chatId === chatId);
    },
    clear() {
      calls.length = 0;
    },
  };
}

export type FakeTelegram = ReturnType<typeof createFakeTelegram>;
