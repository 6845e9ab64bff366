import type { Language, TFunction } from '../i18n.ts';
import { formatDate, formatDateTime, formatMoney, formatPeriod, formatQuantity } from './format.ts';
import { A4, createPdfCanvas, type PdfCanvas } from './pdf-canvas.ts';
import type { PdfFonts } from './pdf-fonts.ts';

/** The organization as the header of a certificate names it. */
export interface IssuerView {
  name: string;
  inn: string | null;
  kpp: string | null;
  address: string | null;
}

export interface CertificateHeader {
  /** Human number, e.g. "С-000123". */
  number: string;
  issuedAt: Date;
  issuer: IssuerView;
  employeeName: string;
  personnelNumber: string;
  position: string | null;
  department: string | null;
  hiredAt: Date | null;
}

export interface EmploymentCertificateView extends CertificateHeader {
  /** Where the certificate is for, already in the reader's language. */
  purpose: string;
  /** Average monthly accruals of the last final payslips, and which months they were (none: no payslip on record). */
  salary?: { averageKopecks: bigint; periods: string[] };
}

export interface VacationCertificateView extends CertificateHeader {
  asOf: Date | null;
  balances: { typeName: string; remainingDays: number }[];
}

export interface CertificateRenderOptions {
  t: TFunction;
  language: Language;
  fonts: PdfFonts;
  timeZone: string;
}

const LABEL_X = A4.left;
const VALUE_X = 190;
const LINE = 15;

/** Number, date, organization and employee: the part every certificate shares. Returns where the body starts. */
function drawHeader(canvas: PdfCanvas, view: CertificateHeader, title: string, options: CertificateRenderOptions): number {
  const { t, language } = options;
  const { text, use } = canvas;
  let y = A4.top;
  use('bold', 11);
  for (const line of canvas.wrap(view.issuer.name, A4.right - A4.left)) {
    text(line, A4.left, y);
    y += 14;
  }
  use('regular', 8.5);
  const ids = [view.issuer.inn && `${t('certificates:pdf.inn')} ${view.issuer.inn}`, view.issuer.kpp && `${t('certificates:pdf.kpp')} ${view.issuer.kpp}`].filter(Boolean).join(', ');
  if (ids) {
    text(ids, A4.left, y);
    y += 12;
  }
  if (view.issuer.address) {
    for (const line of canvas.wrap(view.issuer.address, A4.right - A4.left)) {
      text(line, A4.left, y);
      y += 12;
    }
  }
  canvas.doc.moveTo(A4.left, y + 4).lineTo(A4.right, y + 4).lineWidth(0.5).strokeColor('#999999').stroke();
  y += 30;

  use('bold', 15);
  text(title, A4.left, y);
  y += 22;
  use('regular', 9.5);
  text(t('certificates:pdf.number_date', { number: view.number, date: formatDate(view.issuedAt, language) }), A4.left, y);
  y += 26;

  const rows: [string, string | null][] = [
    [t('certificates:pdf.employee'), view.employeeName],
    [t('certificates:pdf.personnel_number'), view.personnelNumber],
    [t('certificates:pdf.position'), view.position],
    [t('certificates:pdf.department'), view.department],
    [t('certificates:pdf.hired'), view.hiredAt ? formatDate(view.hiredAt, language) : null],
  ];
  for (const [label, value] of rows) {
    if (!value) continue;
    use('regular', 10);
    text(label, LABEL_X, y);
    use('bold', 10);
    text(canvas.fit(value, A4.right - VALUE_X), VALUE_X, y);
    y += LINE;
  }
  return y + 12;
}

function drawFooter(canvas: PdfCanvas, y: number, issuedAt: Date, options: CertificateRenderOptions): Promise<Buffer> {
  canvas.use('regular', 8);
  canvas.doc.fillColor('#555555');
  const note = options.t('certificates:pdf.generated', { at: formatDateTime(issuedAt, options.language, options.timeZone) });
  for (const line of canvas.wrap(note, A4.right - A4.left)) {
    canvas.text(line, A4.left, y);
    y += 11;
  }
  return canvas.end();
}

/** Справка с места работы: who works where since when, optionally with average earnings. */
export function renderEmploymentCertificatePdf(view: EmploymentCertificateView, options: CertificateRenderOptions): Promise<Buffer> {
  const { t, language } = options;
  const title = t('certificates:pdf.employment_title');
  const canvas = createPdfCanvas(options.fonts, { title: `${title} ${view.number}`, author: view.issuer.name });
  let y = drawHeader(canvas, view, title, options);
  canvas.use('regular', 10.5);
  const statement = t('certificates:pdf.employment_statement', { organization: view.issuer.name });
  for (const line of canvas.wrap(statement, A4.right - A4.left)) {
    canvas.text(line, A4.left, y);
    y += 15;
  }
  y += 6;
  if (view.salary && view.salary.periods.length === 0) {
    // Asked for, but no final payslip is on record: say so rather than print an average of nothing.
    for (const line of canvas.wrap(t('certificates:pdf.average_salary_none'), A4.right - A4.left)) {
      canvas.text(line, A4.left, y);
      y += 15;
    }
    y += 6;
  } else if (view.salary) {
    const periods = view.salary.periods;
    const range = periods.length > 0 ? `${formatPeriod(periods[0]!, language)} – ${formatPeriod(periods.at(-1)!, language)}` : '—';
    for (const line of canvas.wrap(t('certificates:pdf.average_salary', { months: periods.length, range }), A4.right - A4.left - 110)) {
      canvas.text(line, A4.left, y);
      y += 15;
    }
    canvas.use('bold', 10.5);
    canvas.right(formatMoney(view.salary.averageKopecks, language), A4.right - 110, y - 15, 110);
    canvas.use('regular', 10.5);
    y += 6;
  }
  for (const line of canvas.wrap(t('certificates:pdf.purpose', { purpose: view.purpose }), A4.right - A4.left)) {
    canvas.text(line, A4.left, y);
    y += 15;
  }
  return drawFooter(canvas, y + 30, view.issuedAt, options);
}

/** Справка об остатке отпуска: remaining days per leave type as of the last payroll calculation. */
export function renderVacationCertificatePdf(view: VacationCertificateView, options: CertificateRenderOptions): Promise<Buffer> {
  const { t, language } = options;
  const title = t('certificates:pdf.vacation_title');
  const canvas = createPdfCanvas(options.fonts, { title: `${title} ${view.number}`, author: view.issuer.name });
  let y = drawHeader(canvas, view, title, options);
  canvas.use('regular', 10.5);
  canvas.text(view.asOf ? t('certificates:pdf.vacation_as_of', { date: formatDate(view.asOf, language) }) : t('certificates:pdf.vacation_none'), A4.left, y);
  y += 20;
  for (const balance of view.balances) {
    canvas.use('regular', 10.5);
    canvas.text(canvas.fit(balance.typeName, A4.right - A4.left - 120), A4.left, y);
    canvas.use('bold', 10.5);
    canvas.right(t('certificates:pdf.days', { count: balance.remainingDays, days: formatQuantity(balance.remainingDays, language) }), A4.right - 120, y, 120);
    y += LINE;
  }
  return drawFooter(canvas, y + 30, view.issuedAt, options);
}
