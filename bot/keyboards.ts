import { InlineKeyboard, Keyboard } from 'grammy';
import { LANGUAGES, type TFunction, type Translator } from '../core/i18n.ts';

export const contactKeyboard = (t: TFunction) =>
  new Keyboard().requestContact(t('linking:share_contact')).resized().oneTime();

export const MENU_ITEMS = ['payslip', 'vacation', 'certificates', 'requests', 'settings', 'help', 'whoami', 'language'] as const;
export type MenuItem = (typeof MENU_ITEMS)[number];

export const mainMenu = (t: TFunction) =>
  new Keyboard()
    .text(t('menu.payslip')).text(t('menu.vacation')).row()
    .text(t('menu.certificates')).text(t('menu.requests')).row()
    .text(t('menu.settings')).text(t('menu.help'))
    .resized()
    .persistent();

/** A menu button's text in every language, so a press is understood whatever language the keyboard was drawn in. */
export const menuLabels = (translator: Translator, item: MenuItem): string[] =>
  LANGUAGES.map((lng) => translator.t(lng)(`menu.${item}`));

export const LANGUAGE_NAMES = { ru: 'Русский', en: 'English' } as const;
export const languageKeyboard = () =>
  LANGUAGES.reduce((kb, lng) => kb.text(LANGUAGE_NAMES[lng], `lang:${lng}`), new InlineKeyboard());
