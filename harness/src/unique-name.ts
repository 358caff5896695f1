import { randomBytes } from 'node:crypto';

/** `slipway_t_<10 hex chars>`: valid as a Postgres database, Redis key prefix and Chroma name part. */
export function uniqueTestName(): string {
  return `slipway_t_${randomBytes(5).toString('hex')}`;
}
