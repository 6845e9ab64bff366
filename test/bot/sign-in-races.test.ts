import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../core/db/database.ts';
import { createLinkingService } from '../../core/linking/linking.service.ts';
import { PHONE, seedLinkingEmployees } from '../fixtures/linking-setup.ts';
import { contactUpdate } from '../fixtures/telegram-updates.ts';
import { capturingChannels, codeIn, createBotHarness, type BotHarness } from '../helpers/bot-harness.ts';
import { createTestClock } from '../helpers/test-clock.ts';
import { DB_KINDS } from '../helpers/test-database.ts';

/**
 * Races that per-chat ordering hides on one instance: a second instance or a redelivered webhook runs the same
 * sign-in step at the same moment. Each test forces the interleaving instead of hoping for it.
 */
describe.each(DB_KINDS)('sign-in races on %s', (kind) => {
  let h: BotHarness;
  const delivered = capturingChannels();
  const clock = createTestClock();

  beforeAll(async () => {
    h = await createBotHarness(kind, { channels: delivered.channels, clock });
  });
  afterAll(async () => h?.close());
  beforeEach(async () => {
    await h.t.reset();
    await seedLinkingEmployees(h.t);
    delivered.sms.length = 0;
    delivered.emails.length = 0;
    clock.advance(2 * 86_400_000);
  });

  /** The linking service of "another instance" whose code lookup waits until `release` is called. */
  function pausedInstance() {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const paused = new Promise<void>((resolve) => (reached = resolve));
    const db = h.prisma.$extends({
      query: {
        oneTimeCode: {
          async findFirst({ args, query }) {
            const result = await query(args);
            reached();
            await released;
            return result;
          },
        },
      },
    }) as unknown as Db;
    const { services } = h.t.container;
    const linking = createLinkingService({ db, jobs: services.jobs, invitations: services.invitations, channels: services.linking.channels, clock, codes: h.t.config.codes });
    return { linking, paused, release };
  }

  it('a right code read before the tries ran out does not link once they have', async () => {
    const USER = 7601;
    await h.send(contactUpdate(USER, PHONE(1)));
    const right = codeIn(delivered.sms[0]!.text);
    const wrong = right === '000000' ? '111111' : '000000';
    const user = { userId: BigInt(USER), chatId: BigInt(USER) };

    // Instance A has read the code (no tries used yet) and stalls; meanwhile every try is used up with wrong codes.
    const slow = pausedInstance();
    const late = slow.linking.verify(user, right);
    await slow.paused;
    for (let i = 0; i < h.t.config.codes.maxAttempts; i++) await h.t.container.services.linking.verify(user, wrong);
    slow.release();

    expect(await late).toEqual({ kind: 'too_many_attempts' });
    expect((await h.prisma.telegramAccount.findUnique({ where: { telegramUserId: BigInt(USER) } }))?.employeeId ?? null).toBeNull();
    const code = await h.prisma.oneTimeCode.findFirstOrThrow({ where: { telegramUserId: BigInt(USER) } });
    expect(code.attempts).toBe(h.t.config.codes.maxAttempts);
  });

  it('the right code within its tries still links, and its try is not counted as a failure', async () => {
    const USER = 7602;
    await h.send(contactUpdate(USER, PHONE(2)));
    const user = { userId: BigInt(USER), chatId: BigInt(USER) };
    expect(await h.t.container.services.linking.verify(user, codeIn(delivered.sms[0]!.text))).toMatchObject({ kind: 'linked' });
    expect((await h.prisma.oneTimeCode.findFirstOrThrow({ where: { telegramUserId: BigInt(USER) } })).attempts).toBe(0);
  });

  it('accounts naming one contact at the same moment get one code sent between them, not one each', async () => {
    const accounts = Array.from({ length: 12 }, (_, i) => ({ userId: BigInt(7700 + i), chatId: BigInt(7700 + i) }));
    const answers = await Promise.all(accounts.map((user) => h.t.container.services.linking.identify(user, { kind: 'email', value: 'emp1@romashka.ru' })));
    await h.t.container.services.jobs.idle();

    expect(answers.every((a) => a.kind === 'code_sent')).toBe(true);
    // The cooldown per contact lets exactly one real code through; the others are decoys that send nothing.
    const real = await h.prisma.oneTimeCode.count({ where: { employee: { externalId: 'emp-1' } } });
    expect(real).toBe(1);
    expect(delivered.emails.filter((m) => m.to === 'emp1@romashka.ru')).toHaveLength(1);
  });
});
