import { describe, expect, it } from '@jest/globals';
import { StreamSlots } from '../../src/http/stream-slots.js';

describe('StreamSlots', () => {
  it('gives out at most `max` slots and refuses the next with a 503 problem and Retry-After', () => {
    const slots = new StreamSlots(2);
    const a = slots.take();
    const b = slots.take();
    expect('release' in a && 'release' in b).toBe(true);
    const refused = slots.take();
    expect('refusal' in refused && refused.refusal).toMatchObject({
      status: 503,
      slug: 'streams-at-capacity',
      headers: { 'Retry-After': '2' },
    });
    expect(slots.active).toBe(2);
  });

  it('frees a slot once however often it is released', () => {
    const slots = new StreamSlots(1);
    const slot = slots.take();
    if (!('release' in slot)) throw new Error('expected a slot');
    slot.release();
    slot.release(); // close after an error path already released: no slot is freed twice
    expect(slots.active).toBe(0);
    const next = slots.take();
    expect('release' in next).toBe(true);
    expect('refusal' in slots.take()).toBe(true);
  });

  it('caps nothing when max is 0', () => {
    const slots = new StreamSlots(0);
    for (let i = 0; i < 1000; i++) expect('release' in slots.take()).toBe(true);
    expect(slots.active).toBe(1000);
  });
});
