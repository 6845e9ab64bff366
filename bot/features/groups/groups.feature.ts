import { Composer } from '../../composer.ts';
import type { ChatMember } from 'grammy/types';
import type { BotContext } from '../../context.ts';

const present = (member: ChatMember): boolean =>
  member.status === 'member' || member.status === 'administrator' || member.status === 'creator' || (member.status === 'restricted' && member.is_member);

/**
 * Group chats (the HR chat of issue 9 starts here). For now the bot only notices being added to or removed from a
 * group (`my_chat_member`): logged with the chat id, nothing stored yet. Group features narrow to
 * `chatType(['group', 'supergroup'])` and guard each handler themselves (filters/guards.ts).
 */
export const groupsFeature = new Composer<BotContext>();
const groups = groupsFeature.chatType(['group', 'supergroup']);

groups.on('my_chat_member', (ctx) => {
  const before = present(ctx.myChatMember.old_chat_member);
  const now = present(ctx.myChatMember.new_chat_member);
  if (before === now) return;
  // The chat id only: group titles and who added the bot say more than operations need.
  ctx.logger.info({ chat_id: ctx.chat.id, chat_type: ctx.chat.type }, now ? 'bot added to a group' : 'bot removed from a group');
});
