import { ErrorCode, type RecordPosition, SinkError } from '../errors.ts';

/**
 * The event a Kafka event-source mapping sends, decoded in one walk: its records in label order
 * (topic, partition, offset), their layout, and in tolerant mode the records that could not be
 * decoded with what reporting them needs; and the keys that name a record or a partition.
 */

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
  /** Set when the event-source mapping validated the value against its schema registry. */
  readonly valueSchemaMetadata?: SchemaMetadata;
}

/** The schema an event-source mapping with a schema registry validated a value against. */
export interface SchemaMetadata {
  readonly dataFormat?: string;
  /** A Confluent schema id (digits) or a Glue schema version UUID. */
  readonly schemaId?: string;
}

export interface KafkaHeader {
  readonly key: string;
  readonly value: Buffer;
}

/**
 * A record of the event. Key, value and headers are decoded on first use: the JSON fast path writes
 * base64 values straight into the Stream Load body and never needs a per-record buffer.
 */
export interface KafkaRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number | undefined;
  /** The event's `timestampType`, when it names one of Kafka's two. */
  readonly timestampType?: 'CREATE_TIME' | 'LOG_APPEND_TIME' | undefined;
  /** The value as the event carries it (base64), or null for a tombstone. */
  readonly valueBase64: string | null;
  /** Decoded length of the value in bytes (0 for a tombstone). */
  readonly valueLength: number;
  readonly key: Buffer | null;
  /** The key as the event carries it (base64), or null; for writers that decode it into place. */
  readonly keyBase64?: string | null | undefined;
  readonly value: Buffer | null;
  readonly headers: readonly KafkaHeader[];
  /**
   * The headers as the event carries them (signed-byte arrays, unchecked), for writers that copy
   * them without a Buffer each; {@link headers} decodes and checks them.
   */
  readonly eventHeaders?: KafkaEventRecord['headers'] | undefined;
  /** The event-source mapping's registry metadata of the value, when it has a schema registry. */
  readonly valueSchemaMetadata?: SchemaMetadata | undefined;
}

/**
 * A record over its event entry: fields are read from the entry (validated by {@link decodeRecord})
 * rather than copied, so an event of small records costs one two-field object each (the garbage
 * collector's time on a 6 MB event falls with every field left out).
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

  get timestampType(): 'CREATE_TIME' | 'LOG_APPEND_TIME' | undefined {
    const type = this.source.timestampType;
    return type === 'CREATE_TIME' || type === 'LOG_APPEND_TIME' ? type : undefined;
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

  get keyBase64(): string | null {
    return this.source.key ?? null;
  }

  get eventHeaders(): KafkaEventRecord['headers'] {
    return this.source.headers;
  }

  get headers(): KafkaHeader[] {
    return decodeHeaders(this.source.headers, this);
  }

  get valueSchemaMetadata(): SchemaMetadata | undefined {
    const metadata = this.source.valueSchemaMetadata;
    return metadata !== null && typeof metadata === 'object' ? metadata : undefined;
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

/** Records of one topic-partition, consecutive in the decoded records: `records[start, end)`. */
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
export interface RecordLayout {
  readonly records: readonly KafkaRecord[];
  /** The runs, in order, covering every record once. */
  readonly runs: readonly PartitionRun[];
  /** Whether some value {@link mayBeTombstone}. When false, every schemaless record is a row. */
  readonly shortOrNullValues: boolean;
}

/** A record the sink could not decode, with where it sits and the raw record as the event had it. */
export interface UndecodableRecord extends RecordPosition {
  readonly error: SinkError;
  readonly raw: KafkaEventRecord;
}

/** An event decoded: its records in label order, and what tolerant decoding set aside. */
export interface DecodedEvent {
  /** Topic, partition, offset order: the order labels are built in. */
  readonly records: KafkaRecord[];
  /** Absent when the records had to be sorted. */
  readonly layout: RecordLayout | undefined;
  /** Tolerant mode: the records that could not be decoded. Always empty otherwise. */
  readonly undecodable: readonly UndecodableRecord[];
  /**
   * Tolerant mode: the lowest offset of every topic-partition in the event, keyed by
   * {@link partitionKey}, undecodable records included. Empty otherwise.
   */
  readonly lowestOffsets: ReadonlyMap<string, RecordPosition>;
  /** Tolerant mode: every record as the event carried it, by {@link recordKey}. Empty otherwise. */
  readonly raw: ReadonlyMap<string, KafkaEventRecord>;
}

export interface DecodeOptions {
  /**
   * Set a record that cannot be decoded aside (for a partial batch response or a dead letter)
   * instead of failing the batch, and keep what reporting it needs. A record whose topic,
   * partition or offset cannot be read still fails the batch: it could be neither reported nor
   * skipped.
   */
  readonly tolerant?: boolean;
}

/**
 * Flattens an event into records, ordered by topic, partition and offset. Uses each record's own
 * `topic`/`partition`: the `records` keys are `topic-partition` and topic names may contain `-`.
 */
export function decodeEvent(event: unknown): KafkaRecord[] {
  return decodeKafkaEvent(event).records;
}

/**
 * Decodes an event in one walk: the records in label order with their layout, and in tolerant
 * mode the records set aside. Throws when the event itself is not a Kafka event, and (unless
 * tolerant) for the first record that cannot be decoded.
 */
export function decodeKafkaEvent(event: unknown, options: DecodeOptions = {}): DecodedEvent {
  const tolerance = options.tolerant === true ? new Tolerance() : undefined;
  const lists = eventLists(event, tolerance === undefined);
  // Lists are keyed "topic-partition" and arrive in offset order. They are put in the order of
  // their first records (so labels do not depend on key order) and decoded into one array; only
  // if the result is then out of order (a list out of order, or holding another partition's
  // records) are all the records sorted.
  let total = 0;
  for (const list of lists) total += list.records.length;
  if (lists.length > 1) {
    lists.sort((a, b) => {
      const x = a.first;
      const y = b.first;
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
  for (const { key, records, first } of lists) {
    for (let i = 0; i < records.length; i++) {
      const source = records[i] as KafkaEventRecord;
      if (tolerance === undefined) {
        decoded[n] = i === 0 ? (first as KafkaRecord) : decodeRecord(source, key);
      } else {
        const record = tolerance.decode(source, key);
        if (record === undefined) continue;
        decoded[n] = record;
      }
      if (mayBeTombstone(source.value)) shortOrNullValues = true;
      if (previous !== undefined) {
        const order = compareRecords(previous, source);
        if (order > 0) ordered = false;
        else if (order === 0) throw duplicateRecord(source);
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
  decoded.length = n;
  const setAside = tolerance?.setAside() ?? NOTHING_SET_ASIDE;
  if (!ordered) {
    decoded.sort(compareRecords);
    for (let i = 1; i < decoded.length; i++) {
      if (compareRecords(decoded[i - 1] as KafkaRecord, decoded[i] as KafkaRecord) === 0)
        throw duplicateRecord(decoded[i] as KafkaRecord);
    }
    return { records: decoded, layout: undefined, ...setAside };
  }
  return { records: decoded, layout: { records: decoded, runs, shortOrNullValues }, ...setAside };
}

/**
 * The event holds a record twice (same topic, partition and offset). The event-source mapping never
 * sends that; loading both would load the row twice under one label, so the event is refused.
 */
function duplicateRecord(record: RecordPosition): SinkError {
  return new SinkError(
    ErrorCode.DECODE_EVENT,
    `the event holds ${describe(record)} more than once; an event-source mapping never sends a record twice, so nothing of this event is loaded: check what built it`,
  );
}

/** One list of the event's `records` map, with its `topic-partition` key and where it starts. */
interface EventList {
  readonly key: string;
  readonly records: readonly unknown[];
  /** Strict: the first record, decoded. Tolerant: its position, if it can be read. */
  readonly first: RecordPosition | undefined;
}

/**
 * The event's record lists, after the checks that fail the whole event in either mode. Strict,
 * each list's first record is decoded here (and so fails here); tolerant, only placed.
 */
function eventLists(event: unknown, strict: boolean): EventList[] {
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
  const lists: EventList[] = [];
  for (const key of Object.keys(records)) {
    const list = (records as Record<string, unknown>)[key];
    if (!Array.isArray(list)) {
      throw new SinkError(ErrorCode.DECODE_EVENT, `records["${key}"] is not an array of records`);
    }
    const head = list[0];
    const first =
      list.length === 0 ? undefined : strict ? decodeRecord(head as KafkaEventRecord, key) : positionOf(head);
    lists.push({ key, records: list, first });
  }
  return lists;
}

/** What tolerant decoding keeps beside the records: the undecodable, lowest offsets, raw records. */
class Tolerance {
  readonly undecodable: UndecodableRecord[] = [];
  readonly lowestOffsets = new Map<string, RecordPosition>();
  readonly raw = new Map<string, KafkaEventRecord>();

  /** The record decoded, or undefined when it is set aside; throws when it has no position. */
  decode(source: unknown, listKey: string): KafkaRecord | undefined {
    const position = positionOf(source);
    if (position !== undefined) {
      const key = recordKey(position);
      // Set-aside records take no part in the order check: their duplicates are found here.
      if (this.raw.has(key)) throw duplicateRecord(position);
      this.raw.set(key, source as KafkaEventRecord);
      const partition = partitionKey(position.topic, position.partition);
      const seen = this.lowestOffsets.get(partition);
      if (seen === undefined || position.offset < seen.offset) this.lowestOffsets.set(partition, position);
    }
    try {
      return decodeRecord(source as KafkaEventRecord, listKey);
    } catch (error) {
      // decodeRecord refuses every record positionOf cannot place, so this rethrows its error.
      if (position === undefined || !(error instanceof SinkError)) throw error;
      this.undecodable.push({ ...position, error, raw: source as KafkaEventRecord });
      return undefined;
    }
  }

  setAside(): SetAside {
    return { undecodable: this.undecodable, lowestOffsets: this.lowestOffsets, raw: this.raw };
  }
}

type SetAside = Pick<DecodedEvent, 'undecodable' | 'lowestOffsets' | 'raw'>;

/** Strict decoding sets nothing aside: one shared, empty answer. */
const NOTHING_SET_ASIDE: SetAside = { undecodable: [], lowestOffsets: new Map(), raw: new Map() };

/** Position key of a record: `topic\0partition\0offset`. */
export function recordKey(r: RecordPosition): string {
  return `${r.topic}\u0000${r.partition}\u0000${r.offset}`;
}

/** The records-map key the ESM uses, `topic-partition`. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** Where a raw record sits, or undefined when its topic, partition or offset cannot be read. */
function positionOf(raw: unknown): RecordPosition | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const { topic, partition, offset } = raw as Partial<KafkaEventRecord>;
  if (typeof topic !== 'string' || topic === '') return undefined;
  if (!Number.isSafeInteger(partition) || !Number.isSafeInteger(offset)) return undefined;
  if ((partition as number) < 0 || (offset as number) < 0) return undefined;
  return { topic, partition: partition as number, offset: offset as number };
}

/** Topic, then partition, then offset: the order labels are built in. */
export function compareRecords(a: RecordPosition, b: RecordPosition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition || a.offset - b.offset;
}

/** Decodes one record's base64 key and value and its signed-byte headers. */
export function decodeRecord(record: KafkaEventRecord, listKey = ''): KafkaRecord {
  if (record === null || typeof record !== 'object') {
    throw new SinkError(ErrorCode.DECODE_EVENT, `records["${listKey}"] holds a non-object record`);
  }
  const { topic, partition, offset, value, key } = record;
  if (typeof topic !== 'string' || topic === '') {
    throw new SinkError(ErrorCode.DECODE_EVENT, `records["${listKey}"] has a record without a topic`);
  }
  if (!Number.isSafeInteger(partition) || partition < 0 || !Number.isSafeInteger(offset) || offset < 0) {
    throw new SinkError(
      ErrorCode.DECODE_EVENT,
      `records["${listKey}"] has a record of topic "${topic}" with partition ${JSON.stringify(partition)} and offset ${JSON.stringify(offset)}; both must be non-negative integers`,
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

function decodeHeaders(
  headers: KafkaEventRecord['headers'],
  record: Pick<KafkaRecord, 'topic' | 'partition' | 'offset'>,
): KafkaHeader[] {
  if (headers === null || headers === undefined) return [];
  // The record is described only for an error: headers are read for every record of some configs.
  if (!Array.isArray(headers))
    throw new SinkError(ErrorCode.DECODE_EVENT, `${describe(record)}: headers is not an array`);
  const out: KafkaHeader[] = [];
  for (const entry of headers) {
    if (entry === null || entry === undefined) continue;
    for (const key of Object.keys(entry)) {
      const bytes = (entry as Record<string, unknown>)[key];
      if (!isByteArray(bytes)) {
        throw new SinkError(
          ErrorCode.DECODE_EVENT,
          `${describe(record)}: header "${key}" is not an array of bytes`,
        );
      }
      // Java bytes are signed; Buffer.from masks each with & 0xff, which restores the unsigned byte.
      out.push({ key, value: Buffer.from(bytes) });
    }
  }
  return out;
}

/** An array of Java's signed bytes (or unsigned ones). */
function isByteArray(bytes: unknown): bytes is number[] {
  if (!Array.isArray(bytes)) return false;
  for (const b of bytes) if (!Number.isInteger(b) || b < -128 || b > 255) return false;
  return true;
}
