import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { ConfigError, parseConfig } from '../../src/config/load-config.js';
import type { AppError } from '../../src/errors/app-error.js';
import { HYBRID_DEFAULTS } from '../../src/ranking/hybrid-retrieval.js';
import {
  applyVariant,
  assignedVariant,
  bucketOf,
  chooseVariant,
  CONTROL_PARAMETERS,
  defineExperiment,
  resolveVariant,
} from '../../src/retrieval/retrieval-experiment.js';

const base = { DATABASE_URL: 'postgres://app:pw@db:5432/app', CHROMA_URL: 'http://chroma:8000' };

const experimentOf = (env: Record<string, string>) => defineExperiment(parseConfig({ ...base, ...env }));

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    parseConfig({ ...base, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

const threeWay = {
  RETRIEVAL_VARIANTS: JSON.stringify({
    'keyword-only': { mode: 'keyword' },
    'vector-heavy': { vectorWeight: 3, feedback: { chunks: 0 }, mmrLambda: 0.5 },
  }),
  RETRIEVAL_VARIANT_ALLOCATION: 'control=50,keyword-only=30,vector-heavy=20',
};

describe('retrieval experiment settings', () => {
  it('defaults to control for every key', () => {
    const experiment = experimentOf({});
    expect([...experiment.variants.keys()]).toEqual(['control']);
    for (let i = 0; i < 50; i++) expect(assignedVariant(experiment, randomUUID())).toBe('control');
  });

  it('reports every problem of the variants and the allocation at once', () => {
    const problems = problemsOf({
      RETRIEVAL_VARIANTS: JSON.stringify({
        Loud: {},
        control: {},
        wide: { mmrLambda: 2, mode: 'fuzzy', extra: 1 },
        zero: { keywordWeight: 0, vectorWeight: 0 },
      }),
      RETRIEVAL_VARIANT_ALLOCATION: 'control=50,wide=40,half',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^RETRIEVAL_VARIANTS: "Loud": variant names are 1-32 of a-z/),
        expect.stringMatching(/^RETRIEVAL_VARIANTS: "control" is the defaults/),
        expect.stringMatching(/^RETRIEVAL_VARIANTS\.wide\.mmrLambda:/),
        expect.stringMatching(/^RETRIEVAL_VARIANTS\.wide\.mode:/),
        expect.stringMatching(/^RETRIEVAL_VARIANTS\.wide:.*extra/),
        expect.stringMatching(/^RETRIEVAL_VARIANTS\.zero: keywordWeight and vectorWeight cannot both be 0/),
        'RETRIEVAL_VARIANT_ALLOCATION: "half" is not name=percent',
      ]),
    );
  });

  it('refuses an allocation that does not sum to 100, repeats a name or names an undefined variant', () => {
    expect(problemsOf({ RETRIEVAL_VARIANT_ALLOCATION: 'control=60,control=30' })).toEqual([
      'RETRIEVAL_VARIANT_ALLOCATION: a variant is listed twice',
      'RETRIEVAL_VARIANT_ALLOCATION: the percentages must sum to 100 (they sum to 90)',
    ]);
    expect(problemsOf({ RETRIEVAL_VARIANT_ALLOCATION: 'control=50,typo=50' })).toEqual([
      'RETRIEVAL_VARIANT_ALLOCATION names "typo", which RETRIEVAL_VARIANTS does not define (defined: control)',
    ]);
    expect(problemsOf({ RETRIEVAL_VARIANTS: '{"a":', RETRIEVAL_VARIANT_ALLOCATION: 'control=100' })).toEqual([
      'RETRIEVAL_VARIANTS: is not valid JSON',
    ]);
  });

  it('keeps the number of variants (a metric label) bounded', () => {
    const nine = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`v${i}`, {}]));
    expect(problemsOf({ RETRIEVAL_VARIANTS: JSON.stringify(nine) })).toEqual([
      'RETRIEVAL_VARIANTS: at most 8 variants (9 given)',
    ]);
  });

  it('refuses invalid experiments in production too, among the other problems', () => {
    const problems = problemsOf({ NODE_ENV: 'production', RETRIEVAL_VARIANT_ALLOCATION: 'control=99' });
    expect(problems).toContain(
      'RETRIEVAL_VARIANT_ALLOCATION: the percentages must sum to 100 (they sum to 99)',
    );
  });
});

describe('resolveVariant', () => {
  it('lays a partial definition over the defaults', () => {
    expect(resolveVariant('wide', { keywordWeight: 2, feedback: { weight: 4 } })).toEqual({
      variant: 'wide',
      mode: 'hybrid',
      hybrid: {
        candidates: HYBRID_DEFAULTS.candidates,
        fusion: { k: HYBRID_DEFAULTS.fusion.k, keywordWeight: 2, vectorWeight: 1 },
        feedback: { chunks: HYBRID_DEFAULTS.feedback.chunks, weight: 4 },
      },
    });
    expect(resolveVariant('mmr', { mode: 'vector', mmrLambda: 0.3 })).toMatchObject({
      mode: 'vector',
      mmrLambda: 0.3,
      hybrid: HYBRID_DEFAULTS,
    });
  });
});

describe('keyword expansion (RM3) in a variant', () => {
  it('is off in control; {} turns it on with the defaults; fields override them one by one', () => {
    expect(CONTROL_PARAMETERS).not.toHaveProperty('keywordExpansion');
    expect(resolveVariant('plain', { keywordExpansion: false })).not.toHaveProperty('keywordExpansion');
    expect(resolveVariant('same', { keywordExpansion: {} }).keywordExpansion).toEqual({
      fbDocs: 5,
      fbTerms: 10,
      originalQueryWeight: 0.5,
    });
    expect(
      resolveVariant('deeper', { keywordExpansion: { fbDocs: 10, originalQueryWeight: 0.7 } }),
    ).toMatchObject({
      keywordExpansion: { fbDocs: 10, fbTerms: 10, originalQueryWeight: 0.7 },
    });
  });

  it('is read from RETRIEVAL_VARIANTS, carried into the request, and out-of-range parameters are refused', () => {
    const experiment = experimentOf({
      RETRIEVAL_VARIANTS: JSON.stringify({
        plain: { keywordExpansion: false },
        wide: { keywordExpansion: { fbTerms: 30 } },
      }),
    });
    expect(experiment.variants.get('plain')!.keywordExpansion).toBeUndefined();
    const wide = experiment.variants.get('wide')!;
    expect(wide.keywordExpansion).toEqual({ fbDocs: 5, fbTerms: 30, originalQueryWeight: 0.5 });
    expect(applyVariant(wide, {})).toEqual({
      mode: 'hybrid',
      keywordExpansion: { fbDocs: 5, fbTerms: 30, originalQueryWeight: 0.5 },
    });
    expect(applyVariant(experiment.variants.get('plain')!, {})).toEqual({ mode: 'hybrid' });
    const problems = problemsOf({
      RETRIEVAL_VARIANTS: JSON.stringify({
        bad: { keywordExpansion: { fbDocs: 0, originalQueryWeight: 2 } },
      }),
    }).join('\n');
    expect(problems).toContain('bad.keywordExpansion');
  });
});

describe('assignment', () => {
  it('is deterministic per key id and changes with the salt', () => {
    const id = randomUUID();
    const experiment = experimentOf(threeWay);
    const first = assignedVariant(experiment, id);
    for (let i = 0; i < 5; i++) expect(assignedVariant(experimentOf(threeWay), id)).toBe(first);
    expect(bucketOf(id, 'slipway')).toBe(bucketOf(id, 'slipway'));
    const ids = Array.from({ length: 200 }, () => randomUUID());
    const moved = ids.filter((k) => bucketOf(k, 'slipway') !== bucketOf(k, 'experiment-2')).length;
    expect(moved).toBeGreaterThan(150); // a new salt draws a new assignment
  });

  it('splits many keys roughly as allocated', () => {
    const experiment = experimentOf(threeWay);
    const counts = new Map<string, number>();
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const name = assignedVariant(experiment, randomUUID());
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    // binomial standard deviation at n = 20,000 is under 0.4 %; 2 % is > 5 sigma
    expect((counts.get('control') ?? 0) / n).toBeCloseTo(0.5, 1);
    expect(Math.abs((counts.get('control') ?? 0) / n - 0.5)).toBeLessThan(0.02);
    expect(Math.abs((counts.get('keyword-only') ?? 0) / n - 0.3)).toBeLessThan(0.02);
    expect(Math.abs((counts.get('vector-heavy') ?? 0) / n - 0.2)).toBeLessThan(0.02);
  });

  it('maps buckets to consecutive ranges in the listed order', () => {
    const experiment = experimentOf(threeWay);
    const ids = Array.from({ length: 300 }, () => randomUUID());
    for (const id of ids) {
      const bucket = bucketOf(id, experiment.salt);
      const expected = bucket < 50 ? 'control' : bucket < 80 ? 'keyword-only' : 'vector-heavy';
      expect(assignedVariant(experiment, id)).toBe(expected);
    }
  });
});

describe('chooseVariant', () => {
  const experiment = experimentOf(threeWay);
  const id = randomUUID();

  it('follows the hash without a header', () => {
    expect(chooseVariant(experiment, { keyId: id, requested: undefined, mayChoose: false }).variant).toBe(
      assignedVariant(experiment, id),
    );
  });

  it('lets an admin key choose any defined variant, control included', () => {
    for (const name of ['control', 'keyword-only', 'vector-heavy']) {
      expect(chooseVariant(experiment, { keyId: id, requested: name, mayChoose: true }).variant).toBe(name);
    }
  });

  it('refuses the header from other keys (403) and unknown names (400)', () => {
    const attempt = (requested: string, mayChoose: boolean) => {
      try {
        chooseVariant(experiment, { keyId: id, requested, mayChoose });
      } catch (error) {
        return error as AppError;
      }
      throw new Error('expected a refusal');
    };
    expect(attempt('keyword-only', false)).toMatchObject({ status: 403, slug: 'forbidden' });
    const unknown = attempt('nope', true);
    expect(unknown).toMatchObject({ status: 400, slug: 'bad-request' });
    expect(unknown.message).toContain('control, keyword-only, vector-heavy');
  });
});

describe('applyVariant', () => {
  const experiment = experimentOf(threeWay);
  const vectorHeavy = experiment.variants.get('vector-heavy')!;

  it("fills what the request leaves out with the variant's values", () => {
    expect(applyVariant(vectorHeavy, {})).toEqual({
      mode: 'hybrid',
      mmr: { lambda: 0.5 },
      hybrid: vectorHeavy.hybrid,
    });
    expect(applyVariant(experiment.variants.get('keyword-only')!, {})).toEqual({ mode: 'keyword' });
  });

  it("lets the request's own mode and MMR win", () => {
    expect(applyVariant(vectorHeavy, { mode: 'vector', mmr: { lambda: 0.9 } })).toEqual({
      mode: 'vector',
      mmr: { lambda: 0.9 },
      hybrid: vectorHeavy.hybrid,
    });
  });

  it('adds nothing for control, so its cache keys stay as they were', () => {
    expect(applyVariant(CONTROL_PARAMETERS, {})).toEqual({ mode: 'hybrid' });
  });
});
