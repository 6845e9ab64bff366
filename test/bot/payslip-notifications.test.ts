import { randomBytes } from 'node:crypto';
import { GrammyError } from 'grammy';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payslipCallbacks } from '../../bot/features/payslips/payslip.callbacks.ts';
import { createBullmqQueue } from '../../core/jobs/bullmq-queue.ts';
import type { ServiceDeps } from '../../core/container.ts';
import { createLogger } from '../../core/logger.ts';
import { department, employee, organization, payslip } from '../fixtures/hr-rows.ts';
import { callbackUpdate, contactUpdate, textUpdate } from '../fixtures/telegram-updates.ts';
import { capturingChannels, codeIn, createBotHarness, type BotHarness } from '../helpers/bot-harness.ts';

const RATE = 4;
const EMPLOYEES = 10;
const chatOf = (n: number) => 7000 + n;
const BLOCKED = chatOf(3);

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
// Per file and run, so parallel files and reruns never share queues or the send gate.
const PREFIX = `kabinet-test-${process.pid}-${randomBytes(3).toString('hex')}`;
const bullmq: ServiceDeps['jobQueue'] = (definitions) => createBullmqQueue({ url: REDIS_URL, prefix: PREFIX, definitions, logger: createLogger({ level: 'silent' }) });

describe.each([
  ['in-process jobs', {}, undefined],
  ['BullMQ jobs and the Redis-shared send gate', { REDIS_URL, QUEUE_PREFIX: PREFIX }, bullmq],
] as const)('payday notifications, %s', (_name, extraEnv, jobQueue) => {
  let h: BotHarness;
  const delivered = capturingChannels();

  beforeAll(async () => {
    h = await createBotHarness('pglite', { channels: delivered.channels, env: { NOTIFY_RATE_PER_SECOND: String(RATE), ...extraEnv }, ...(jobQueue ? { jobQueue } : {}) });
    await h.t.container.services.jobs.startWorkers();
    const upload = (name: string, items: unknown[]) => h.t.request({ method: 'POST', url: `/api/v1/imports/${name}`, token: h.t.tokens.import, body: { items } });
    await upload('organizations', [organization()]);
    await upload('departments', [department()]);
    await upload('employees', Array.from({ length: EMPLOYEES + 1 }, (_, i) => employee(i + 1)));
    await h.t.request({ method: 'POST', url: '/api/v1/cabinets/publish', token: h.t.tokens.admin, body: { all: true } });
    // Everyone but the last employee signs in through the bot.
    for (let n = 1; n <= EMPLOYEES; n++) {
      const before = delivered.sms.length;
      await h.send(contactUpdate(chatOf(n), `+791200000${String(n).padStart(2, '0')}`));
      await h.send(textUpdate(chatOf(n), codeIn(delivered.sms[before]!.text)));
    }
    h.failChat(BLOCKED, new GrammyError('Forbidden', { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' }, 'sendMessage', {}));
  });
  afterAll(async () => {
    await h?.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${PREFIX}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  const uploadPayslips = (period: string, extra: Partial<Parameters<typeof payslip>[2]> = {}) =>
    h.t.request({ method: 'POST', url: '/api/v1/imports/payslips', token: h.t.tokens.import, body: { items: Array.from({ length: EMPLOYEES + 1 }, (_, i) => payslip(`emp-${i + 1}`, period, extra)) } });
  const notices = (period: RegExp) => h.calls.filter((c) => c.method === 'sendMessage' && period.test(String(c.payload.text)));

  it('tells each linked employee once, with buttons of the payslip codec, and skips a user who blocked the bot', async () => {
    h.clearCalls();
    expect((await uploadPayslips('2026-10')).json()).toMatchObject({ created: EMPLOYEES + 1 });
    await h.t.container.services.jobs.idle();

    const sent = notices(/октябрь 2026/).filter((c) => c.payload.chat_id !== BLOCKED);
    expect(sent.map((c) => c.payload.chat_id).sort()).toEqual(Array.from({ length: EMPLOYEES }, (_, i) => chatOf(i + 1)).filter((c) => c !== BLOCKED).sort());
    const buttons = (sent[0]!.payload.reply_markup as { inline_keyboard: { text: string; callback_data: string }[][] }).inline_keyboard.flat();
    expect(buttons.map((b) => b.text)).toEqual(['📄 Открыть', '✅ Ознакомлен']);
    // Rendered on the bot side from the job's intent: the buttons carry the payslip's id in the feature's own codec.
    const own = await h.prisma.payslip.findFirstOrThrow({ where: { period: '2026-10', employee: { telegramAccount: { telegramUserId: BigInt(Number(sent[0]!.payload.chat_id)) } } } });
    expect(payslipCallbacks.open.unpack(buttons[0]!.callback_data)).toEqual({ payslipId: own.id });
    expect(payslipCallbacks.acknowledge.unpack(buttons[1]!.callback_data)).toEqual({ payslipId: own.id });

    const blocked = await h.prisma.telegramAccount.findUniqueOrThrow({ where: { telegramUserId: BigInt(BLOCKED) } });
    expect(blocked.blockedAt).not.toBeNull();
    const rows = await h.prisma.payslipNotification.findMany({ where: { period: '2026-10' } });
    expect(rows).toHaveLength(EMPLOYEES);
    expect(rows.filter((r) => r.skipped === 'BLOCKED')).toHaveLength(1);
    expect(rows.filter((r) => r.sentAt !== null)).toHaveLength(EMPLOYEES - 1);

    // The Open button of the notice brings the PDF, «Ознакомлен» records the acknowledgement.
    await h.send(callbackUpdate(Number(sent[0]!.payload.chat_id), buttons[0]!.callback_data));
    expect(h.documentsTo(Number(sent[0]!.payload.chat_id)).map((d) => d.fileName)).toEqual(['payslip-2026-10.pdf']);
    await h.send(callbackUpdate(Number(sent[0]!.payload.chat_id), buttons[1]!.callback_data));
    expect(await h.prisma.payslipAcknowledgement.count({ where: { payslipId: own.id } })).toBe(1);
  });

  it('sends nothing again for a replayed or corrected upload of the same period', async () => {
    h.clearCalls();
    expect((await uploadPayslips('2026-10')).json()).toMatchObject({ unchanged: EMPLOYEES + 1 });
    expect((await uploadPayslips('2026-10', { debtEnd: 1 })).json()).toMatchObject({ updated: EMPLOYEES + 1 });
    await h.t.container.services.jobs.idle();
    expect(h.calls.filter((c) => c.method === 'sendMessage')).toEqual([]);
    // Even announcing the same payslips twice yields one notification per employee and period.
    const ids = (await h.prisma.payslip.findMany({ where: { period: '2026-10' }, select: { id: true } })).map((p) => p.id);
    expect(await h.t.container.services.imports.publisher?.payslipsCreated(ids)).toBe(0);
  });

  it('tells every chat again for the next period, once each, right after the first (the port paces each chat)', async () => {
    h.clearCalls();
    // The October notices went out a moment ago: every chat's next message waits for its slot, none is dropped.
    await uploadPayslips('2026-11');
    await h.t.container.services.jobs.idle();
    const sent = notices(/ноябрь 2026/);
    expect(sent.map((c) => c.payload.chat_id).sort()).toEqual(Array.from({ length: EMPLOYEES }, (_, i) => chatOf(i + 1)).filter((c) => c !== BLOCKED).sort());
    const waiting = await h.prisma.payslipNotification.findMany({ where: { period: '2026-11' } });
    expect(waiting.filter((r) => r.sentAt === null && r.skipped === null)).toEqual([]);
    expect(await h.t.container.services.publisher.sweep()).toBe(0);
  });

  it('tells only the newest new period when a whole year arrives at once', async () => {
    h.clearCalls();
    const res = await h.t.request({
      method: 'POST', url: '/api/v1/imports/payslips', token: h.t.tokens.import,
      body: { items: ['2025-01', '2025-02', '2025-03'].map((p) => payslip('emp-1', p)) },
    });
    expect(res.json().created).toBe(3);
    await h.t.container.services.jobs.idle();
    expect(notices(/2025/).map((c) => String(c.payload.text))).toEqual(['Готов расчетный листок за март 2025 г.']);
  });
});
