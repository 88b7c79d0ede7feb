import type { RecordPolicy } from '../batch/prepare-loads.ts';
import type { SinkConfig } from '../config/sink-config.ts';
import { type DecodedEvent, type KafkaRecord, partitionKey, recordKey } from '../decode/event.ts';
import { ErrorCode, type RecordPosition, SinkError } from '../errors.ts';
import type { SinkLog } from './batch-report.ts';
import {
  type DeadLetter,
  type DeadLetterStage,
  type DeadLetterWriter,
  deadLetterOf,
} from './dead-letter-records.ts';
import type { PartitionFailures } from './partial-batch.ts';

/**
 * Records given up on: set aside as dead letters (`errors.tolerance=all`) or by holding back their
 * partitions (`sink.partial.batch.response=true`), and dead letters written with their log lines.
 */

/**
 * Where a record given up on goes: a dead letter when `errors.tolerance=all` and the raw record is
 * known, else its partition held back with partial batch responses, else the error is thrown. The
 * dead letters wait in {@link SetAsideRecords.letters} until they are sent.
 */
export class SetAsideRecords implements RecordPolicy {
  /** Dead letters of records set aside, not sent yet. */
  readonly letters: DeadLetter[] = [];
  readonly #excluded = new Set<string>();
  readonly #tolerateAll: boolean;
  readonly #partial: boolean;
  readonly #raw: DecodedEvent['raw'];
  readonly #failed: PartitionFailures;

  constructor(config: SinkConfig, raw: DecodedEvent['raw'], failed: PartitionFailures) {
    this.#tolerateAll = config.errorTolerance === 'all';
    this.#partial = config.partialBatchResponse;
    this.#raw = raw;
    this.#failed = failed;
  }

  isOut(record: KafkaRecord): boolean {
    return this.#excluded.has(recordKey(record)) || this.#failed.has(record);
  }

  reject(position: RecordPosition, error: SinkError, stage: DeadLetterStage = 'convert'): void {
    const raw = this.#raw.get(recordKey(position));
    if (this.#tolerateAll && raw !== undefined) {
      this.letters.push(deadLetterOf(raw, error, stage, null));
      this.#excluded.add(recordKey(position));
    } else if (this.#partial) this.#failed.add(position, error);
    else throw error;
  }

  changes(): number {
    return this.#excluded.size + this.#failed.size;
  }
}

/** Writes dead letters through the configured writer, counting them and logging each. */
export class DeadLetterSender {
  readonly #writer: DeadLetterWriter | undefined;
  readonly #log: SinkLog;
  #sent = 0;

  /** `writer` may be undefined only when nothing will be dead-lettered (no `errors.tolerance=all`). */
  constructor(writer: DeadLetterWriter | undefined, log: SinkLog) {
    this.#writer = writer;
    this.#log = log;
  }

  /** Dead letters written so far. */
  get sent(): number {
    return this.#sent;
  }

  /**
   * Writes `letters`, all or nothing. A failed write is DEADLETTER_FAILED (retryable): the batch
   * fails so that no record is lost.
   */
  async send(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    const writer = this.#writer as DeadLetterWriter;
    try {
      await writer.write(letters);
    } catch (error) {
      throw new SinkError(
        ErrorCode.DEADLETTER_FAILED,
        `${letters.length} dead letter${letters.length === 1 ? '' : 's'} could not be written to ${writer.destination}: ${(error as Error).message ?? String(error)}; the batch fails so that no record is lost (errors.tolerance=all)`,
        { retryable: true, cause: error },
      );
    }
    this.#sent += letters.length;
    for (const l of letters) {
      this.#log.warn('record sent to the dead-letter destination', {
        record: `${partitionKey(l.topic, l.partition)}@${l.offset}`,
        table: l.table,
        stage: l.error.stage,
        code: l.error.code,
        error: l.error.message,
      });
    }
  }
}
