import type { RegistryConverterConfig } from '../config/converters.ts';
import type { KafkaRecord } from '../decode/event.ts';
import type { RegistrySchema } from '../decode/schema-registry/registry-schema.ts';
import { SchemaCache, type SecretReader } from '../decode/schema-registry/schema-cache.ts';
import {
  CONFLUENT_HEADER,
  confluentRefAt,
  type FramedValue,
  readFraming,
  type SchemaRef,
  schemaKey,
} from '../decode/schema-registry/wire-format.ts';
import { ErrorCode, RecordError, SinkError } from '../errors.ts';
import { JsonOutput } from './avro-json-output.ts';
import type { ChangeRowTransforms } from './debezium-bytes.ts';
import { isRawJson } from './exact-json.ts';
import { type ConvertedValue, convertJsonBytes } from './json-converter.ts';
import type { ValueReader } from './value-reader.ts';

/**
 * Values written through a schema registry (Avro, Protobuf, JSON Schema), made ready a batch at a
 * time: each value's framing is read, the schemas the batch names are fetched (once per container)
 * and compiled into readers (once per container), so that converting a record afterwards is
 * synchronous. The Avro and Protobuf readers, and the libraries under them, are imported only when
 * a schema of their format first appears.
 */

/** Called for a record whose framing or schema is bad, instead of throwing (tolerant modes). */
export type RegistryRecordHandler = (record: KafkaRecord, error: SinkError) => void;

/** The per-container state of one registry converter: its schemas and their compiled readers. */
export class RegistryValues {
  readonly converter: RegistryConverterConfig;
  readonly schemas: SchemaCache;
  readonly #readers = new Map<string, ValueReader | Error>();

  constructor(converter: RegistryConverterConfig, readSecret?: SecretReader) {
    this.converter = converter;
    this.schemas = new SchemaCache(converter.registry, { readSecret });
  }

  /**
   * Reads the framing of every value of `records`, fetches and compiles the schemas they name, and
   * returns what converting each needs. A record whose framing is wrong, whose schema the registry
   * does not know or does not compile, is handed to `onRecordError` (or throws without one). A
   * registry that cannot answer throws a retryable error: the batch is retried whole.
   */
  async prepare(
    records: readonly KafkaRecord[],
    deadline: number,
    onRecordError?: RegistryRecordHandler,
  ): Promise<PreparedValues> {
    const reject = (record: KafkaRecord, error: SinkError) => {
      if (onRecordError === undefined) throw error;
      onRecordError(record, error);
    };
    const count = records.length;
    const values = decodeValues(records);
    const { bytes, starts, ends } = values;
    /** Per record: the schema its value names (none for ESM-decoded JSON, tombstones, rejects). */
    const refs: (SchemaRef | undefined)[] = new Array(count);
    /** Per record whose value is not read in place in `bytes` (see PreparedValues): its framing. */
    const framings: (FramedValue | undefined)[] = new Array(count);
    const ids = new Set<string>();
    const seen = new Set<SchemaRef>();
    const kind = this.converter.registry.kind;
    // Confluent values of a binary format are read where they were decoded: no view, no framing.
    const inPlace = kind === 'confluent' && this.converter.format !== 'json';
    for (let i = 0; i < count; i++) {
      const start = starts[i] as number;
      if (start === TOMBSTONE) continue;
      const record = records[i] as KafkaRecord;
      const end = ends[i] as number;
      if (start === NOT_BASE64) {
        reject(record, new RecordError(ErrorCode.DECODE_EVENT, record, 'the value is not base64 text'));
        continue;
      }
      let ref =
        inPlace && record.valueSchemaMetadata === undefined ? confluentRefAt(bytes, start, end) : undefined;
      if (ref !== undefined) starts[i] = start + CONFLUENT_HEADER;
      else {
        let framed: FramedValue;
        try {
          framed = readFraming(record, kind, bytes.subarray(start, end));
        } catch (error) {
          if (!(error instanceof SinkError)) throw error;
          reject(record, error);
          continue;
        }
        framings[i] = framed;
        if (framed.kind === 'esm-json') continue;
        ref = framed.ref;
      }
      refs[i] = ref;
      // Refs are shared per id (wire-format.ts): each id is looked at once a batch.
      if (!seen.has(ref)) {
        seen.add(ref);
        if (!this.#readers.has(schemaKey(ref))) ids.add(ref.id);
      }
    }
    const unknown = ids.size > 0 ? await this.#compileNew(ids, deadline) : new Map<string, Error>();
    // Each schema's reader is looked up once a batch, by its shared ref.
    const readerOf = new Map<SchemaRef, ValueReader | Error | undefined>();
    const readers: (ValueReader | undefined)[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const ref = refs[i];
      if (ref === undefined) continue;
      let reader = readerOf.get(ref);
      if (reader === undefined && !readerOf.has(ref)) {
        const key = schemaKey(ref);
        reader = this.#readers.get(key) ?? unknown.get(key);
        readerOf.set(ref, reader);
      }
      if (reader instanceof Error || reader === undefined) {
        const record = records[i] as KafkaRecord;
        const reason = reader?.message ?? `schema ${ref.id} was not fetched`;
        reject(record, new RecordError(ErrorCode.DECODE_SCHEMA, record, reason));
        refs[i] = undefined;
        framings[i] = undefined;
        continue;
      }
      readers[i] = reader;
    }
    return new PreparedValues(records, { bytes, starts, ends, refs, framings, readers }, this.converter);
  }

  /**
   * Fetches the schemas of `ids` and keeps each one's reader (or the error that says why it does not
   * compile); returns why each id the registry does not know is missing. Those are not kept: the id
   * may be registered by the time the batch is retried.
   */
  async #compileNew(ids: ReadonlySet<string>, deadline: number): Promise<Map<string, Error>> {
    const registry = this.converter.registry.kind;
    const unknown = new Map<string, Error>();
    for (const [id, schema] of await this.schemas.schemasOf(ids, deadline)) {
      const key = schemaKey({ registry, id });
      if (schema === undefined) {
        const where =
          registry === 'glue' ? 'Glue has no schema version' : 'the schema registry has no schema with id';
        unknown.set(
          key,
          new Error(`${where} ${id}; check that the producer and the sink use the same registry`),
        );
      } else this.#readers.set(key, await this.#compile(schema));
    }
    return unknown;
  }

  async #compile(schema: RegistrySchema): Promise<ValueReader | Error> {
    if (schema.format !== this.converter.format) {
      return new Error(
        `schema ${schema.id} is ${schema.format.toUpperCase()}, but the converter reads ${this.converter.format.toUpperCase()}; set value.converter to the converter of the format the topic carries`,
      );
    }
    try {
      return await compileReader(schema, this.converter);
    } catch (error) {
      return new Error(`schema ${schema.id} does not compile: ${(error as Error).message}`);
    }
  }
}

/**
 * The values of a batch, base64-decoded into one buffer, each at `bytes[starts[i], ends[i])`:
 * one buffer and no view per value, which cost much of the Avro path's time on small records. A
 * tombstone's start is {@link TOMBSTONE}; a value that is not base64 (its record's error, as in
 * decoding) has {@link NOT_BASE64}.
 */
const TOMBSTONE = -1;
const NOT_BASE64 = -2;

interface DecodedValues {
  readonly bytes: Buffer;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
}

function decodeValues(records: readonly KafkaRecord[]): DecodedValues {
  let size = 0;
  for (const record of records) size += record.valueLength;
  const bytes = Buffer.allocUnsafe(size);
  const starts = new Int32Array(records.length);
  const ends = new Int32Array(records.length);
  let pos = 0;
  for (let i = 0; i < records.length; i++) {
    const record = records[i] as KafkaRecord;
    const text = record.valueBase64;
    if (text === null) {
      starts[i] = TOMBSTONE;
      continue;
    }
    const written = bytes.write(text, pos, 'base64');
    // Node skips characters outside the alphabet: fewer bytes than the length says is not base64.
    starts[i] = written === record.valueLength ? pos : NOT_BASE64;
    ends[i] = pos + written;
    pos += written;
  }
  return { bytes, starts, ends };
}

/** The readers of one format, imported on first use (each with its library, in its own chunk). */
async function compileReader(
  schema: RegistrySchema,
  converter: RegistryConverterConfig,
): Promise<ValueReader> {
  switch (schema.format) {
    case 'avro':
      return (await import('./avro.ts')).compileAvroReader(schema);
    case 'protobuf':
      return (await import('./protobuf.ts')).compileProtobufReader(schema, converter.protobuf);
    case 'json':
      return JSON_SCHEMA_READER;
  }
}

/**
 * JSON Schema values are JSON text after the framing. As the JsonSchemaConverter's values are
 * loaded like schemaless JSON, the schema itself is not consulted (the producer validated them).
 */
const JSON_SCHEMA_READER: ValueReader = {
  read: () => {
    throw new Error('JSON Schema values are read as JSON bytes');
  },
};

/** What `prepare` found of each record of a batch, same index. */
interface PreparedParts extends DecodedValues {
  /** The schema each value names; undefined for a value not to be read with a schema, or set aside. */
  readonly refs: readonly (SchemaRef | undefined)[];
  /**
   * The framing of a value not read in place (Glue, ESM-decoded, JSON Schema, ...); undefined for
   * a value read at `bytes[starts[i], ends[i])` after the Confluent header.
   */
  readonly framings: readonly (FramedValue | undefined)[];
  readonly readers: readonly (ValueReader | undefined)[];
}

/**
 * One batch's framings and readers, for converting its records synchronously. Confluent Avro and
 * Protobuf values are read where the batch's values were decoded (`bytes`, each body from
 * `startAt` to `endAt`); other values keep their framing.
 */
export class PreparedValues {
  readonly #records: readonly KafkaRecord[];
  readonly #parts: PreparedParts;
  readonly converter: RegistryConverterConfig;
  /** Where the next lookup starts: records are converted in the order they were prepared. */
  #cursor = 0;
  #output: JsonOutput | undefined;

  constructor(records: readonly KafkaRecord[], parts: PreparedParts, converter: RegistryConverterConfig) {
    this.#records = records;
    this.#parts = parts;
    this.converter = converter;
  }

  /**
   * The index of `record` among the prepared records, which every record `prepare` did not set
   * aside has. Tables are built from them in their order (some left out), so the search walks
   * forward from the last record found, and starts over only when asked out of order.
   */
  indexOf(record: KafkaRecord): number {
    const records = this.#records;
    let index = records.indexOf(record, this.#cursor);
    if (index < 0) index = records.indexOf(record);
    if (index < 0 || (this.#parts.refs[index] === undefined && this.#parts.framings[index] === undefined)) {
      throw new Error(`${record.topic}/${record.partition}@${record.offset} was not prepared`);
    }
    this.#cursor = index + 1;
    return index;
  }

  /** The framing of a value not read in place; undefined for one that is. */
  framingAt(index: number): FramedValue | undefined {
    return this.#parts.framings[index];
  }

  /** The schema the value names. */
  refAt(index: number): SchemaRef {
    return this.#parts.refs[index] as SchemaRef;
  }

  readerAt(index: number): ValueReader | undefined {
    return this.#parts.readers[index];
  }

  /** The buffer the batch's values were decoded into. */
  get bytes(): Buffer {
    return this.#parts.bytes;
  }

  /** Where the body of a value read in place starts (after its header) in `bytes`. */
  startAt(index: number): number {
    return this.#parts.starts[index] as number;
  }

  /** Where a value read in place ends in `bytes`. */
  endAt(index: number): number {
    return this.#parts.ends[index] as number;
  }

  /**
   * The batch's rows written as JSON, one after the other: each row is a view of its bytes, so a
   * row costs no string of its own and is copied into the body as bytes. When the output grows, the
   * rows already written keep the buffer they were written into.
   */
  get output(): JsonOutput {
    // Rows are about as long as their Avro bytes and a half (field names, quotes, rendered
    // logical types): starting there spares most of the output's doubling copies.
    this.#output ??= new JsonOutput(Math.max(64 * 1024, Math.ceil(this.#parts.bytes.length * 1.5)));
    return this.#output;
  }
}

/**
 * Converts a registry value (not a tombstone): JSON Schema and event-source-mapping JSON as
 * schemaless JSON; Avro and Protobuf through their schema's reader, as JSON bytes written straight
 * from the value's bytes when nothing needs the object and the reader can. With `changeRow` (the
 * transforms are the seed's Debezium chain), a change event's row is written from the bytes when
 * the reader can, and the row then needs no transforms.
 */
export function convertRegistryValue(
  record: KafkaRecord,
  values: PreparedValues,
  needObject: boolean,
  changeRow?: ChangeRowTransforms,
): ConvertedValue {
  const index = values.indexOf(record);
  const framed = values.framingAt(index);
  if (framed?.kind === 'esm-json') return convertJsonBytes(record, framed.bytes, 0, needObject);
  if (values.converter.format === 'json') {
    const { bytes, start } = framed as Extract<FramedValue, { kind: 'framed' }>;
    return convertJsonBytes(record, bytes, start, needObject);
  }
  const active = values.readerAt(index) as ValueReader;
  const ref = values.refAt(index);
  // The value: in place in the batch's buffer, or where its framing says.
  const bytes = framed === undefined ? values.bytes : framed.bytes;
  const start = framed === undefined ? values.startAt(index) : framed.start;
  const end = framed === undefined ? values.endAt(index) : framed.bytes.length;
  if (!needObject && active.appendJson !== undefined)
    return appendRow(record, ref, active, values.output, bytes, start, end);
  if (changeRow !== undefined && active.appendChangeRow !== undefined) {
    const out = values.output;
    const rowStart = out.len;
    if (active.appendChangeRow(record, bytes, start, out, changeRow, end))
      return { kind: 'json-bytes', bytes: out.buf.subarray(rowStart, out.len) };
  }
  // The object path reads the value alone, header and all, as a reader's `read` is given it.
  const { value, schemaName } =
    framed === undefined
      ? active.read(record, bytes.subarray(start - CONFLUENT_HEADER, end), CONFLUENT_HEADER)
      : active.read(record, bytes, start);
  if (value === null || typeof value !== 'object' || Array.isArray(value) || isRawJson(value)) {
    throw new RecordError(
      ErrorCode.DECODE_VALUE,
      record,
      `schema ${ref.id}: the value is ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`}, not a record; StarRocks loads one object per row`,
    );
  }
  return { kind: 'object', value: value as Record<string, unknown>, schemaName };
}

/** Per-container registry state, one per parsed config (a config is parsed once per container). */
const perConfig = new WeakMap<RegistryConverterConfig, RegistryValues>();

/** The registry state of this converter config, created on first use and kept with it. */
export function registryValuesFor(
  converter: RegistryConverterConfig,
  readSecret?: SecretReader,
): RegistryValues {
  let values = perConfig.get(converter);
  if (values === undefined) {
    values = new RegistryValues(converter, readSecret);
    perConfig.set(converter, values);
  }
  return values;
}

/** The row's JSON bytes, written into the batch's output; refused unless it is one object. */
function appendRow(
  record: KafkaRecord,
  ref: SchemaRef,
  reader: ValueReader,
  out: JsonOutput,
  bytes: Buffer,
  start: number,
  end: number,
): ConvertedValue {
  const rowStart = out.len;
  reader.appendJson?.(record, bytes, start, out, end);
  if (out.buf[rowStart] !== 0x7b) {
    const text = out.buf.toString('utf8', rowStart, Math.min(out.len, rowStart + 16));
    out.len = rowStart;
    throw new RecordError(
      ErrorCode.DECODE_VALUE,
      record,
      `schema ${ref.id}: the value is ${text.startsWith('null') ? 'null' : 'not a record'}, so it is no row; StarRocks loads one object per row`,
    );
  }
  return { kind: 'json-bytes', bytes: out.buf.subarray(rowStart, out.len) };
}
