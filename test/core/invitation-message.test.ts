import { describe, expect, it } from 'vitest';
import { createTranslator } from '../../core/i18n.ts';
import { invitationEmail, invitationSms } from '../../core/invitations/invitation-message.ts';

const translator = createTranslator();
const input = {
  firstName: 'Мария',
  organization: 'ООО «Ромашка» <R&D>',
  link: 'https://t.me/kabinet_bot?start=AbCdEfGhIjKlMnOpQrStUvWx',
  expiresAt: new Date('2026-12-07T12:00:00Z'),
  timeZone: 'Europe/Moscow',
};

describe('invitation messages', () => {
  it('e-mail: text and HTML parts, three steps, the link as a button, HR names escaped', () => {
    const mail = invitationEmail(translator, { ...input, language: 'ru' });
    expect(mail.subject).toBe('Приглашение в кабинет сотрудника ООО «Ромашка» <R&D>');
    expect(mail.text).toContain('Здравствуйте, Мария!');
    expect(mail.text).toMatch(/1\. Откройте ссылку.*\n2\. .*«Запустить».*\n3\. Введите код/);
    expect(mail.text).toContain(input.link);
    expect(mail.text).toContain('до 07.12.2026');
    expect(mail.html).toContain(`<a href="${input.link}"`);
    expect(mail.html).toContain('Открыть кабинет в Telegram</a>');
    expect(mail.html).toContain('ООО «Ромашка» &lt;R&amp;D&gt;');
    expect(mail.html).not.toContain('<R&D>');
    expect((mail.html!.match(/<li>/g) ?? []).length).toBe(3);
  });

  it('speaks English, and an SMS carries the link', () => {
    expect(invitationEmail(translator, { ...input, language: 'en' }).text).toContain('Hello, Мария!');
    expect(invitationSms(translator, { language: 'ru', organization: 'Ромашка', link: input.link })).toBe(`Ромашка: ваш кабинет сотрудника в Telegram ${input.link}`);
  });
});
