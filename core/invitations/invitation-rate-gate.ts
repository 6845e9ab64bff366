import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import { createRedisSendGate } from '../telegram/send-gate.ts';

/** Paces invitation e-mails and SMS: `acquire` resolves when one may go. */
export interface RateGate {
  acquire(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A clock that can also wait. Production waits on timers; a test hands in a clock whose `sleep` moves its own time,
 * so a run of a thousand paced sends takes no real time and every send carries the time the gate let it through.
 */
export interface WaitingClock extends Clock {
  sleep?(ms: number): Promise<void>;
}

const timerSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * At most `max` per `windowMs` in this process (a sliding log, so the limit holds in every window, not only on
 * average), first come first served. Timed by the given clock.
 */
export function createLocalRateGate(max: number, windowMs: number, clock: WaitingClock): RateGate {
  const granted: number[] = [];
  const sleep = clock.sleep ? (ms: number) => clock.sleep!(ms) : timerSleep;
  let chain: Promise<void> = Promise.resolve();
  return {
    acquire() {
      const turn = chain.then(async () => {
        for (;;) {
          const now = clock.now().getTime();
          while (granted.length > 0 && granted[0]! <= now - windowMs) granted.shift();
          if (granted.length < max) {
            granted.push(now);
            return;
          }
          await sleep(granted[0]! + windowMs - now);
        }
      });
      chain = turn.catch(() => undefined);
      return turn;
    },
    close: async () => {},
  };
}

/**
 * Time a granted slot may take to become a message at the mail server or gateway: the shared window is widened by
 * it, so the rate holds there too, whichever worker sends.
 */
export const INVITE_GATE_MARGIN_MS = 100;

/**
 * The pace of invitations: `INVITE_RATE_PER_SECOND`, shared by every worker through Redis when there is one (timed
 * by Redis's clock), else in this process. E-mail and SMS are not Telegram: they have their own gate and rate.
 */
export function createInvitationRateGate(options: { ratePerSecond: number; redisUrl: string | undefined; keyPrefix: string; clock: WaitingClock; logger: Logger }): RateGate {
  if (!options.redisUrl) return createLocalRateGate(options.ratePerSecond, 1000, options.clock);
  const gate = createRedisSendGate({
    url: options.redisUrl,
    key: `${options.keyPrefix}:invitation-gate`,
    max: options.ratePerSecond,
    windowMs: 1000 + INVITE_GATE_MARGIN_MS,
    logger: options.logger,
  });
  return { acquire: () => gate.acquire(), close: () => gate.close() };
}
