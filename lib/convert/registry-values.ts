import type { RegistryConverterConfig } from '../config/converters.ts';
import type { KafkaRecord } from '../decode/event.ts';
import type { RegistrySchema } from '../decode/schema-registry/registry-schema.ts';
import { SchemaCache, type SecretReader } from '../decode/schema-registry/schema-cache.ts';
import { type FramedValue, readFraming, schemaKey } from '../decode/schema-registry/wire-format.ts';
import { ErrorCode, RecordError, SinkError } from '../errors.ts';
import { JsonOutput } from './avro-json-output.ts';
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

/**
 * A reader that can also write the row's JSON straight from the bytes into a body being built
 * (no transforms): the Avro reader, where that is about 4× faster than objects and JSON.stringify.
 */
export interface JsonValueReader extends ValueReader {
  appendJson?(record: KafkaRecord, bytes: Buffer, start: number, out: JsonOutput): void;
}

/** What converting one record needs: its framing and the reader of its schema. */
export interface PreparedValue {
  readonly framed: FramedValue;
  readonly reader: JsonValueReader | undefined;
}

/** Called for a record whose framing or schema is bad, instead of throwing (tolerant modes). */
export type RegistryRecordHandler = (record: KafkaRecord, error: SinkError) => void;

/** The per-container state of one registry converter: its schemas and their compiled readers. */
export class RegistryValues {
  readonly converter: RegistryConverterConfig;
  readonly schemas: SchemaCache;
  readonly #readers = new Map<string, JsonValueReader | Error>();

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
    const framings = new Map<KafkaRecord, FramedValue>();
    const ids = new Set<string>();
    for (const record of records) {
      if (record.valueBase64 === null) continue;
      let framed: FramedValue;
      try {
        framed = readFraming(record, this.converter.registry.kind);
      } catch (error) {
        if (!(error instanceof SinkError)) throw error;
        reject(record, error);
        continue;
      }
      framings.set(record, framed);
      if (framed.kind === 'framed' && !this.#readers.has(schemaKey(framed.ref))) ids.add(framed.ref.id);
    }
    const unknown = ids.size > 0 ? await this.#compileNew(ids, deadline) : new Map<string, Error>();
    const prepared = new Map<KafkaRecord, PreparedValue>();
    for (const [record, framed] of framings) {
      if (framed.kind === 'esm-json') {
        prepared.set(record, { framed, reader: undefined });
        continue;
      }
      const key = schemaKey(framed.ref);
      const reader = this.#readers.get(key) ?? unknown.get(key);
      if (reader instanceof Error || reader === undefined) {
        const reason = reader?.message ?? `schema ${framed.ref.id} was not fetched`;
        reject(record, new RecordError(ErrorCode.DECODE_SCHEMA, record, reason));
        continue;
      }
      prepared.set(record, { framed, reader });
    }
    return new PreparedValues(prepared, this.converter);
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

  async #compile(schema: RegistrySchema): Promise<JsonValueReader | Error> {
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

/** The readers of one format, imported on first use (each with its library, in its own chunk). */
async function compileReader(
  schema: RegistrySchema,
  converter: RegistryConverterConfig,
): Promise<JsonValueReader> {
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
const JSON_SCHEMA_READER: JsonValueReader = {
  read: () => {
    throw new Error('JSON Schema values are read as JSON bytes');
  },
};

/** One batch's framings and readers, for converting its records synchronously. */
export class PreparedValues {
  readonly #values: ReadonlyMap<KafkaRecord, PreparedValue>;
  readonly converter: RegistryConverterConfig;
  #output: JsonOutput | undefined;

  constructor(values: ReadonlyMap<KafkaRecord, PreparedValue>, converter: RegistryConverterConfig) {
    this.#values = values;
    this.converter = converter;
  }

  /** What converting `record` needs; every record `prepare` did not set aside has it. */
  of(record: KafkaRecord): PreparedValue {
    const prepared = this.#values.get(record);
    if (prepared === undefined)
      throw new Error(`${record.topic}/${record.partition}@${record.offset} was not prepared`);
    return prepared;
  }

  /**
   * The batch's rows written as JSON, one after the other: each row is a view of its bytes, so a
   * row costs no string of its own and is copied into the body as bytes. When the output grows, the
   * rows already written keep the buffer they were written into.
   */
  get output(): JsonOutput {
    this.#output ??= new JsonOutput(256 * 1024);
    return this.#output;
  }
}

/**
 * Converts a registry value (not a tombstone): JSON Schema and event-source-mapping JSON as
 * schemaless JSON; Avro and Protobuf through their schema's reader, as JSON bytes written straight
 * from the value's bytes when nothing needs the object and the reader can.
 */
export function convertRegistryValue(
  record: KafkaRecord,
  values: PreparedValues,
  needObject: boolean,
): ConvertedValue {
  const { framed, reader } = values.of(record);
  if (framed.kind === 'esm-json') return convertJsonBytes(record, record.value as Buffer, 0, needObject);
  if (values.converter.format === 'json')
    return convertJsonBytes(record, framed.bytes, framed.start, needObject);
  const active = reader as JsonValueReader;
  if (!needObject && active.appendJson !== undefined) return appendRow(record, framed, active, values.output);
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
  reader: JsonValueReader,
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
