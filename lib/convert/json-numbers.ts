import { rawJson } from './exact-json.ts';

/**
 * Numbers as JsonConverter writes them, for the readers of registry formats (Avro, Protobuf): one
 * place decides how a 64-bit integer, a float, a double and the values JSON has no number for load.
 */

/** An int64 as the JSON path holds it: a number when a double holds it exactly, else its digits. */
export function int64Value(value: number | bigint): unknown {
  if (typeof value === 'number') return value;
  return value >= -9_007_199_254_740_991n && value <= 9_007_199_254_740_991n
    ? Number(value)
    : rawJson(`${value}`);
}

/**
 * A float as JsonConverter writes it: Java's shortest decimal of the float (0.1f is `0.1`, not the
 * double 0.10000000149011612); NaN and ±Infinity, which JSON has no number for, as the strings
 * Jackson writes by default ("NaN", "Infinity", "-Infinity"), which the JSON path loads as text.
 */
export function floatValue(value: number): number | string {
  if (!Number.isFinite(value)) return nonFiniteText(value);
  for (let digits = 1; digits < 9; digits++) {
    const shortest = Number(value.toPrecision(digits));
    if (Math.fround(shortest) === value) return shortest;
  }
  return Number(value.toPrecision(9));
}

/** A double as JsonConverter writes it: the number, or Jackson's strings for NaN and ±Infinity. */
export function doubleValue(value: number): number | string {
  return Number.isFinite(value) ? value : nonFiniteText(value);
}

function nonFiniteText(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? 'Infinity' : '-Infinity';
}
