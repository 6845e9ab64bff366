import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/logger.ts';
import { CLAIM_MS, createPayslipNotificationJob, NotificationBusyError } from '../../core/payslips/payslip-notification.job.ts';
import type { TelegramIntent, TelegramOutbound } from '../../core/telegram/intents.ts';
import type { SentMessage, TelegramPort } from '../../core/telegram/telegram-port.ts';
import { uuidv7 } from '../../core/util/ids.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { createTestClock } from '../helpers/test-clock.ts';
import { DB_KINDS } from '../helpers/test-database.ts';
import { seedPayday } from '../helpers/payday-setup.ts';

const logger = createLogger({ level: 'silent' });

/** An outbound Telegram whose sends the test lets through one by one. */
function heldTelegram() {
  const sent: TelegramIntent['chatId'][] = [];
  const waiting: (() => void)[] = [];
  const port = {
    sendText: (chatId: bigint) =>
      new Promise<SentMessage>((resolve) =>
        waiting.push(() => {
          sent.push(chatId);
          resolve({ chatId, messageId: sent.length });
        }),
      ),
  } as unknown as TelegramPort;
  const outbound: TelegramOutbound = { port, render: () => ({ text: 'ready' }) };
  return { outbound, sent, waiting };
}

describe.each(DB_KINDS)('one send per payday notification, whatever runs it, on %s', (kind) => {
  let t: TestApp;
  const clock = createTestClock();
  let notificationIds: string[];

  beforeAll(async () => {
    t = await createTestApp(kind, { clock });
    const { notifications } = await seedPayday(t.testDb.database.prisma, { employees: 3, firstChatId: 8800, period: '2026-10', now: clock.now() });
    notificationIds = notifications;
  });
  afterAll(async () => t?.close());

  const rowOf = (id: string) => t.testDb.database.prisma.payslipNotification.findUniqueOrThrow({ where: { id } });
  const context = { attempt: 1, logger };

  it('a second run of a notification being sent (the sweep queued it again after Redis lost its job) waits, then finds it sent', async () => {
    const telegram = heldTelegram();
    const job = createPayslipNotificationJob({ db: t.testDb.database.prisma, telegram: telegram.outbound, clock });
    const [id] = notificationIds as [string];
    const first = job.handle({ notificationId: id }, context);
    while (telegram.waiting.length === 0) await new Promise((r) => setTimeout(r, 5));
    // The first run is at Telegram: a second one must not send it as well.
    await expect(job.handle({ notificationId: id }, context)).rejects.toBeInstanceOf(NotificationBusyError);
    telegram.waiting.shift()!();
    await first;
    expect((await rowOf(id)).sentAt).not.toBeNull();
    // Its retry finds the notification sent and sends nothing.
    await job.handle({ notificationId: id }, context);
    expect(telegram.sent).toEqual([8800n]);
    expect(telegram.waiting).toEqual([]);
    expect(await rowOf(id)).toMatchObject({ claimToken: null, claimedUntil: null });
  });

  it('the claim of a run that died (a killed worker) stops holding once it expires', async () => {
    const telegram = heldTelegram();
    const job = createPayslipNotificationJob({ db: t.testDb.database.prisma, telegram: telegram.outbound, clock });
    const id = notificationIds[1]!;
    // What a worker killed while sending leaves behind.
    await t.testDb.database.prisma.payslipNotification.update({ where: { id }, data: { claimToken: uuidv7(), claimedUntil: new Date(clock.now().getTime() + CLAIM_MS) } });
    await expect(job.handle({ notificationId: id }, context)).rejects.toBeInstanceOf(NotificationBusyError);
    clock.advance(CLAIM_MS + 1);
    const run = job.handle({ notificationId: id }, context);
    while (telegram.waiting.length === 0) await new Promise((r) => setTimeout(r, 5));
    telegram.waiting.shift()!();
    await run;
    expect(telegram.sent).toEqual([8801n]);
    expect((await rowOf(id)).sentAt).not.toBeNull();
  });

  it('a failed send lets the claim go at once, so that the next try does not wait for it to expire', async () => {
    const failing: TelegramOutbound = { port: { sendText: async () => Promise.reject(new Error('502 Bad Gateway')) } as unknown as TelegramPort, render: () => ({ text: 'ready' }) };
    const id = notificationIds[2]!;
    await expect(createPayslipNotificationJob({ db: t.testDb.database.prisma, telegram: failing, clock }).handle({ notificationId: id }, context)).rejects.toThrow('502');
    expect(await rowOf(id)).toMatchObject({ sentAt: null, claimToken: null, claimedUntil: null });
    const telegram = heldTelegram();
    const run = createPayslipNotificationJob({ db: t.testDb.database.prisma, telegram: telegram.outbound, clock }).handle({ notificationId: id }, context);
    while (telegram.waiting.length === 0) await new Promise((r) => setTimeout(r, 5));
    telegram.waiting.shift()!();
    await run;
    expect(telegram.sent).toEqual([8802n]);
  });
});
