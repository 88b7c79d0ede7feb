import type { PreparedLoad } from '../batch/prepare-loads.ts';
import { describeRanges } from '../batch/table-batches.ts';
import { partitionKey } from '../decode/event.ts';
import { BatchLoadError, ErrorCode, SinkError } from '../errors.ts';
import type { BatchItemFailure, PartitionFailures } from './partial-batch.ts';
import type { LoadResult } from './stream-load.ts';

/**
 * What an invocation reports: the log it writes to, each table's load report, the batch report the
 * handler turns into logs and metrics, and the settling of the table loads into that report (or
 * into the error that fails the batch).
 */

/** What the pipeline reports; the handler turns it into logs and metrics. */
export interface SinkLog {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
}

export interface TableLoadReport {
  readonly table: string;
  readonly label: string;
  readonly rows: number;
  readonly bytes: number;
  readonly ms: number;
  /** `dead-lettered`: StarRocks rejected every row, so nothing was left to load. */
  readonly outcome: LoadResult['outcome'] | 'dead-lettered';
  readonly offsets: string[];
}

export interface BatchReport {
  readonly records: number;
  readonly tables: readonly TableLoadReport[];
  readonly skipped: Readonly<Record<string, number>>;
  /** Load attempts StarRocks refused for back-pressure (too many versions/transactions, memory). */
  readonly backpressure: number;
  /** Records sent to the dead-letter destination (`errors.tolerance=all`). */
  readonly deadLettered: number;
  /**
   * With `sink.partial.batch.response=true`: the partitions not committed, each at its lowest
   * offset in the batch (empty when everything loaded). Always empty otherwise.
   */
  readonly batchItemFailures: readonly BatchItemFailure[];
  /** Wall time per stage, in ms: decode, convert/transform/route, serialize, send (all tables). */
  readonly stages: StageTimings;
}

export interface StageTimings {
  readonly decodeMs: number;
  readonly transformMs: number;
  readonly serializeMs: number;
  readonly sendMs: number;
}

/**
 * The marks between an invocation's stages. Decoding ends once the committed records are skipped;
 * preparing the loads serializes too, and its serialize time is reported apart.
 */
export class StageClock {
  readonly #started = performance.now();
  #decoded = this.#started;
  #prepared = this.#started;

  decoded(): void {
    this.#decoded = performance.now();
  }

  prepared(): void {
    this.#prepared = performance.now();
  }

  timings(serializeMs: number, sent = performance.now()): StageTimings {
    return {
      decodeMs: this.#decoded - this.#started,
      transformMs: this.#prepared - this.#decoded - serializeMs,
      serializeMs,
      sendMs: sent - this.#prepared,
    };
  }
}

/** One table's report, once its load is done (or every row was dead-lettered). */
export function tableReport(
  load: PreparedLoad,
  started: number,
  outcome: TableLoadReport['outcome'],
  rows: number,
): TableLoadReport {
  return {
    table: load.batch.table,
    label: load.label,
    rows,
    bytes: outcome === 'dead-lettered' ? 0 : load.body.length,
    ms: Date.now() - started,
    outcome,
    offsets: describeRanges(load.batch.ranges),
  };
}

/**
 * Records that produced no row, by reason, with the records an earlier invocation already
 * committed and the total. Debezium events that are never rows are worth a warning.
 */
export function countSkipped(
  skipped: Readonly<Record<string, number>>,
  alreadyCommitted: number,
  log: SinkLog,
): Record<string, number> {
  const counts: Record<string, number> = { ...skipped };
  if (alreadyCommitted > 0) counts['already-committed'] = alreadyCommitted;
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const { tombstone: _t, 'delete-dropped': _d, ...notRows } = skipped;
  if (Object.keys(notRows).length > 0) {
    // Truncates, logical messages, heartbeats, transaction metadata, schema changes: never rows.
    log.warn('skipped Debezium events that are not row changes', notRows);
  }
  return { ...counts, total };
}

/**
 * The table loads of an at-least-once batch, settled: the reports of the tables loaded, with the
 * partitions of failed tables held back when partial batch responses allow it. Throws, with every
 * reason, when the batch fails whole: a failure without partial batch responses, a failure that
 * holds back every partition, or a dead letter that could not be written.
 */
export function settleTableLoads(
  results: readonly PromiseSettledResult<TableLoadReport>[],
  loads: readonly PreparedLoad[],
  failed: PartitionFailures,
  partial: boolean,
  log: SinkLog,
): TableLoadReport[] {
  const failures: SinkError[] = [];
  const loaded: TableLoadReport[] = [];
  results.forEach((s, i) => {
    if (s.status === 'fulfilled') {
      loaded.push(s.value);
      return;
    }
    const error =
      s.reason instanceof SinkError
        ? s.reason
        : new SinkError('LOAD_FAILED', String(s.reason), { cause: s.reason });
    failures.push(error);
    // A dead letter that could not be written fails the batch whole, whatever the mode.
    if (partial && error.code !== ErrorCode.DEADLETTER_FAILED)
      failed.addRanges((loads[i] as PreparedLoad).batch.ranges, error);
  });

  // Unless only some partitions failed (and the ESM was told it may commit the rest), a failure
  // fails the whole batch, with its reasons.
  const wholeBatch =
    !partial || failed.coversAll() || failures.some((f) => f.code === ErrorCode.DEADLETTER_FAILED);
  if (wholeBatch && failures.length > 0) {
    if (failures.length === 1 && loaded.length === 0) throw failures[0];
    throw new BatchLoadError(
      failures,
      loaded.map((l) => l.table),
    );
  }
  const firstHeldBack = failed.list()[0];
  if (wholeBatch && firstHeldBack !== undefined) throw firstHeldBack.error;
  for (const f of failed.list()) {
    log.warn('partition not committed; reported in batchItemFailures for the event-source mapping to retry', {
      partition: partitionKey(f.topic, f.partition),
      offset: f.offset,
      code: f.error.code,
      error: f.error.message,
    });
  }
  return loaded;
}
