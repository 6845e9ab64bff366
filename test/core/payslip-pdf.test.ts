import { describe, expect, it } from 'vitest';
import { createTranslator } from '../../core/i18n.ts';
import { loadPdfFonts } from '../../core/pdf/pdf-fonts.ts';
import { renderPayslipPdf, type PayslipView } from '../../core/pdf/payslip.pdf.ts';
import { pdfText } from '../helpers/pdf-text.ts';

const view: PayslipView = {
  period: '2026-10',
  kind: 'FINAL',
  organization: 'ООО «Ромашка»',
  employeeName: 'Щербакова Алёна Юрьевна',
  personnelNumber: '0000-00042',
  department: 'Бухгалтерия',
  position: 'Главный бухгалтер',
  debtStart: 0n,
  debtEnd: 123456n,
  totals: { accrued: 9350050n, withheld: 1215507n, paid: 8011087n },
  lines: [
    { section: 'ACCRUED', name: 'Оплата по окладу', note: '01.10–31.10', days: '23', hours: '184', amount: 8500000n },
    { section: 'ACCRUED', name: 'Премия ежемесячная', note: null, days: null, hours: null, amount: 850050n },
    { section: 'WITHHELD', name: 'НДФЛ', note: null, days: null, hours: null, amount: 1215507n },
    { section: 'PAID', name: 'Зарплата за месяц (ведомость № 120)', note: null, days: null, hours: '7.5', amount: 8011087n },
    { section: 'OTHER', name: 'Стандартный вычет на детей', note: null, days: null, hours: null, amount: 140000n },
  ],
};
const translator = createTranslator();
const render = (language: 'ru' | 'en', extra: Partial<PayslipView> = {}, password?: string) =>
  renderPayslipPdf({ ...view, ...extra }, { t: translator.t(language), language, fonts: loadPdfFonts(), generatedAt: new Date('2026-11-29T15:05:00Z'), timeZone: 'Europe/Moscow', ...(password ? { password } : {}) });

describe('payslip PDF', () => {
  it('is an A4 PDF whose text has the Cyrillic names, the period, sections and amounts in Russian', async () => {
    const pdf = await render('ru');
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.toString('latin1')).toMatch(/\/MediaBox \[0 0 595\.28 841\.89\]/);
    const text = await pdfText(pdf);
    for (const expected of [
      'Расчетный листок за октябрь 2026 г.', 'ООО «Ромашка»', 'Щербакова Алёна Юрьевна', '0000-00042', 'Бухгалтерия', 'Главный бухгалтер',
      'Начислено', 'Удержано', 'Выплачено', 'Справочно', 'Оплата по окладу 01.10–31.10 23 184 85 000,00 ₽', 'НДФЛ 12 155,07 ₽',
      'Зарплата за месяц (ведомость № 120) 7,5 80 110,87 ₽', 'Долг за предприятием на начало месяца 0,00 ₽',
      'Долг за предприятием на конец месяца 1 234,56 ₽', 'Всего начислено 93 500,50 ₽', 'Сформировано 29.11.2026, 18:05',
    ]) expect(text, expected).toContain(expected);
  });

  it('speaks English with English amounts when asked', async () => {
    const text = await pdfText(await render('en'));
    for (const expected of ['Payslip for October 2026', 'Organization', 'Щербакова Алёна Юрьевна', 'Accrued', 'Withheld', 'Paid', '₽85,000.00', 'Total accrued ₽93,500.50']) {
      expect(text, expected).toContain(expected);
    }
    expect(text).not.toContain('Начислено');
  });

  it('marks an advance payslip as such', async () => {
    expect(await pdfText(await render('ru', { kind: 'ADVANCE' }))).toContain('Расчетный листок за октябрь 2026 г. (аванс)');
  });

  it('does not open without the password and opens with it', async () => {
    const pdf = await render('ru', {}, 'Пароль-2026');
    expect(pdf.toString('latin1')).toMatch(/\/Encrypt/);
    await expect(pdfText(pdf)).rejects.toThrow(/password/i);
    await expect(pdfText(pdf, 'wrong-password1')).rejects.toThrow(/password/i);
    expect(await pdfText(pdf, 'Пароль-2026')).toContain('Щербакова Алёна Юрьевна');
  });

  it('continues on a second page when the lines do not fit', async () => {
    const lines = Array.from({ length: 70 }, (_, i) => ({ section: 'ACCRUED' as const, name: `Начисление № ${i + 1}`, note: null, days: null, hours: null, amount: BigInt(100 * (i + 1)) }));
    const pdf = await render('ru', { lines });
    expect(pdf.toString('latin1').match(/\/Type \/Page\b/g)?.length).toBe(2);
    const text = await pdfText(pdf);
    expect(text).toContain('Начисление № 1 ');
    expect(text).toContain('Начисление № 70 ');
  });

  it('parses each font once per process', () => {
    expect(loadPdfFonts()).toBe(loadPdfFonts());
    expect(loadPdfFonts().regular.font).toBe(loadPdfFonts().regular.font);
  });
});
