/**
 * JSON helpers that keep numbers exact. Kafka values carry int64 ids and decimals that a JS number
 * would round; V8 (Node >= 21) exposes each number's source text to a reviver and can write raw
 * JSON back with `JSON.rawJSON`, so a number that would not survive a round trip stays as text.
 */

export interface RawJson {
  readonly rawJSON: string;
}

interface JsonWithRaw {
  rawJSON(text: string): RawJson;
  isRawJSON(value: unknown): value is RawJson;
}
const JSONX = JSON as unknown as JSON & JsonWithRaw;

interface ReviverContext {
  readonly source?: string;
}

function keepExactNumbers(this: unknown, _key: string, value: unknown, context?: ReviverContext): unknown {
  if (typeof value !== 'number' || context?.source === undefined) return value;
  const source = context.source;
  if (/^-?\d+$/.test(source)) return Number.isSafeInteger(value) ? value : JSONX.rawJSON(source);
  // 1e3 and 1.50 round-trip to the same value; only widen what would lose digits.
  if (String(value) !== source && !isExactlyRepresentable(source)) return JSONX.rawJSON(source);
  return value;
}

function isExactlyRepresentable(source: string): boolean {
  // A decimal literal with at most 15 significant digits survives a double round trip.
  const digits = source
    .replace(/^-/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '')
    .replace(/^0+/, '');
  return digits.replace(/0+$/, '').length <= 15;
}

/** `JSON.parse` that returns numbers a double cannot hold exactly as {@link RawJson}. */
export function parseJsonExact(text: string): unknown {
  return JSON.parse(text, keepExactNumbers as (this: unknown, key: string, value: unknown) => unknown);
}

export function rawJson(text: string): RawJson {
  return JSONX.rawJSON(text);
}

export function isRawJson(value: unknown): value is RawJson {
  return JSONX.isRawJSON(value);
}
