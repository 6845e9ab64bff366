// Deterministic, realistic HR data in the upload format (what a 1С:ЗУП client would send). Used by `npm run demo`,
// the benchmarks and tests; the same seed always gives the same company.
import type { DepartmentRow } from '../../core/imports/departments.import.ts';
import type { EmployeeRow } from '../../core/imports/employees.import.ts';
import type { OrganizationRow } from '../../core/imports/organizations.import.ts';
import type { PayslipRow } from '../../core/imports/payslips.import.ts';
import type { VacationRow } from '../../core/imports/vacations.import.ts';

const MALE = {
  last: ['Иванов', 'Смирнов', 'Кузнецов', 'Попов', 'Васильев', 'Петров', 'Соколов', 'Михайлов', 'Новиков', 'Фёдоров', 'Морозов', 'Волков', 'Алексеев', 'Лебедев', 'Семёнов', 'Егоров', 'Павлов', 'Козлов', 'Степанов', 'Николаев', 'Орлов', 'Андреев', 'Макаров', 'Никитин', 'Захаров'],
  first: ['Александр', 'Дмитрий', 'Максим', 'Сергей', 'Андрей', 'Алексей', 'Артём', 'Илья', 'Кирилл', 'Михаил', 'Никита', 'Матвей', 'Роман', 'Егор', 'Юрий'],
  middle: ['Александрович', 'Дмитриевич', 'Сергеевич', 'Андреевич', 'Алексеевич', 'Иванович', 'Михайлович', 'Николаевич', 'Петрович', 'Юрьевич'],
};
const FEMALE = {
  last: MALE.last.map((l) => `${l}а`),
  first: ['Анна', 'Мария', 'Елена', 'Ольга', 'Татьяна', 'Наталья', 'Ирина', 'Екатерина', 'Светлана', 'Юлия', 'Дарья', 'Алёна', 'Ксения', 'Людмила', 'Софья'],
  middle: ['Александровна', 'Дмитриевна', 'Сергеевна', 'Андреевна', 'Алексеевна', 'Ивановна', 'Михайловна', 'Николаевна', 'Петровна', 'Юрьевна'],
};
const POSITIONS = ['Бухгалтер', 'Главный бухгалтер', 'Менеджер по продажам', 'Инженер-технолог', 'Оператор станков с ЧПУ', 'Кладовщик', 'Специалист по кадрам', 'Программист', 'Водитель-экспедитор', 'Начальник цеха', 'Слесарь-ремонтник', 'Экономист'];
const TRANSLIT: Record<string, string> = {
  а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', е: 'e', ё: 'e', ж: 'zh', з: 'z', и: 'i', й: 'y', к: 'k', л: 'l', м: 'm', н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f', х: 'kh', ц: 'ts', ч: 'ch', ш: 'sh', щ: 'shch', ъ: '', ы: 'y', ь: '', э: 'e', ю: 'yu', я: 'ya',
};
const translit = (s: string) => [...s.toLowerCase()].map((c) => TRANSLIT[c] ?? c).join('');

/** mulberry32: tiny seeded PRNG, so generated data (and the fuzz test's inputs) are the same on every machine. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    chance: (p: number) => next() < p,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
  };
}

/** A 10-digit ИНН of a company with a valid check digit. */
export function companyInn(first9: string): string {
  const weights = [2, 4, 10, 3, 5, 9, 4, 6, 8];
  const check = (weights.reduce((s, w, i) => s + w * Number(first9[i]), 0) % 11) % 10;
  return `${first9}${check}`;
}

const rub = (kopecks: number) => Number((kopecks / 100).toFixed(2));

export interface HrDataOptions {
  employees: number;
  /** How many months of payslips, ending with `lastPeriod`. */
  months?: number;
  lastPeriod?: string;
  seed?: number;
  /** Every n-th employee has neither phone nor e-mail (0: none). */
  noContactsEvery?: number;
  /** Every n-th employee is dismissed (0: none). */
  dismissedEvery?: number;
}

export function generateHrData(options: HrDataOptions) {
  const { employees: count, months = 12, lastPeriod = '2026-10', seed = 42, noContactsEvery = 0, dismissedEvery = 0 } = options;
  const random = prng(seed);

  const organizations: OrganizationRow[] = [
    { id: 'org-romashka', name: 'ООО «Ромашка»', inn: companyInn('770708389'), kpp: '770701001', address: 'г. Москва, ул. Лесная, д. 5' },
    { id: 'org-romashka-ural', name: 'ООО «Ромашка-Урал»', inn: companyInn('667101234'), kpp: '667101001', address: 'г. Екатеринбург, ул. Малышева, д. 36' },
  ];
  const departments: DepartmentRow[] = [
    { id: 'dep-admin', organizationId: 'org-romashka', parentId: null, name: 'Администрация' },
    { id: 'dep-accounting', organizationId: 'org-romashka', parentId: 'dep-admin', name: 'Бухгалтерия' },
    { id: 'dep-hr', organizationId: 'org-romashka', parentId: 'dep-admin', name: 'Отдел кадров' },
    { id: 'dep-sales', organizationId: 'org-romashka', parentId: null, name: 'Отдел продаж' },
    { id: 'dep-it', organizationId: 'org-romashka', parentId: null, name: 'ИТ-отдел' },
    { id: 'dep-production', organizationId: 'org-romashka-ural', parentId: null, name: 'Производство' },
    { id: 'dep-shop-1', organizationId: 'org-romashka-ural', parentId: 'dep-production', name: 'Цех № 1' },
    { id: 'dep-shop-2', organizationId: 'org-romashka-ural', parentId: 'dep-production', name: 'Цех № 2' },
    { id: 'dep-warehouse', organizationId: 'org-romashka-ural', parentId: null, name: 'Склад' },
  ];
  const orgOf = new Map(departments.map((d) => [d.id, d.organizationId]));

  const employees: (EmployeeRow & { salaryKopecks: number })[] = [];
  for (let i = 1; i <= count; i++) {
    const names = random.next() < 0.5 ? MALE : FEMALE;
    const lastName = random.pick(names.last);
    const firstName = random.pick(names.first);
    const departmentId = departments[i % departments.length]!.id;
    const noContacts = noContactsEvery > 0 && i % noContactsEvery === 0;
    const phoneDigits = `9${String(random.int(100_000_000, 999_999_999))}`;
    const phoneFormats = [`8 (${phoneDigits.slice(0, 3)}) ${phoneDigits.slice(3, 6)}-${phoneDigits.slice(6, 8)}-${phoneDigits.slice(8)}`, `+7${phoneDigits}`, `8${phoneDigits}`];
    employees.push({
      id: `emp-${String(i).padStart(5, '0')}`,
      personnelNumber: `0000-${String(i).padStart(5, '0')}`,
      lastName,
      firstName,
      middleName: random.pick(names.middle),
      position: random.pick(POSITIONS),
      organizationId: orgOf.get(departmentId)!,
      departmentId,
      phone: noContacts ? null : random.pick(phoneFormats),
      email: noContacts || i % 3 === 0 ? null : `${translit(firstName)[0]}.${translit(lastName)}${i}@romashka.ru`,
      hiredAt: `20${String(random.int(12, 24)).padStart(2, '0')}-${String(random.int(1, 12)).padStart(2, '0')}-${String(random.int(1, 28)).padStart(2, '0')}T00:00:00`,
      dismissedAt: dismissedEvery > 0 && i % dismissedEvery === 0 ? '2026-09-30' : '0001-01-01T00:00:00',
      salaryKopecks: random.int(400, 2500) * 10_000,
    });
  }

  const periods = monthsEndingWith(lastPeriod, months);

  /** ~8 lines per payslip: salary, bonus, regional or overtime pay, НДФЛ, union dues, advance, salary, a reference line. */
  function payslipsFor(period: string): PayslipRow[] {
    const r = prng(seed * 1000 + Number(period.replace('-', '')));
    return employees.map((e) => {
      const workdays = r.int(18, 23);
      const salary = e.salaryKopecks;
      const bonus = Math.round((salary * r.int(5, 30)) / 100);
      const extra = e.organizationId === 'org-romashka-ural' ? Math.round(((salary + bonus) * 15) / 100) : Math.round((salary * r.int(0, 10)) / 100);
      const accrued = salary + bonus + extra;
      const ndfl = Math.round((accrued * 13) / 100);
      const union = Math.round(accrued / 100);
      const net = accrued - ndfl - union;
      const advance = Math.round((net * 40) / 100);
      const [year, month] = period.split('-');
      const lines: PayslipRow['lines'] = [
        { section: 'accrued', code: 'ОКЛ', name: 'Оплата по окладу', note: `01.${month}–${workdays + 7}.${month}`, days: workdays, hours: workdays * 8, amount: rub(salary) },
        { section: 'accrued', code: 'ПРМ', name: 'Премия ежемесячная', amount: rub(bonus) },
        { section: 'accrued', code: e.organizationId === 'org-romashka-ural' ? 'РК' : 'СВУ', name: e.organizationId === 'org-romashka-ural' ? 'Районный коэффициент' : 'Оплата сверхурочных', hours: e.organizationId === 'org-romashka-ural' ? null : r.int(0, 12), amount: rub(extra) },
        { section: 'withheld', code: 'НДФЛ', name: 'НДФЛ', amount: rub(ndfl) },
        { section: 'withheld', code: 'ПРФ', name: 'Профсоюзные взносы', amount: rub(union) },
        { section: 'paid', name: `Аванс (ведомость № ${r.int(100, 999)} от 20.${month}.${year})`, amount: rub(advance) },
        { section: 'paid', name: `Зарплата за месяц (ведомость № ${r.int(100, 999)} от 05.${month}.${year})`, amount: rub(net - advance) },
        { section: 'other', code: 'ВЫЧ', name: 'Стандартный вычет на детей', amount: rub(r.int(0, 1) * 140_000) },
      ];
      return {
        employeeId: e.id,
        period,
        kind: 'final',
        debtStart: 0,
        debtEnd: 0,
        lines,
        totals: { accrued: rub(accrued), withheld: rub(ndfl + union), paid: rub(net) },
      };
    });
  }

  function vacations(asOf = `${lastPeriod}-28`): VacationRow[] {
    return employees.map((e, i) => {
      const entitled = 28 + (i % 5) * 2.33;
      const used = (i * 7) % 29;
      const plannedStart = `2026-${String(12 - (i % 3)).padStart(2, '0')}-${String(1 + (i % 20)).padStart(2, '0')}`;
      return {
        employeeId: e.id,
        asOf,
        balances: [
          { typeCode: 'Основной', typeName: 'Основной ежегодный отпуск', entitledDays: Number(entitled.toFixed(2)), usedDays: used, remainingDays: Number((entitled - used).toFixed(2)) },
          ...(e.organizationId === 'org-romashka-ural'
            ? [{ typeCode: 'Северный', typeName: 'Дополнительный отпуск (Урал)', entitledDays: 5, usedDays: 0, remainingDays: 5 }]
            : []),
        ],
        planned: [{ typeCode: 'Основной', typeName: 'Основной ежегодный отпуск', startsOn: plannedStart, endsOn: addDays(plannedStart, 13), days: 14 }],
      };
    });
  }

  return {
    organizations,
    departments,
    employees: employees.map(({ salaryKopecks: _salary, ...row }) => row),
    periods,
    payslipsFor,
    vacations,
  };
}

function monthsEndingWith(last: string, count: number): string[] {
  const [y, m] = last.split('-').map(Number) as [number, number];
  return Array.from({ length: count }, (_, i) => {
    const d = new Date(Date.UTC(y, m - 1 - (count - 1 - i), 1));
    return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
  });
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
