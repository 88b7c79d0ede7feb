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

/**
 * A record of the batch. Key, value and headers are decoded on first use: the JSON fast path writes
 * base64 values straight into the Stream Load body and never needs a per-record buffer.
 */
export interface KafkaRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number | undefined;
  /** The value as the event carries it (base64), or null for a tombstone. */
  readonly valueBase64: string | null;
  /** Decoded length of the value in bytes (0 for a tombstone). */
  readonly valueLength: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly KafkaHeader[];
}

class DecodedRecord implements KafkaRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number | undefined;
  readonly valueBase64: string | null;
  readonly valueLength: number;
  readonly #keyBase64: string | null;
  readonly #headers: KafkaEventRecord['headers'];
  #value: Buffer | null | undefined;

  constructor(
    source: KafkaEventRecord,
    valueBase64: string | null,
    valueLength: number,
    keyBase64: string | null,
  ) {
    this.topic = source.topic;
    this.partition = source.partition;
    this.offset = source.offset;
    this.timestamp = typeof source.timestamp === 'number' ? source.timestamp : undefined;
    this.valueBase64 = valueBase64;
    this.valueLength = valueLength;
    this.#keyBase64 = keyBase64;
    this.#headers = source.headers;
  }

  get value(): Buffer | null {
    if (this.#value === undefined)
      this.#value = this.valueBase64 === null ? null : Buffer.from(this.valueBase64, 'base64');
    return this.#value;
  }

  get key(): Buffer | null {
    return this.#keyBase64 === null ? null : Buffer.from(this.#keyBase64, 'base64');
  }

  get headers(): KafkaHeader[] {
    return decodeHeaders(
      this.#headers,
      `topic "${this.topic}", partition ${this.partition}, offset ${this.offset}`,
    );
  }
}

const EVENT_SOURCES = new Set(['aws:kafka', 'SelfManagedKafka']);

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
  const value = checkBase64(record.value, `${position}: value`);
  const key = checkBase64(record.key, `${position}: key`);
  if (record.headers !== null && record.headers !== undefined && !Array.isArray(record.headers)) {
    throw new SinkError(ErrorCode.DECODE_EVENT, `${position}: headers is not an array`);
  }
  return new DecodedRecord(record, value, value === null ? 0 : base64Length(value), key);
}

/** Bytes a base64 text decodes to, from its length and padding: no decoding needed. */
function base64Length(text: string): number {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return (text.length / 4) * 3 - padding;
}

/**
 * Cheap checks that the text is base64: length a multiple of 4 and no character outside the
 * alphabet (found by decoding: Node skips such characters, so fewer bytes come out).
 */
function checkBase64(text: string | null | undefined, what: string): string | null {
  if (text === null || text === undefined) return null;
  if (typeof text !== 'string' || text.length % 4 !== 0) {
    throw new SinkError(ErrorCode.DECODE_EVENT, `${what} is not base64 text`);
  }
  if (text.length <= 64 ? !/^[A-Za-z0-9+/]*={0,2}$/.test(text) : !looksLikeBase64(text)) {
    throw new SinkError(ErrorCode.DECODE_EVENT, `${what} is not base64 text`);
  }
  return text;
}

/** Samples the start and the end; the full check happens when the value is decoded into the body. */
function looksLikeBase64(text: string): boolean {
  return /^[A-Za-z0-9+/]{64}/.test(text) && /[A-Za-z0-9+/]{2}[A-Za-z0-9+/=]{2}$/.test(text);
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
