import type { PayslipKind, PayslipSection } from '../db/generated/enums.ts';
import type { Language, TFunction } from '../i18n.ts';
import { formatDateTime, formatMoney, formatPeriod, formatQuantity } from './format.ts';
import { A4, createPdfCanvas } from './pdf-canvas.ts';
import type { PdfFonts } from './pdf-fonts.ts';

/** Everything a payslip shows; read by the payslip service, independent of the database shape. */
export interface PayslipView {
  period: string;
  kind: PayslipKind;
  organization: string;
  employeeName: string;
  personnelNumber: string;
  department: string | null;
  position: string | null;
  debtStart: bigint;
  debtEnd: bigint;
  totals: { accrued: bigint; withheld: bigint; paid: bigint };
  lines: { section: PayslipSection; name: string; note: string | null; days: { toString(): string } | null; hours: { toString(): string } | null; amount: bigint }[];
}

export interface RenderOptions {
  t: TFunction;
  language: Language;
  fonts: PdfFonts;
  generatedAt: Date;
  timeZone: string;
  /** Encrypts the PDF: it opens only with this password. */
  password?: string;
}

const SECTIONS: PayslipSection[] = ['ACCRUED', 'WITHHELD', 'PAID', 'OTHER'];
const PAGE = A4;
const COLUMNS = { name: 40, note: 300, days: 392, hours: 437, amount: 480, amountWidth: 75, quantityWidth: 38 };

/** An A4 payslip (расчетный листок). Layout is explicit: no text wrapping, so rendering stays cheap. */
export function renderPayslipPdf(view: PayslipView, options: RenderOptions): Promise<Buffer> {
  const { language, fonts } = options;
  const t = labelsFor(options.t, language);
  const title = `${t('payslip:pdf.title', { period: formatPeriod(view.period, language) })}${view.kind === 'ADVANCE' ? ` (${t('payslip:kind.ADVANCE')})` : ''}`;
  const canvas = createPdfCanvas(fonts, { title, author: view.organization, ...(options.password ? { password: options.password } : {}) });
  const { doc, text, use, right, fit } = canvas;

  let y = PAGE.top;
  use('bold', 15);
  text(title, PAGE.left, y);
  y += 26;

  use('bold', 9.5);
  const details: [string, string | null][] = [
    [t('payslip:pdf.organization'), view.organization],
    [t('payslip:pdf.employee'), view.employeeName],
    [t('payslip:pdf.personnelNumber'), view.personnelNumber],
    [t('payslip:pdf.department'), view.department],
    [t('payslip:pdf.position'), view.position],
  ];
  for (const [label, value] of details) {
    use('regular');
    text(label, PAGE.left, y);
    use('bold');
    text(fit(value ?? '—', PAGE.right - 170), 170, y);
    y += 15;
  }
  y += 8;

  use('regular');
  text(t('payslip:pdf.debtStart'), PAGE.left, y);
  right(formatMoney(view.debtStart, language), COLUMNS.amount - 40, y, COLUMNS.amountWidth + 40);
  y += 20;

  const newPageIfNeeded = (needed: number) => {
    if (y + needed <= PAGE.bottom) return;
    doc.addPage();
    y = PAGE.top;
  };

  for (const section of SECTIONS) {
    const lines = view.lines.filter((l) => l.section === section);
    if (lines.length === 0 && section === 'OTHER') continue;
    newPageIfNeeded(40);
    use('bold', 10.5);
    text(t(`payslip:section.${section}`), PAGE.left, y);
    y += 16;
    use('regular', 8);
    doc.fillColor('#555555');
    text(t('payslip:pdf.columns.name'), COLUMNS.name, y);
    text(t('payslip:pdf.columns.note'), COLUMNS.note, y);
    right(t('payslip:pdf.columns.days'), COLUMNS.days, y, COLUMNS.quantityWidth);
    right(t('payslip:pdf.columns.hours'), COLUMNS.hours, y, COLUMNS.quantityWidth);
    right(t('payslip:pdf.columns.amount'), COLUMNS.amount, y, COLUMNS.amountWidth);
    doc.fillColor('#000000');
    y += 12;
    doc.moveTo(PAGE.left, y - 2).lineTo(PAGE.right, y - 2).lineWidth(0.5).strokeColor('#999999').stroke();
    use('regular', 9);
    for (const line of lines) {
      newPageIfNeeded(14);
      text(fit(line.name, COLUMNS.note - COLUMNS.name - 8), COLUMNS.name, y);
      if (line.note) text(fit(line.note, COLUMNS.days - COLUMNS.note - 4), COLUMNS.note, y);
      right(formatQuantity(line.days, language), COLUMNS.days, y, COLUMNS.quantityWidth);
      right(formatQuantity(line.hours, language), COLUMNS.hours, y, COLUMNS.quantityWidth);
      right(formatMoney(line.amount, language), COLUMNS.amount, y, COLUMNS.amountWidth);
      y += 14;
    }
    if (section !== 'OTHER') {
      const total = section === 'ACCRUED' ? view.totals.accrued : section === 'WITHHELD' ? view.totals.withheld : view.totals.paid;
      use('bold');
      text(t('payslip:pdf.sectionTotal'), COLUMNS.name, y);
      right(formatMoney(total, language), COLUMNS.amount - 40, y, COLUMNS.amountWidth + 40);
      use('regular');
      y += 14;
    }
    y += 10;
  }

  newPageIfNeeded(90);
  use('regular', 9.5);
  text(t('payslip:pdf.debtEnd'), PAGE.left, y);
  right(formatMoney(view.debtEnd, language), COLUMNS.amount - 40, y, COLUMNS.amountWidth + 40);
  y += 22;
  use('bold', 10);
  for (const [key, amount] of [['accrued', view.totals.accrued], ['withheld', view.totals.withheld], ['paid', view.totals.paid]] as const) {
    text(t(`payslip:pdf.total.${key}`), PAGE.left, y);
    right(formatMoney(amount, language), COLUMNS.amount - 40, y, COLUMNS.amountWidth + 40);
    y += 15;
  }
  y += 12;
  use('regular', 8);
  doc.fillColor('#555555');
  text(t('payslip:pdf.generated', { at: formatDateTime(options.generatedAt, language, options.timeZone) }), PAGE.left, y);
  return canvas.end();
}

// ~40 fixed labels per payslip: looked up once per language rather than through i18next for every document.
const labelCache = new Map<string, Map<string, string>>();
function labelsFor(t: TFunction, language: Language) {
  let cache = labelCache.get(language);
  if (!cache) labelCache.set(language, (cache = new Map()));
  return (key: string, params?: Record<string, string>): string => {
    if (params) return t(key, params);
    let value = cache.get(key);
    if (value === undefined) cache.set(key, (value = t(key)));
    return value;
  };
}
