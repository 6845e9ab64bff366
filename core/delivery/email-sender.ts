import { createRequire } from 'node:module';
import { PermanentDeliveryError, TransientDeliveryError } from './delivery-errors.ts';

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  /** An HTML alternative; mail clients show it, the text part stays for the rest. */
  html?: string;
}

export interface EmailSender {
  send(message: EmailMessage): Promise<void>;
  close(): void;
}

// nodemailer (~0.14 s to load) only in a process that has SMTP_URL.
const require = createRequire(import.meta.url);

/** E-mail over SMTP (`SMTP_URL`, e.g. smtps://user:pass@smtp.example.ru:465). */
export function createSmtpSender(options: { url: string; from: string }): EmailSender {
  const nodemailer = require('nodemailer') as typeof import('nodemailer');
  const transport = nodemailer.createTransport(options.url);
  return {
    async send(message) {
      try {
        await transport.sendMail({ from: options.from, to: message.to, subject: message.subject, text: message.text, ...(message.html ? { html: message.html } : {}) });
      } catch (error) {
        const responseCode = (error as { responseCode?: number }).responseCode;
        // 5xx SMTP replies are final (mailbox unknown, relay denied); connection trouble and 4xx are worth retrying.
        if (responseCode && responseCode >= 500) throw new PermanentDeliveryError(`SMTP ${responseCode}`);
        throw new TransientDeliveryError(`SMTP unavailable (${(error as { code?: string }).code ?? responseCode ?? 'error'})`);
      }
    },
    close: () => transport.close(),
  };
}
