import { isAscii } from 'node:buffer';
import {
  AvroInvalidError,
  AvroTruncatedError,
  type Cursor,
  readBase64,
  readBlockCount,
  readByte,
  readFloat,
  readInt,
  readLength,
  readLong,
  readString,
} from './avro-binary.ts';
import {
  COMMA,
  FALSE_BYTES,
  JsonOutput,
  NULL_BYTES,
  QUOTE,
  type SlicingBuffer,
  TRUE_BYTES,
  writeBase64,
  writeDate,
  writeDouble,
  writeEpochMicros,
  writeInteger,
  writeLong,
  writeNumberOrText,
  writeRendered,
  writeScaledDigits,
  writeString,
} from './avro-json-output.ts';
import {
  type ArrayNode,
  type AvroNode,
  AvroPathError,
  type LogicalNode,
  logicalValue,
  type RecordNode,
  type UnionNode,
} from './avro-plan.ts';
import { nullDefaultOf } from './avro-values.ts';
import { parseJsonExact } from './exact-json.ts';
import { floatValue, int64Value } from './json-numbers.ts';
import { formatUnscaled, MAX_CIVIL_DAYS, MIN_CIVIL_DAYS } from './logical-types.ts';

/**
 * The Avro fast path: a row's JSON text written straight from the Avro bytes, by writers compiled
 * once per schema from its plan (avro-plan.ts). The writers read the bytes with avro-binary.ts and
 * put UTF-8 bytes into one JsonOutput (avro-json-output.ts; a string's bytes are copied as they
 * are, with JSON's escapes), and a record's writer is generated code. It is hand-written because the straightforward way, avsc's decode and JSON.stringify,
 * builds every record as objects only to print them again. Measured with bench/avro-reader.ts
 * (main-thread CPU, best of 15, a 6 MB event of ~30,000 small records, Node 24, shared 2-core
 * machine, run to run ±0.1x): `appendJson` into one body takes about 0.3x the time of avsc +
 * JSON.stringify + join on records of strings and numbers, and about 0.25-0.35x on records of
 * decimals, timestamps and dates (which avsc + JSON.stringify does not even render; the writer
 * puts their digits into the row without a string, see avro-json-output.ts); `readJson`,
 * a string per row, about 0.9-1.1x, as making, joining and encoding the row strings costs as
 * much as the decoding. Its text is exactly `JSON.stringify` of the object reader's value;
 * avro-property.test.ts holds both to that over generated values of every type.
 */

type Writer = (c: Cursor, o: JsonOutput) => void;

/** One scratch output for every reader: reading is synchronous and writers call no outside code. */
const output = new JsonOutput();
/** A scratch buffer grown past this by a huge row is let go after it. */
const KEEP_OUTPUT_BYTES = 1024 * 1024;

/**
 * Compiles the JSON writer of a schema's plan: `write(cursor)` returns the JSON text of the value
 * at the cursor and leaves the cursor after it. Throws {@link AvroTruncatedError},
 * {@link AvroInvalidError} or an {@link AvroPathError} (a logical type that cannot render).
 */
export function compileJsonWriter(node: AvroNode): JsonWriter {
  const write = writerOf(node, new Map());
  return {
    text(cursor) {
      output.len = 0;
      output.ascii = true;
      write(cursor, output);
      const text = output.slice(0);
      if (output.buf.length > KEEP_OUTPUT_BYTES) output.buf = Buffer.allocUnsafe(64 * 1024) as SlicingBuffer;
      return text;
    },
    append(cursor, out) {
      const start = out.len;
      try {
        write(cursor, out);
      } catch (error) {
        // A row that fails leaves nothing of itself in the body.
        out.len = start;
        throw error;
      }
    },
  };
}

/** A schema's JSON writer: the value at the cursor as a string, or appended to a JSON output. */
export interface JsonWriter {
  text(cursor: Cursor): string;
  append(cursor: Cursor, out: JsonOutput): void;
}

function writerOf(node: AvroNode, records: Map<RecordNode, Writer>): Writer {
  switch (node.kind) {
    case 'null':
      return (_c, o) => o.bytes(NULL_BYTES);
    case 'boolean':
      return (c, o) => o.bytes(readByte(c) === 0 ? FALSE_BYTES : TRUE_BYTES);
    case 'int':
      return (c, o) => writeInteger(o, readInt(c));
    case 'long':
      return writeLong;
    case 'float':
      return (c, o) => writeNumberOrText(o, floatValue(readFloat(c)));
    case 'double':
      return writeDouble;
    case 'string':
      return writeString;
    case 'bytes':
      return (c, o) => writeBase64(c, o, readLength(c));
    case 'fixed': {
      const size = node.size;
      return (c, o) => writeBase64(c, o, size);
    }
    case 'enum':
      return enumWriter(node.symbols);
    case 'array':
      return arrayWriter(node, records);
    case 'map':
      return mapWriter(writerOf(node.values, records), node.values);
    case 'record':
      return recordWriter(node, records);
    case 'union':
      return unionWriter(node, records);
    case 'logical':
      return logicalWriter(node, records);
  }
}

function enumWriter(symbols: readonly string[]): Writer {
  const texts = symbols.map((s) => Buffer.from(JSON.stringify(s)));
  return (c, o) => {
    const index = readInt(c);
    const text = texts[index];
    if (text === undefined)
      throw new AvroInvalidError(`enum index ${index} is not one of its ${texts.length} symbols`);
    o.bytes(text);
    if (!isAscii(text)) o.ascii = false;
  };
}

function recordWriter(node: RecordNode, records: Map<RecordNode, Writer>): Writer {
  const known = records.get(node);
  if (known !== undefined) return known;
  // A recursive record refers to its own writer before it is built.
  let built: Writer | undefined;
  const writer: Writer = (c, o) => (built as Writer)(c, o);
  records.set(node, writer);
  const writers = node.fields.map((field) => {
    const write = writerOf(field.node, records);
    const nullDefault = nullDefaultOf(field);
    return nullDefault === undefined ? write : defaultingWriter(write, nullDefault);
  });
  built = generatedRecordWriter(
    node.fields.map((f) => f.name),
    writers,
  );
  return writer;
}

/**
 * A record's writer as generated code: one call site per field, so each stays monomorphic and
 * V8 inlines the field writers (a loop over an array of writers calls them all from one site,
 * which cost this path about a third of its time). The field names are written as byte stores;
 * no text of the schema becomes code (names reach the function as data).
 */
function generatedRecordWriter(names: readonly string[], writers: readonly Writer[]): Writer {
  if (names.length === 0) return (_c, o) => o.ascii1('{}');
  const lines: string[] = [];
  names.forEach((name, i) => {
    const prefix = Buffer.from(`${i === 0 ? '{' : ','}${JSON.stringify(name)}:`);
    const stores = [...prefix].map((b, k) => `b[l + ${k}] = ${b};`).join(' ');
    lines.push(
      `i = ${i}; o.reserve(${prefix.length}); b = o.buf; l = o.len; ${stores} o.len = l + ${prefix.length}; w${i}(c, o);`,
    );
  });
  const ascii = names.every((name) => isAscii(Buffer.from(name)));
  const body = `return function writeRecord(c, o) {
  ${ascii ? '' : 'o.ascii = false;'}
  let i = 0, b, l;
  try {
    ${lines.join('\n    ')}
  } catch (error) {
    if (isPathError(error)) error.steps.push(names[i]);
    throw error;
  }
  o.byte(125);
};`;
  const parameters = ['names', 'isPathError', ...writers.map((_, i) => `w${i}`)];
  const isPathError = (error: unknown) => error instanceof AvroPathError;
  return new Function(...parameters, body)(names, isPathError, ...writers) as Writer;
}

/** A field whose null takes its default: only a null writes the 4 bytes `null` (a string is quoted). */
function defaultingWriter(write: Writer, nullDefault: unknown): Writer {
  const defaultText = JSON.stringify(nullDefault);
  return (c, o) => {
    const start = o.len;
    write(c, o);
    if (o.len - start === 4 && o.buf.compare(NULL_BYTES, 0, 4, start, start + 4) === 0) {
      o.len = start;
      o.text(defaultText);
    }
  };
}

function unionWriter(node: UnionNode, records: Map<RecordNode, Writer>): Writer {
  const writers = node.branches.map((b) => writerOf(b, records));
  const count = writers.length;
  if (node.shape === 'optional') {
    return (c, o) => {
      const index = readInt(c);
      const writer = writers[index];
      if (writer === undefined)
        throw new AvroInvalidError(`union branch ${index} is not one of its ${count} branches`);
      writer(c, o);
    };
  }
  // Confluent's Union struct: every member named, null but the one written.
  const wrappers = node.branches.map((_, index) => {
    if (node.memberNames[index] === undefined) return undefined;
    const members = node.memberNames.flatMap((name, i) =>
      name === undefined ? [] : [`${JSON.stringify(name)}:${i === index ? '\u0000' : 'null'}`],
    );
    const [before, after] = `{${members.join(',')}}`.split('\u0000') as [string, string];
    return { before, after };
  });
  return (c, o) => {
    const index = readInt(c);
    const writer = writers[index];
    if (writer === undefined)
      throw new AvroInvalidError(`union branch ${index} is not one of its ${count} branches`);
    const wrapper = wrappers[index];
    if (wrapper !== undefined) o.text(wrapper.before);
    writer(c, o);
    if (wrapper !== undefined) o.text(wrapper.after);
  };
}

function arrayWriter(node: ArrayNode, records: Map<RecordNode, Writer>): Writer {
  const entries = node.mapEntries;
  const zeroWidth = takesNoBytes(node.items);
  if (entries === undefined) return blockItems(zeroWidth, writerOf(node.items, records));
  const writeKey = writerOf(entries.key, records);
  const writeValue = writerOf(entries.value, records);
  if (entries.stringKeys) {
    // A string-keyed map: an object, keyed by the key's text (String(null) for a null key).
    const readKey = (c: Cursor, o: JsonOutput) => {
      const start = o.len;
      writeKey(c, o);
      const key = String(parseJsonExact(o.slice(start)));
      o.len = start;
      return key;
    };
    return blockEntries(zeroWidth, readKey, writeValue);
  }
  const writePair: Writer = (c, o) => {
    o.byte(0x5b);
    writeKey(c, o);
    o.byte(COMMA);
    writeValue(c, o);
    o.byte(0x5d);
  };
  return blockItems(zeroWidth, writePair);
}

function blockItems(zeroWidth: boolean, write: Writer): Writer {
  return (c, o) => {
    o.byte(0x5b);
    let i = 0;
    try {
      for (let n = readBlockCount(c, zeroWidth); n !== 0; n = readBlockCount(c, zeroWidth)) {
        for (; n > 0; n--, i++) {
          if (i !== 0) o.byte(COMMA);
          write(c, o);
        }
      }
    } catch (error) {
      if (error instanceof AvroPathError) error.steps.push(`[${i}]`);
      throw error;
    }
    o.byte(0x5d);
  };
}

function mapWriter(writeValue: Writer, values: AvroNode): Writer {
  return blockEntries(takesNoBytes(values), readString, writeValue);
}

/**
 * Map entries as a JSON object, in the order a JavaScript object holds them (what the object
 * reader's JSON.stringify writes): array-index keys first, ascending, then the others as they
 * came; a key written twice keeps its first place and its last value.
 */
function blockEntries(
  zeroWidth: boolean,
  readKey: (c: Cursor, o: JsonOutput) => string,
  writeValue: Writer,
): Writer {
  return (c, o) => {
    const start = o.len;
    const keys: string[] = [];
    /** Where each value's text starts and ends, in pairs. */
    const values: number[] = [];
    let reorder = false;
    let key = '';
    o.byte(0x7b);
    try {
      for (let n = readBlockCount(c, zeroWidth); n !== 0; n = readBlockCount(c, zeroWidth)) {
        for (; n > 0; n--) {
          key = readKey(c, o);
          if (keys.length > 0) o.byte(COMMA);
          o.text(JSON.stringify(key));
          o.byte(0x3a);
          if (!reorder && (isIndexKey(key) || keys.includes(key))) reorder = true;
          keys.push(key);
          values.push(o.len);
          writeValue(c, o);
          values.push(o.len);
        }
      }
    } catch (error) {
      if (error instanceof AvroPathError) error.steps.push(`[${JSON.stringify(key)}]`);
      throw error;
    }
    o.byte(0x7d);
    if (reorder) rewriteOrdered(o, start, keys, values);
  };
}

/** Rewrites the entries just written from `start` in JavaScript object order. */
function rewriteOrdered(
  o: JsonOutput,
  start: number,
  keys: readonly string[],
  values: readonly number[],
): void {
  const entries = new Map<string, string>();
  for (let i = 0; i < keys.length; i++) {
    entries.set(
      keys[i] as string,
      o.buf.toString('utf8', values[2 * i] as number, values[2 * i + 1] as number),
    );
  }
  const indexKeys = [...entries.keys()].filter(isIndexKey).sort((a, b) => Number(a) - Number(b));
  const ordered = [...indexKeys, ...[...entries.keys()].filter((k) => !isIndexKey(k))];
  o.len = start;
  o.byte(0x7b);
  ordered.forEach((key, i) => {
    if (i > 0) o.byte(COMMA);
    o.text(`${JSON.stringify(key)}:${entries.get(key) as string}`);
  });
  o.byte(0x7d);
}

/** A key a JavaScript object orders before the others: a canonical integer below 2^32 - 1. */
function isIndexKey(key: string): boolean {
  const first = key.charCodeAt(0);
  if (first < 48 || first > 57) return false;
  return /^(?:0|[1-9]\d{0,9})$/.test(key) && Number(key) < 4_294_967_295;
}

function logicalWriter(node: LogicalNode, records: Map<RecordNode, Writer>): Writer {
  const base = node.base;
  const scale = node.decimalScale;
  if (scale !== undefined && (base.kind === 'bytes' || base.kind === 'fixed')) {
    const size = base.kind === 'fixed' ? base.size : undefined;
    return (c, o) => writeDecimal(c, o, size ?? readLength(c), scale, node.name);
  }
  const microsPerUnit = EPOCH_INSTANTS[node.name];
  if (microsPerUnit !== undefined && base.kind === 'long') return epochInstantWriter(node, microsPerUnit);
  if (EPOCH_DATES.has(node.name) && base.kind === 'int') return epochDateWriter(node);
  const read = valueReaderOf(base, records);
  const render: Writer = (c, o) => writeRendered(o, logicalValue(node, read(c)));
  if (base.kind === 'string' && UTC_TIMESTAMPS.has(node.name)) return utcTimestampWriter(render);
  if (base.kind !== 'int') return render;
  // An int's rendering (a date, a time of day) is kept: a batch repeats its days.
  const rendered = new Map<number, unknown>();
  return (c, o) => {
    const value = readInt(c);
    let text = rendered.get(value);
    if (text === undefined) {
      text = logicalValue(node, value);
      if (rendered.size >= MAX_KEPT_RENDERINGS) rendered.clear();
      rendered.set(value, text);
    }
    writeRendered(o, text);
  };
}

const MAX_KEPT_RENDERINGS = 4096;

/** The logical types of an instant as an epoch count of longs, by the microseconds in their unit. */
const EPOCH_INSTANTS: Readonly<Record<string, 1 | 1000>> = {
  'org.apache.kafka.connect.data.Timestamp': 1000,
  'io.debezium.time.Timestamp': 1000,
  'io.debezium.time.MicroTimestamp': 1,
};

/**
 * An epoch instant written digit by digit into the row when its microseconds are a safe integer,
 * as logical-types.ts's number path renders it; other values (±infinity's extremes, longs past
 * 2^53) are left to the converter.
 */
function epochInstantWriter(node: LogicalNode, microsPerUnit: 1 | 1000): Writer {
  return (c, o) => {
    const value = readLong(c);
    if (typeof value === 'number') {
      const micros = value * microsPerUnit;
      if (Number.isSafeInteger(micros)) {
        writeEpochMicros(o, micros);
        return;
      }
    }
    writeRendered(o, logicalValue(node, int64Value(value)));
  };
}

/** The logical types of a date as a day count of ints. */
const EPOCH_DATES = new Set(['org.apache.kafka.connect.data.Date', 'io.debezium.time.Date']);

/** A date written digit by digit in years 0 to 9999; any other is left to the converter. */
function epochDateWriter(node: LogicalNode): Writer {
  return (c, o) => {
    const days = readInt(c);
    if (days >= MIN_CIVIL_DAYS && days <= MAX_CIVIL_DAYS) writeDate(o, days);
    else writeRendered(o, logicalValue(node, days));
  };
}

/** The logical types whose text is an ISO-8601 instant, rendered as DATETIME text in UTC. */
const UTC_TIMESTAMPS = new Set(['io.debezium.time.ZonedTimestamp', 'io.debezium.time.IsoTimestamp']);
/** `YYYY-MM-DDTHH:MM:SS`: the part of an instant kept before its fraction. */
const INSTANT_LENGTH = 19;
/** A fraction is kept to its first six digits (and its point). */
const MAX_FRACTION = 7;

/**
 * An instant in UTC (`2024-01-02T03:04:05.123456Z`, as Debezium writes every ZonedTimestamp)
 * copied as DATETIME text (`2024-01-02 03:04:05.123456`) byte by byte: the text the converter
 * renders, without a string, a regular expression and a template per value. Any other form (an
 * offset, `infinity`, a wider year, text that is no instant) is left to the converter.
 */
function utcTimestampWriter(render: Writer): Writer {
  return (c, o) => {
    const start = c.pos;
    const length = readLength(c);
    const from = c.pos;
    if (length < INSTANT_LENGTH + 1) {
      c.pos = start;
      render(c, o);
      return;
    }
    // Copied while it is checked; a text that turns out not to be a UTC instant is left to the
    // converter, which writes over it.
    o.reserve(INSTANT_LENGTH + MAX_FRACTION + 2);
    const source = c.buf;
    const buf = o.buf;
    const at = o.len;
    let len = at;
    buf[len++] = QUOTE;
    let ok = source[from + length - 1] === 0x5a;
    for (let i = 0; i < INSTANT_LENGTH; i++) {
      const b = source[from + i] as number;
      const expected = INSTANT_PUNCTUATION[i] as number;
      ok = ok && (expected === 0 ? b >= 0x30 && b <= 0x39 : b === expected);
      buf[len++] = b;
    }
    buf[at + 11] = 0x20;
    if (length > INSTANT_LENGTH + 1) {
      // A point and at least one digit before the zone; up to six digits are kept.
      ok = ok && length >= INSTANT_LENGTH + 3 && source[from + INSTANT_LENGTH] === 0x2e;
      const end = from + length - 1;
      const kept = from + INSTANT_LENGTH + MAX_FRACTION;
      for (let i = from + INSTANT_LENGTH; i < end; i++) {
        const b = source[i] as number;
        if (i > from + INSTANT_LENGTH) ok = ok && b >= 0x30 && b <= 0x39;
        if (i < kept) buf[len++] = b;
      }
    }
    if (!ok) {
      c.pos = start;
      render(c, o);
      return;
    }
    buf[len++] = QUOTE;
    o.len = len;
    c.pos = from + length;
  };
}

/** The punctuation of `DDDD-DD-DDTDD:DD:DD` by position (0 where a digit goes). */
const INSTANT_PUNCTUATION = Uint8Array.from([...'DDDD-DD-DDTDD:DD:DD'], (ch) =>
  ch === 'D' ? 0 : ch.charCodeAt(0),
);

/** A decimal's two's-complement unscaled bytes, as exact JSON digits. */
function writeDecimal(c: Cursor, o: JsonOutput, length: number, scale: number, name: string): void {
  const end = c.pos + length;
  if (end > c.buf.length) throw new AvroTruncatedError();
  if (length === 0) throw new AvroPathError('empty decimal bytes', name);
  const buf = c.buf;
  if (length <= 6 && Number.isInteger(scale)) {
    // Up to 48 bits: exact in a double.
    let n = (buf[c.pos] as number) & 0x80 ? -1 : 0;
    for (let i = c.pos; i < end; i++) n = n * 256 + (buf[i] as number);
    c.pos = end;
    writeScaledDigits(o, n, scale);
    return;
  }
  const unscaled = BigInt.asIntN(length * 8, BigInt(`0x${buf.toString('hex', c.pos, end)}`));
  c.pos = end;
  o.ascii1(formatUnscaled(unscaled, scale));
}

/** Reads the base of a logical type in the form JsonConverter carries it (what its converter takes). */
function valueReaderOf(node: AvroNode, records: Map<RecordNode, Writer>): (c: Cursor) => unknown {
  switch (node.kind) {
    case 'int':
      return readInt;
    case 'long':
      return (c) => int64Value(readLong(c));
    case 'string':
      return readString;
    case 'bytes':
      return (c) => readBase64(c, readLength(c));
    default: {
      // Rare bases (a record, such as Debezium's VariableScaleDecimal): written as JSON, then parsed.
      const write = writerOf(node, records);
      const scratch = new JsonOutput(256);
      return (c) => {
        scratch.len = 0;
        scratch.ascii = true;
        write(c, scratch);
        return parseJsonExact(scratch.slice(0));
      };
    }
  }
}

/** Whether a value of this type can take no bytes, so a block count is not bounded by the bytes left. */
function takesNoBytes(node: AvroNode, seen = new Set<AvroNode>()): boolean {
  if (seen.has(node)) return false;
  seen.add(node);
  switch (node.kind) {
    case 'null':
      return true;
    case 'fixed':
      return node.size === 0;
    case 'record':
      return node.fields.every((f) => takesNoBytes(f.node, seen));
    case 'logical':
      return takesNoBytes(node.base, seen);
    default:
      return false;
  }
}
