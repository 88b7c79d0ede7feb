/**
 * How the area parsers read the config: the source they share (values by key, where problems go),
 * comma lists, booleans and choices with their catalogue defaults, and the names StarRocks and
 * Kafka accept.
 */
import { SINK_KEYS, type SinkKeyOfKind } from './keys.ts';

/** Adds one problem: the key as written, and what is wrong with its value and what would be valid. */
export type Report = (key: string, message: string) => void;

/** What every area parser reads: the config's values by key, and where its problems go. */
export interface ConfigSource {
  /** Every key with a string, number or boolean value, as text, in the order given. */
  readonly raw: ReadonlyMap<string, string>;
  readonly get: (key: string) => string | undefined;
  readonly problem: Report;
}

const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TABLE_NAME_MAX = 1024;
export const DATABASE_NAME_MAX = 256;
export const TOPIC_PATTERN = /^[A-Za-z0-9._-]{1,249}$/;

/** Whether StarRocks would accept `name` as a table name. */
export function isValidTableName(name: string): boolean {
  return NAME_PATTERN.test(name) && name.length <= TABLE_NAME_MAX;
}

/** Whether StarRocks would accept `name` as a database name. */
export function isValidDatabaseName(name: string): boolean {
  return NAME_PATTERN.test(name) && name.length <= DATABASE_NAME_MAX;
}

/** `a, b,,c` → `['a', 'b', 'c']`: trimmed, empty entries dropped. */
export function splitList(text: string | undefined): string[] {
  if (text === undefined) return [];
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** `true`/`false` in any case, around spaces; undefined for anything else. */
export function parseBoolean(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'true') return true;
  if (t === 'false') return false;
  return undefined;
}

/** `text` as a boolean, or undefined after reporting `key` when it is not one. */
export function checkBoolean(key: string, text: string, problem: Report): boolean | undefined {
  const parsed = parseBoolean(text);
  if (parsed === undefined) problem(key, `"${text}" is not a boolean; valid values: true, false`);
  return parsed;
}

/** A boolean key's value; its catalogue default when it is absent or (reported) not a boolean. */
export function readBoolean(source: ConfigSource, key: SinkKeyOfKind<'boolean'>): boolean {
  const fallback: boolean = SINK_KEYS[key].default;
  const text = source.get(key);
  if (text === undefined) return fallback;
  return checkBoolean(key, text, source.problem) ?? fallback;
}

type ChoiceKey = Exclude<SinkKeyOfKind<'choice'>, `${string}.converter` | 'sink.transaction.mode'>;
type ChoiceOf<K extends ChoiceKey> = (typeof SINK_KEYS)[K]['values'][number];

/**
 * A choice key's value, trimmed and lower-cased; its catalogue default when it is absent; undefined
 * after reporting the key when it is none of the key's values. (The converter classes are compared
 * exactly and the transaction mode explains each value, so they have their own readers.)
 */
export function readChoice<K extends ChoiceKey>(source: ConfigSource, key: K): ChoiceOf<K> | undefined {
  const spec = SINK_KEYS[key];
  const text = source.get(key);
  if (text === undefined) return spec.default;
  const values: readonly string[] = spec.values;
  const choice = text.trim().toLowerCase();
  if (values.includes(choice)) return choice as ChoiceOf<K>;
  source.problem(key, `"${text}" is not supported; valid values: ${values.join(', ')}`);
  return undefined;
}

/** The integer keys whose range does not depend on another key. */
type RangedIntegerKey = {
  [P in SinkKeyOfKind<'integer'>]: (typeof SINK_KEYS)[P] extends { range: readonly [number, number] }
    ? P
    : never;
}[SinkKeyOfKind<'integer'>];

/**
 * A ranged integer key's value; its catalogue default when it is absent or (reported) not a decimal
 * integer in the key's range. `unit` is named in the message.
 */
export function readInteger(source: ConfigSource, key: RangedIntegerKey, unit?: string): number {
  const { default: fallback, range } = SINK_KEYS[key];
  const text = source.get(key);
  if (text === undefined) return fallback;
  const n = /^\s*\d{1,9}\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= range[0] && n <= range[1])) {
    const inUnit = unit === undefined ? '' : ` (${unit})`;
    source.problem(key, `"${text}" is not an integer in [${range.join(', ')}]${inUnit}`);
    return fallback;
  }
  return n;
}
