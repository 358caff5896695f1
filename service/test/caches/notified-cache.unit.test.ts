import { describe, expect, it } from '@jest/globals';
import { NotifiedCache } from '../../src/caches/notified-cache.js';
import type { ChangeChannel, ChangeFeed } from '../../src/stores/change-listener.js';

/** A feed whose state the test sets: listening or not, and its epoch. */
function feed(listening = true): ChangeFeed & { listening: boolean; epoch: number } {
  return { listening, epoch: 0, on: (_channel: ChangeChannel, _handler: (payload: string) => void) => {} };
}

describe('NotifiedCache', () => {
  it('serves a loaded value from memory while the feed listens', async () => {
    const cache = new NotifiedCache<number>(feed(), 60_000);
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.get('a', load)).toBe(1);
    expect(await cache.get('a', load)).toBe(1);
    expect(loads).toBe(1);
  });

  it('reads through while the feed is not listening, and keeps nothing', async () => {
    const changes = feed(false);
    const cache = new NotifiedCache<number>(changes, 60_000);
    let loads = 0;
    const load = async () => ++loads;
    await cache.get('a', load);
    await cache.get('a', load);
    expect(loads).toBe(2);
    changes.listening = true;
    await cache.get('a', load);
    expect(await cache.get('a', load)).toBe(3);
  });

  it('does not trust a value cached before the feed lost a connection, even once it listens again', async () => {
    const changes = feed();
    const cache = new NotifiedCache<number>(changes, 60_000);
    let loads = 0;
    const load = async () => ++loads;
    await cache.get('a', load);
    changes.epoch += 1; // lost and back: a notification may have been missed meanwhile
    expect(await cache.get('a', load)).toBe(2);
    expect(await cache.get('a', load)).toBe(2);
  });

  it('drops a value when told it changed', async () => {
    const cache = new NotifiedCache<number>(feed(), 60_000);
    let loads = 0;
    const load = async () => ++loads;
    await cache.get('a', load);
    await cache.get('b', load);
    cache.forget('a');
    expect(await cache.get('a', load)).toBe(3);
    expect(await cache.get('b', load)).toBe(2);
  });

  it('does not keep a value whose load overlapped a change (it may predate the commit)', async () => {
    const cache = new NotifiedCache<string>(feed(), 60_000);
    let release!: () => void;
    const slow = cache.get('a', () => new Promise<string>((resolve) => (release = () => resolve('old'))));
    cache.forget('a'); // committed while the read was in flight
    release();
    expect(await slow).toBe('old');
    expect(await cache.get('a', async () => 'new')).toBe('new');
  });

  it('expires values after maxAgeMs, and keeps nothing with maxAgeMs 0', async () => {
    const short = new NotifiedCache<number>(feed(), 20);
    let loads = 0;
    const load = async () => ++loads;
    await short.get('a', load);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(await short.get('a', load)).toBe(2);
    const none = new NotifiedCache<number>(feed(), 0);
    await none.get('a', load);
    expect(await none.get('a', load)).toBe(4);
  });

  it('does not cache a failed load', async () => {
    const cache = new NotifiedCache<number>(feed(), 60_000);
    await expect(cache.get('a', () => Promise.reject(new Error('missing')))).rejects.toThrow('missing');
    expect(await cache.get('a', async () => 7)).toBe(7);
  });

  it('keeps at most maxEntries, dropping the oldest', async () => {
    const cache = new NotifiedCache<string>(feed(), 60_000, 2);
    let loads = 0;
    const load = (v: string) => async () => {
      loads++;
      return v;
    };
    await cache.get('a', load('a'));
    await cache.get('b', load('b'));
    await cache.get('c', load('c'));
    expect(loads).toBe(3);
    await cache.get('c', load('c'));
    await cache.get('b', load('b'));
    expect(loads).toBe(3);
    await cache.get('a', load('a'));
    expect(loads).toBe(4);
  });
});
