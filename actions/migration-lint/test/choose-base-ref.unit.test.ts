import { describe, expect, it } from '@jest/globals';
import { chooseBaseRef } from '../src/choose-base-ref.js';

describe('chooseBaseRef', () => {
  it('uses a given ref', () => {
    expect(chooseBaseRef(' origin/main ')).toEqual({ kind: 'ref', ref: 'origin/main' });
    expect(chooseBaseRef('a'.repeat(40))).toEqual({ kind: 'ref', ref: 'a'.repeat(40) });
  });
  it('checks everything when empty, silently', () => {
    expect(chooseBaseRef('')).toEqual({ kind: 'all', reason: null });
  });
  it("checks everything on a branch's first push (github.event.before is all zeros), saying why", () => {
    for (const zero of ['0'.repeat(40), '0'.repeat(64)]) {
      const choice = chooseBaseRef(zero);
      expect(choice.kind).toBe('all');
      expect(choice.kind === 'all' && choice.reason).toContain('first push');
    }
  });
});
