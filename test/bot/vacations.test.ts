import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTranslator } from '../../core/i18n.ts';
import { seedLinkingEmployees } from '../fixtures/linking-setup.ts';
import { contactUpdate, textUpdate } from '../fixtures/telegram-updates.ts';
import { capturingChannels, codeIn, createBotHarness, type BotHarness } from '../helpers/bot-harness.ts';
import { createTestClock } from '../helpers/test-clock.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

const USER = 6301;
const ru = createTranslator().t('ru');

describe.each(DB_KINDS)('the vacation answer (%s)', (kind) => {
  let h: BotHarness;
  const clock = createTestClock('2026-11-30T09:00:00.000Z');
  const delivered = capturingChannels();

  beforeAll(async () => {
    h = await createBotHarness(kind, { channels: delivered.channels, clock });
  });
  afterAll(async () => h?.close());
  beforeEach(async () => {
    clock.set('2026-11-30T09:00:00.000Z');
    await h.t.reset();
    await seedLinkingEmployees(h.t);
    const before = delivered.sms.length;
    await h.send(contactUpdate(USER, '+79120000001'));
    await h.send(textUpdate(USER, codeIn(delivered.sms[before]!.text)));
    h.clearCalls();
  });

  const importVacations = async (item: Record<string, unknown>) => {
    const res = await h.t.request({ method: 'POST', url: '/api/v1/imports/vacations', token: h.t.tokens.import, body: { items: [{ employeeId: 'emp-1', ...item }] } });
    expect(res.json().created).toBe(1);
  };

  it('lists planned vacations from today on by start date, with names as HR wrote them', async () => {
    await importVacations({
      asOf: '2026-10-31',
      balances: [{ typeCode: 'Основной', typeName: 'Основной «ежегодный» "отпуск" \\ 1/2', entitledDays: 28, usedDays: 9.33, remainingDays: 18.67 }],
      planned: [
        { typeCode: 'B', typeName: 'Второй', startsOn: '2027-06-01', endsOn: '2027-06-14', days: 14 },
        { typeCode: 'A', typeName: 'Ended yesterday', startsOn: '2026-11-20', endsOn: '2026-11-29', days: 10 },
        { typeCode: 'C', typeName: 'Ends today', startsOn: '2026-11-16', endsOn: '2026-11-30', days: 15 },
        { typeCode: 'D', typeName: 'Первый в году', startsOn: '2027-01-10', endsOn: '2027-01-12', days: 2.5 },
      ],
    });
    await h.send(textUpdate(USER, '🏖 Отпуск'));
    const lines = h.lastTextTo(USER).split('\n');
    expect(lines[0]).toBe('Остаток отпуска на 31.10.2026');
    expect(lines).toContainEqual(expect.stringContaining('Основной «ежегодный» "отпуск" \\ 1/2: 18,67 дня'));
    expect(lines.filter((l) => / – /.test(l))).toEqual([
      expect.stringMatching(/16\.11\.2026 – 30\.11\.2026, 15 дней — Ends today$/),
      expect.stringMatching(/10\.01\.2027 – 12\.01\.2027, 2,5 дня — Первый в году$/),
      expect.stringMatching(/01\.06\.2027 – 14\.06\.2027, 14 дней — Второй$/),
    ]);
    expect(h.lastTextTo(USER)).not.toContain('Ended yesterday');

    // A day later the vacation that ended today is gone too.
    clock.set('2026-12-01T00:30:00.000Z');
    await h.send(textUpdate(USER, '/vacation'));
    expect(h.lastTextTo(USER)).not.toContain('Ends today');
    expect(h.lastTextTo(USER)).toContain('Первый в году');
  });

  it('says there is no planned vacation, and that there is no balance at all', async () => {
    await importVacations({ asOf: '2026-10-31', balances: [{ typeCode: 'Основной', typeName: 'Основной', entitledDays: 28, usedDays: 0, remainingDays: 28 }], planned: [] });
    await h.send(textUpdate(USER, '/vacation'));
    expect(h.lastTextTo(USER)).toContain('Основной: 28 дней');
    expect(h.lastTextTo(USER)).toContain(ru('vacation.no_planned'));

    await h.prisma.vacationBalance.deleteMany({});
    await h.send(textUpdate(USER, '/vacation'));
    expect(h.lastTextTo(USER)).toBe(ru('vacation.none'));
  });
});
