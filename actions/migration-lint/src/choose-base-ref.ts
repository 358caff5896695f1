// Which base the lint compares against (pure). GitHub sets `github.event.before` to forty zeros (sixty-four
// in a SHA-256 repository) on the first push of a branch — a new repository's first push to main, or a new
// branch: nothing came before it, so every migration is new and every one is checked against the rules.

export type BaseChoice = { kind: 'ref'; ref: string } | { kind: 'all'; reason: string | null };

const ZERO_SHA = /^(0{40}|0{64})$/;

export function chooseBaseRef(input: string): BaseChoice {
  const ref = input.trim();
  if (ref === '') return { kind: 'all', reason: null };
  if (ZERO_SHA.test(ref)) {
    return {
      kind: 'all',
      reason:
        'base-ref is the all-zero SHA (the first push of this branch: nothing came before it), ' +
        'so every migration is checked as new',
    };
  }
  return { kind: 'ref', ref };
}
