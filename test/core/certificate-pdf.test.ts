import { describe, expect, it } from 'vitest';
import { createTranslator } from '../../core/i18n.ts';
import { type CertificateHeader, renderEmploymentCertificatePdf, renderVacationCertificatePdf } from '../../core/pdf/certificate.pdf.ts';
import { loadPdfFonts } from '../../core/pdf/pdf-fonts.ts';
import { pdfText } from '../helpers/pdf-text.ts';

const header: CertificateHeader = {
  number: 'С-000123',
  issuedAt: new Date('2026-11-30T09:15:00Z'),
  issuer: { name: 'Общество с ограниченной ответственностью «Ромашка»', inn: '7707083893', kpp: '770701001', address: '125009, г. Москва, ул. Тверская, д. 7, стр. 1, помещение III, комната 12' },
  employeeName: 'Щербакова Алёна Юрьевна',
  personnelNumber: '0000-00042',
  position: 'Главный бухгалтер',
  department: 'Бухгалтерия',
  hiredAt: new Date('2021-03-15T00:00:00Z'),
};
const translator = createTranslator();
const options = (language: 'ru' | 'en') => ({ t: translator.t(language), language, fonts: loadPdfFonts(), timeZone: 'Europe/Moscow' });

describe('certificate PDFs', () => {
  it('an employment certificate names the organization, the employee, the number and date, and says it was generated', async () => {
    const pdf = await renderEmploymentCertificatePdf({ ...header, purpose: 'по месту требования', salary: { averageKopecks: 9350050n, periods: ['2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10'] } }, options('ru'));
    const text = await pdfText(pdf);
    for (const expected of [
      'Общество с ограниченной ответственностью «Ромашка»', 'ИНН 7707083893, КПП 770701001', 'ул. Тверская',
      'Справка с места работы', '№ С-000123 от 30.11.2026', 'Щербакова Алёна Юрьевна', 'Главный бухгалтер', 'Бухгалтерия',
      '15.03.2021', 'за 6 мес.: май 2026 г. – октябрь 2026 г.', '93 500,50 ₽', 'по месту требования', 'сформирован в электронном виде',
      '30.11.2026, 12:15',
    ]) expect(text, expected).toContain(expected);
  });

  it('leaves out the salary when not asked, and speaks English', async () => {
    const text = await pdfText(await renderEmploymentCertificatePdf({ ...header, purpose: 'Bank' }, options('en')));
    expect(text).toContain('Employment certificate');
    expect(text).toContain('No. С-000123 of 30/11/2026');
    expect(text).toContain('Issued for: Bank.');
    expect(text).not.toMatch(/Average monthly/);
  });

  it('a vacation balance certificate lists remaining days with their as-of date, in Russian plurals', async () => {
    const pdf = await renderVacationCertificatePdf(
      { ...header, asOf: new Date('2026-10-31T00:00:00Z'), balances: [{ typeName: 'Основной ежегодный отпуск', remainingDays: 18.67 }, { typeName: 'Дополнительный (Север)', remainingDays: 5 }, { typeName: 'За вредность', remainingDays: 1 }] },
      options('ru'),
    );
    const text = await pdfText(pdf);
    for (const expected of ['Справка об остатке отпуска', 'на 31.10.2026', 'Основной ежегодный отпуск 18,67 дня', 'Дополнительный (Север) 5 дней', 'За вредность 1 день']) expect(text, expected).toContain(expected);
  });
});
