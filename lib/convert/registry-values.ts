import type { RegistryConverterConfig } from '../config/converters.ts';
import type { KafkaRecord } from '../decode/event.ts';
import type { RegistrySchema } from '../decode/schema-registry/registry-schema.ts';
import { SchemaCache, type SecretReader } from '../decode/schema-registry/schema-cache.ts';
import {
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
    const framings: (FramedValue | undefined)[] = new Array(records.length);
    const ids = new Set<string>();
    const seen = new Set<SchemaRef>();
    const kind = this.converter.registry.kind;
    const decoded = decodeValues(records);
    const values = decoded.values;
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as KafkaRecord;
      const bytes = values[i];
      if (bytes === null || bytes === undefined) continue;
      if (bytes instanceof RecordError) {
        reject(record, bytes);
        continue;
      }
      let framed: FramedValue;
      try {
        framed = readFraming(record, kind, bytes);
      } catch (error) {
        if (!(error instanceof SinkError)) throw error;
        reject(record, error);
        continue;
      }
      framings[i] = framed;
      // Refs are shared per id (wire-format.ts): each id is looked at once a batch.
      if (framed.kind === 'framed' && !seen.has(framed.ref)) {
        seen.add(framed.ref);
        if (!this.#readers.has(schemaKey(framed.ref))) ids.add(framed.ref.id);
      }
    }
    const unknown = ids.size > 0 ? await this.#compileNew(ids, deadline) : new Map<string, Error>();
    // Each schema's reader is looked up once a batch, by its shared ref.
    const readerOf = new Map<SchemaRef, ValueReader | Error | undefined>();
    const readers: (ValueReader | undefined)[] = new Array(records.length);
    for (let i = 0; i < records.length; i++) {
      const framed = framings[i];
      if (framed === undefined) continue;
      if (framed.kind === 'esm-json') continue;
      const record = records[i] as KafkaRecord;
      let reader = readerOf.get(framed.ref);
      if (reader === undefined && !readerOf.has(framed.ref)) {
        const key = schemaKey(framed.ref);
        reader = this.#readers.get(key) ?? unknown.get(key);
        readerOf.set(framed.ref, reader);
      }
      if (reader instanceof Error || reader === undefined) {
        const reason = reader?.message ?? `schema ${framed.ref.id} was not fetched`;
        reject(record, new RecordError(ErrorCode.DECODE_SCHEMA, record, reason));
        framings[i] = undefined;
        continue;
      }
      readers[i] = reader;
    }
    return new PreparedValues(records, framings, readers, this.converter, decoded.bytes);
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
 * The values of a batch, base64-decoded into one buffer, each a view of its part (null for a
 * tombstone): one buffer instead of one per value, which cost much of the Avro path's time on
 * small records. A value that is not base64 is its record's error, as in decoding.
 */
function decodeValues(records: readonly KafkaRecord[]): {
  readonly values: (Buffer | RecordError | null)[];
  /** How many bytes the values decoded to. */
  readonly bytes: number;
} {
  let size = 0;
  for (const record of records) size += record.valueLength;
  const all = Buffer.allocUnsafe(size);
  const values: (Buffer | RecordError | null)[] = new Array(records.length);
  let pos = 0;
  for (let i = 0; i < records.length; i++) {
    const record = records[i] as KafkaRecord;
    const text = record.valueBase64;
    if (text === null) {
      values[i] = null;
      continue;
    }
    const written = all.write(text, pos, 'base64');
    // Node skips characters outside the alphabet: fewer bytes than the length says is not base64.
    values[i] =
      written === record.valueLength
        ? all.subarray(pos, pos + written)
        : new RecordError(ErrorCode.DECODE_EVENT, record, 'the value is not base64 text');
    pos += written;
  }
  return { values, bytes: pos };
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

/** One batch's framings and readers, for converting its records synchronously. */
export class PreparedValues {
  readonly #records: readonly KafkaRecord[];
  /** Per record, same index: its framing, and its schema's reader (none for ESM-decoded JSON). */
  readonly #framings: readonly (FramedValue | undefined)[];
  readonly #readers: readonly (ValueReader | undefined)[];
  readonly converter: RegistryConverterConfig;
  /** Where the next lookup starts: records are converted in the order they were prepared. */
  #cursor = 0;
  /** The decoded size of the batch's values, to size the output the rows are written into. */
  readonly #valueBytes: number;
  #output: JsonOutput | undefined;

  constructor(
    records: readonly KafkaRecord[],
    framings: readonly (FramedValue | undefined)[],
    readers: readonly (ValueReader | undefined)[],
    converter: RegistryConverterConfig,
    valueBytes = 0,
  ) {
    this.#records = records;
    this.#framings = framings;
    this.#readers = readers;
    this.converter = converter;
    this.#valueBytes = valueBytes;
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
    if (index < 0 || this.#framings[index] === undefined) {
      throw new Error(`${record.topic}/${record.partition}@${record.offset} was not prepared`);
    }
    this.#cursor = index + 1;
    return index;
  }

  framingAt(index: number): FramedValue {
    return this.#framings[index] as FramedValue;
  }

  readerAt(index: number): ValueReader | undefined {
    return this.#readers[index];
  }

  /**
   * The batch's rows written as JSON, one after the other: each row is a view of its bytes, so a
   * row costs no string of its own and is copied into the body as bytes. When the output grows, the
   * rows already written keep the buffer they were written into.
   */
  get output(): JsonOutput {
    // Rows are about as long as their Avro bytes and a half (field names, quotes, rendered
    // logical types): starting there spares most of the output's doubling copies.
    this.#output ??= new JsonOutput(Math.max(64 * 1024, Math.ceil(this.#valueBytes * 1.5)));
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
  if (framed.kind === 'esm-json') return convertJsonBytes(record, framed.bytes, 0, needObject);
  if (values.converter.format === 'json')
    return convertJsonBytes(record, framed.bytes, framed.start, needObject);
  const active = values.readerAt(index) as ValueReader;
  if (!needObject && active.appendJson !== undefined) return appendRow(record, framed, active, values.output);
  if (changeRow !== undefined && active.appendChangeRow !== undefined) {
    const out = values.output;
    const start = out.len;
    if (active.appendChangeRow(record, framed.bytes, framed.start, out, changeRow))
      return { kind: 'json-bytes', bytes: out.buf.subarray(start, out.len) };
  }
  const { value, schemaName } = active.read(record, framed.bytes, framed.start);
  if (value === null || typeof value !== 'object' || Array.isArray(value) || isRawJson(value)) {
    throw new RecordError(
      ErrorCode.DECODE_VALUE,
      record,
      `schema ${framed.ref.id}: the value is ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`}, not a record; StarRocks loads one object per row`,
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
  framed: Extract<FramedValue, { kind: 'framed' }>,
  reader: ValueReader,
  out: JsonOutput,
): ConvertedValue {
  const start = out.len;
  reader.appendJson?.(record, framed.bytes, framed.start, out);
  if (out.buf[start] !== 0x7b) {
    const text = out.buf.toString('utf8', start, Math.min(out.len, start + 16));
    out.len = start;
    throw new RecordError(
      ErrorCode.DECODE_VALUE,
      record,
      `schema ${framed.ref.id}: the value is ${text.startsWith('null') ? 'null' : 'not a record'}, so it is no row; StarRocks loads one object per row`,
    );
  }
  return { kind: 'json-bytes', bytes: out.buf.subarray(start, out.len) };
}
