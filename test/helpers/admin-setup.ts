import { SYSTEM_ACTOR } from '../../core/access/actor.ts';
import type { Config } from '../../core/config.ts';
import type { Channels } from '../../core/container.ts';
import type { EmailMessage } from '../../core/delivery/email-sender.ts';
import { createTranslator } from '../../core/i18n.ts';
import type { WaitingClock } from '../../core/invitations/invitation-rate-gate.ts';
import type { JobDefinitions, JobName, JobQueue } from '../../core/jobs/job-definition.ts';
import type { TelegramIntent, TelegramOutbound } from '../../core/telegram/intents.ts';
import type { OutboundText, SentMessage, TelegramPort } from '../../core/telegram/telegram-port.ts';
import { createIntentRenderer } from '../../bot/intent-renderer.ts';
import { createTestClock, type TestClock } from './test-clock.ts';
import type { TestApp } from './test-app.ts';

export const BOT_USERNAME = 'kabinet_test_bot';

/**
 * Outbound Telegram that keeps every intent (rendered by the bot's real renderer) and every message and edit, and
 * knows the bot's username without asking Telegram.
 */
export function capturingTelegram() {
  const intents: TelegramIntent[] = [];
  const sent: { chatId: bigint; message: OutboundText }[] = [];
  const edits: { message: SentMessage; content: OutboundText }[] = [];
  const render = createIntentRenderer(createTranslator());
  let next = 1;
  const port: TelegramPort = {
    sendText: async (chatId, message) => {
      sent.push({ chatId, message });
      return { chatId, messageId: next++ };
    },
    sendDocument: async (chatId) => ({ chatId, messageId: next++ }),
    editText: async (message, content) => void edits.push({ message, content }),
    editDocument: async () => {},
    editKeyboard: async () => {},
    deleteMessage: async () => {},
    botUsername: async () => BOT_USERNAME,
    close: async () => {},
  };
  const outbound: TelegramOutbound = {
    port,
    render: (intent) => {
      intents.push(intent);
      return render(intent);
    },
  };
  return { outbound, telegram: (_config: Config) => outbound, intents, sent, edits };
}

/**
 * A test clock whose `sleep` moves its own time (after the microtasks queued so far have run, as a real timer
 * would): the invitation pace is then decided by the gate alone, and a run of a thousand paced sends takes no real time.
 */
export function virtualClock(start?: string): TestClock & Required<Pick<WaitingClock, 'sleep'>> {
  const clock = createTestClock(start);
  return Object.assign(clock, {
    sleep: async (ms: number) => {
      await new Promise((resolve) => setImmediate(resolve));
      clock.advance(ms);
    },
  });
}

/** E-mail and SMS that keep what they would have sent, with the (test) clock's time of each send. */
export function recordingChannels(clock: { now(): Date }, options: { sms?: boolean; onEmail?: (message: EmailMessage, count: number) => void } = {}) {
  const emails: (EmailMessage & { at: number })[] = [];
  const sms: { to: string; text: string; at: number }[] = [];
  const channels: Channels = {
    email: {
      send: async (message) => {
        emails.push({ ...message, at: clock.now().getTime() });
        options.onEmail?.(message, emails.length);
      },
      close: () => {},
    },
    sms: options.sms === false ? undefined : { send: async (to, text) => void sms.push({ to, text, at: clock.now().getTime() }) },
  };
  return { channels, emails, sms };
}

/** The most sends in any window of `windowMs` (each window starting at a send). */
export function peakPerWindow(times: number[], windowMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  let j = 0;
  for (let i = 0; i < sorted.length; i++) {
    while (sorted[j]! < sorted[i]! - windowMs + 1) j++;
    peak = Math.max(peak, i - j + 1);
  }
  return peak;
}

/** A job queue that also records what was queued, by name. */
export function recordingQueue(make: (definitions: JobDefinitions) => JobQueue) {
  const queued: { name: JobName; payload: unknown }[] = [];
  const factory = (definitions: JobDefinitions): JobQueue => {
    const queue = make(definitions);
    return {
      ...queue,
      kind: queue.kind,
      enqueue: async (name, payload, options) => {
        queued.push({ name, payload });
        return queue.enqueue(name, payload, options);
      },
      enqueueMany: async (name, jobs, options) => {
        for (const job of jobs) queued.push({ name, payload: job.payload });
        return queue.enqueueMany(name, jobs, options);
      },
    };
  };
  return { factory, queued };
}

export interface CompanyOptions {
  employees: number;
  /** Cabinet state of everyone (default PUBLISHED). */
  state?: 'NOT_PUBLISHED' | 'PUBLISHED';
  /** Departments the employees are spread over (round robin), under one organization. */
  departments?: number;
}

/**
 * A company written straight to the database (uploads are not under test here): org-1 with `departments`
 * departments dep-1…, employees emp-00001… with e-mail and phone, in the given state; emp-00001 is the cabinet's
 * responsible employee (so the admin) with scope ALL.
 */
export async function seedCompany(t: TestApp, options: CompanyOptions): Promise<{ organizationId: string; departmentIds: string[] }> {
  const db = t.testDb.database.prisma;
  const org = await db.organization.create({ data: { externalId: 'org-1', name: 'ООО «Ромашка»', sourceHash: 'seed' } });
  const departmentIds: string[] = [];
  for (let d = 1; d <= (options.departments ?? 1); d++) {
    departmentIds.push((await db.department.create({ data: { externalId: `dep-${d}`, organizationId: org.id, name: `Отдел № ${d}`, sourceHash: 'seed' } })).id);
  }
  const rows = Array.from({ length: options.employees }, (_, i) => {
    const n = String(i + 1).padStart(5, '0');
    return {
      externalId: `emp-${n}`,
      personnelNumber: `TN-${n}`,
      lastName: `Сотрудникова${n}`,
      firstName: 'Анна',
      organizationId: org.id,
      departmentId: departmentIds[i % departmentIds.length]!,
      phone: `+7912${String(i + 1).padStart(7, '0')}`,
      email: `emp${n}@romashka.ru`,
      cabinetState: options.state ?? 'PUBLISHED',
      publishedAt: options.state === 'NOT_PUBLISHED' ? null : new Date(),
      sourceHash: 'seed',
    } as const;
  });
  for (let i = 0; i < rows.length; i += 2000) await db.employee.createMany({ data: rows.slice(i, i + 2000) });
  await t.container.services.cabinetSettings.update(SYSTEM_ACTOR, { address: 'romashka', responsibleEmployeeId: 'emp-00001', scope: { kind: 'ALL' } });
  return { organizationId: org.id, departmentIds };
}

/** Links an employee's Telegram account directly (sign-in itself is not under test), as the bot would after a code. */
export async function linkDirectly(t: TestApp, externalId: string, telegramUserId: number, language = 'ru'): Promise<void> {
  const db = t.testDb.database.prisma;
  const now = t.container.services.clock.now();
  const e = await db.employee.update({ where: { externalId }, data: { cabinetState: 'ACTIVE', activatedAt: now } });
  await db.telegramAccount.create({ data: { telegramUserId: BigInt(telegramUserId), chatId: BigInt(telegramUserId), employeeId: e.id, linkedAt: now, language } });
}

export { createTestClock, type TestClock };
