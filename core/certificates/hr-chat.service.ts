import { actorFields, type Actor } from '../access/actor.ts';
import { authorize } from '../access/permissions.ts';
import { audit } from '../audit/audit-log.ts';
import { systemClock, type Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { DEFAULT_LANGUAGE, LANGUAGES, type Language } from '../i18n.ts';

export interface HrChatView {
  chatId: bigint;
  title: string | null;
  language: Language;
  boundAt: Date;
}

/**
 * The HR chat: the Telegram group where new requests are posted with their buttons. One per installation; an admin
 * binds it (/hrchat in the group); binding another group moves new posts there (cards already posted stay where
 * they are and are still edited there). Binding queues the requests that were waiting for a chat.
 */
export function createHrChatService(deps: { db: Db; clock?: Clock; onBound?: () => Promise<unknown> }) {
  const { db } = deps;
  const clock = deps.clock ?? systemClock;

  async function current(): Promise<HrChatView | null> {
    const row = await db.hrChat.findUnique({ where: { id: 1 } });
    if (!row) return null;
    const language = (LANGUAGES as readonly string[]).includes(row.language) ? (row.language as Language) : DEFAULT_LANGUAGE;
    return { chatId: row.chatId, title: row.title, language, boundAt: row.boundAt };
  }

  async function bind(actor: Actor, chat: { chatId: bigint; title?: string | null; language?: Language }): Promise<HrChatView> {
    authorize(actor, 'hr-chat.bind');
    const now = clock.now();
    const data = {
      chatId: chat.chatId,
      title: chat.title?.slice(0, 255) ?? null,
      language: chat.language ?? DEFAULT_LANGUAGE,
      boundById: actor.kind === 'employee' ? actor.employeeId : null,
      boundAt: now,
    };
    await db.$transaction(async (tx) => {
      await tx.hrChat.upsert({ where: { id: 1 }, create: { id: 1, ...data }, update: data });
      // A group's id is not personal data; its title might be, and is not copied into the log.
      await audit(tx, { ...actorFields(actor), action: 'hr-chat.bind', entityType: 'HrChat', entityId: String(chat.chatId) });
    });
    await deps.onBound?.();
    return (await current())!;
  }

  async function unbind(actor: Actor): Promise<boolean> {
    authorize(actor, 'hr-chat.bind');
    return db.$transaction(async (tx) => {
      const { count } = await tx.hrChat.deleteMany({ where: { id: 1 } });
      if (count > 0) await audit(tx, { ...actorFields(actor), action: 'hr-chat.unbind', entityType: 'HrChat' });
      return count > 0;
    });
  }

  return { current, bind, unbind };
}

export type HrChatService = ReturnType<typeof createHrChatService>;
