import type { KafkaRecord } from '../decode/event.ts';

/**
 * The contract between a registry schema and the rows: a value reader, compiled once per schema,
 * turns one value's bytes into the object the JSON path would have built for the same Connect data.
 */

export interface ReadValue {
  /** The value as JsonConverter's conversion would give it (see connect-values.ts). */
  readonly value: unknown;
  /** The Connect schema name of the value (Avro full name / `connect.name`, Protobuf message name). */
  readonly schemaName?: string | undefined;
}

export interface ValueReader {
  /**
   * Reads the value of `record`: `bytes` is the whole value, `start` the first byte after the
   * registry's header (magic byte + id, or Glue's 18 bytes). Throws a RecordError naming the
   * schema id when the bytes do not match the schema.
   */
  read(record: KafkaRecord, bytes: Buffer, start: number): ReadValue;
}
