import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.ts';
import { createChannels } from '../../core/container.ts';
import { PermanentDeliveryError, TransientDeliveryError } from '../../core/delivery/delivery-errors.ts';
import { createSmsGateway } from '../../core/delivery/sms-gateway.ts';
import { startFakeSmsGateway } from '../helpers/fake-sms-gateway.ts';

const PHONE = '+79120000004';

describe('SMS providers against a local gateway (SMS_API_URL)', () => {
  let gateway: Awaited<ReturnType<typeof startFakeSmsGateway>>;
  beforeAll(async () => {
    gateway = await startFakeSmsGateway();
  });
  beforeEach(() => void gateway.requests.splice(0));
  afterAll(async () => gateway?.close());

  const channelsFor = (env: Record<string, string>) => createChannels(loadConfig({ NODE_ENV: 'test', ...env }));

  it('SMS.ru: the configured URL receives api_id, the number without "+", the text and the sender', async () => {
    const { sms } = channelsFor({ SMS_PROVIDER: 'smsru', SMSRU_API_ID: 'TEST-API-ID-0000', SMS_SENDER: 'Kabinet', SMS_API_URL: gateway.url('/sms/send') });
    gateway.reply({ status: 200, body: { status: 'OK', status_code: 100, sms: { '79120000004': { status: 'OK', status_code: 100 } } } });
    await sms!.send(PHONE, 'Kabinet: код входа 123456');
    expect(gateway.requests).toHaveLength(1);
    expect(gateway.requests[0]).toMatchObject({ path: '/sms/send', fields: { api_id: 'TEST-API-ID-0000', to: '79120000004', msg: 'Kabinet: код входа 123456', from: 'Kabinet', json: '1' } });

    gateway.reply({ status: 200, body: { status: 'ERROR', status_code: 201 } });
    await expect(sms!.send(PHONE, 'x')).rejects.toBeInstanceOf(PermanentDeliveryError);
    gateway.reply({ status: 200, body: 'not json' });
    await expect(sms!.send(PHONE, 'x')).rejects.toBeInstanceOf(TransientDeliveryError);
  });

  it('SMSC.ru: login, password, JSON format and UTF-8; its error codes split into final and passing', async () => {
    const { sms } = channelsFor({ SMS_PROVIDER: 'smsc', SMSC_LOGIN: 'romashka', SMSC_PASSWORD: 'secret-pass', SMS_SENDER: 'Romashka', SMS_API_URL: gateway.url('/sys/send.php') });
    gateway.reply({ status: 200, body: { id: 17, cnt: 1 } });
    await sms!.send(PHONE, 'Код 123456');
    expect(gateway.requests[0]).toMatchObject({ path: '/sys/send.php', fields: { login: 'romashka', psw: 'secret-pass', phones: '79120000004', mes: 'Код 123456', sender: 'Romashka', fmt: '3', charset: 'utf-8' } });

    gateway.reply({ status: 200, body: { error: 'invalid number', error_code: 7 } });
    await expect(sms!.send(PHONE, 'x')).rejects.toBeInstanceOf(PermanentDeliveryError);
    gateway.reply({ status: 200, body: { error: 'duplicate request, wait a minute', error_code: 9 } });
    await expect(sms!.send(PHONE, 'x')).rejects.toBeInstanceOf(TransientDeliveryError);
  });

  it('generic HTTP gateway: JSON body with a bearer token; 2xx accepted, 429/5xx/no answer retried, other 4xx final', async () => {
    const { sms } = channelsFor({ SMS_PROVIDER: 'http', SMS_API_URL: gateway.url('/send'), SMS_API_TOKEN: 'gw-token', SMS_SENDER: 'Kabinet' });
    gateway.reply({ status: 202, body: { accepted: true } });
    await sms!.send(PHONE, 'Код 654321');
    expect(gateway.requests[0]!.headers.authorization).toBe('Bearer gw-token');
    expect(gateway.requests[0]!.fields).toEqual({ to: PHONE, text: 'Код 654321', sender: 'Kabinet' });

    for (const [reply, kind] of [
      [{ status: 429, body: {} }, TransientDeliveryError],
      [{ status: 503, body: {} }, TransientDeliveryError],
      ['hang-up', TransientDeliveryError],
      [{ status: 400, body: { error: 'bad number' } }, PermanentDeliveryError],
      [{ status: 401, body: {} }, PermanentDeliveryError],
    ] as const) {
      gateway.reply(reply);
      await expect(sms!.send(PHONE, 'x'), JSON.stringify(reply)).rejects.toBeInstanceOf(kind);
    }
  });

  it('an unreachable gateway is a passing failure', async () => {
    const sms = createSmsGateway({ provider: 'http', url: 'http://127.0.0.1:1/send', token: undefined, sender: undefined });
    await expect(sms.send(PHONE, 'x')).rejects.toBeInstanceOf(TransientDeliveryError);
  });

  it('configuration names what each provider needs', () => {
    expect(() => loadConfig({ SMS_PROVIDER: 'smsc', SMSC_LOGIN: 'a' })).toThrowError(/SMSC_LOGIN, SMSC_PASSWORD: required/);
    expect(() => loadConfig({ SMS_PROVIDER: 'http' })).toThrowError(/SMS_API_URL: required/);
    expect(() => loadConfig({ SMSRU_API_ID: 'TEST-API-ID-0000' })).toThrowError(/SMS_PROVIDER: set it/);
    expect(() => loadConfig({ SMS_PROVIDER: 'smsru', SMSRU_API_ID: 'TEST-API-ID-0000', SMS_API_URL: 'ftp://x' })).toThrowError(/SMS_API_URL/);
    expect(loadConfig({ SMS_PROVIDER: 'smsru', SMSRU_API_ID: 'TEST-API-ID-0000' }).delivery.sms).toMatchObject({ provider: 'smsru', url: 'https://sms.ru/sms/send' });
    expect(loadConfig({ SMS_PROVIDER: 'smsc', SMSC_LOGIN: 'a', SMSC_PASSWORD: 'b' }).delivery.sms).toMatchObject({ provider: 'smsc', url: 'https://smsc.ru/sys/send.php' });
  });
});
