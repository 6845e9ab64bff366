import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../core/util/ids.ts';

describe('uuidv7', () => {
  it('is an RFC 9562 version 7 UUID: the time in its first 48 bits, version 7, the RFC variant, the rest random', () => {
    const at = Date.UTC(2026, 10, 30, 12, 0, 0, 123);
    const id = uuidv7(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
    const many = Array.from({ length: 10_000 }, () => uuidv7(at));
    expect(new Set(many).size).toBe(many.length);
  });

  it('orders by time: an id made later sorts after, as text and in the database', () => {
    const ids = [0, 1, 255, 256, 2 ** 32, 2 ** 40, 2 ** 47].map((ms) => uuidv7(ms));
    expect([...ids].sort()).toEqual(ids);
  });
});
