import { describe, expect, it } from 'vitest';
import { payslipCallbacks } from '../../bot/features/payslips/payslip.callbacks.ts';
import { renderPayslipReady } from '../../bot/features/payslips/payslip-ready.renderer.ts';
import { callbackCodec, uuidField, yearField } from '../../bot/callback-data.ts';
import { createTranslator } from '../../core/i18n.ts';

const ID = '0196f3c2-7b1e-7d4a-9c3f-2e8b1a4d5c6f';

describe('typed callback data', () => {
  it('packs what the feature parses, in the wire format of the buttons already in chats', () => {
    const open = payslipCallbacks.open.pack({ payslipId: ID });
    expect(open).toBe(`ps:${Buffer.from(ID.replace(/-/g, ''), 'hex').toString('base64url')}`);
    expect(payslipCallbacks.open.unpack(open)).toEqual({ payslipId: ID });
    expect(payslipCallbacks.acknowledge.unpack(payslipCallbacks.acknowledge.pack({ payslipId: ID }))).toEqual({ payslipId: ID });
    expect(payslipCallbacks.year.unpack('py:2025')).toEqual({ year: 2025 });
    // A codec never takes another's data.
    expect(payslipCallbacks.acknowledge.unpack(open)).toBeNull();
  });

  it('refuses whatever is not exactly what pack makes: other shapes, non-canonical spellings, too long', () => {
    const open = payslipCallbacks.open.pack({ payslipId: ID });
    for (const forged of [`${open}x`, `${open}:1`, 'ps:../../etc/passwd', 'ps:', 'ps', `PS${open.slice(2)}`, undefined]) expect(payslipCallbacks.open.unpack(forged)).toBeNull();
    // The last base64url character of 16 bytes has spare bits: another spelling of the same bytes is refused.
    const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = `${open.slice(0, -1)}${ALPHABET[ALPHABET.indexOf(open.at(-1)!) + 1]}`;
    expect(Buffer.from(sibling.slice(3), 'base64url').equals(Buffer.from(open.slice(3), 'base64url'))).toBe(true);
    expect(payslipCallbacks.open.unpack(sibling)).toBeNull();
    expect(payslipCallbacks.open.anyWithPrefix.test('ps:anything')).toBe(true);
    expect(payslipCallbacks.open.anyWithPrefix.test('psx:1')).toBe(false);
    const wide = callbackCodec('wide', { a: uuidField, b: uuidField, c: uuidField, d: yearField });
    expect(() => wide.pack({ a: ID, b: ID, c: ID, d: 2026 })).toThrow(/longer than 64 bytes/);
  });

  it('renders the payday intent with the feature\'s own buttons, in the reader\'s language', () => {
    const message = renderPayslipReady({ kind: 'payslip-ready', chatId: 1n, language: 'en', payslipId: ID, period: '2026-10' }, createTranslator());
    expect(message.text).toMatch(/October 2026/);
    expect(message.keyboard).toEqual([[
      { text: expect.any(String), callbackData: payslipCallbacks.open.pack({ payslipId: ID }) },
      { text: expect.any(String), callbackData: payslipCallbacks.acknowledge.pack({ payslipId: ID }) },
    ]]);
  });
});
