import {
  type ArrayNode,
  type AvroNode,
  AvroPathError,
  floatValue,
  type LogicalNode,
  logicalValue,
  longValue,
  type RecordNode,
  type UnionNode,
} from './avro-plan.ts';
import { parseJsonExact } from './exact-json.ts';
import { formatUnscaled } from './logical-types.ts';

/**
 * The Avro fast path: a row's JSON text written straight from the Avro bytes, by writers compiled
 * once per schema from its plan (avro-plan.ts). It is hand-written rather than avsc's decode
 * followed by JSON.stringify because that pair builds every record as objects only to print them
 * again: on a 6 MB event of small records this path is several times faster (bench/avro-reader.ts
 * prints the figures; see the TSDoc of compileJsonWriter). Its output is the same text as
 * `JSON.stringify` of the object reader's value; the property test in avro-reader.test.ts holds
 * both to that over generated values of every type.
 */

/** Where the writers are in the value's bytes. */
export class Cursor {
  readonly buf: Buffer;
  pos: number;
  constructor(buf: Buffer, pos: number) {
    this.buf = buf;
    this.pos = pos;
  }
}

/** The bytes end before the value does. */
export class AvroTruncatedError extends Error {}

/** The bytes cannot be a value of the schema (a union or enum index out of range, a negative length). */
export class AvroInvalidError extends Error {}

type Writer = (cursor: Cursor) => string;

/** Items of a block that may take no bytes at all (nulls, empty records) are counted up to this. */
const MAX_ZERO_WIDTH_ITEMS = 1_000_000;
const MAX_SAFE = 9_007_199_254_740_991n;

/**
 * Compiles the JSON writer of a schema's plan: `write(cursor)` returns the JSON text of the value
 * at the cursor and leaves the cursor after it. Throws {@link AvroTruncatedError},
 * {@link AvroInvalidError} or an {@link AvroPathError} (a logical type that cannot render).
 */
export function compileJsonWriter(node: AvroNode): Writer {
  return writerOf(node, new Map());
}

function writerOf(node: AvroNode, records: Map<RecordNode, Writer>): Writer {
  switch (node.kind) {
    case 'null':
      return () => 'null';
    case 'boolean':
      return (c) => (readByte(c) === 0 ? 'false' : 'true');
    case 'int':
      return (c) => `${readInt(c)}`;
    case 'long':
      return longText;
    case 'float':
      return (c) => jsonOf(floatValue(readFloat(c)));
    case 'double':
      return doubleText;
    case 'string':
      return (c) => JSON.stringify(readString(c));
    case 'bytes':
      return (c) => `"${readBase64(c, readLength(c))}"`;
    case 'fixed': {
      const size = node.size;
      return (c) => `"${readBase64(c, size)}"`;
    }
    case 'enum': {
      const symbols = node.symbols.map((s) => JSON.stringify(s));
      return (c) => {
        const index = readInt(c);
        const symbol = symbols[index];
        if (symbol === undefined)
          throw new AvroInvalidError(`enum index ${index} is not one of its ${symbols.length} symbols`);
        return symbol;
      };
    }
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

function jsonOf(value: number | string): string {
  return typeof value === 'number' ? `${value}` : JSON.stringify(value);
}

function recordWriter(node: RecordNode, records: Map<RecordNode, Writer>): Writer {
  const known = records.get(node);
  if (known !== undefined) return known;
  // A recursive record refers to its own writer before it is built.
  let built: Writer | undefined;
  const writer: Writer = (c) => (built as Writer)(c);
  records.set(node, writer);
  const fields = node.fields.map((field, i) => {
    const prefix = `${i === 0 ? '{' : ','}${JSON.stringify(field.name)}:`;
    const write = writerOf(field.node, records);
    if (field.nullDefault === undefined) return { prefix, write };
    const defaultText = JSON.stringify(field.nullDefault);
    // Only a null writes `null`: a string would be quoted.
    return { prefix, write: (c: Cursor) => nullToDefault(write(c), defaultText) };
  });
  const prefixes = fields.map((f) => f.prefix);
  const writers = fields.map((f) => f.write);
  const count = fields.length;
  built =
    count === 0
      ? () => '{}'
      : (c) => {
          let out = '';
          let i = 0;
          try {
            for (; i < count; i++) out += (prefixes[i] as string) + (writers[i] as Writer)(c);
          } catch (error) {
            if (error instanceof AvroPathError) error.steps.push(node.fields[i]?.name ?? '');
            throw error;
          }
          return `${out}}`;
        };
  return writer;
}

function nullToDefault(text: string, defaultText: string): string {
  return text === 'null' ? defaultText : text;
}

function unionWriter(node: UnionNode, records: Map<RecordNode, Writer>): Writer {
  const writers = node.branches.map((b) => writerOf(b, records));
  const count = writers.length;
  const branchOf = (c: Cursor): Writer => {
    const index = readInt(c);
    const writer = writers[index];
    if (writer === undefined)
      throw new AvroInvalidError(`union branch ${index} is not one of its ${count} branches`);
    return writer;
  };
  if (node.shape === 'optional') return (c) => branchOf(c)(c);
  // Confluent's Union struct: every member named, null but the one written.
  const wrappers = node.branches.map((_, index) => {
    if (node.memberNames[index] === undefined) return undefined;
    const members = node.memberNames.flatMap((name, i) =>
      name === undefined ? [] : [`${JSON.stringify(name)}:${i === index ? '\u0000' : 'null'}`],
    );
    const [before, after] = `{${members.join(',')}}`.split('\u0000') as [string, string];
    return { before, after };
  });
  return (c) => {
    const index = readInt(c);
    const writer = writers[index];
    if (writer === undefined)
      throw new AvroInvalidError(`union branch ${index} is not one of its ${count} branches`);
    const wrapper = wrappers[index];
    const text = writer(c);
    return wrapper === undefined ? text : wrapper.before + text + wrapper.after;
  };
}

function arrayWriter(node: ArrayNode, records: Map<RecordNode, Writer>): Writer {
  const entries = node.mapEntries;
  const zeroWidth = takesNoBytes(node.items);
  if (entries === undefined) {
    const write = writerOf(node.items, records);
    return (c) => {
      let out = '';
      let i = 0;
      try {
        for (let n = readBlockCount(c, zeroWidth); n !== 0; n = readBlockCount(c, zeroWidth)) {
          for (; n > 0; n--, i++) out += (i === 0 ? '' : ',') + write(c);
        }
      } catch (error) {
        if (error instanceof AvroPathError) error.steps.push(`[${i}]`);
        throw error;
      }
      return `[${out}]`;
    };
  }
  const writeKey = writerOf(entries.key, records);
  const writeValue = writerOf(entries.value, records);
  if (entries.stringKeys) {
    // A string-keyed map: an object, keyed by the key's text (String(null) for a null key).
    return blockEntries(zeroWidth, (c) => String(parseJsonExact(writeKey(c))), writeValue);
  }
  return (c) => {
    let out = '';
    let i = 0;
    try {
      for (let n = readBlockCount(c, zeroWidth); n !== 0; n = readBlockCount(c, zeroWidth)) {
        for (; n > 0; n--, i++) out += `${i === 0 ? '' : ','}[${writeKey(c)},${writeValue(c)}]`;
      }
    } catch (error) {
      if (error instanceof AvroPathError) error.steps.push(`[${i}]`);
      throw error;
    }
    return `[${out}]`;
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
function blockEntries(zeroWidth: boolean, readKey: (c: Cursor) => string, writeValue: Writer): Writer {
  return (c) => {
    const keys: string[] = [];
    const texts: string[] = [];
    let reorder = false;
    let key = '';
    try {
      for (let n = readBlockCount(c, zeroWidth); n !== 0; n = readBlockCount(c, zeroWidth)) {
        for (; n > 0; n--) {
          key = readKey(c);
          keys.push(key);
          texts.push(writeValue(c));
          if (!reorder && (isIndexKey(key) || (keys.length > 1 && keys.indexOf(key) !== keys.length - 1))) {
            reorder = true;
          }
        }
      }
    } catch (error) {
      if (error instanceof AvroPathError) error.steps.push(`[${JSON.stringify(key)}]`);
      throw error;
    }
    return reorder ? reorderedObject(keys, texts) : objectText(keys, texts);
  };
}

function objectText(keys: readonly string[], texts: readonly string[]): string {
  let out = '';
  for (let i = 0; i < keys.length; i++) out += `${i === 0 ? '' : ','}${JSON.stringify(keys[i])}:${texts[i]}`;
  return `{${out}}`;
}

function reorderedObject(keys: readonly string[], texts: readonly string[]): string {
  const entries = new Map<string, string>();
  for (let i = 0; i < keys.length; i++) entries.set(keys[i] as string, texts[i] as string);
  const indexKeys = [...entries.keys()].filter(isIndexKey).sort((a, b) => Number(a) - Number(b));
  const otherKeys = [...entries.keys()].filter((k) => !isIndexKey(k));
  const ordered = [...indexKeys, ...otherKeys];
  return objectText(
    ordered,
    ordered.map((k) => entries.get(k) as string),
  );
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
    return (c) => decimalText(c, size ?? readLength(c), scale, node.name);
  }
  const read = valueReaderOf(base, records);
  return (c) => JSON.stringify(logicalValue(node, read(c)));
}

/** A decimal's two's-complement unscaled bytes, as exact JSON digits. */
function decimalText(c: Cursor, length: number, scale: number, name: string): string {
  const end = c.pos + length;
  if (end > c.buf.length) throw new AvroTruncatedError();
  if (length === 0) throw new AvroPathError('empty decimal bytes', name);
  const buf = c.buf;
  let unscaled: bigint;
  if (length <= 6) {
    // Up to 48 bits: exact in a double.
    let n = (buf[c.pos] as number) & 0x80 ? -1 : 0;
    for (let i = c.pos; i < end; i++) n = n * 256 + (buf[i] as number);
    unscaled = BigInt(n);
  } else {
    unscaled = BigInt.asIntN(length * 8, BigInt(`0x${buf.toString('hex', c.pos, end)}`));
  }
  c.pos = end;
  return formatUnscaled(unscaled, scale);
}

/** Reads the base of a logical type in the form JsonConverter carries it (what its converter takes). */
function valueReaderOf(node: AvroNode, records: Map<RecordNode, Writer>): (c: Cursor) => unknown {
  switch (node.kind) {
    case 'int':
      return readInt;
    case 'long':
      return (c) => longValue(readLongBig(c));
    case 'string':
      return readString;
    case 'bytes':
      return (c) => readBase64(c, readLength(c));
    default: {
      const write = writerOf(node, records);
      return (c) => parseJsonExact(write(c));
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

// --- The Avro binary encoding (zig-zag varints, little-endian floats, length-prefixed bytes) ---

function readByte(c: Cursor): number {
  const b = c.buf[c.pos];
  if (b === undefined) throw new AvroTruncatedError();
  c.pos++;
  return b;
}

/** An Avro int: a zig-zag varint of at most 5 bytes. */
export function readInt(c: Cursor): number {
  const buf = c.buf;
  let pos = c.pos;
  let b = buf[pos++];
  if (b === undefined) throw new AvroTruncatedError();
  if (b < 0x80) {
    c.pos = pos;
    return (b >>> 1) ^ -(b & 1);
  }
  let n = b & 0x7f;
  let shift = 7;
  do {
    b = buf[pos++];
    if (b === undefined) throw new AvroTruncatedError();
    if (shift === 28 && b > 0x0f) throw new AvroInvalidError('an int is longer than 32 bits');
    n |= (b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  c.pos = pos;
  return (n >>> 1) ^ -(n & 1);
}

/** An Avro long as a number when a double holds it exactly, else as a bigint. */
function readLongBig(c: Cursor): number | bigint {
  const buf = c.buf;
  const start = c.pos;
  let pos = start;
  let n = 0;
  let scale = 1;
  let b: number | undefined;
  do {
    b = buf[pos++];
    if (b === undefined) throw new AvroTruncatedError();
    n += (b & 0x7f) * scale;
    scale *= 128;
  } while (b & 0x80 && pos - start < 7);
  if (!(b & 0x80)) {
    // At most 49 bits: exact in a double.
    c.pos = pos;
    return n % 2 === 1 ? -(n + 1) / 2 : n / 2;
  }
  let big = BigInt(n);
  let shift = 49n;
  do {
    b = buf[pos++];
    if (b === undefined) throw new AvroTruncatedError();
    if (pos - start > 10) throw new AvroInvalidError('a long is longer than 64 bits');
    big |= BigInt(b & 0x7f) << shift;
    shift += 7n;
  } while (b & 0x80);
  c.pos = pos;
  const unsigned = BigInt.asUintN(64, big);
  const value = (unsigned >> 1n) ^ -(unsigned & 1n);
  return value >= -MAX_SAFE && value <= MAX_SAFE ? Number(value) : value;
}

function longText(c: Cursor): string {
  return `${readLongBig(c)}`;
}

function readFloat(c: Cursor): number {
  const pos = c.pos;
  if (pos + 4 > c.buf.length) throw new AvroTruncatedError();
  c.pos = pos + 4;
  return c.buf.readFloatLE(pos);
}

function doubleText(c: Cursor): string {
  const pos = c.pos;
  if (pos + 8 > c.buf.length) throw new AvroTruncatedError();
  c.pos = pos + 8;
  const value = c.buf.readDoubleLE(pos);
  if (Number.isFinite(value)) return `${value}`;
  return Number.isNaN(value) ? '"NaN"' : value > 0 ? '"Infinity"' : '"-Infinity"';
}

/** A length prefix (of bytes or a string): a long, not negative, within the bytes left. */
function readLength(c: Cursor): number {
  const length = readLongBig(c);
  if (typeof length !== 'number' || length < 0) throw new AvroInvalidError(`a length of ${length} bytes`);
  if (c.pos + length > c.buf.length) throw new AvroTruncatedError();
  return length;
}

function readString(c: Cursor): string {
  const length = readLength(c);
  const start = c.pos;
  c.pos = start + length;
  return c.buf.toString('utf8', start, start + length);
}

function readBase64(c: Cursor, length: number): string {
  const start = c.pos;
  if (start + length > c.buf.length) throw new AvroTruncatedError();
  c.pos = start + length;
  return c.buf.toString('base64', start, start + length);
}

/**
 * The item count of an array or map block (0 ends it). A negative count is followed by the
 * block's size in bytes, which is skipped. A count is bounded by the bytes left, since each item
 * takes at least one, unless items can take none.
 */
function readBlockCount(c: Cursor, zeroWidth: boolean): number {
  const count = readLongBig(c);
  if (typeof count !== 'number') throw new AvroInvalidError(`a block of ${count} items`);
  const items = count < 0 ? -count : count;
  if (count < 0) readLongBig(c);
  const bound = zeroWidth ? MAX_ZERO_WIDTH_ITEMS : c.buf.length - c.pos;
  if (items > bound) {
    if (zeroWidth) throw new AvroInvalidError(`a block of ${items} items`);
    throw new AvroTruncatedError();
  }
  return items;
}
