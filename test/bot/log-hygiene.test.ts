import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpSender } from '../../core/delivery/email-sender.ts';
import { createLogger } from '../../core/logger.ts';
import { seedLinkingEmployees } from '../fixtures/linking-setup.ts';
import { contactUpdate, textUpdate } from '../fixtures/telegram-updates.ts';
import { capturingChannels, codeIn, createBotHarness, type BotHarness } from '../helpers/bot-harness.ts';
import { startSmtpSink } from '../helpers/smtp-sink.ts';

describe('logs of a full linking flow', () => {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  let h: BotHarness;
  let sink: Awaited<ReturnType<typeof startSmtpSink>>;
  const sms = capturingChannels();

  beforeAll(async () => {
    sink = await startSmtpSink();
    h = await createBotHarness('pglite', {
      logger: createLogger({ level: 'trace', destination }),
      channels: { sms: sms.channels.sms, email: createSmtpSender({ url: sink.url, from: 'no-reply@romashka.ru' }) },
    });
  });
  afterAll(async () => {
    await h?.close();
    await sink?.close();
  });

  it('contain no phone number, e-mail, name or code', async () => {
    await seedLinkingEmployees(h.t);
    const codes: string[] = [];
    await h.send(textUpdate(9001, '/start'));
    await h.send(contactUpdate(9001, '+7 912 000-00-01'));
    codes.push(codeIn(sms.sms[0]!.text));
    await h.send(textUpdate(9001, codes[0] === '000000' ? '111111' : '000000'));
    await h.send(textUpdate(9001, codes[0]!));
    await h.send(textUpdate(9001, '/whoami'));
    await h.send(textUpdate(9002, 'emp3@romashka.ru'));
    codes.push(codeIn(sink.received[0]!.text ?? ''));
    await h.send(textUpdate(9002, codes[1]!));
    await h.send(textUpdate(9003, '8 999 123-45-67'));
    await h.send(textUpdate(9001, '/logout'));
    h.failNext('sendMessage', new Error('network down for +79120000001'));
    await h.send(textUpdate(9001, '/help'));

    const log = lines.join('');
    expect(lines.length).toBeGreaterThan(20);
    expect(log).toMatch(/one-time code sent/);
    for (const secret of ['9120000001', '912 000-00-01', '9991234567', '999 123-45-67', 'emp1@', 'emp3@', 'romashka.ru', 'Иванова', 'Мария', ...codes]) {
      expect(log, secret).not.toContain(secret);
    }
  });
});
