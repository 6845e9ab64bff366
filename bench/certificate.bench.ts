// `npm run bench:certificate`: the instant employment certificate (with average salary) through the real renderer,
// beside the payslip renderer in the same run, so the two figures are comparable. Prints ms per PDF.
import { createTranslator } from '../core/i18n.ts';
import { type EmploymentCertificateView, renderEmploymentCertificatePdf } from '../core/pdf/certificate.pdf.ts';
import { loadPdfFonts } from '../core/pdf/pdf-fonts.ts';
import { renderPayslipPdf, type PayslipView } from '../core/pdf/payslip.pdf.ts';
import { generateHrData } from '../prisma/seed/hr-generator.ts';

const COUNT = Number(process.argv[2] ?? 1000);
const data = generateHrData({ employees: COUNT, months: 6 });
const t = createTranslator().t('ru');
const fonts = loadPdfFonts();
const options = { t, language: 'ru' as const, fonts, timeZone: 'Europe/Moscow' };

const certificates: EmploymentCertificateView[] = data.employees.map((e, i) => ({
  number: `С-${String(i + 1).padStart(6, '0')}`,
  issuedAt: new Date(),
  issuer: { name: 'Общество с ограниченной ответственностью «Ромашка»', inn: '7707083893', kpp: '770701001', address: '125009, г. Москва, ул. Тверская, д. 7, стр. 1' },
  employeeName: `${e.lastName} ${e.firstName} ${e.middleName}`,
  personnelNumber: e.personnelNumber,
  position: e.position ?? null,
  department: 'Бухгалтерия',
  hiredAt: new Date('2021-03-15T00:00:00Z'),
  purpose: 'по месту требования',
  salary: { averageKopecks: BigInt(5_000_000 + ((i * 7919) % 9_000_000)), periods: data.periods.slice(-6) },
}));
const payslips: PayslipView[] = data.payslipsFor(data.periods.at(-1)!).map((slip, i) => ({
  period: slip.period, kind: 'FINAL', organization: 'ООО «Ромашка»', employeeName: certificates[i]!.employeeName, personnelNumber: certificates[i]!.personnelNumber,
  department: 'Бухгалтерия', position: certificates[i]!.position, debtStart: 0n, debtEnd: 0n, totals: { accrued: 8_500_000n, withheld: 1_105_000n, paid: 7_395_000n },
  lines: slip.lines.map((l) => ({ section: l.section.toUpperCase() as PayslipView['lines'][number]['section'], name: l.name, note: l.note ?? null, days: null, hours: null, amount: BigInt(Math.round(Number(l.amount) * 100)) })),
}));

async function measure(name: string, run: (i: number) => Promise<Buffer>): Promise<number> {
  for (let i = 0; i < 20; i++) await run(i);
  let bytes = 0;
  const start = performance.now();
  for (let i = 0; i < COUNT; i++) bytes += (await run(i)).length;
  const ms = (performance.now() - start) / COUNT;
  console.log(`${name.padEnd(40)} ${ms.toFixed(2).padStart(7)} ms per PDF, ${Math.round(bytes / COUNT / 1024)} KiB average`);
  return ms;
}

console.log(`${COUNT} PDFs each`);
const payslip = await measure('payslip (renderPayslipPdf)', (i) => renderPayslipPdf(payslips[i % payslips.length]!, { ...options, generatedAt: new Date() }));
const certificate = await measure('employment certificate (instant)', (i) => renderEmploymentCertificatePdf(certificates[i % certificates.length]!, options));
console.log(`ratio certificate/payslip: ${(certificate / payslip).toFixed(2)}   (certificate target ≤ 5 ms)`);
