import { describe, expect, it } from 'vitest';
import { doubleValue, floatValue } from '../../../lib/convert/json-numbers.ts';

/** Floats and doubles of the registry formats, as JsonConverter (Jackson) writes them. */

describe('registry floating-point values', () => {
  it.each([
    [Math.fround(0.1), 0.1],
    [Math.fround(3.4028234663852886e38), 3.4028235e38],
    [Math.fround(-1.5), -1.5],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [Number.NEGATIVE_INFINITY, '-Infinity'],
  ])('writes the float %s as %s', (value, expected) => {
    expect(floatValue(value)).toBe(expected);
  });

  it.each([
    [0.1, 0.1],
    [1e308, 1e308],
    [Number.NaN, 'NaN'],
    [Number.NEGATIVE_INFINITY, '-Infinity'],
  ])('writes the double %s as %s', (value, expected) => {
    expect(doubleValue(value)).toBe(expected);
  });
});
