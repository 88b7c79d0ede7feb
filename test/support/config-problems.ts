import { expect } from 'vitest';
import { parseSinkConfig } from '../../lib/config/sink-config.ts';
import { ConfigError } from '../../lib/errors.ts';

/** The problems `parseSinkConfig` reports for `input`; fails the test when it reports none. */
export function problemsOf(input: unknown): { key: string; message: string }[] {
  try {
    parseSinkConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}
