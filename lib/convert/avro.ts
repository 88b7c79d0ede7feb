import avro from 'avsc';
import type { KafkaRecord } from '../decode/event.ts';
import type { RegistrySchema } from '../decode/schema-registry/registry-schema.ts';
import { ErrorCode, RecordError } from '../errors.ts';
import { AvroInvalidError, AvroTruncatedError, Cursor, readLong } from './avro-binary.ts';
import { type ChangeRowWriter, compileChangeRowWriter } from './avro-change-rows.ts';
import { compileJsonWriter } from './avro-json.ts';
import type { JsonOutput } from './avro-json-output.ts';
import {
  AVRO_LOGICAL_TYPE_ATTR,
  AvroPathError,
  connectNameOf,
  MARKED_LOGICAL_TYPE,
  pathOf,
  planOf,
  setMember,
} from './avro-plan.ts';
import { compileRowConverter } from './avro-values.ts';
import type { ReadValue, ValueReader } from './value-reader.ts';

/**
 * The Avro value reader: a registry's Avro schema (the writer schema) compiled once into a reader
 * of values in the Confluent or Glue framing, giving the rows the JSON path gives for the same
 * Kafka Connect data (the mapping is in avro-plan.ts). Three ways to read: `read` builds the value
 * as objects (for transforms), `readJson`/`appendJson` write the row's JSON straight from the
 * bytes (avro-json.ts), for the common case of no transforms, and `appendChangeRow` writes the row
 * the seed's Debezium transforms make of a change event, also from the bytes (avro-change-rows.ts).
 */

/** An Avro reader: every way of reading is there for every Avro schema. */
export interface AvroValueReader extends Required<ValueReader> {
  /**
   * The value's JSON text, the same as `JSON.stringify(read(...).value)`: an object for a record
   * schema, `null` for a null value. Throws the same RecordErrors as `read`.
   */
  readJson(record: KafkaRecord, bytes: Buffer, start: number): string;
}

type ForSchemaOptions = Parameters<typeof avro.Type.forSchema>[1];

/** avsc's reader of a value's bytes (what a type's `_read` is given). */
interface Tap {
  buf: Buffer;
  pos: number;
  readLong(): number;
  skipLong(): void;
  readString(): string;
}

interface ReadableType {
  _read(tap: Tap): unknown;
}

/**
 * An Avro long that keeps every digit: a number when a double holds it exactly, else a bigint
 * (avsc's own long refuses values past 2^53). Read as the JSON writers read it: about 30 ns a long
 * in a record, where avsc's `LongType.__with` (8 bytes unpacked, then a BigInt) took about 100.
 */
class ExactLongType extends avro.types.LongType {
  _read(tap: Tap): number | bigint {
    try {
      // readLong reads only `buf` and `pos`, which a tap has too.
      return readLong(tap as unknown as Cursor);
    } catch (error) {
      if (!(error instanceof AvroTruncatedError)) throw error;
      // avsc reports a tap read past its end as a truncated value.
      tap.pos = tap.buf.length + 1;
      return 0;
    }
  }
}
const EXACT_LONG = new ExactLongType();

/**
 * Array and map blocks whose item count is beyond any the bytes left could hold (plus this many
 * items of no bytes, such as nulls) are not read: corrupt bytes would otherwise make avsc loop
 * through billions of items.
 */
const MAX_ITEMS_WITHOUT_BYTES = 1_000_000;

/**
 * The type avsc builds for every type carrying `connect.name` or `logicalType`, and for every
 * array and map: it decodes as its underlying type and keeps the schema's attributes, which the
 * plan reads. Arrays and maps are read here, with their block counts bounded.
 */
class MarkedType extends avro.types.LogicalType {
  readonly attrs: Readonly<Record<string, unknown>>;
  constructor(schema: avro.Schema, opts?: unknown) {
    super(schema, opts);
    this.attrs = schema as unknown as Record<string, unknown>;
  }
  _read(tap: Tap): unknown {
    const underlying = this.underlyingType;
    if (underlying.typeName === 'array')
      return readArray(tap, (underlying as avro.types.ArrayType).itemsType);
    if (underlying.typeName === 'map') return readMap(tap, (underlying as avro.types.MapType).valuesType);
    return (underlying as unknown as ReadableType)._read(tap);
  }
  protected override _fromValue(value: unknown): unknown {
    return value;
  }
  protected override _toValue(value: unknown): unknown {
    return value;
  }
  protected override _resolve(): undefined {
    return undefined;
  }
}

/** The count of the next block of an array or map (0 ends it); past the bytes left, the tap is spent. */
function blockCount(tap: Tap): number {
  let count = tap.readLong();
  if (count < 0) {
    count = -count;
    tap.skipLong();
  }
  if (count > tap.buf.length - tap.pos + MAX_ITEMS_WITHOUT_BYTES) {
    // avsc reports a tap read past its end as a truncated value.
    tap.pos = tap.buf.length + 1;
    return 0;
  }
  return count;
}

function readArray(tap: Tap, items: avro.Type): unknown[] {
  const reader = items as unknown as ReadableType;
  const out: unknown[] = [];
  for (let n = blockCount(tap); n > 0; n = blockCount(tap)) {
    for (; n > 0; n--) out.push(reader._read(tap));
  }
  return out;
}

function readMap(tap: Tap, values: avro.Type): Record<string, unknown> {
  const reader = values as unknown as ReadableType;
  const out: Record<string, unknown> = {};
  for (let n = blockCount(tap); n > 0; n = blockCount(tap)) {
    for (; n > 0; n--) {
      const key = tap.readString();
      setMember(out, key, reader._read(tap));
    }
  }
  return out;
}

/**
 * avsc's type hook: marks arrays, maps and types with `connect.name`, `logicalType` or
 * `connect.internal.type` (so they become a MarkedType) and gives every long the exact long type.
 */
function typeHook(schema: avro.Schema, opts: ForSchemaOptions): avro.Type | undefined {
  if (schema === 'long') return EXACT_LONG;
  if (Array.isArray(schema)) {
    // An optional type's value is read bare (null or the value): only a union of several
    // value branches needs to say which branch it holds.
    const values = schema.filter((branch) => branch !== 'null');
    const optional = values.length <= 1 && schema.length - values.length <= 1;
    return optional ? (new avro.types.UnwrappedUnionType(schema, opts) as avro.Type) : undefined;
  }
  if (typeof schema !== 'object' || schema === null) return undefined;
  const attrs = schema as unknown as Record<string, unknown>;
  const marked =
    'connect.name' in attrs ||
    'logicalType' in attrs ||
    'connect.internal.type' in attrs ||
    attrs.type === 'array' ||
    attrs.type === 'map';
  if (attrs.logicalType !== MARKED_LOGICAL_TYPE && marked) {
    attrs[AVRO_LOGICAL_TYPE_ATTR] = attrs.logicalType;
    attrs.logicalType = MARKED_LOGICAL_TYPE;
    return undefined;
  }
  return attrs.type === 'long' ? EXACT_LONG : undefined;
}

/** Parses a schema and, depth first, the schemas it references, into one avsc registry. */
function avscTypeOf(schema: RegistrySchema): avro.Type {
  const registry: Record<string, avro.Type> = {};
  const parsed = new Set<string>();
  const parse = (current: RegistrySchema): avro.Type => {
    for (const reference of current.references) {
      if (parsed.has(reference.name)) continue;
      parsed.add(reference.name);
      parse(reference.schema);
    }
    let json: unknown;
    try {
      json = JSON.parse(current.text);
    } catch (error) {
      throw new Error(`the Avro schema is not valid JSON (${(error as Error).message})`);
    }
    try {
      return avro.Type.forSchema(json as avro.Schema, {
        registry,
        typeHook,
        wrapUnions: true,
        logicalTypes: { [MARKED_LOGICAL_TYPE]: MarkedType },
        assertLogicalTypes: true,
      });
    } catch (error) {
      const what = current === schema ? 'the Avro schema' : `the referenced Avro schema ${current.id}`;
      throw new Error(`${what} is not valid: ${(error as Error).message}`);
    }
  };
  return parse(schema);
}

/**
 * Compiles a registry's Avro schema into a value reader. `schema.references` are registered
 * first, so the schema can name their types. Throws a plain Error for a schema that is not valid
 * Avro (the caller names the schema id).
 *
 * @example
 * const reader = compileAvroReader({ registry: 'confluent', id: '7', format: 'avro', text, references: [] });
 * reader.read(record, record.value, 5); // → { value: { id: 1, … }, schemaName: 'shop.Order' }
 */
export function compileAvroReader(schema: RegistrySchema): AvroValueReader {
  const type = avscTypeOf(schema);
  const node = planOf(type);
  const convert = compileRowConverter(node);
  const schemaName = connectNameOf(type);
  const writeJson = compileJsonWriter(node);
  const label = schema.registry === 'glue' ? `schema version ${schema.id}` : `schema id ${schema.id}`;
  // Compiled when a change row is first asked for: most schemas are never asked.
  let changeRows: ChangeRowWriter | null | undefined;
  return {
    read(record: KafkaRecord, bytes: Buffer, start: number): ReadValue {
      let decoded: { value: unknown; offset: number };
      try {
        decoded = type.decode(bytes, start);
      } catch (error) {
        throw error instanceof RangeError
          ? readError(record, label, error, bytes.length - start)
          : invalidBytes(record, label, (error as Error).message);
      }
      if (decoded.offset < 0) throw truncated(record, label, bytes.length - start);
      if (decoded.offset < bytes.length) throw trailing(record, label, bytes.length - decoded.offset);
      try {
        return { value: convert(decoded.value), schemaName };
      } catch (error) {
        throw readError(record, label, error, bytes.length - start);
      }
    },
    readJson(record: KafkaRecord, bytes: Buffer, start: number): string {
      const cursor = new Cursor(bytes, start);
      let text: string;
      try {
        text = writeJson.text(cursor);
      } catch (error) {
        throw readError(record, label, error, bytes.length - start);
      }
      if (cursor.pos < bytes.length) throw trailing(record, label, bytes.length - cursor.pos);
      return text;
    },
    appendJson(
      record: KafkaRecord,
      buffer: Buffer,
      start: number,
      out: JsonOutput,
      end = buffer.length,
    ): void {
      const before = out.len;
      let bytes = buffer;
      if (end !== buffer.length) {
        // In place: a value that reads to exactly its end is written; any other (bytes past its
        // end read as its own, or an error) is read again alone, for the error it has.
        const inPlace = new Cursor(buffer, start);
        try {
          writeJson.append(inPlace, out);
          if (inPlace.pos === end) return;
        } catch {
          // Read again below.
        }
        out.len = before;
        bytes = buffer.subarray(0, end);
      }
      const cursor = new Cursor(bytes, start);
      try {
        writeJson.append(cursor, out);
      } catch (error) {
        throw readError(record, label, error, bytes.length - start);
      }
      if (cursor.pos < bytes.length) {
        out.len = before;
        throw trailing(record, label, bytes.length - cursor.pos);
      }
    },
    appendChangeRow(record, bytes, start, out, transforms, end = bytes.length): boolean {
      changeRows ??= compileChangeRowWriter(node, schemaName) ?? null;
      // A value read past its end does not end at `end`, so it is declined (the general path reads it alone).
      return changeRows?.append(record, new Cursor(bytes, start, end), out, transforms) === true;
    },
  };
}

function readError(record: KafkaRecord, label: string, error: unknown, length: number): Error {
  if (error instanceof AvroTruncatedError) return truncated(record, label, length);
  if (error instanceof AvroInvalidError) return invalidBytes(record, label, error.message);
  if (error instanceof AvroPathError) {
    const what = error.logicalName === undefined ? '' : ` of logical type ${error.logicalName}`;
    return new RecordError(
      ErrorCode.DECODE_VALUE,
      record,
      `field "${pathOf(error)}"${what} (Avro ${label}): ${error.message}`,
    );
  }
  if (error instanceof RangeError) {
    // The stack ran out: a recursive type nested deeper than can be read (or loaded).
    return invalidBytes(record, label, 'a recursive type nests too deep to read');
  }
  return error as Error;
}

function truncated(record: KafkaRecord, label: string, length: number): RecordError {
  return new RecordError(
    ErrorCode.DECODE_VALUE,
    record,
    `the Avro value ends before its ${label} says it does (${length} bytes after the header): the value is truncated, or was not written with this schema`,
  );
}

function trailing(record: KafkaRecord, label: string, extra: number): RecordError {
  return new RecordError(
    ErrorCode.DECODE_VALUE,
    record,
    `${extra} byte${extra === 1 ? '' : 's'} follow the Avro value of ${label}: the value was not written with this schema, or its bytes are corrupt`,
  );
}

function invalidBytes(record: KafkaRecord, label: string, reason: string): RecordError {
  return new RecordError(
    ErrorCode.DECODE_VALUE,
    record,
    `the bytes are not a value of Avro ${label} (${reason}): the value was not written with this schema, or its bytes are corrupt`,
  );
}
