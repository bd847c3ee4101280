import { describe, expect, it } from 'vitest';
import { manualClock } from './clock.js';
import { isUuid, uuidv7Generator, uuidv7Time } from './ids.js';

describe('uuidv7', () => {
  it('encodes the time and the version and variant bits', () => {
    const clock = manualClock('2025-03-04T05:06:07.089Z');
    const id = uuidv7Generator(clock)();
    expect(isUuid(id)).toBe(true);
    expect(id[14]).toBe('7');
    expect('89ab').toContain(id[19]!);
    expect(uuidv7Time(id)).toBe(clock.now().getTime());
  });

  it('sorts in creation order within one millisecond and across a clock step back', () => {
    const clock = manualClock();
    const next = uuidv7Generator(clock);
    const ids = Array.from({ length: 5000 }, (_, index) => {
      if (index === 2500) clock.advance(-10);
      return next();
    });
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
