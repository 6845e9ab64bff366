import type { Api } from 'grammy';
import type { CommandMenus } from '../core/admin/admin-roles.ts';
import { Role } from '../core/db/generated/enums.ts';
import { DEFAULT_LANGUAGE, LANGUAGES, type Language, type Translator } from '../core/i18n.ts';

const COMMANDS = ['payslip', 'vacation', 'certificates', 'requests', 'settings', 'whoami', 'language', 'help', 'logout', 'start'] as const;
/** What an admin sees on top of everyone's menu. */
const ADMIN_COMMANDS = ['admin'] as const;

const menuFor = (translator: Translator, language: Language, roles: readonly Role[]) => {
  const t = translator.t(language);
  const everyone = COMMANDS.map((command) => ({ command, description: t(`commands.${command}`) }));
  if (!roles.includes(Role.ADMIN)) return everyone;
  return [...ADMIN_COMMANDS.map((command) => ({ command, description: t(`admin:commands.${command}`) })), ...everyone];
};

/** The command menu in each language; Telegram shows the one matching the user's app language. */
export async function setCommandMenus(api: Api, translator: Translator): Promise<void> {
  for (const language of LANGUAGES) {
    const commands = menuFor(translator, language, []);
    await api.setMyCommands(commands, { language_code: language });
    if (language === DEFAULT_LANGUAGE) await api.setMyCommands(commands);
  }
}

/**
 * One person's menu (`setMyCommands` with a chat scope): admins get /admin in theirs. Someone without a role gets
 * the chat scope deleted, so the bot's default menu applies again. Used by core's refresh-commands job.
 */
export function createCommandMenus(api: Pick<Api, 'setMyCommands' | 'deleteMyCommands'>, translator: Translator): CommandMenus {
  return {
    async refresh({ chatId, language, roles }) {
      const scope = { type: 'chat' as const, chat_id: Number(chatId) };
      if (roles.includes(Role.ADMIN)) await api.setMyCommands(menuFor(translator, language, roles), { scope });
      else await api.deleteMyCommands({ scope });
    },
  };
}
