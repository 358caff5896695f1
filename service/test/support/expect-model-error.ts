import { expect } from '@jest/globals';
import { ModelError } from '../../src/errors/model-error.js';

/** Awaits a promise that must reject with a ModelError, and returns that error for further assertions. */
export async function expectModelError(promise: Promise<unknown>): Promise<ModelError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ModelError);
    return error as ModelError;
  }
  throw new Error('expected a rejection');
}
