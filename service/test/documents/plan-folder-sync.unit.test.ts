import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { planFolderSync } from '../../src/documents/plan-folder-sync.js';

describe('planFolderSync', () => {
  it('adds new files, replaces changed ones, removes deleted ones and leaves the rest', () => {
    const plan = planFolderSync(
      [
        { id: 'same.md', sha256: 'a' },
        { id: 'edited.md', sha256: 'b2' },
        { id: 'new.md', sha256: 'c' },
      ],
      [
        { id: 'same.md', sha256: 'a' },
        { id: 'edited.md', sha256: 'b1' },
        { id: 'deleted.md', sha256: 'd' },
      ],
    );
    expect(plan).toEqual({
      add: ['new.md'],
      replace: ['edited.md'],
      remove: ['deleted.md'],
      unchanged: ['same.md'],
    });
  });

  it('an empty folder removes everything that came from it; an empty collection adds everything', () => {
    expect(planFolderSync([], [{ id: 'x', sha256: '1' }]).remove).toEqual(['x']);
    expect(planFolderSync([{ id: 'x', sha256: '1' }], []).add).toEqual(['x']);
  });

  it('after applying a plan, the collection equals the folder (property)', () => {
    const docs = fc.uniqueArray(
      fc.record({
        id: fc.constantFrom<string>('a', 'b', 'c', 'd', 'e'),
        sha256: fc.constantFrom<string>('1', '2', '3'),
      }),
      { selector: (d) => d.id },
    );
    fc.assert(
      fc.property(docs, docs, (folder, stored) => {
        const plan = planFolderSync(folder, stored);
        const after = new Map(stored.map((d) => [d.id, d.sha256]));
        for (const id of plan.remove) after.delete(id);
        for (const id of [...plan.add, ...plan.replace])
          after.set(id, folder.find((d) => d.id === id)!.sha256);
        expect([...after].sort()).toEqual(folder.map((d) => [d.id, d.sha256]).sort());
        expect(plan.unchanged.length + plan.add.length + plan.replace.length).toBe(folder.length);
      }),
    );
  });
});
