import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createBullmqQueue } from '../../core/jobs/bullmq-queue.ts';
import { createInProcessQueue } from '../../core/jobs/in-process-queue.ts';
import type { JobDefinition, JobDefinitions } from '../../core/jobs/job-definition.ts';
import { startPeriodicTasks } from '../../core/jobs/periodic-tasks.ts';
import { createLogger } from '../../core/logger.ts';
import { freePort } from '../helpers/free-port.ts';
import { startPrivateRedis } from '../helpers/private-redis.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `kabinet-test-${process.pid}-${randomBytes(3).toString('hex')}`;
const logger = createLogger({ level: 'silent' });

/** Job definitions whose periodic task records its runs, and may be made slow. */
function definitions(options: { everyMs: number; runMs?: () => number }) {
  const runs: { started: number; ended?: number }[] = [];
  let running = 0;
  let mostAtOnce = 0;
  const noop = (name: string): JobDefinition => ({ name, attempts: 1, backoffMs: 1, handle: async () => {} }) as unknown as JobDefinition;
  const periodic: JobDefinition<'housekeeping'> = {
    name: 'housekeeping',
    attempts: 1,
    backoffMs: 0,
    everyMs: options.everyMs,
    async handle() {
      const run: { started: number; ended?: number } = { started: Date.now() };
      runs.push(run);
      running += 1;
      mostAtOnce = Math.max(mostAtOnce, running);
      await new Promise((r) => setTimeout(r, options.runMs?.() ?? 0));
      running -= 1;
      run.ended = Date.now();
    },
  };
  const defs = { 'deliver-code': noop('deliver-code'), 'notify-payslip': noop('notify-payslip'), housekeeping: periodic, 'sweep-payslip-outbox': noop('sweep-payslip-outbox') } as unknown as JobDefinitions;
  return { defs, runs, mostAtOnce: () => mostAtOnce };
}

describe('periodic tasks as BullMQ job schedulers', () => {
  afterAll(async () => {
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${PREFIX}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('however many workers start, Redis holds one schedule per task, a run starts at once, and one worker at a time runs it', async () => {
    const prefix = `${PREFIX}-a`;
    // Runs outlast their interval: without the guard the next tick's job would run beside the current one.
    const { defs, runs, mostAtOnce } = definitions({ everyMs: 200, runMs: () => 500 });
    const workers = [0, 1, 2].map(() => createBullmqQueue({ url: REDIS_URL, prefix, definitions: defs, logger }));
    for (const w of workers) await w.startWorkers();
    await vi.waitFor(() => expect(runs.filter((r) => r.ended).length).toBeGreaterThanOrEqual(2), { timeout: 20_000, interval: 50 });
    // Between runs there is always a next one waiting: it is no work in progress.
    await workers[0]!.idle();
    for (const w of workers) await w.close();

    const inspect = new Queue('housekeeping', { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), prefix });
    expect(await inspect.getJobSchedulers()).toHaveLength(1);
    await inspect.close();
    expect(mostAtOnce()).toBe(1);
    // One after the other: each run started after the one before it ended.
    const ordered = [...runs].sort((a, b) => a.started - b.started);
    for (let i = 1; i < ordered.length; i++) if (ordered[i - 1]!.ended !== undefined) expect(ordered[i]!.started).toBeGreaterThanOrEqual(ordered[i - 1]!.ended!);
  });

  it('a Redis restarted empty gets the schedule back from the running workers, and the task runs at once', async () => {
    const redis = await startPrivateRedis(await freePort());
    const { defs, runs } = definitions({ everyMs: 3600_000 });
    const worker = createBullmqQueue({ url: redis.url, prefix: 'kabinet', definitions: defs, logger });
    try {
      await worker.startWorkers();
      await vi.waitFor(() => expect(runs).toHaveLength(1), { timeout: 10_000, interval: 50 });
      // The next run is an hour away, and a restart without persistence loses it with the schedule.
      await redis.restart();
      await vi.waitFor(() => expect(runs).toHaveLength(2), { timeout: 20_000, interval: 50 });
      const inspect = new Queue('housekeeping', { connection: new Redis(redis.url, { maxRetriesPerRequest: null }), prefix: 'kabinet' });
      expect(await inspect.getJobSchedulers()).toHaveLength(1);
      await inspect.close();
    } finally {
      await worker.close();
      await redis.stop();
    }
  });
});

describe('periodic tasks in one process without Redis (fake timers)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('run at once, then every interval, never two at once; stop waits for the run in progress', async () => {
    vi.useFakeTimers({ now: 0 });
    let ends: (() => void)[] = [];
    const started: number[] = [];
    const { defs } = definitions({ everyMs: 1000 });
    (defs.housekeeping as JobDefinition<'housekeeping'>).handle = () =>
      new Promise<void>((resolve) => {
        started.push(Date.now());
        ends.push(resolve);
      });
    const tasks = startPeriodicTasks(defs, logger, (definition) => definition.handle({} as never, { attempt: 1, logger }));
    expect(started).toEqual([0]);
    // Still running at the next tick: that tick is skipped.
    await vi.advanceTimersByTimeAsync(1000);
    expect(started).toEqual([0]);
    ends.shift()!();
    await vi.advanceTimersByTimeAsync(1000);
    expect(started).toEqual([0, 2000]);
    let stopped = false;
    const stopping = tasks.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(5000);
    expect(stopped).toBe(false);
    expect(started).toEqual([0, 2000]);
    ends.shift()!();
    await stopping;
    ends = [];
  });

  it('the in-process queue starts them with its workers and stops them when it closes', async () => {
    const { defs, runs } = definitions({ everyMs: 3600_000 });
    const queue = createInProcessQueue(defs, logger);
    expect(runs).toHaveLength(0);
    await queue.startWorkers();
    await vi.waitFor(() => expect(runs).toHaveLength(1));
    await queue.idle();
    await queue.close();
    expect(runs[0]!.ended).toBeDefined();
  });
});
