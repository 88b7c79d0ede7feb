import { ErrorCode, type RecordPosition, SinkError } from '../errors.ts';

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

/**
 * A record over its event entry: fields are read from the entry (validated by {@link decodeRecord})
 * rather than copied, so a batch of small records costs one two-field object each (the garbage
 * collector's time on a 6 MB batch falls with every field left out).
 */
class DecodedRecord implements KafkaRecord {
  private readonly source: KafkaEventRecord;
  private decodedValue: Buffer | null | undefined = undefined;

  constructor(source: KafkaEventRecord) {
    this.source = source;
  }

  get topic(): string {
    return this.source.topic;
  }

  get partition(): number {
    return this.source.partition;
  }

  get offset(): number {
    return this.source.offset;
  }

  get timestamp(): number | undefined {
    const timestamp = this.source.timestamp;
    return typeof timestamp === 'number' ? timestamp : undefined;
  }

  get valueBase64(): string | null {
    return this.source.value ?? null;
  }

  get valueLength(): number {
    const value = this.source.value;
    return value === null || value === undefined ? 0 : base64Length(value);
  }

  get value(): Buffer | null {
    if (this.decodedValue === undefined) {
      const text = this.source.value;
      this.decodedValue = text === null || text === undefined ? null : Buffer.from(text, 'base64');
      // Node skips characters outside the alphabet, so fewer bytes than expected means bad base64.
      if (this.decodedValue !== null && this.decodedValue.length !== this.valueLength) {
        throw new SinkError(ErrorCode.DECODE_EVENT, `${describe(this)}: value is not base64 text`);
      }
    }
    return this.decodedValue;
  }

  get key(): Buffer | null {
    const key = this.source.key;
    return key === null || key === undefined ? null : Buffer.from(key, 'base64');
  }

  get headers(): KafkaHeader[] {
    return decodeHeaders(this.source.headers, describe(this));
  }
}

function describe(record: Pick<KafkaRecord, 'topic' | 'partition' | 'offset'>): string {
  return `topic "${record.topic}", partition ${record.partition}, offset ${record.offset}`;
}

const EVENT_SOURCES = new Set(['aws:kafka', 'SelfManagedKafka']);

/**
 * Whether a value (base64, or null for a tombstone) may be a tombstone: null, or short enough to be
 * the JSON literal `null` with a little space around it (24 base64 characters hold 18 bytes).
 * Longer values are never decoded to look.
 */
export function mayBeTombstone(valueBase64: string | null | undefined): boolean {
  return valueBase64 === null || valueBase64 === undefined || valueBase64.length <= 24;
}

/** Records of one topic-partition, consecutive in a decoded batch: `records[start, end)`. */
export interface PartitionRun {
  readonly topic: string;
  readonly partition: number;
  readonly start: number;
  readonly end: number;
}

/**
 * What decoding learnt of the records' layout, so later stages can work run by run. It describes
 * `records` and no other array: a stage given other records (filtered, say) does not use it.
 */
export interface BatchLayout {
  readonly records: readonly KafkaRecord[];
  /** The runs, in order, covering every record once. */
  readonly runs: readonly PartitionRun[];
  /** Whether some value {@link mayBeTombstone}. When false, every schemaless record is a row. */
  readonly shortOrNullValues: boolean;
}

export interface DecodedEvent {
  readonly records: KafkaRecord[];
  /** Absent when the records had to be sorted. */
  readonly layout: BatchLayout | undefined;
}

/**
 * Flattens an event into records, ordered by topic, partition and offset. Uses each record's own
 * `topic`/`partition`: the `records` keys are `topic-partition` and topic names may contain `-`.
 */
export function decodeEvent(event: unknown): KafkaRecord[] {
  return decodeBatch(event).records;
}

/** {@link decodeEvent}, with the layout of the records it returns. */
export function decodeBatch(event: unknown): DecodedEvent {
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
  // Lists are keyed "topic-partition" and arrive in offset order. They are put in the order of
  // their first records (so labels do not depend on key order) and decoded into one array; only
  // if the result is then out of order (a list out of order, or holding another partition's
  // records) is the whole batch sorted.
  const keys = Object.keys(records);
  const lists: unknown[][] = [];
  const firsts: (KafkaRecord | undefined)[] = [];
  let total = 0;
  for (const batchKey of keys) {
    const list = (records as Record<string, unknown>)[batchKey];
    if (!Array.isArray(list)) {
      throw new SinkError(ErrorCode.DECODE_EVENT, `records["${batchKey}"] is not an array of records`);
    }
    lists.push(list);
    firsts.push(list.length > 0 ? decodeRecord(list[0] as KafkaEventRecord, batchKey) : undefined);
    total += list.length;
  }
  const order = keys.map((_, k) => k);
  if (order.length > 1) {
    order.sort((a, b) => {
      const x = firsts[a];
      const y = firsts[b];
      return x === undefined || y === undefined
        ? (x === undefined ? 1 : 0) - (y === undefined ? 1 : 0)
        : compareRecords(x, y);
    });
  }
  const decoded = new Array<KafkaRecord>(total);
  const runs: PartitionRun[] = [];
  let n = 0;
  let ordered = true;
  let shortOrNullValues = false;
  let runStart = 0;
  let previous: KafkaEventRecord | undefined;
  for (const k of order) {
    const list = lists[k] as KafkaEventRecord[];
    const batchKey = keys[k] as string;
    for (let i = 0; i < list.length; i++) {
      const source = list[i] as KafkaEventRecord;
      decoded[n] = i === 0 ? (firsts[k] as KafkaRecord) : decodeRecord(source, batchKey);
      if (mayBeTombstone(source.value)) shortOrNullValues = true;
      if (previous !== undefined) {
        if (compareRecords(previous, source) > 0) ordered = false;
        if (previous.topic !== source.topic || previous.partition !== source.partition) {
          runs.push({ topic: previous.topic, partition: previous.partition, start: runStart, end: n });
          runStart = n;
        }
      }
      previous = source;
      n++;
    }
  }
  if (previous !== undefined)
    runs.push({ topic: previous.topic, partition: previous.partition, start: runStart, end: n });
  if (!ordered) {
    decoded.sort(compareRecords);
    return { records: decoded, layout: undefined };
  }
  return { records: decoded, layout: { records: decoded, runs, shortOrNullValues } };
}

/** Topic, then partition, then offset: the order labels are built in. */
export function compareRecords(a: RecordPosition, b: RecordPosition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition || a.offset - b.offset;
}

/** Decodes one record's base64 key and value and its signed-byte headers. */
export function decodeRecord(record: KafkaEventRecord, batchKey = ''): KafkaRecord {
  if (record === null || typeof record !== 'object') {
    throw new SinkError(ErrorCode.DECODE_EVENT, `records["${batchKey}"] holds a non-object record`);
  }
  const { topic, partition, offset, value, key } = record;
  if (typeof topic !== 'string' || topic === '') {
    throw new SinkError(ErrorCode.DECODE_EVENT, `records["${batchKey}"] has a record without a topic`);
  }
  if (!Number.isSafeInteger(partition) || partition < 0 || !Number.isSafeInteger(offset) || offset < 0) {
    throw new SinkError(
      ErrorCode.DECODE_EVENT,
      `records["${batchKey}"] has a record of topic "${topic}" with partition ${JSON.stringify(partition)} and offset ${JSON.stringify(offset)}; both must be non-negative integers`,
    );
  }
  const headers = record.headers;
  if (value !== null && value !== undefined && !isBase64Shaped(value)) {
    throw new SinkError(ErrorCode.DECODE_EVENT, `${describe(record)}: value is not base64 text`);
  }
  if (key !== null && key !== undefined && !isBase64Shaped(key)) {
    throw new SinkError(ErrorCode.DECODE_EVENT, `${describe(record)}: key is not base64 text`);
  }
  if (headers !== null && headers !== undefined && !Array.isArray(headers)) {
    throw new SinkError(ErrorCode.DECODE_EVENT, `${describe(record)}: headers is not an array`);
  }
  return new DecodedRecord(record);
}

/**
 * A string whose length is a multiple of 4. Characters outside the alphabet are caught when the
 * value is decoded (the byte count comes out short), so the check costs nothing here.
 */
function isBase64Shaped(text: unknown): boolean {
  return typeof text === 'string' && text.length % 4 === 0;
}

/** Bytes a base64 text decodes to, from its length and padding: no decoding needed. */
function base64Length(text: string): number {
  const n = text.length;
  const padding = text.charCodeAt(n - 1) !== 0x3d ? 0 : text.charCodeAt(n - 2) === 0x3d ? 2 : 1;
  return (text.length / 4) * 3 - padding;
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
