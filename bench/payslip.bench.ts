// `npm run bench:payslip`: 1,000 realistic payslips (~30 lines, regular and bold, varied names and amounts) through
// the real renderer, and in the same run 1,000 bare pdfkit documents of one line with DejaVu Sans registered from its
// file bytes the plain way. Prints ms per PDF for both and the ratio bare/payslip.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import { createTranslator } from '../core/i18n.ts';
import { loadPdfFonts } from '../core/pdf/pdf-fonts.ts';
import { renderPayslipPdf, type PayslipView } from '../core/pdf/payslip.pdf.ts';
import { toKopecks, toQuantity } from '../core/imports/normalize.ts';
import { generateHrData } from '../prisma/seed/hr-generator.ts';

const COUNT = Number(process.argv[2] ?? 1000);
const EXTRA = ['Оплата отпуска', 'Пособие по временной нетрудоспособности', 'Доплата за совмещение', 'Премия квартальная', 'Компенсация за питание', 'Надбавка за стаж', 'Оплата праздничных дней', 'Материальная помощь', 'Доплата за ночные часы', 'Компенсация за использование личного автомобиля'];
const DEDUCTIONS = ['Алименты', 'Возмещение ущерба', 'Добровольное медицинское страхование', 'Удержание за питание', 'Погашение займа'];

function views(): PayslipView[] {
  const data = generateHrData({ employees: COUNT, months: 1 });
  const slips = data.payslipsFor(data.periods[0]!);
  return slips.map((slip, i) => {
    const e = data.employees[i]!;
    const lines = slip.lines.map((l) => ({
      section: l.section.toUpperCase() as PayslipView['lines'][number]['section'],
      name: l.name,
      note: l.note ?? null,
      days: toQuantity(l.days) ?? null,
      hours: toQuantity(l.hours) ?? null,
      amount: toKopecks(l.amount)!,
    }));
    // Up to ~30 lines: the real spread of a large payroll (vacation pay, sick leave, bonuses, deductions).
    for (let k = 0; lines.length < 24 + (i % 8); k++) {
      const deduction = k % 4 === 3;
      lines.push({
        section: deduction ? 'WITHHELD' : 'ACCRUED',
        name: deduction ? DEDUCTIONS[(i + k) % DEDUCTIONS.length]! : EXTRA[(i + k) % EXTRA.length]!,
        note: `${String(1 + ((i + k) % 27)).padStart(2, '0')}.10–${String(2 + ((i + k) % 27)).padStart(2, '0')}.10`,
        days: deduction ? null : String(1 + ((i * 7 + k) % 20)),
        hours: null,
        amount: BigInt(100_00 + ((i * 7919 + k * 104729) % 5_000_000)),
      });
    }
    const sum = (s: string) => lines.filter((l) => l.section === s).reduce((a, l) => a + l.amount, 0n);
    return {
      period: slip.period, kind: 'FINAL', organization: e.organizationId === 'org-romashka' ? 'ООО «Ромашка»' : 'ООО «Ромашка-Урал»',
      employeeName: `${e.lastName} ${e.firstName} ${e.middleName}`, personnelNumber: e.personnelNumber, department: 'Бухгалтерия', position: e.position ?? null,
      debtStart: 0n, debtEnd: 0n, totals: { accrued: sum('ACCRUED'), withheld: sum('WITHHELD'), paid: sum('PAID') }, lines,
    };
  });
}

const require = createRequire(import.meta.url);
const fontBytes = readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'));
function bare(): Promise<Buffer> {
  return new Promise((resolve) => {
    const doc = new PDFDocument({ size: 'A4' });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.registerFont('DejaVu', fontBytes);
    doc.font('DejaVu').fontSize(12).text('Расчетный листок за октябрь 2026 г.');
    doc.end();
  });
}

const all = views();
const t = createTranslator().t('ru');
const fonts = loadPdfFonts();
const render = (v: PayslipView) => renderPayslipPdf(v, { t, language: 'ru', fonts, generatedAt: new Date(), timeZone: 'Europe/Moscow' });

async function measure(name: string, run: (i: number) => Promise<Buffer>): Promise<{ ms: number; bytes: number }> {
  for (let i = 0; i < 20; i++) await run(i);
  let bytes = 0;
  const start = performance.now();
  for (let i = 0; i < COUNT; i++) bytes += (await run(i)).length;
  const ms = (performance.now() - start) / COUNT;
  console.log(`${name.padEnd(34)} ${ms.toFixed(2).padStart(7)} ms per PDF, ${Math.round(bytes / COUNT / 1024)} KiB average`);
  return { ms, bytes };
}

console.log(`${COUNT} PDFs each, average ${Math.round(all.reduce((s, v) => s + v.lines.length, 0) / all.length)} lines per payslip`);
const plain = await measure('bare one-line pdfkit document', () => bare());
const payslip = await measure('payslip (renderPayslipPdf)', (i) => render(all[i % all.length]!));
console.log(`ratio bare/payslip: ${(plain.ms / payslip.ms).toFixed(2)}   (target ≥ 1; payslip target ≤ 5 ms)`);
