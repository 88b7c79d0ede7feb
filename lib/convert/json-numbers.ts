/**
 * Floating-point values as JsonConverter writes them, for the readers of registry formats (Avro,
 * Protobuf): one place decides how a float, a double and the values JSON has no number for load.
 */

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
