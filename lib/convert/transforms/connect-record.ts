import type { KafkaRecord } from '../../decode/event.ts';
import { ErrorCode, RecordError } from '../../errors.ts';
import type { ConnectSchema } from '../connect-schema.ts';

/**
 * The record as Kafka Connect's transforms see it (a `SinkRecord`): topic, partition, offset,
 * timestamp, key and value each with its schema (null: schemaless), and headers.
 *
 * Values are Connect data in the form JsonConverter writes them, so a transform works on what the
 * converter read and the row is rendered for StarRocks only after the last transform:
 * - with a schema: a struct is a plain object keyed by field name (in schema order); an array is an
 *   array; a map with string keys is an object, any other map an array of `[key, value]` pairs;
 *   int8–int32 and floats are numbers; an int64 is a number, or a {@link RawJson} holding its
 *   digits when a double cannot; bytes are base64 text; the logical types keep their wire form:
 *   `Timestamp` and `Time` epoch/day milliseconds, `Date` days since the epoch, `Decimal` base64 of
 *   the unscaled two's-complement bytes (or a number / RawJson with `decimal.format=NUMERIC`);
 *   Debezium's logical types keep the form Debezium writes.
 * - schemaless: the JSON as parsed (RawJson for digits a double cannot hold), plus what schemaless
 *   transforms may put in: a `Date` for a timestamp (TimestampConverter's
 *   `Timestamp`/`Date`/`Time` targets) and a `Buffer` for bytes.
 *
 * Records are immutable: a transform returns a new record ({@link withChanges}) and new values,
 * never edits the ones it was given (the row of an earlier step may be shared).
 */

/** Kafka's timestamp types, as Connect names them. */
export type TimestampType = 'CreateTime' | 'LogAppendTime' | 'NoTimestampType';

/** One header; its value is Connect data as for the value (schemaless: the header's text). */
export interface ConnectHeader {
  readonly key: string;
  readonly schema: ConnectSchema | null;
  readonly value: unknown;
}

export interface ConnectRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Epoch milliseconds, or null when the record has none. */
  readonly timestamp: number | null;
  readonly timestampType: TimestampType;
  readonly keySchema: ConnectSchema | null;
  readonly key: unknown;
  readonly valueSchema: ConnectSchema | null;
  readonly value: unknown;
  readonly headers: readonly ConnectHeader[];
  /**
   * The name of the value's schema when the value reached the transforms schemaless because it was
   * rendered for StarRocks first (registry formats, Debezium's change-row path): Debezium's
   * transforms tell heartbeats and metadata messages by it.
   */
  readonly valueSchemaName?: string | undefined;
  /** The Kafka record this one came from: every error names its topic, partition and offset. */
  readonly source: KafkaRecord;
}

/** A record with some fields replaced (ConnectRecord.newRecord). */
export function withChanges(
  record: ConnectRecord,
  changes: Partial<Omit<ConnectRecord, 'source'>>,
): ConnectRecord {
  return { ...record, ...changes };
}

/**
 * Why a transform kept a record out of the table: `filtered` (Filter, or a transform that returned
 * null as Connect's do), or one of the Debezium reasons (a dropped delete, a tombstone, a heartbeat).
 * Each reason is counted in the batch summary.
 */
export class TransformSkip {
  readonly reason: string;
  constructor(reason: string) {
    this.reason = reason;
  }
}

/** Connect's `null` from a transform: the record is dropped. */
export const FILTERED = new TransformSkip('filtered');

/** One configured transform, ready to run: a record in, a record (or a skip) out. */
export type TransformStep = (record: ConnectRecord) => ConnectRecord | TransformSkip;

/** A predicate (`predicates.<name>.*`), ready to test a record. */
export type PredicateTest = (record: ConnectRecord) => boolean;

/**
 * The error a transform raises for a record it cannot handle: names the transform, and the record's
 * topic, partition and offset (Connect's DataException, as a record error).
 *
 * @example
 * throw transformError(record, 'cast', 'field "price" is a struct; Cast only casts primitive fields');
 */
export function transformError(record: ConnectRecord, transformName: string, reason: string): RecordError {
  return new RecordError(
    ErrorCode.TRANSFORM_FAILED,
    record.source,
    `transform "${transformName}": ${reason}`,
  );
}
