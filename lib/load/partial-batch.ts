import type { OffsetRange } from '../batch/table-batches.ts';
import { type DecodedEvent, type KafkaRecord, partitionKey } from '../decode/event.ts';
import { RecordError, type SinkError } from '../errors.ts';

/**
 * Per-partition bookkeeping for partial batch responses (and, later, poison records): which
 * partitions of a batch are held back, from which offset, and why.
 */

/** One entry of a Kafka partial batch response: the ESM resumes `partition` (`topic-p`) at `offset`. */
export interface BatchItemFailure {
  readonly itemIdentifier: { readonly partition: string; readonly offset: number };
}

/** A partition held back from this invocation, the first error that caused it. */
export interface FailedPartition {
  readonly topic: string;
  readonly partition: number;
  /** The lowest offset of the partition in the batch: the ESM re-delivers from there. */
  readonly offset: number;
  readonly error: SinkError;
}

/**
 * The partitions of a batch that will not be committed. Nothing of a held-back partition is
 * loaded: the ESM re-delivers it from its lowest offset, so loading part of it now would load
 * that part again later.
 */
export class PartitionFailures {
  readonly #lowest: DecodedEvent['lowestOffsets'];
  readonly #failed = new Map<string, FailedPartition>();

  constructor(lowestOffsets: DecodedEvent['lowestOffsets']) {
    this.#lowest = lowestOffsets;
  }

  get size(): number {
    return this.#failed.size;
  }

  has(record: Pick<KafkaRecord, 'topic' | 'partition'>): boolean {
    return this.#failed.has(partitionKey(record.topic, record.partition));
  }

  /** Holds back the record's partition; the first error per partition is kept. */
  add(position: { topic: string; partition: number }, error: SinkError): void {
    const key = partitionKey(position.topic, position.partition);
    if (this.#failed.has(key)) return;
    const lowest = this.#lowest.get(key);
    if (lowest === undefined) throw error; // not a partition of this event: nothing to report
    this.#failed.set(key, {
      topic: position.topic,
      partition: position.partition,
      offset: lowest.offset,
      error,
    });
  }

  /** Holds back every partition that has rows in a table whose load failed. */
  addRanges(ranges: readonly OffsetRange[], error: SinkError): void {
    for (const r of ranges) this.add(r, error);
  }

  /** Whether every partition of the event is held back (then the batch fails as a whole). */
  coversAll(): boolean {
    return this.#failed.size >= this.#lowest.size;
  }

  list(): FailedPartition[] {
    return [...this.#failed.values()];
  }

  /** The partial batch response items, one per held-back partition. */
  items(): BatchItemFailure[] {
    return this.list().map((f) => ({
      itemIdentifier: { partition: partitionKey(f.topic, f.partition), offset: f.offset },
    }));
  }
}

/** The position of a record-level error, when it names one. */
export function recordPositionOf(error: unknown): { topic: string; partition: number } | undefined {
  return error instanceof RecordError ? { topic: error.topic, partition: error.partition } : undefined;
}
