import type { KafkaRecord } from '../decode/event.ts';
import type { JsonOutput } from './avro-json-output.ts';
import type { ChangeRowTransforms } from './debezium-bytes.ts';

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
  /**
   * Appends the value's row as JSON (UTF-8) to `out`, a load body being built, straight from the
   * bytes (no transforms): the same text as `JSON.stringify(read(...).value)` without a string per
   * row. On an error, `out` is left as it was. Only readers that can (Avro). The value is
   * `bytes[start, end)` (`end`: the buffer's end unless given), so it can be read in place in a
   * buffer that holds a batch's values.
   */
  appendJson?(record: KafkaRecord, bytes: Buffer, start: number, out: JsonOutput, end?: number): void;
  /**
   * Appends the row `transforms` (the seed's Debezium chain) make of the change event the value
   * holds and answers true; answers false, `out` unchanged, for a value the general path (`read`,
   * then applyTransforms) must take: another schema, an unusual event, bytes that do not read. The
   * value is `bytes[start, end)`, as for `appendJson`.
   */
  appendChangeRow?(
    record: KafkaRecord,
    bytes: Buffer,
    start: number,
    out: JsonOutput,
    transforms: ChangeRowTransforms,
    end?: number,
  ): boolean;
}
