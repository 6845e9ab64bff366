import type { Language, TFunction } from '../i18n.ts';
import { formatDateTime } from './format.ts';
import { A4, createPdfCanvas } from './pdf-canvas.ts';
import type { PdfFonts } from './pdf-fonts.ts';

/** Why someone has not come in yet, most actionable first. */
export type NotActiveReason = 'NO_CONTACTS' | 'NOT_PUBLISHED' | 'NOT_INVITED' | 'INVITATION_NOT_OPENED' | 'INVITATION_OPENED' | 'BLOCKED_BOT';

export interface ActivationReportView {
  generatedAt: Date;
  totals: { employees: number; notPublished: number; published: number; invited: number; active: number; blocked: number; disabled: number };
  /** Activation per department, in the order to draw (largest first is a good default). */
  departments: { name: string; total: number; active: number }[];
  notActive: { name: string; personnelNumber: string; department: string | null; reason: NotActiveReason }[];
}

export interface ReportRenderOptions {
  t: TFunction;
  language: Language;
  fonts: PdfFonts;
  timeZone: string;
}

const CHART = { labelWidth: 170, barX: A4.left + 175, barWidth: 260, barHeight: 10, rowHeight: 16, maxRows: 15 };
const LIST_ROW = 12;
/** Column widths of the not-active list: name with personnel number, department; the reason takes the rest. */
const LIST = { name: 195, department: 125 } as const;

/**
 * One page for the admin: totals, a bar per department (active share drawn with pdfkit's vector graphics), and who
 * has not come in with the reason. Past what fits, the list says how many more there are.
 */
export function renderActivationReportPdf(view: ActivationReportView, options: ReportRenderOptions): Promise<Buffer> {
  const { t, language } = options;
  const title = t('admin:report.title');
  const canvas = createPdfCanvas(options.fonts, { title, author: 'Kabinet' });
  const { doc, text, use } = canvas;
  let y = A4.top;
  use('bold', 15);
  text(title, A4.left, y);
  y += 20;
  use('regular', 8.5);
  doc.fillColor('#555555');
  text(t('admin:report.generated', { at: formatDateTime(view.generatedAt, language, options.timeZone) }), A4.left, y);
  doc.fillColor('#000000');
  y += 22;

  const { totals } = view;
  const share = totals.employees > 0 ? Math.round((totals.active / totals.employees) * 100) : 0;
  use('bold', 11);
  text(t('admin:report.active_share', { active: totals.active, total: totals.employees, share }), A4.left, y);
  y += 18;
  use('regular', 9);
  const cells: [string, number][] = [
    [t('admin:state.NOT_PUBLISHED'), totals.notPublished],
    [t('admin:state.PUBLISHED'), totals.published],
    [t('admin:state.INVITED'), totals.invited],
    [t('admin:state.ACTIVE'), totals.active],
    [t('admin:state.BLOCKED'), totals.blocked],
    [t('admin:state.DISABLED'), totals.disabled],
  ];
  const cellWidth = (A4.right - A4.left) / cells.length;
  cells.forEach(([label, count], i) => {
    const x = A4.left + i * cellWidth;
    use('bold', 13);
    text(String(count), x, y);
    use('regular', 7.5);
    text(canvas.fit(label, cellWidth - 6), x, y + 16);
  });
  y += 40;

  use('bold', 10.5);
  text(t('admin:report.by_department'), A4.left, y);
  y += 18;
  const shown = view.departments.slice(0, CHART.maxRows);
  for (const d of shown) {
    use('regular', 8.5);
    text(canvas.fit(d.name, CHART.labelWidth - 4), A4.left, y);
    const fraction = d.total > 0 ? d.active / d.total : 0;
    doc.rect(CHART.barX, y, CHART.barWidth, CHART.barHeight).fillColor('#e6e6e6').fill();
    if (fraction > 0) doc.rect(CHART.barX, y, Math.max(1, CHART.barWidth * fraction), CHART.barHeight).fillColor('#2e9e5b').fill();
    doc.fillColor('#000000');
    canvas.right(`${d.active}/${d.total} · ${Math.round(fraction * 100)}%`, CHART.barX + CHART.barWidth + 4, y, A4.right - CHART.barX - CHART.barWidth - 4);
    y += CHART.rowHeight;
  }
  if (view.departments.length > shown.length) {
    use('regular', 8);
    text(t('admin:report.more_departments', { count: view.departments.length - shown.length }), A4.left, y);
    y += CHART.rowHeight;
  }
  y += 12;

  use('bold', 10.5);
  text(t('admin:report.not_active', { count: view.notActive.length }), A4.left, y);
  y += 16;
  const room = Math.max(0, Math.floor((A4.bottom - 14 - y) / LIST_ROW));
  const listed = view.notActive.length > room ? view.notActive.slice(0, Math.max(0, room - 1)) : view.notActive;
  use('regular', 8);
  for (const e of listed) {
    // A long name is cut, never the personnel number: it is how the admin finds the employee in the payroll system.
    const number = ` (${e.personnelNumber})`;
    text(`${canvas.fit(e.name, LIST.name - 5 - canvas.width(number))}${number}`, A4.left, y);
    text(canvas.fit(e.department ?? '—', LIST.department - 5), A4.left + LIST.name, y);
    // The reason gets the rest of the line: it is what the admin acts on, and must not be cut.
    text(canvas.fit(t(`admin:reason.${e.reason}`), A4.right - A4.left - LIST.name - LIST.department), A4.left + LIST.name + LIST.department, y);
    y += LIST_ROW;
  }
  if (listed.length < view.notActive.length) text(t('admin:report.more_people', { count: view.notActive.length - listed.length }), A4.left, y);
  return canvas.end();
}
