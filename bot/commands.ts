import type { Api } from 'grammy';
import { DEFAULT_LANGUAGE, LANGUAGES, type Translator } from '../core/i18n.ts';

const COMMANDS = ['start', 'whoami', 'language', 'help', 'logout'] as const;

/** The command menu in each language; Telegram shows the one matching the user's app language. */
export async function setCommandMenus(api: Api, translator: Translator): Promise<void> {
  for (const language of LANGUAGES) {
    const t = translator.t(language);
    const commands = COMMANDS.map((command) => ({ command, description: t(`commands.${command}`) }));
    await api.setMyCommands(commands, { language_code: language });
    if (language === DEFAULT_LANGUAGE) await api.setMyCommands(commands);
  }
}
