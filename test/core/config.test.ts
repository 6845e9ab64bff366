import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../core/config.ts';

describe('configuration', () => {
  it('defaults to the embedded database under ./data', () => {
    const config = loadConfig({});
    expect(config.database).toEqual({ kind: 'pglite', dataDir: './data' });
    expect(config.http.port).toBe(3000);
    expect(config.redisUrl).toBeUndefined();
  });

  it('uses PostgreSQL when DATABASE_URL is set, and treats empty variables as unset', () => {
    const config = loadConfig({ DATABASE_URL: 'postgresql://kabinet@db:5432/kabinet', REDIS_URL: '', PORT: '8080' });
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgresql://kabinet@db:5432/kabinet' });
    expect(config.redisUrl).toBeUndefined();
    expect(config.http.port).toBe(8080);
  });

  it('names every invalid variable', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x', PORT: 'eighty', LOG_LEVEL: 'loud' })).toThrowError(ConfigError);
    try {
      loadConfig({ DATABASE_URL: 'mysql://x', PORT: 'eighty', LOG_LEVEL: 'loud' });
    } catch (error) {
      expect((error as Error).message).toMatch(/DATABASE_URL/);
      expect((error as Error).message).toMatch(/PORT/);
      expect((error as Error).message).toMatch(/LOG_LEVEL/);
    }
  });
});

describe('bot and code configuration', () => {
  it('keeps the bot off without BOT_TOKEN', () => {
    expect(loadConfig({}).bot).toEqual({ enabled: false });
  });

  it('polls by default and uses a webhook with a derived secret when WEBHOOK_URL is set', () => {
    const polling = loadConfig({ BOT_TOKEN: '123456:ABCdefGHIjklMNOpqrSTUvwx', TELEGRAM_API_ROOT: 'http://127.0.0.1:8081' });
    expect(polling.bot).toEqual({ enabled: true, token: '123456:ABCdefGHIjklMNOpqrSTUvwx', apiRoot: 'http://127.0.0.1:8081', webhook: undefined });
    const webhook = loadConfig({ BOT_TOKEN: '123456:ABCdefGHIjklMNOpqrSTUvwx', WEBHOOK_URL: 'https://kabinet.example.ru/telegram/webhook' });
    expect(webhook.bot.enabled && webhook.bot.webhook?.secret).toMatch(/^[0-9a-f]{48}$/);
    expect(() => loadConfig({ BOT_TOKEN: '123456:ABCdefGHIjklMNOpqrSTUvwx', WEBHOOK_URL: 'http://insecure.example.ru/hook' })).toThrowError(/WEBHOOK_URL/);
    expect(() => loadConfig({ BOT_TOKEN: 'not-a-token' })).toThrowError(/BOT_TOKEN/);
  });

  it('demands a code secret in production and an API id for SMS.ru', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', BOT_TOKEN: '123456:ABCdefGHIjklMNOpqrSTUvwx' })).toThrowError(/CODE_SECRET/);
    expect(() => loadConfig({ SMS_PROVIDER: 'smsru' })).toThrowError(/SMSRU_API_ID/);
    expect(() => loadConfig({ NODE_ENV: 'production', BOT_TOKEN: '123456:ABCdefGHIjklMNOpqrSTUvwx', CODE_SECRET: 'x'.repeat(16) })).toThrowError(/PDF_PASSWORD_KEY/);
    expect(loadConfig({ NODE_ENV: 'production', BOT_TOKEN: '123456:ABCdefGHIjklMNOpqrSTUvwx', CODE_SECRET: 'x'.repeat(16), PDF_PASSWORD_KEY: 'y'.repeat(16) }).payslips)
      .toEqual({ passwordKey: 'y'.repeat(16), notifyRatePerSecond: 25, timeZone: 'Europe/Moscow' });
    expect(() => loadConfig({ TIMEZONE: 'Mars/Olympus' })).toThrowError(/TIMEZONE/);
  });

  it('writes codes to the log only in development without SMTP or SMS', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).delivery.logCodesInDevelopment).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development', SMTP_URL: 'smtp://127.0.0.1:25' }).delivery.logCodesInDevelopment).toBe(false);
    expect(loadConfig({ NODE_ENV: 'test' }).delivery.logCodesInDevelopment).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production' }).delivery.logCodesInDevelopment).toBe(false);
  });

  it('reads the code rules', () => {
    expect(loadConfig({}).codes).toMatchObject({ ttlMinutes: 10, maxAttempts: 5, maxSends: 3, sendWindowMinutes: 15, resendCooldownSeconds: 60, lockAfterFailures: 20, trustTelegramContact: false });
    expect(loadConfig({ LINK_TRUST_TELEGRAM_CONTACT: 'true' }).codes.trustTelegramContact).toBe(true);
  });
});
