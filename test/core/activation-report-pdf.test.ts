import { describe, expect, it } from 'vitest';
import { createTranslator } from '../../core/i18n.ts';
import { type ActivationReportView, renderActivationReportPdf } from '../../core/pdf/activation-report.pdf.ts';
import { loadPdfFonts } from '../../core/pdf/pdf-fonts.ts';
import { pdfText } from '../helpers/pdf-text.ts';

const translator = createTranslator();
const render = (view: ActivationReportView, language: 'ru' | 'en' = 'ru') =>
  renderActivationReportPdf(view, { t: translator.t(language), language, fonts: loadPdfFonts(), timeZone: 'Europe/Moscow' });

const view: ActivationReportView = {
  generatedAt: new Date('2026-11-30T09:00:00Z'),
  totals: { employees: 60, notPublished: 5, published: 20, invited: 10, active: 22, blocked: 1, disabled: 2 },
  departments: [
    { name: 'Бухгалтерия', total: 12, active: 9 },
    { name: 'Склад', total: 30, active: 6 },
    { name: 'Отдел продаж', total: 18, active: 7 },
  ],
  notActive: [
    { name: 'Петров Пётр Петрович', personnelNumber: '0000-00002', department: 'Склад', reason: 'NO_CONTACTS' },
    { name: 'Сидорова Анна Ильинична', personnelNumber: '0000-00003', department: 'Бухгалтерия', reason: 'INVITATION_NOT_OPENED' },
    { name: 'Ким Ольга', personnelNumber: '0000-00004', department: null, reason: 'BLOCKED_BOT' },
  ],
};

describe('activation report PDF', () => {
  it('shows totals, a bar per department and who has not signed in with why', async () => {
    const text = await pdfText(await render(view));
    for (const expected of [
      'Подключение сотрудников к Kabinet', 'Вошли в кабинет: 22 из 60 (37%)', 'Бухгалтерия 9/12 · 75%', 'Склад 6/30 · 20%',
      'Не вошли 3 сотрудника', 'Петров Пётр Петрович (0000-00002) Склад нет телефона и e-mail', 'приглашение не открыто', 'заблокировал бота',
    ]) expect(text, expected).toContain(expected);
  });

  it('stays one page for a large company and says how many more there are', async () => {
    const many: ActivationReportView = {
      ...view,
      departments: Array.from({ length: 40 }, (_, i) => ({ name: `Цех № ${i + 1}`, total: 250, active: i * 5 })),
      notActive: Array.from({ length: 5000 }, (_, i) => ({ name: `Сотрудник ${i + 1}`, personnelNumber: String(i + 1).padStart(10, '0'), department: 'Цех № 1', reason: 'NOT_INVITED' as const })),
    };
    const pdf = await render(many, 'en');
    const text = await pdfText(pdf);
    expect((pdf.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length).toBe(1);
    expect(text).toContain('and 25 more departments');
    expect(text).toMatch(/… and \d{4} more/);
    expect(text).toContain('5000 employees have not signed in');
  });
});
