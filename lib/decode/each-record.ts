import { ErrorCode, SinkError } from '../errors.ts';
import {
  type BatchLayout,
  compareRecords,
  decodeBatch,
  decodeEvent,
  decodeRecord,
  type KafkaEventRecord,
  type KafkaRecord,
} from './event.ts';

/**
 * Tolerant decoding: an event decoded record by record, so one bad record is set aside (for a
 * partial batch response or a dead letter) instead of failing the batch; and the position keys.
 */

/** A record the sink could not decode, with where it sits and the raw record as the event had it. */
export interface UndecodableRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly error: SinkError;
  readonly raw: KafkaEventRecord;
}

export interface DecodedBatch {
  readonly records: KafkaRecord[];
  /** The records' layout, when they are decodeEvent's own (see {@link decodeBatch}). */
  readonly layout?: BatchLayout | undefined;
  readonly undecodable: UndecodableRecord[];
  /** Lowest offset of every topic-partition in the event, keyed by {@link partitionKey}. */
  readonly lowestOffsets: ReadonlyMap<string, { topic: string; partition: number; offset: number }>;
  /** Every record with a readable position, as the event carried it, by {@link recordKey}. */
  readonly raw: ReadonlyMap<string, KafkaEventRecord>;
}

/** Position key of a record: `topic\0partition\0offset`. */
export function recordKey(r: { topic: string; partition: number; offset: number }): string {
  return `${r.topic}\u0000${r.partition}\u0000${r.offset}`;
}

/** The records-map key the ESM uses, `topic-partition`. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/**
 * Decodes an event record by record, so one bad record is set aside instead of failing the batch.
 * The batch-level checks (event shape, event source) still throw, as does a record whose topic,
 * partition or offset cannot be read: without them it cannot be reported or skipped.
 */
export function decodeEachRecord(event: unknown): DecodedBatch {
  const lists = eventLists(event);
  const lowestOffsets = new Map<string, { topic: string; partition: number; offset: number }>();
  const rawRecords = new Map<string, KafkaEventRecord>();
  for (const list of lists) {
    for (const raw of list.records) {
      const position = positionOf(raw);
      if (position === undefined) continue;
      rawRecords.set(recordKey(position), raw as KafkaEventRecord);
      const key = partitionKey(position.topic, position.partition);
      const seen = lowestOffsets.get(key);
      if (seen === undefined || position.offset < seen.offset) lowestOffsets.set(key, position);
    }
  }
  try {
    // The common case, and the order every label depends on: decodeEvent's own.
    return { ...decodeBatch(event), undecodable: [], lowestOffsets, raw: rawRecords };
  } catch (error) {
    if (!(error instanceof SinkError)) throw error;
  }
  const records: KafkaRecord[] = [];
  const undecodable: UndecodableRecord[] = [];
  for (const list of lists) {
    for (const raw of list.records) {
      try {
        records.push(decodeRecord(raw as KafkaEventRecord, list.key));
      } catch (error) {
        const position = positionOf(raw);
        if (position === undefined || !(error instanceof SinkError)) throw error;
        undecodable.push({ ...position, error, raw: raw as KafkaEventRecord });
      }
    }
  }
  records.sort(compareRecords);
  return { records, undecodable, lowestOffsets, raw: rawRecords };
}

function eventLists(event: unknown): { key: string; records: unknown[] }[] {
  // decodeEvent gives the batch-level errors their wording; a clean event never reaches the throw.
  const records = (event as { records?: unknown } | null)?.records;
  const source = (event as { eventSource?: unknown } | null)?.eventSource;
  if (
    records === null ||
    typeof records !== 'object' ||
    (source !== 'aws:kafka' && source !== 'SelfManagedKafka')
  ) {
    decodeEvent(event);
    throw new SinkError(ErrorCode.DECODE_EVENT, 'the event is not a Kafka event-source mapping event');
  }
  const lists: { key: string; records: unknown[] }[] = [];
  for (const [key, list] of Object.entries(records as Record<string, unknown>)) {
    if (!Array.isArray(list)) decodeEvent(event);
    lists.push({ key, records: list as unknown[] });
  }
  return lists;
}

function positionOf(raw: unknown): { topic: string; partition: number; offset: number } | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const { topic, partition, offset } = raw as Partial<KafkaEventRecord>;
  if (typeof topic !== 'string' || topic === '') return undefined;
  if (!Number.isSafeInteger(partition) || !Number.isSafeInteger(offset)) return undefined;
  if ((partition as number) < 0 || (offset as number) < 0) return undefined;
  return { topic, partition: partition as number, offset: offset as number };
}
