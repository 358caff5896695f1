import { describe, expect, it } from '@jest/globals';
import { admits, budgetWindow, secondsUntil, type Budget } from '../../src/keys/budget-window.js';

const at = (iso: string) => new Date(iso);
const iso = (window: { start: Date; end: Date }) => [window.start.toISOString(), window.end.toISOString()];

describe('budgetWindow', () => {
  it('aligns hours, days and months to UTC and ends where the next one starts', () => {
    expect(iso(budgetWindow('hour', at('2030-05-17T13:42:07.123Z')))).toEqual([
      '2030-05-17T13:00:00.000Z',
      '2030-05-17T14:00:00.000Z',
    ]);
    expect(iso(budgetWindow('day', at('2030-05-17T23:59:59.999Z')))).toEqual([
      '2030-05-17T00:00:00.000Z',
      '2030-05-18T00:00:00.000Z',
    ]);
    expect(iso(budgetWindow('month', at('2030-05-31T23:59:59.999Z')))).toEqual([
      '2030-05-01T00:00:00.000Z',
      '2030-06-01T00:00:00.000Z',
    ]);
  });

  it('rolls over at the boundary: the last instant is in the old window, the boundary in the new one', () => {
    for (const period of ['hour', 'day', 'month'] as const) {
      const boundary = at('2031-01-01T00:00:00.000Z');
      const before = budgetWindow(period, new Date(boundary.getTime() - 1));
      const after = budgetWindow(period, boundary);
      expect(before.end).toEqual(boundary);
      expect(after.start).toEqual(boundary);
      expect(after.end.getTime()).toBeGreaterThan(boundary.getTime());
    }
  });

  it('handles year ends, leap years and short months', () => {
    expect(iso(budgetWindow('month', at('2030-12-15T00:00:00Z')))).toEqual([
      '2030-12-01T00:00:00.000Z',
      '2031-01-01T00:00:00.000Z',
    ]);
    expect(iso(budgetWindow('month', at('2032-02-29T12:00:00Z')))).toEqual([
      '2032-02-01T00:00:00.000Z',
      '2032-03-01T00:00:00.000Z',
    ]);
    expect(iso(budgetWindow('day', at('2032-02-28T12:00:00Z')))[1]).toBe('2032-02-29T00:00:00.000Z');
    expect(iso(budgetWindow('hour', at('2030-12-31T23:30:00Z')))[1]).toBe('2031-01-01T00:00:00.000Z');
  });

  it('ignores the local time zone of the process (windows are UTC)', () => {
    // 00:30 in UTC+14 is still the previous UTC day
    const window = budgetWindow('day', at('2030-05-18T00:30:00+14:00'));
    expect(iso(window)).toEqual(['2030-05-17T00:00:00.000Z', '2030-05-18T00:00:00.000Z']);
  });
});

describe('admits', () => {
  const budget = (requests: number | null, tokens: number | null): Budget => ({
    period: 'day',
    requests,
    tokens,
  });

  it('admits while a request unit is left and the tokens are not used up', () => {
    expect(admits(budget(3, null), { requests: 2, tokens: 10_000 })).toBe(true);
    expect(admits(budget(3, null), { requests: 3, tokens: 0 })).toBe(false);
    expect(admits(budget(null, 100), { requests: 10_000, tokens: 99 })).toBe(true);
    expect(admits(budget(null, 100), { requests: 0, tokens: 100 })).toBe(false);
    expect(admits(budget(5, 100), { requests: 1, tokens: 150 })).toBe(false);
  });

  it('refuses everything under a zero limit', () => {
    expect(admits(budget(0, null), { requests: 0, tokens: 0 })).toBe(false);
    expect(admits(budget(null, 0), { requests: 0, tokens: 0 })).toBe(false);
  });
});

describe('secondsUntil', () => {
  it('rounds up and is at least 1', () => {
    expect(secondsUntil(at('2030-01-01T00:00:10Z'), at('2030-01-01T00:00:00.500Z'))).toBe(10);
    expect(secondsUntil(at('2030-01-01T00:00:00Z'), at('2030-01-01T00:00:00Z'))).toBe(1);
    expect(secondsUntil(at('2030-01-01T00:00:00Z'), at('2030-01-01T00:00:05Z'))).toBe(1);
  });
});
