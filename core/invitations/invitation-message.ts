import type { EmailMessage } from '../delivery/email-sender.ts';
import type { Language, Translator } from '../i18n.ts';

export interface InvitationMessageInput {
  language: Language;
  firstName: string;
  organization: string;
  /** `https://t.me/<bot>?start=<token>` */
  link: string;
  expiresAt: Date;
  timeZone: string;
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

const formatDay = (at: Date, language: Language, timeZone: string) =>
  new Intl.DateTimeFormat(language === 'ru' ? 'ru-RU' : 'en-GB', { day: '2-digit', month: '2-digit', year: 'numeric', timeZone }).format(at);

/**
 * The personal invitation by e-mail: a plain-text part and an HTML part with the link as a button, three lines of
 * what to do, in the employee's language. Names come from HR's records and are escaped for HTML.
 */
export function invitationEmail(translator: Translator, input: InvitationMessageInput): Omit<EmailMessage, 'to'> {
  const t = translator.t(input.language, 'invitations');
  const until = formatDay(input.expiresAt, input.language, input.timeZone);
  const steps = [t('email.step_open'), t('email.step_start'), t('email.step_code')];
  const greeting = t('email.greeting', { name: input.firstName });
  const intro = t('email.intro', { organization: input.organization });
  const expiry = t('email.expires', { date: until });
  const text = [greeting, '', intro, '', ...steps.map((s, i) => `${i + 1}. ${s}`), '', input.link, '', expiry, t('email.ignore')].join('\n');
  const html = `<!doctype html><html lang="${input.language}"><body style="font-family:Arial,sans-serif;font-size:15px;color:#222">
<p>${escapeHtml(greeting)}</p>
<p>${escapeHtml(intro)}</p>
<ol>${steps.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ol>
<p><a href="${escapeHtml(input.link)}" style="display:inline-block;padding:10px 18px;background:#2aabee;color:#fff;text-decoration:none;border-radius:6px">${escapeHtml(t('email.button'))}</a></p>
<p style="color:#666;font-size:13px">${escapeHtml(expiry)}<br>${escapeHtml(t('email.ignore'))}</p>
</body></html>`;
  return { subject: t('email.subject', { organization: input.organization }), text, html };
}

/** The same invitation in one SMS (for employees without e-mail): short, with the link. */
export function invitationSms(translator: Translator, input: Pick<InvitationMessageInput, 'language' | 'organization' | 'link'>): string {
  return translator.t(input.language, 'invitations')('sms', { organization: input.organization, link: input.link });
}
