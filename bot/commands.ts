import type { Api } from 'grammy';
import { DEFAULT_LANGUAGE, LANGUAGES, type Translator } from '../core/i18n.ts';

const COMMANDS = ['payslip', 'vacation', 'certificates', 'requests', 'settings', 'whoami', 'language', 'help', 'logout', 'start'] as const;

/** The command menu in each language; Telegram shows the one matching the user's app language. */
export async function setCommandMenus(api: Api, translator: Translator): Promise<void> {
  for (const language of LANGUAGES) {
    const t = translator.t(language);
    const commands = COMMANDS.map((command) => ({ command, description: t(`commands.${command}`) }));
    await api.setMyCommands(commands, { language_code: language });
    if (language === DEFAULT_LANGUAGE) await api.setMyCommands(commands);
  }
}
