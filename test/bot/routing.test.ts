import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { payslipCallbacks } from '../../bot/features/payslips/payslip.callbacks.ts';
import { CabinetState } from '../../core/db/generated/enums.ts';
import { createLogger } from '../../core/logger.ts';
import { type LinkedEmployee, seedLinkedEmployees } from '../fixtures/linked-employees.ts';
import {
  callbackUpdate, contactUpdate, groupCallbackUpdate, groupChat, groupMessageUpdate, groupTextUpdate, myChatMemberUpdate, textUpdate,
} from '../fixtures/telegram-updates.ts';
import { createBotHarness, type BotHarness } from '../helpers/bot-harness.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

/** Features that serve private chats only: none of them may ever take a group update. */
const PRIVATE_FEATURES = ['access', 'pending-input', 'linking', 'account', 'payslips', 'vacations', 'settings', 'certificates'];
const PAYSLIP_ID = '019a0000-0000-7000-8000-000000000001';

function logCapture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { lines, logger: createLogger({ level: 'debug', destination }) };
}

describe.each(DB_KINDS)('bot routing by chat type (%s)', (kind) => {
  let h: BotHarness;
  const log = logCapture();
  let staff: LinkedEmployee[];
  const GROUP = groupChat(-1001234567890);
  const STRANGER = 6999;

  beforeAll(async () => {
    h = await createBotHarness(kind, { logger: log.logger });
  });
  afterAll(async () => h?.close());
  beforeEach(async () => {
    await h.t.reset();
    staff = await seedLinkedEmployees(h.prisma, { count: 2, firstUserId: 6001 });
    h.clearCalls();
    log.lines.length = 0;
  });

  const handledLines = () => log.lines.filter((l) => l.msg === 'update handled');
  /** Bot API calls that put something in front of people (anything but stopping a button's spinner silently). */
  const visibleCalls = () => h.calls.filter((c) => !(c.method === 'answerCallbackQuery' && c.payload.text === undefined));

  /** Everything a person might send in a group, aimed at each private feature. */
  const groupUpdates = (userId: number) => [
    groupTextUpdate(GROUP, userId, '/start'),
    groupTextUpdate(GROUP, userId, '/start invitation-token'),
    groupTextUpdate(GROUP, userId, '/help'),
    groupTextUpdate(GROUP, userId, '/whoami@kabinet_test_bot'),
    groupTextUpdate(GROUP, userId, '/payslip 2026-10'),
    groupTextUpdate(GROUP, userId, '/vacation'),
    groupTextUpdate(GROUP, userId, '/settings'),
    groupTextUpdate(GROUP, userId, '/certificates'),
    groupTextUpdate(GROUP, userId, '/logout'),
    groupTextUpdate(GROUP, userId, '🏖 Отпуск'),
    groupTextUpdate(GROUP, userId, '📄 Расчетный листок'),
    groupTextUpdate(GROUP, userId, '123-456'),
    groupTextUpdate(GROUP, userId, '+7 912 000-00-01'),
    groupTextUpdate(GROUP, userId, 'maria@romashka.ru'),
    groupTextUpdate(GROUP, userId, 'Коллеги, добрый день!'),
    groupMessageUpdate(GROUP, userId, { contact: { phone_number: '79120000001', first_name: 'Мария', user_id: userId } }),
    groupCallbackUpdate(GROUP, userId, 'lang:en'),
    groupCallbackUpdate(GROUP, userId, 'set:pwd'),
    groupCallbackUpdate(GROUP, userId, 'set:pwd-clear'),
    groupCallbackUpdate(GROUP, userId, 'set:whoami'),
    groupCallbackUpdate(GROUP, userId, payslipCallbacks.open.pack({ payslipId: PAYSLIP_ID })),
    groupCallbackUpdate(GROUP, userId, payslipCallbacks.acknowledge.pack({ payslipId: PAYSLIP_ID })),
    groupCallbackUpdate(GROUP, userId, payslipCallbacks.year.pack({ year: 2026 })),
    groupCallbackUpdate(GROUP, userId, 'ps:forged'),
    groupCallbackUpdate(GROUP, userId, 'something:else'),
  ];

  it('a group message, command or button reaches no private feature and gets no private answer', async () => {
    const updates = [...groupUpdates(staff[0]!.userId), ...groupUpdates(STRANGER)];
    for (const update of updates) await h.send(update);

    // Nothing was said, sent, edited or deleted anywhere: buttons only had their spinner stopped, silently.
    expect(visibleCalls()).toEqual([]);
    const callbacks = updates.filter((u) => u.callback_query).length;
    expect(h.calls.filter((c) => c.method === 'answerCallbackQuery')).toHaveLength(callbacks);

    // Every update went through the bot, and none was taken by a private feature.
    const lines = handledLines();
    expect(lines).toHaveLength(updates.length);
    for (const line of lines) {
      expect(line.chat_type).toBe('supergroup');
      expect(PRIVATE_FEATURES).not.toContain(line.feature);
    }
    expect(new Set(lines.map((l) => l.feature))).toEqual(new Set([null, 'unhandled']));

    // And nothing changed: no language, no pending password question, no code, still linked.
    const account = await h.prisma.telegramAccount.findUniqueOrThrow({ where: { telegramUserId: BigInt(staff[0]!.userId) } });
    expect(account).toMatchObject({ language: null, pendingInput: null, employeeId: staff[0]!.employeeId });
    expect(await h.prisma.telegramAccount.count({ where: { telegramUserId: BigInt(STRANGER) } })).toBe(0);
    expect(await h.prisma.oneTimeCode.count()).toBe(0);
    expect(await h.prisma.payslipAcknowledgement.count()).toBe(0);
  });

  it('the same updates in the private chat are answered (the group test above would see it)', async () => {
    const userId = staff[0]!.userId;
    await h.send(textUpdate(userId, '/help'));
    expect(h.lastTextTo(userId)).toMatch(/^Kabinet — личный кабинет/);
    await h.send(textUpdate(userId, '🏖 Отпуск'));
    expect(h.lastTextTo(userId)).toMatch(/Основной отпуск/);
    await h.send(callbackUpdate(userId, 'lang:en'));
    expect((await h.prisma.telegramAccount.findUniqueOrThrow({ where: { telegramUserId: BigInt(userId) } })).language).toBe('en');
    await h.send(contactUpdate(STRANGER, '79120000001'));
    expect(h.messagesTo(STRANGER)).toHaveLength(1);
    expect(handledLines().map((l) => l.feature)).toEqual(['account', 'vacations', 'account', 'linking']);
  });

  it('every log line of an update carries its update_id, the failure line names the feature that failed', async () => {
    const userId = staff[0]!.userId;
    const update = textUpdate(userId, '/help');
    h.failNext('sendMessage', new Error('boom'));
    await h.send(update);
    const failed = log.lines.find((l) => l.msg === 'update failed');
    expect(failed).toMatchObject({ update_id: update.update_id, feature: 'account' });
    expect(handledLines()).toEqual([expect.objectContaining({ update_id: update.update_id, kind: 'message', chat_type: 'private', feature: 'account' })]);
    // The apology still reaches the person.
    expect(h.lastTextTo(userId)).toBe('Извините, что-то пошло не так. Попробуйте ещё раз чуть позже.');
  });

  it('handles my_chat_member: the bot added to and removed from a group is logged with the chat id only', async () => {
    const userId = staff[0]!.userId;
    await h.send(myChatMemberUpdate(GROUP, userId, { from: 'left', to: 'member' }));
    await h.send(myChatMemberUpdate(GROUP, userId, { from: 'member', to: 'administrator' }));
    await h.send(myChatMemberUpdate(GROUP, userId, { from: 'administrator', to: 'kicked' }));
    await h.send(myChatMemberUpdate(groupChat(-4005, 'group'), STRANGER, { from: 'left', to: 'member' }));

    const events = log.lines.filter((l) => /^bot (added to|removed from) a group$/.test(String(l.msg)));
    expect(events.map((l) => [l.msg, l.chat_id, l.chat_type])).toEqual([
      ['bot added to a group', GROUP.id, 'supergroup'],
      ['bot removed from a group', GROUP.id, 'supergroup'],
      ['bot added to a group', -4005, 'group'],
    ]);
    // Each line carries its update's id (the per-update child logger), and nothing about the people or the group.
    expect(events.every((l) => typeof l.update_id === 'number')).toBe(true);
    expect(handledLines().map((l) => [l.kind, l.feature])).toEqual(Array(4).fill(['my_chat_member', 'groups']));
    const text = log.lines.map((l) => JSON.stringify(l)).join('\n');
    expect(text).not.toMatch(/Отдел кадров|User6001|User6999/);
    expect(h.calls).toEqual([]);
  });

  it('a private my_chat_member (the user blocked the bot) gets no answer, not even for a closed cabinet', async () => {
    const [a, b] = staff;
    await h.prisma.employee.update({ where: { id: b!.employeeId }, data: { cabinetState: CabinetState.DISABLED } });
    for (const s of [a!, b!]) {
      await h.send(myChatMemberUpdate({ id: s.userId, type: 'private', first_name: 'Мария' }, s.userId, { from: 'member', to: 'kicked' }));
    }
    expect(h.calls).toEqual([]);
  });

  it('a closed cabinet hears why in the private chat, and nothing in a group', async () => {
    const userId = staff[1]!.userId;
    await h.prisma.employee.update({ where: { id: staff[1]!.employeeId }, data: { cabinetState: CabinetState.DISABLED } });
    await h.send(groupTextUpdate(GROUP, userId, '/help'));
    await h.send(groupCallbackUpdate(GROUP, userId, 'set:whoami'));
    expect(visibleCalls()).toEqual([]);
    await h.send(textUpdate(userId, '/help'));
    expect(h.lastTextTo(userId)).toBe('Доступ к кабинету закрыт. Если это ошибка, обратитесь в отдел кадров.');
    // The group message passes every feature (none takes it); the button's spinner is stopped by `unhandled`.
    expect(handledLines().map((l) => l.feature)).toEqual([null, 'unhandled', 'access']);
  });
});
