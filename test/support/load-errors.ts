import { expect } from 'vitest';
import { LoadError } from '../../lib/errors.ts';

/** The LoadError `promise` rejects with; fails the test when it resolves or rejects otherwise. */
export async function loadError(promise: Promise<unknown>): Promise<LoadError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LoadError);
  return error as LoadError;
}
