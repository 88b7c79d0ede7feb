import { ErrorCode, SinkError } from './errors.ts';

/**
 * The event a Kafka event-source mapping sends: Amazon MSK (`aws:kafka`) or self-managed /
 * Confluent (`SelfManagedKafka`). Narrower than `@types/aws-lambda`: key and value may be null or
 * absent (tombstones), and headers may be null.
 */
export interface KafkaEvent {
  readonly eventSource: 'aws:kafka' | 'SelfManagedKafka';
  readonly eventSourceArn?: string;
  readonly bootstrapServers?: string;
  readonly records: Readonly<Record<string, readonly KafkaEventRecord[]>>;
}

export interface KafkaEventRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp?: number;
  readonly timestampType?: 'CREATE_TIME' | 'LOG_APPEND_TIME';
  readonly key?: string | null;
  readonly value?: string | null;
  readonly headers?: ReadonlyArray<Readonly<Record<string, readonly number[]>>> | null;
}

export interface KafkaHeader {
  readonly key: string;
  readonly value: Buffer;
}

/** A record with its bytes decoded; the position fields identify it in every error. */
export interface KafkaRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number | undefined;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly KafkaHeader[];
}

const EVENT_SOURCES = new Set(['aws:kafka', 'SelfManagedKafka']);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Flattens an event into records, ordered by topic, partition and offset. Uses each record's own
 * `topic`/`partition`: the `records` keys are `topic-partition` and topic names may contain `-`.
 */
export function decodeEvent(event: unknown): KafkaRecord[] {
  if (event === null || typeof event !== 'object') {
    throw new SinkError(
      ErrorCode.DECODE_EVENT,
      'the event is not an object; expected a Kafka event-source mapping event',
    );
  }
  const { eventSource, records } = event as Partial<KafkaEvent>;
  if (typeof eventSource !== 'string' || !EVENT_SOURCES.has(eventSource)) {
    throw new SinkError(
      ErrorCode.DECODE_EVENT,
      `eventSource ${JSON.stringify(eventSource)} is not a Kafka event; expected "aws:kafka" (Amazon MSK) or "SelfManagedKafka"`,
    );
  }
  if (records === null || typeof records !== 'object') {
    throw new SinkError(ErrorCode.DECODE_EVENT, 'the event has no "records" object keyed "topic-partition"');
  }
  const decoded: KafkaRecord[] = [];
  for (const [batchKey, list] of Object.entries(records)) {
    if (!Array.isArray(list)) {
      throw new SinkError(ErrorCode.DECODE_EVENT, `records["${batchKey}"] is not an array of records`);
    }
    for (const record of list as KafkaEventRecord[]) decoded.push(decodeRecord(record, batchKey));
  }
  decoded.sort((a, b) =>
    a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition || a.offset - b.offset,
  );
  return decoded;
}

/** Decodes one record's base64 key and value and its signed-byte headers. */
export function decodeRecord(record: KafkaEventRecord, batchKey = ''): KafkaRecord {
  const where = `records["${batchKey}"]`;
  if (record === null || typeof record !== 'object') {
    throw new SinkError(ErrorCode.DECODE_EVENT, `${where} holds a non-object record`);
  }
  const { topic, partition, offset } = record;
  if (typeof topic !== 'string' || topic === '') {
    throw new SinkError(ErrorCode.DECODE_EVENT, `${where} has a record without a topic`);
  }
  if (!Number.isSafeInteger(partition) || partition < 0 || !Number.isSafeInteger(offset) || offset < 0) {
    throw new SinkError(
      ErrorCode.DECODE_EVENT,
      `${where} has a record of topic "${topic}" with partition ${JSON.stringify(partition)} and offset ${JSON.stringify(offset)}; both must be non-negative integers`,
    );
  }
  const position = `topic "${topic}", partition ${partition}, offset ${offset}`;
  return {
    topic,
    partition,
    offset,
    timestamp: typeof record.timestamp === 'number' ? record.timestamp : undefined,
    key: decodeBase64(record.key, `${position}: key`),
    value: decodeBase64(record.value, `${position}: value`),
    headers: decodeHeaders(record.headers, position),
  };
}

function decodeBase64(text: string | null | undefined, what: string): Buffer | null {
  if (text === null || text === undefined) return null;
  if (typeof text !== 'string' || text.length % 4 !== 0 || !BASE64.test(text)) {
    throw new SinkError(ErrorCode.DECODE_EVENT, `${what} is not base64 text`);
  }
  return Buffer.from(text, 'base64');
}

function decodeHeaders(headers: KafkaEventRecord['headers'], position: string): KafkaHeader[] {
  if (headers === null || headers === undefined) return [];
  if (!Array.isArray(headers))
    throw new SinkError(ErrorCode.DECODE_EVENT, `${position}: headers is not an array`);
  const out: KafkaHeader[] = [];
  for (const entry of headers) {
    for (const [key, bytes] of Object.entries(entry ?? {})) {
      if (!Array.isArray(bytes) || bytes.some((b) => !Number.isInteger(b) || b < -128 || b > 255)) {
        throw new SinkError(ErrorCode.DECODE_EVENT, `${position}: header "${key}" is not an array of bytes`);
      }
      // Java bytes are signed; Buffer.from masks each with & 0xff, which restores the unsigned byte.
      out.push({ key, value: Buffer.from(bytes) });
    }
  }
  return out;
}
