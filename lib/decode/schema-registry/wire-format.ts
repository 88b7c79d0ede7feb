import { inflateSync } from 'node:zlib';
import { ErrorCode, RecordError } from '../../errors.ts';
import type { KafkaRecord, SchemaMetadata } from '../event.ts';
import type { RegistryKind } from './registry-schema.ts';

/**
 * The registry wire formats, read from a value's first bytes:
 * - Confluent: magic byte 0, the schema id as a 4-byte big-endian integer, then the body (for
 *   Protobuf the body starts with the message indexes, which the Protobuf reader reads);
 * - AWS Glue: header version byte 3, a compression byte (0 none, 5 zlib), the schema version id as
 *   16 bytes (a UUID), then the body, zlib-deflated when the compression byte says so;
 * - records an event-source mapping with a schema registry delivers: `valueSchemaMetadata` names
 *   the schema, and the value is either JSON (event record format JSON) or the body with the
 *   header removed (format SOURCE).
 */

const CONFLUENT_MAGIC = 0;
export const CONFLUENT_HEADER = 5;
const GLUE_HEADER_VERSION = 3;
const GLUE_UNCOMPRESSED = 0;
const GLUE_ZLIB = 5;
export const GLUE_HEADER = 18;
/** A deflated Glue body inflates to at most this: Kafka values are far smaller, a bomb is not. */
const MAX_INFLATED_BYTES = 64 * 1024 * 1024;

/** Which schema a value names. */
export interface SchemaRef {
  readonly registry: RegistryKind;
  readonly id: string;
}

export type FramedValue =
  /** The value's body: `bytes` from `start` on, read with the schema `ref` names. */
  | { readonly kind: 'framed'; readonly ref: SchemaRef; readonly bytes: Buffer; readonly start: number }
  /** The event-source mapping decoded the value to JSON already: load it as schemaless JSON. */
  | { readonly kind: 'esm-json'; readonly bytes: Buffer };

/**
 * One ref per schema id, shared by every value that names it: a batch finds each id's reader once,
 * and a value costs no ref (or id text) of its own. Bounded: past the bound, refs are made afresh.
 */
const SHARED_REFS = new Map<string, SchemaRef>();
const CONFLUENT_REFS = new Map<number, SchemaRef>();
const MAX_SHARED_REFS = 10_000;

function confluentRef(id: number): SchemaRef {
  let ref = CONFLUENT_REFS.get(id);
  if (ref === undefined) {
    ref = sharedRef('confluent', String(id));
    if (CONFLUENT_REFS.size < MAX_SHARED_REFS) CONFLUENT_REFS.set(id, ref);
  }
  return ref;
}

function sharedRef(registry: RegistryKind, id: string): SchemaRef {
  const key = `${registry}:${id}`;
  let ref = SHARED_REFS.get(key);
  if (ref === undefined) {
    ref = { registry, id };
    if (SHARED_REFS.size < MAX_SHARED_REFS) SHARED_REFS.set(key, ref);
  }
  return ref;
}

/** The key a schema is cached under. */
export function schemaKey(ref: SchemaRef): string {
  return `${ref.registry}:${ref.id}`;
}

/**
 * Reads the framing of a record's value (not a tombstone) as `registry` writes it; throws the
 * record's error naming what was found and what was expected. `bytes`: the value, decoded.
 */
export function readFraming(
  record: KafkaRecord,
  registry: RegistryKind,
  bytes: Buffer = record.value as Buffer,
): FramedValue {
  const metadata = record.valueSchemaMetadata;
  if (metadata !== undefined) return readEsmValue(record, bytes, metadata);
  return registry === 'confluent' ? readConfluent(record, bytes) : readGlue(record, bytes);
}

/**
 * The schema a value in the Confluent wire format names, read in place: the value is
 * `bytes[start, end)` of a buffer that may hold other values too; undefined when it does not
 * start with the magic byte and an id ({@link readFraming} then says why).
 */
export function confluentRefAt(bytes: Buffer, start: number, end: number): SchemaRef | undefined {
  if (end - start < CONFLUENT_HEADER || bytes[start] !== CONFLUENT_MAGIC) return undefined;
  return confluentRef(bytes.readUInt32BE(start + 1));
}

function readConfluent(record: KafkaRecord, bytes: Buffer): FramedValue {
  if (bytes.length < CONFLUENT_HEADER || bytes[0] !== CONFLUENT_MAGIC) {
    throw new RecordError(
      ErrorCode.DECODE_VALUE,
      record,
      `the value does not start with the Confluent wire format (magic byte 0x00 and a 4-byte schema id): ${describeStart(bytes)}; check that the producer uses a Confluent-compatible serializer, or set value.converter to the converter the topic is written with`,
    );
  }
  return { kind: 'framed', ref: confluentRef(bytes.readUInt32BE(1)), bytes, start: CONFLUENT_HEADER };
}

function readGlue(record: KafkaRecord, bytes: Buffer): FramedValue {
  const compression = bytes[1];
  if (
    bytes.length < GLUE_HEADER ||
    bytes[0] !== GLUE_HEADER_VERSION ||
    (compression !== GLUE_UNCOMPRESSED && compression !== GLUE_ZLIB)
  ) {
    throw new RecordError(
      ErrorCode.DECODE_VALUE,
      record,
      `the value does not start with the AWS Glue Schema Registry wire format (header version 3, compression 0 or 5, a 16-byte schema version id): ${describeStart(bytes)}; check that the producer uses the Glue serializer, or set value.converter to the converter the topic is written with`,
    );
  }
  const id = formatUuid(bytes.subarray(2, GLUE_HEADER));
  const ref = sharedRef('glue', id);
  if (compression === GLUE_UNCOMPRESSED) return { kind: 'framed', ref, bytes, start: GLUE_HEADER };
  let inflated: Buffer;
  try {
    inflated = inflateSync(bytes.subarray(GLUE_HEADER), { maxOutputLength: MAX_INFLATED_BYTES });
  } catch (error) {
    throw new RecordError(
      ErrorCode.DECODE_VALUE,
      record,
      `schema version ${id}: the zlib-compressed body does not inflate (${(error as Error).message}); at most ${MAX_INFLATED_BYTES} bytes are accepted`,
    );
  }
  return { kind: 'framed', ref, bytes: inflated, start: 0 };
}

/**
 * A value the event-source mapping validated against its registry. JSON (the mapping's JSON
 * format) starts with `{`; a value in the SOURCE format is the body with the header (magic byte
 * and id, or Glue's 18 bytes) removed, and the metadata names its schema: a UUID is a Glue schema
 * version, digits a Confluent id. A Protobuf body keeps its message indexes (Powertools' captured
 * SOURCE events start `02 02`, Confluent's [1], and `01`, Glue's 1), which the Protobuf reader reads.
 */
function readEsmValue(record: KafkaRecord, bytes: Buffer, metadata: SchemaMetadata): FramedValue {
  if (startsLikeJsonObject(bytes)) return { kind: 'esm-json', bytes };
  const id = String(metadata.schemaId ?? '');
  const registry: RegistryKind | undefined = /^\d+$/.test(id)
    ? 'confluent'
    : UUID.test(id)
      ? 'glue'
      : undefined;
  if (registry === undefined) {
    throw new RecordError(
      ErrorCode.DECODE_VALUE,
      record,
      `valueSchemaMetadata.schemaId "${id.slice(0, 64)}" is neither a Confluent schema id nor a Glue schema version UUID`,
    );
  }
  return { kind: 'framed', ref: sharedRef(registry, id), bytes, start: 0 };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function startsLikeJsonObject(bytes: Buffer): boolean {
  for (const byte of bytes) {
    if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) continue;
    return byte === 0x7b;
  }
  return false;
}

/** 16 bytes as the UUID text Glue names schema versions by. */
export function formatUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function describeStart(bytes: Buffer): string {
  if (bytes.length === 0) return 'it is empty';
  const head = [...bytes.subarray(0, 6)].map((b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ');
  const json = bytes[0] === 0x7b || bytes[0] === 0x5b ? ' (it looks like JSON text)' : '';
  return `it starts ${head}${bytes.length > 6 ? ' …' : ''}${json}`;
}
