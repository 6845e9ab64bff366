/**
 * Where services read the current time. Tests hand in a clock they move instead of rewriting stored timestamps,
 * so the code under test sees time pass exactly as it would in production.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
