/**
 * Retrieval experiments, pure: named variants of the retrieval parameters (RETRIEVAL_VARIANTS), each API key
 * assigned to one by a stable hash of its id (RETRIEVAL_VARIANT_ALLOCATION, RETRIEVAL_EXPERIMENT_SALT), an
 * admin key may pick one with the `X-Slipway-Variant` header. The variant supplies defaults; fields a request
 * sets itself (`mode`, `mmr`) win. docs/operations.md "Retrieval experiments".
 */
import { createHash } from 'node:crypto';
import type { Config } from '../config/config-schema.js';
import {
  CONTROL_VARIANT,
  type VariantDefinition,
  type VariantShare,
} from '../config/retrieval-variant-settings.js';
import { AppError } from '../errors/app-error.js';
import { HYBRID_DEFAULTS, type HybridConfig } from '../ranking/hybrid-retrieval.js';
import { KEYWORD_EXPANSION_DEFAULTS, type KeywordExpansion } from '../ranking/keyword-expansion.js';
import { canonicalJson, type SearchMode, type SearchRequest } from './search-plan.js';

export { CONTROL_VARIANT };

/** Everything a variant decides about a retrieval. */
export interface RetrievalParameters {
  variant: string;
  /** Mode when the request names none. */
  mode: SearchMode;
  hybrid: HybridConfig;
  /** MMR λ when the request asks for no MMR itself; absent: no MMR unless asked. */
  mmrLambda?: number;
  /** RM3 expansion of the keyword side (ADR 0014); absent: plain BM25. */
  keywordExpansion?: KeywordExpansion;
}

export interface RetrievalExperiment {
  salt: string;
  /** Every variant by name, `control` (the defaults) included. */
  variants: ReadonlyMap<string, RetrievalParameters>;
  allocation: readonly VariantShare[];
}

/** The request header an admin key may use to choose a variant (testing a variant before it gets traffic). */
export const VARIANT_HEADER = 'X-Slipway-Variant';

/** The defaults: hybrid, the tuned fusion and feedback, plain BM25 (RM3 is a variant's choice, ADR 0014). */
export const CONTROL_PARAMETERS: RetrievalParameters = Object.freeze({
  variant: CONTROL_VARIANT,
  mode: 'hybrid',
  hybrid: HYBRID_DEFAULTS,
});

/** The fields an object sets (zod leaves absent optional fields out, but a caller may pass undefined). */
const definedFields = <T extends object>(value: T): Partial<T> =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;

/** A variant's partial definition laid over the defaults. */
export function resolveVariant(
  name: string,
  definition: VariantDefinition,
  base: RetrievalParameters = CONTROL_PARAMETERS,
): RetrievalParameters {
  const parameters: RetrievalParameters = {
    variant: name,
    mode: definition.mode ?? base.mode,
    hybrid: {
      candidates: base.hybrid.candidates,
      fusion: {
        k: base.hybrid.fusion.k,
        keywordWeight: definition.keywordWeight ?? base.hybrid.fusion.keywordWeight,
        vectorWeight: definition.vectorWeight ?? base.hybrid.fusion.vectorWeight,
      },
      feedback: {
        chunks: definition.feedback?.chunks ?? base.hybrid.feedback.chunks,
        weight: definition.feedback?.weight ?? base.hybrid.feedback.weight,
      },
    },
  };
  const mmrLambda = definition.mmrLambda ?? base.mmrLambda;
  if (mmrLambda !== undefined) parameters.mmrLambda = mmrLambda;
  const expansion =
    definition.keywordExpansion === false
      ? undefined
      : definition.keywordExpansion === undefined
        ? base.keywordExpansion
        : {
            ...(base.keywordExpansion ?? KEYWORD_EXPANSION_DEFAULTS),
            ...definedFields(definition.keywordExpansion),
          };
  if (expansion) parameters.keywordExpansion = expansion;
  return parameters;
}

/** Every variant, control first; definitions in their configured order. */
export function resolveVariants(
  definitions: Readonly<Record<string, VariantDefinition>>,
): RetrievalParameters[] {
  return [
    CONTROL_PARAMETERS,
    ...Object.entries(definitions).map(([name, definition]) => resolveVariant(name, definition)),
  ];
}

export function defineExperiment(
  config: Pick<Config, 'RETRIEVAL_VARIANTS' | 'RETRIEVAL_VARIANT_ALLOCATION' | 'RETRIEVAL_EXPERIMENT_SALT'>,
): RetrievalExperiment {
  return {
    salt: config.RETRIEVAL_EXPERIMENT_SALT,
    variants: new Map(resolveVariants(config.RETRIEVAL_VARIANTS).map((p) => [p.variant, p])),
    allocation: config.RETRIEVAL_VARIANT_ALLOCATION.filter((share) => share.percent > 0),
  };
}

/** A key's bucket, 0..99: the first 32 bits of sha256(salt, key id) modulo 100 (stable across processes). */
export function bucketOf(keyId: string, salt: string): number {
  return createHash('sha256').update(`${salt}\0${keyId}`).digest().readUInt32BE(0) % 100;
}

/** The variant a key id is assigned to: allocation shares are consecutive bucket ranges in listed order. */
export function assignedVariant(experiment: RetrievalExperiment, keyId: string): string {
  const { allocation } = experiment;
  if (allocation.length === 1) return allocation[0]!.name; // one variant for everyone (the default): no draw
  const bucket = bucketOf(keyId, experiment.salt);
  let upTo = 0;
  for (const share of experiment.allocation) {
    upTo += share.percent;
    if (bucket < upTo) return share.name;
  }
  return CONTROL_VARIANT; // unreachable with a valid allocation (it sums to 100)
}

export interface VariantChoice {
  keyId: string | undefined;
  /** The `X-Slipway-Variant` header, when sent. */
  requested: string | undefined;
  /** Whether the caller may choose (admin keys). */
  mayChoose: boolean;
}

/**
 * The parameters for one request: the requested variant (admin keys only; it must exist), else the key's
 * assigned one. 403 for a non-admin key sending the header, 400 for an unknown name.
 */
export function chooseVariant(experiment: RetrievalExperiment, choice: VariantChoice): RetrievalParameters {
  if (choice.requested !== undefined) {
    if (!choice.mayChoose)
      throw new AppError(403, 'forbidden', `The ${VARIANT_HEADER} header needs the "admin" scope.`);
    const requested = experiment.variants.get(choice.requested.trim());
    if (!requested) {
      throw new AppError(
        400,
        'bad-request',
        `${VARIANT_HEADER}: unknown variant; known: ${[...experiment.variants.keys()].join(', ')}.`,
      );
    }
    return requested;
  }
  const name = assignedVariant(experiment, choice.keyId ?? '');
  return experiment.variants.get(name) ?? CONTROL_PARAMETERS;
}

/** What the request says itself; the variant fills the rest. */
export interface RequestedRetrieval {
  mode?: SearchMode;
  mmr?: { lambda: number };
}

/**
 * The retrieval fields of a search request under a variant: the request's own `mode` and `mmr` win over the
 * variant's; the variant's fusion and feedback apply (carried only when they differ from the service's
 * defaults, so control requests keep their cache keys). The keyword expansion is carried whenever it is on,
 * so RM3 and plain results never share a cache key.
 */
export function applyVariant(
  parameters: RetrievalParameters,
  requested: RequestedRetrieval,
): Pick<SearchRequest, 'mode' | 'mmr' | 'hybrid' | 'keywordExpansion'> {
  const applied: Pick<SearchRequest, 'mode' | 'mmr' | 'hybrid' | 'keywordExpansion'> = {
    mode: requested.mode ?? parameters.mode,
  };
  const mmr =
    requested.mmr ?? (parameters.mmrLambda === undefined ? undefined : { lambda: parameters.mmrLambda });
  if (mmr) applied.mmr = mmr;
  if (canonicalJson(parameters.hybrid) !== canonicalJson(HYBRID_DEFAULTS)) applied.hybrid = parameters.hybrid;
  if (parameters.keywordExpansion) applied.keywordExpansion = parameters.keywordExpansion;
  return applied;
}
