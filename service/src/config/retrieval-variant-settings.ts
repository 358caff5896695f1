import { z } from 'zod';

/**
 * The settings of retrieval experiments (docs/operations.md "Retrieval experiments"): named variants of the
 * retrieval parameters, each a partial override of the defaults, and the share of API keys each receives.
 * Names are bounded in form and number because each becomes a Prometheus label value.
 */
export const CONTROL_VARIANT = 'control';
export const MAX_VARIANTS = 8;
export const VARIANT_NAME = /^[a-z0-9-]{1,32}$/;

const weight = z.number().min(0).max(10);

export const variantDefinition = z
  .strictObject({
    mode: z.enum(['hybrid', 'vector', 'keyword']).optional(),
    keywordWeight: weight.optional(),
    vectorWeight: weight.optional(),
    feedback: z
      .strictObject({ chunks: z.number().int().min(0).max(50).optional(), weight: weight.optional() })
      .optional(),
    mmrLambda: z.number().min(0).max(1).optional(),
    /** RM3 on the keyword side (ADR 0014): `false` or absent = off; `{}` = the tuned defaults. */
    keywordExpansion: z
      .union([
        z.literal(false),
        z.strictObject({
          fbDocs: z.number().int().min(1).max(50).optional(),
          fbTerms: z.number().int().min(1).max(100).optional(),
          originalQueryWeight: z.number().min(0).max(1).optional(),
        }),
      ])
      .optional(),
  })
  .refine((v) => (v.keywordWeight ?? 1) + (v.vectorWeight ?? 1) > 0, {
    message: 'keywordWeight and vectorWeight cannot both be 0',
  });

export type VariantDefinition = z.infer<typeof variantDefinition>;

const jsonText = z.string().transform((text, ctx): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
    return z.NEVER;
  }
});

/**
 * RETRIEVAL_VARIANTS: JSON
 * `{"name": {mode?, keywordWeight?, vectorWeight?, feedback?, mmrLambda?, keywordExpansion?}}`.
 */
export const retrievalVariantsSetting = jsonText.pipe(
  z.record(z.string(), variantDefinition).superRefine(
    (variants, ctx) => {
      const names = Object.keys(variants);
      for (const name of names.filter((n) => !VARIANT_NAME.test(n)))
        ctx.addIssue({ code: 'custom', message: `"${name}": variant names are 1-32 of a-z, 0-9 and -` });
      if (names.length > MAX_VARIANTS)
        ctx.addIssue({ code: 'custom', message: `at most ${MAX_VARIANTS} variants (${names.length} given)` });
      if (names.includes(CONTROL_VARIANT))
        ctx.addIssue({ code: 'custom', message: '"control" is the defaults: do not define it' });
    },
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
  ),
);

export interface VariantShare {
  name: string;
  percent: number;
}

/** RETRIEVAL_VARIANT_ALLOCATION: `name=percent,…` summing to 100 (`control` is the defaults). */
export const variantAllocationSetting = z
  .string()
  .transform((text, ctx): VariantShare[] => {
    const shares: VariantShare[] = [];
    for (const part of text.split(',').map((s) => s.trim())) {
      const match = /^([a-z0-9-]{1,32})=(\d{1,3})$/.exec(part);
      if (!match) {
        ctx.addIssue({ code: 'custom', message: `"${part}" is not name=percent` });
        continue;
      }
      shares.push({ name: match[1]!, percent: Number(match[2]) });
    }
    return shares;
  })
  .superRefine((shares, ctx) => {
    if (new Set(shares.map((s) => s.name)).size !== shares.length)
      ctx.addIssue({ code: 'custom', message: 'a variant is listed twice' });
    const sum = shares.reduce((total, s) => total + s.percent, 0);
    if (sum !== 100)
      ctx.addIssue({ code: 'custom', message: `the percentages must sum to 100 (they sum to ${sum})` });
  });

/** Problems between the two settings: every allocated name must be defined (or be `control`). */
export function variantAllocationProblems(
  variants: Readonly<Record<string, VariantDefinition>>,
  allocation: readonly VariantShare[],
): string[] {
  return allocation
    .filter((share) => share.name !== CONTROL_VARIANT && !Object.hasOwn(variants, share.name))
    .map(
      (share) =>
        `RETRIEVAL_VARIANT_ALLOCATION names "${share.name}", which RETRIEVAL_VARIANTS does not define` +
        ` (defined: ${[CONTROL_VARIANT, ...Object.keys(variants)].join(', ')})`,
    );
}
