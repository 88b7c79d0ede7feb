/**
 * InsertHeader's `value.literal`, typed as Kafka Connect's `Values.parseString` types a text:
 * `null`, `true`/`false`, numbers, ISO dates and times (kafka-routing-literal-scalars.ts), arrays
 * `[…]` and maps `{k:v,…}` of those with `"quoted"` strings, else the text itself.
 *
 * Connect's parser is followed step by step, including its quirks: only the first token decides a
 * top-level value (`12:30` is the int8 12), whitespace-only tokens are skipped where a delimiter is
 * looked for, a malformed array or map (or one with a null beside typed elements) is the text, and
 * the elements of an array (the keys and values of a map) share the widest numeric schema among
 * them, converted to it.
 */
import type { ConnectSchema } from '../connect-schema.ts';
import { isRawJson } from '../exact-json.ts';
import {
  DATE_NAME,
  type HeaderValue,
  MILLIS_PER_DAY,
  numberOf,
  schemaOf,
  TIME_NAME,
  TIMESTAMP_NAME,
  temporalAt,
} from './kafka-routing-literal-scalars.ts';

export type { HeaderValue } from './kafka-routing-literal-scalars.ts';

const NULL_HEADER: HeaderValue = { schema: null, value: null };
const TRUE: HeaderValue = { schema: schemaOf('boolean'), value: true };
const FALSE: HeaderValue = { schema: schemaOf('boolean'), value: false };

/**
 * The header value a literal stands for. `text` is the option as Kafka's ConfigDef gives it
 * (trimmed).
 *
 * @example parseHeaderLiteral('42') // { schema: { type: 'int8', optional: false }, value: 42 }
 * @example parseHeaderLiteral('["a","b"]') // an array of strings
 */
export function parseHeaderLiteral(text: string): HeaderValue {
  if (text === '') return { schema: schemaOf('string'), value: '' };
  return new ValueParser(new TokenReader(text)).parse(false) ?? NULL_HEADER;
}

/** Connect's DataException while parsing: the caller falls back to reading the text otherwise. */
class LiteralError extends Error {}

/** Characters that end a token in Connect's value syntax, unless escaped with a backslash. */
const DELIMITERS = new Set([':', ',', '{', '}', '[', ']', '"']);

/** Java's `String.trim`: characters up to U+0020 at either end. */
function javaTrim(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) <= 0x20) start++;
  while (end > start && text.charCodeAt(end - 1) <= 0x20) end--;
  return text.slice(start, end);
}

const isBlank = (text: string): boolean => javaTrim(text) === '';

/**
 * Connect's tokenizer: runs of text between delimiters and each delimiter alone, one token looked
 * ahead (`peeked`), positions to rewind to.
 */
class TokenReader {
  readonly original: string;
  private index = 0;
  private peeked: string | null = null;
  private last: string | null = null;

  constructor(original: string) {
    this.original = original;
  }

  /** Where the next token starts (a looked-ahead token counts as not read). */
  mark(): number {
    return this.index - (this.peeked?.length ?? 0);
  }

  rewindTo(position: number): void {
    this.index = position;
    this.peeked = null;
    this.last = null;
  }

  hasNext(): boolean {
    return this.peeked !== null || this.index < this.original.length;
  }

  next(): string {
    if (this.peeked !== null) {
      this.last = this.peeked;
      this.peeked = null;
    } else this.last = this.readToken();
    return this.last;
  }

  /** The text of the next `count` tokens, read; null (nothing read) when there are fewer. */
  nextText(count: number): string | null {
    const start = this.mark();
    for (let i = 0; i < count; i++) {
      if (!this.hasNext()) {
        this.rewindTo(start);
        return null;
      }
      this.next();
    }
    return this.original.slice(start, this.index);
  }

  previous(): string | null {
    return this.last;
  }

  /** Reads the next token if, trimmed, it is `expected` (whitespace-only tokens before it are dropped). */
  canConsume(expected: string): boolean {
    if (this.peeked === null) {
      if (!this.hasNext()) return false;
      this.peeked = this.readToken();
    }
    while (isBlank(this.peeked) && this.index < this.original.length) this.peeked = this.readToken();
    if (javaTrim(this.peeked) !== expected) return false;
    this.peeked = null;
    return true;
  }

  private readToken(): string {
    const start = this.index;
    let escaped = false;
    while (this.index < this.original.length) {
      const c = this.original[this.index] as string;
      if (c === '\\') escaped = !escaped;
      else if (DELIMITERS.has(c) && !escaped) {
        if (start < this.index) return this.original.slice(start, this.index);
        this.index++;
        return c;
      } else escaped = false;
      this.index++;
    }
    return this.original.slice(start);
  }
}

/** Connect's value parser over the tokens; `null` where Connect's parse returns no SchemaAndValue. */
class ValueParser {
  private readonly reader: TokenReader;

  constructor(reader: TokenReader) {
    this.reader = reader;
  }

  parse(embedded: boolean): HeaderValue | null {
    const reader = this.reader;
    if (!reader.hasNext()) return null;
    if (embedded && reader.canConsume('"')) return this.quoted();
    if (this.singleToken(embedded, 'null')) return null;
    if (this.singleToken(embedded, 'true')) return TRUE;
    if (this.singleToken(embedded, 'false')) return FALSE;
    const start = reader.mark();
    try {
      if (reader.canConsume('[')) return this.array();
      if (reader.canConsume('{')) return this.map();
    } catch (error) {
      if (!(error instanceof LiteralError)) throw error;
      reader.rewindTo(start);
    }
    const token = reader.next();
    if (isBlank(token)) return { schema: schemaOf('string'), value: token };
    return this.scalar(embedded, javaTrim(token));
  }

  /** `literal` as the next token: alone in the text at the top level, anywhere when embedded. */
  private singleToken(embedded: boolean, literal: string): boolean {
    const start = this.reader.mark();
    if (this.reader.canConsume(literal) && (embedded || !this.reader.hasNext())) return true;
    this.reader.rewindTo(start);
    return false;
  }

  private scalar(embedded: boolean, token: string): HeaderValue {
    const first = token[0] as string;
    const digit = first >= '0' && first <= '9';
    if (digit) {
      const temporal = this.temporal(token);
      if (temporal !== undefined) return temporal;
    }
    if (digit || first === '+' || first === '-') {
      const number = numberOf(token);
      if (number !== undefined) return number;
    }
    if (embedded) throw new LiteralError('an embedded value that is no number');
    return { schema: schemaOf('string'), value: this.reader.original };
  }

  /** A time or timestamp split by its colons into five tokens, else the token alone as a date. */
  private temporal(token: string): HeaderValue | undefined {
    const position = this.reader.mark();
    const rest = this.reader.nextText(4);
    if (rest !== null) {
      const joined = temporalAt(`${token}${rest}`);
      if (joined !== undefined) return joined;
    }
    this.reader.rewindTo(position);
    return temporalAt(token);
  }

  private quoted(): HeaderValue {
    let content = '';
    while (this.reader.hasNext()) {
      if (this.reader.canConsume('"')) break;
      content += this.reader.next();
    }
    return temporalAt(content) ?? { schema: schemaOf('string'), value: content };
  }

  private array(): HeaderValue {
    const reader = this.reader;
    const elements: (HeaderValue | null)[] = [];
    const common = new CommonSchema();
    while (reader.hasNext()) {
      if (reader.canConsume(']')) {
        const items = common.schema;
        if (items === null) {
          return { schema: { type: 'array', optional: false }, value: elements.map((e) => e?.value ?? null) };
        }
        return {
          schema: { type: 'array', optional: false, items },
          value: elements.map((e) => convertTo(items, e)),
        };
      }
      if (reader.canConsume(',')) throw new LiteralError('an empty array element');
      const element = this.parse(true);
      common.merge(element);
      elements.push(element);
      const position = reader.mark();
      if (reader.canConsume(']')) reader.rewindTo(position);
      else if (!reader.canConsume(',')) throw new LiteralError("array elements without ','");
    }
    throw new LiteralError("an array without its ']'");
  }

  private map(): HeaderValue {
    const reader = this.reader;
    const entries = new Map<string, { key: HeaderValue; value: HeaderValue | null }>();
    const keys = new CommonSchema();
    const values = new CommonSchema();
    while (reader.hasNext()) {
      if (reader.canConsume('}')) return mapValue([...entries.values()], keys.schema, values.schema);
      if (reader.canConsume(',')) throw new LiteralError('a map entry with no key or value');
      const key = this.parse(true);
      if (key === null || key.value === null) throw new LiteralError('a null map key');
      if (!reader.canConsume(':')) throw new LiteralError("a map entry without ':'");
      const value = this.parse(true);
      // As a Java LinkedHashMap: an equal key keeps its place and takes the later value.
      const identity = identityOf(key);
      entries.set(identity, { key: entries.get(identity)?.key ?? key, value });
      reader.canConsume(',');
      keys.merge(key);
      values.merge(value);
    }
    throw new LiteralError("a map without its '}'");
  }
}

/**
 * A map in this sink's form: an object when its keys are strings, else `[key, value]` pairs; keys
 * (and values, when they have a common schema) converted to the common schema.
 */
function mapValue(
  entries: readonly { key: HeaderValue; value: HeaderValue | null }[],
  keys: ConnectSchema | null,
  values: ConnectSchema | null,
): HeaderValue {
  if (keys === null) {
    const pairs = entries.map((e) => [e.key.value, e.value?.value ?? null]);
    return { schema: { type: 'map', optional: false }, value: pairs.length === 0 ? {} : pairs };
  }
  const pairs = entries.map((e) => [
    convertTo(keys, e.key),
    values === null ? (e.value?.value ?? null) : convertTo(values, e.value),
  ]);
  const schema: ConnectSchema =
    values === null ? { type: 'map', optional: false, keys } : { type: 'map', optional: false, keys, values };
  return { schema, value: keys.type === 'string' ? Object.fromEntries(pairs) : pairs };
}

/** What Java's `equals` compares for a map key (a Date, Time and Timestamp are the same instant). */
function identityOf(key: HeaderValue): string {
  const schema = key.schema as ConnectSchema;
  if (isTemporal(schema)) return `instant:${instantOf(key)}`;
  const value = key.value;
  const text = isRawJson(value) ? value.rawJSON : JSON.stringify(value);
  return `${schema.type}:${JSON.stringify(schema.parameters ?? {})}:${text}`;
}

/** The numeric types in the order Connect widens them to a common schema. */
const NUMERIC_ORDER = ['int8', 'int16', 'int32', 'int64', 'float32', 'float64'];

/** Connect's SchemaMerger: the schema every value seen so far fits, or none once two disagree. */
class CommonSchema {
  schema: ConnectSchema | null = null;
  private compatible = true;

  merge(latest: HeaderValue | null): void {
    if (latest === null || latest.schema === null || !this.compatible) return;
    if (this.schema === null) this.schema = latest.schema;
    else {
      this.schema = commonOf(this.schema, latest.schema);
      this.compatible = this.schema !== null;
    }
  }
}

/**
 * The schema of both: the first when the types agree (parsed schemas are all required, so Connect
 * compares no further), the wider of two numeric types (a Date, Time or Timestamp counts by its
 * integer type), else none.
 */
function commonOf(previous: ConnectSchema, next: ConnectSchema): ConnectSchema | null {
  if (previous.type === next.type) return previous;
  const a = NUMERIC_ORDER.indexOf(previous.type);
  const b = NUMERIC_ORDER.indexOf(next.type);
  if (a < 0 || b < 0) return null;
  return b > a ? next : previous;
}

const isTemporal = (schema: ConnectSchema | null): boolean =>
  schema?.name === DATE_NAME || schema?.name === TIME_NAME || schema?.name === TIMESTAMP_NAME;

/** Epoch milliseconds of a Date (days), Time or Timestamp value: the instant Java's Date holds. */
function instantOf(value: HeaderValue): number {
  return value.schema?.name === DATE_NAME
    ? (value.value as number) * MILLIS_PER_DAY
    : (value.value as number);
}

/**
 * A parsed value in the common schema, as Connect's `Values.convertTo` (with no source schema)
 * converts it: numbers widen (a float32 rounded to float), a date or time stays the same instant
 * under a Date, Time or Timestamp schema but is no number for a plain numeric one, and a null fails
 * where the schema requires a value (it always does here).
 */
function convertTo(target: ConnectSchema, element: HeaderValue | null): unknown {
  if (element === null) throw new LiteralError('a null value where the common schema requires one');
  const { schema, value } = element;
  if (isTemporal(target)) {
    if (!isTemporal(schema)) {
      // A number under Time is milliseconds of a day, which Connect's Time checks.
      const outsideDay =
        target.name === TIME_NAME && ((value as number) < 0 || (value as number) > MILLIS_PER_DAY);
      if (outsideDay) throw new LiteralError('a number beyond a day where a Time is wanted');
      return value;
    }
    const instant = instantOf(element);
    return target.name === DATE_NAME ? Math.floor(instant / MILLIS_PER_DAY) : instant;
  }
  if (!NUMERIC_ORDER.includes(target.type)) return value;
  if (isTemporal(schema)) throw new LiteralError('a date or time where a number is wanted');
  const number = isRawJson(value) ? Number(value.rawJSON) : (value as number);
  if (target.type === 'float32') return Math.fround(number);
  if (target.type === 'float64') return number;
  return value;
}
