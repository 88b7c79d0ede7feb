import { buildLabel } from './batch/label.ts';
import { resolveTable } from './batch/route.ts';
import { findInvalidRow, serializeBody } from './batch/serialize.ts';
import {
  buildTableBatches,
  describeRanges,
  sourceOf,
  type TableBatch,
  withoutRows,
} from './batch/table-batches.ts';
import type { SinkConfig } from './config/sink-config.ts';
import { type DecodedBatch, decodeEachRecord, partitionKey, recordKey } from './decode/each-record.ts';
import { type BatchLayout, decodeBatch, type KafkaRecord } from './decode/event.ts';
import {
  BatchLoadError,
  ErrorCode,
  LoadError,
  RecordError,
  type RecordPosition,
  SinkError,
} from './errors.ts';
import {
  type DeadLetter,
  type DeadLetterStage,
  type DeadLetterWriter,
  deadLetterOf,
} from './load/dead-letter-records.ts';
import {
  type CoveredOffset,
  commitMulti,
  commitPerTable,
  offsetKey,
  readSettledOffsets,
  type TxnOptions,
  type TxnOutcome,
  type TxnTableLoad,
} from './load/exactly-once.ts';
import { fetchErrorLogText } from './load/http.ts';
import { type BatchItemFailure, PartitionFailures } from './load/partial-batch.ts';
import { matchRejectedRows, parseErrorLog } from './load/rejected-rows.ts';
import type { CredentialsProvider, LoadResult, StreamLoader } from './load/stream-load.ts';

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

export interface ProcessOptions {
  readonly config: SinkConfig;
  readonly loader: StreamLoader;
  readonly credentials: CredentialsProvider;
  /** Absolute time (epoch ms) by which every load must be done. */
  readonly deadline: number;
  readonly log: SinkLog;
  /** Called per attempt refused for back-pressure, so a failed batch is counted too. */
  readonly onBackpressure?: (table: string) => void;
  /** Required with `errors.tolerance=all`. */
  readonly deadLetters?: DeadLetterWriter;
}

interface PreparedLoad {
  readonly batch: TableBatch;
  readonly label: string;
  readonly body: Buffer;
}

/** How often a table is reloaded without the rows StarRocks rejected before the batch fails. */
const MAX_REJECTION_ROUNDS = 3;

/**
 * One invocation: decode, convert, transform and route every record, then send one Stream Load per
 * table, all tables concurrently. By default it resolves only when every table is loaded and
 * otherwise throws, so the event-source mapping retries the whole batch (identical labels make the
 * retry safe). With `sink.partial.batch.response=true`, a failure confined to some partitions is
 * returned as `batchItemFailures` instead and the other partitions commit. With
 * `errors.tolerance=all`, bad records and rows StarRocks rejects go to the dead-letter destination.
 */
export async function processBatch(event: unknown, options: ProcessOptions): Promise<BatchReport> {
  const { config, loader, credentials, deadline, log } = options;
  const partial = config.partialBatchResponse;
  const tolerateAll = config.errorTolerance === 'all';
  const writer = options.deadLetters;
  if (tolerateAll && writer === undefined) {
    throw new SinkError(ErrorCode.CONFIG_INVALID, 'errors.tolerance=all needs a dead-letter writer');
  }
  let backpressure = 0;
  let deadLettered = 0;
  const t0 = performance.now();
  const decoded: DecodedBatch =
    partial || tolerateAll
      ? decodeEachRecord(event)
      : { ...decodeBatch(event), undecodable: [], lowestOffsets: new Map(), raw: new Map() };
  const { records } = decoded;
  const failed = new PartitionFailures(decoded.lowestOffsets);
  const excluded = new Set<string>();
  const letters: DeadLetter[] = [];
  /** A record given up on: dead-lettered, or its partition held back, or the batch fails. */
  const reject = (position: RecordPosition, error: SinkError, stage: DeadLetterStage, table?: string) => {
    const raw = decoded.raw.get(recordKey(position));
    if (tolerateAll && raw !== undefined) {
      letters.push(deadLetterOf(raw, error, stage, table ?? null));
      excluded.add(recordKey(position));
    } else if (partial) failed.add(position, error);
    else throw error;
  };
  for (const u of decoded.undecodable) reject(u, u.error, 'decode');
  const exactlyOnce = config.exactlyOnce;
  const txnOptions: TxnOptions = { config, credentials, deadline };
  let eligible: readonly KafkaRecord[] = records;
  let alreadyCommitted = 0;
  /** Multi mode: the last offset per topic, partition and table the transaction's offsets cover. */
  const covered = new Map<string, CoveredOffset>();
  if (exactlyOnce?.mode === 'multi') {
    // Records at or below the committed offsets were loaded by an earlier invocation, whatever
    // the composition of that batch.
    const partitions = new Set(records.map((r) => partitionKey(r.topic, r.partition)));
    const stored = await readSettledOffsets(txnOptions, exactlyOnce.offsetsTable, partitions);
    eligible = records.filter((r) => {
      let table: string;
      try {
        table = resolveTable(r, config);
      } catch {
        return true; // an unroutable record is dealt with when the tables are built
      }
      const key = offsetKey(r.topic, r.partition, table);
      const last = stored.get(key);
      if (last !== undefined && r.offset <= last) return false;
      const seen = covered.get(key);
      if (seen === undefined || seen.offset < r.offset)
        covered.set(key, { topic: r.topic, partition: r.partition, table, offset: r.offset });
      return true;
    });
    alreadyCommitted = records.length - eligible.length;
  }
  const t1 = performance.now();

  const prepared = prepareLoads(
    eligible,
    decoded.layout,
    config,
    partial || tolerateAll
      ? {
          isOut: (r) => excluded.has(recordKey(r)) || failed.has(r),
          reject: (r, e) => reject(r, e, 'convert'),
          changes: () => excluded.size + failed.size,
        }
      : undefined,
  );
  const { summary } = prepared;
  const t2 = performance.now();
  const skipped: Record<string, number> = { ...summary.skipped };
  if (alreadyCommitted > 0) skipped['already-committed'] = alreadyCommitted;
  const skippedTotal = Object.values(skipped).reduce((a, b) => a + b, 0);
  const { tombstone: _t, 'delete-dropped': _d, ...notRows } = summary.skipped;
  if (Object.keys(notRows).length > 0) {
    // Truncates, logical messages, heartbeats, transaction metadata, schema changes: never rows.
    log.warn('skipped Debezium events that are not row changes', notRows);
  }
  // prepareLoads serializes too: its serialize time is reported apart from convert/transform.
  const transformMs = t2 - t1 - prepared.serializeMs;

  const writeLetters = async (batch: readonly DeadLetter[]) => {
    if (batch.length === 0) return;
    try {
      await (writer as DeadLetterWriter).write(batch);
    } catch (error) {
      throw new SinkError(
        ErrorCode.DEADLETTER_FAILED,
        `${batch.length} dead letter${batch.length === 1 ? '' : 's'} could not be written to ${(writer as DeadLetterWriter).destination}: ${(error as Error).message ?? String(error)}; the batch fails so that no record is lost (errors.tolerance=all)`,
        { retryable: true, cause: error },
      );
    }
    deadLettered += batch.length;
    for (const l of batch) {
      log.warn('record sent to the dead-letter destination', {
        record: `${partitionKey(l.topic, l.partition)}@${l.offset}`,
        table: l.table,
        stage: l.error.stage,
        code: l.error.code,
        error: l.error.message,
      });
    }
  };
  // Bad records are stored before anything loads: if that fails, the batch fails whole.
  await writeLetters(letters);

  /** The rows of a StarRocks error log, or undefined when it cannot be read or parsed whole. */
  const errorLogRows = async (errorUrl: string) => {
    const text = await fetchErrorLogText(errorUrl, deadline);
    if (text === undefined) return undefined;
    const { rows, unparsed } = parseErrorLog(text);
    return unparsed.length > 0 || rows.length === 0 ? undefined : rows;
  };

  /**
   * Rows StarRocks rejected, mapped back to their records and dead-lettered. Undefined when the
   * error log cannot be read or a rejected row matches no record: then nothing is dead-lettered.
   */
  const rejectedRows = async (
    current: PreparedLoad,
    rows: Awaited<ReturnType<typeof errorLogRows>>,
  ): Promise<Set<number> | undefined> => {
    if (rows === undefined) return undefined;
    const matched = matchRejectedRows(current.batch, rows, config.format);
    if (matched === undefined) return undefined;
    const batchLetters: DeadLetter[] = [];
    for (const [index, row] of matched) {
      const record = sourceOf(current.batch, index);
      const raw = decoded.raw.get(recordKey(record));
      if (raw === undefined) return undefined;
      const error = new RecordError(
        ErrorCode.LOAD_FAILED,
        record,
        `StarRocks rejected the row loading into table "${current.batch.table}" (label ${current.label}): ${row.reason}`,
      );
      batchLetters.push(deadLetterOf(raw, error, 'load', current.batch.table));
    }
    await writeLetters(batchLetters);
    return new Set(matched.keys());
  };

  /**
   * Of `loads`, the first whose rows the error log behind `error` names: those rows are
   * dead-lettered, and the load is rebuilt without them under the label of exactly the rows left.
   * Throws when the log names no load's rows.
   */
  const dropRejected = async (loads: readonly PreparedLoad[], error: LoadError) => {
    const rows = await errorLogRows(error.errorUrl as string);
    for (let index = 0; index < loads.length; index++) {
      const load = loads[index] as PreparedLoad;
      const drop = await rejectedRows(load, rows);
      if (drop === undefined) continue;
      const batch = withoutRows(load.batch, drop);
      const next = { batch, label: buildLabel(config.database, batch), body: serializeBody(batch, config) };
      return { index, next };
    }
    throw unmatchedRejections(error);
  };

  /** The report of the batch, once its loads are done. */
  const reportBatch = (
    tables: readonly TableLoadReport[],
    items: readonly BatchItemFailure[],
    sent = performance.now(),
  ) => ({
    records: records.length + decoded.undecodable.length,
    tables,
    skipped: { ...skipped, total: skippedTotal },
    backpressure,
    deadLettered,
    batchItemFailures: items,
    stages: {
      decodeMs: t1 - t0,
      transformMs,
      serializeMs: prepared.serializeMs,
      sendMs: sent - t2,
    },
  });

  if (exactlyOnce !== undefined) {
    // Other labels than the at-least-once loads': a switch of semantic must not match old labels.
    const txnLabel = (l: PreparedLoad): TxnTableLoad =>
      exactlyOnce.mode === 'per-table' ? { ...l, label: l.label.replace(/^kl-/, 'kt-') } : l;
    let loads = prepared.loads.map(txnLabel);
    const started = Date.now();
    let outcome: TxnOutcome | undefined;
    for (let round = 0; outcome === undefined && loads.length > 0; round++) {
      try {
        outcome =
          exactlyOnce.mode === 'multi'
            ? await commitMulti(loads, exactlyOnce.offsetsTable, txnOptions, [...covered.values()])
            : await commitPerTable(loads, txnOptions);
      } catch (error) {
        // Rows StarRocks rejected fail the transaction whole (nothing of it is visible). With
        // errors.tolerance=all they are dead-lettered and the transaction is run again without them.
        // One round per table whose rows were rejected (a transaction reports one table at a time).
        if (!tolerateAll || !isFilteredRows(error) || round >= MAX_REJECTION_ROUNDS + loads.length)
          throw error;
        const { index, next } = await dropRejected(loads, error);
        loads = loads.filter((_, i) => i !== index);
        if (next.batch.rows.length > 0) loads.splice(index, 0, txnLabel(next));
      }
    }
    const tables = loads.map((l) => {
      const label = exactlyOnce.mode === 'multi' ? (outcome?.labels[0] ?? l.label) : l.label;
      const report = reportOf({ ...l, label }, started, outcome?.outcome ?? 'loaded', l.batch.rows.length);
      log.info('stream load done', { ...report, attempts: outcome?.attempts, semantic: 'exactly-once' });
      return report;
    });
    return reportBatch(tables, []);
  }

  const loadOnce = async (current: PreparedLoad): Promise<LoadResult> =>
    loader
      .load({
        table: current.batch.table,
        label: current.label,
        body: current.body,
        headers: config.loadHeaders,
        deadline,
        credentials,
        onBackpressure: (reason) => {
          backpressure++;
          log.warn('StarRocks pushed back; retrying with the same label', {
            table: current.batch.table,
            label: current.label,
            reason,
          });
          options.onBackpressure?.(current.batch.table);
        },
      })
      .catch((error: unknown) => {
        // Values copied without parsing are checked only structurally; if StarRocks refused the
        // body, name the record that is not JSON rather than only the load.
        if (error instanceof LoadError && !error.retryable && !isFilteredRows(error))
          findInvalidRow(current.batch);
        throw error;
      });

  const loadTable = async (first: PreparedLoad): Promise<TableLoadReport> => {
    const started = Date.now();
    let current = first;
    let result: LoadResult | undefined;
    for (let round = 0; result === undefined; round++) {
      try {
        result = await loadOnce(current);
      } catch (error) {
        // "too many filtered rows": nothing was applied and the label is free again. The rejected
        // rows are dead-lettered and the rest loaded under the label of exactly those rows, so a
        // retry of this batch rejects and labels the same way and loads nothing twice.
        if (!tolerateAll || !isFilteredRows(error) || round >= MAX_REJECTION_ROUNDS) throw error;
        const { next } = await dropRejected([current], error);
        if (next.batch.rows.length === 0) return reportOf(current, started, 'dead-lettered', 0);
        current = next;
      }
    }
    if (tolerateAll && (result.filteredRows ?? 0) > 0 && result.errorUrl !== undefined) {
      // max_filter_ratio let StarRocks drop rows and load the rest: keep the dropped ones.
      const drop = await rejectedRows(current, await errorLogRows(result.errorUrl));
      if (drop === undefined) {
        log.warn('StarRocks filtered rows that could not be matched to records; they are not dead-lettered', {
          table: current.batch.table,
          label: current.label,
          filteredRows: result.filteredRows,
          errorUrl: result.errorUrl,
        });
      }
    }
    const report = reportOf(current, started, result.outcome, current.batch.rows.length);
    log.info('stream load done', {
      ...report,
      status: result.status,
      txnId: result.txnId,
      loadedRows: result.loadedRows,
      filteredRows: result.filteredRows,
      attempts: result.attempts,
    });
    return report;
  };

  const settled = await Promise.allSettled(prepared.loads.map(loadTable));
  const sent = performance.now();
  const failures: SinkError[] = [];
  const loaded: TableLoadReport[] = [];
  settled.forEach((s, i) => {
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
      failed.addRanges((prepared.loads[i] as PreparedLoad).batch.ranges, error);
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
  return reportBatch(loaded, failed.items(), sent);
}

/** Rows were rejected, and the error log does not name them well enough to dead-letter them. */
function unmatchedRejections(error: LoadError): LoadError {
  return new LoadError(
    error.code,
    `${error.summary}; its rejected rows could not be matched to records from ErrorURL, so none was dead-lettered and the batch fails`,
    error,
    { cause: error },
  );
}

function isFilteredRows(error: unknown): error is LoadError {
  return (
    error instanceof LoadError &&
    error.errorUrl !== undefined &&
    /too many filtered rows/i.test(error.starrocksMessage ?? '')
  );
}

function reportOf(
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

/** How records that cannot be converted, routed or serialized are set aside. */
interface RecordPolicy {
  /** Whether a record is already set aside (its partition held back, or dead-lettered). */
  isOut(record: KafkaRecord): boolean;
  reject(record: RecordPosition, error: SinkError): void;
  /** Grows with every record or partition set aside. */
  changes(): number;
}

/**
 * Builds each table's rows, label and body. With a policy, a record that cannot be converted,
 * routed or serialized is set aside and the tables are built again without it, so their labels
 * name exactly the offsets they load.
 */
function prepareLoads(
  records: readonly KafkaRecord[],
  layout: BatchLayout | undefined,
  config: SinkConfig,
  policy: RecordPolicy | undefined,
): { summary: ReturnType<typeof buildTableBatches>; loads: PreparedLoad[]; serializeMs: number } {
  // Each round sets aside at least one more record or ends: bounded by the record count.
  for (;;) {
    const before = policy?.changes() ?? 0;
    const eligible = policy && before > 0 ? records.filter((r) => !policy.isOut(r)) : records;
    const summary = buildTableBatches(
      eligible,
      config,
      policy ? (record, error) => policy.reject(record, error) : undefined,
      layout,
    );
    if (policy && policy.changes() > before) continue;
    const started = performance.now();
    const loads: PreparedLoad[] = [];
    for (const batch of summary.tables) {
      let body: Buffer;
      try {
        body = serializeBody(batch, config);
      } catch (error) {
        if (policy === undefined || !(error instanceof RecordError)) throw error;
        policy.reject(error, error);
        continue;
      }
      loads.push({ batch, label: buildLabel(config.database, batch), body });
    }
    if (policy && policy.changes() > before) continue;
    return { summary, loads, serializeMs: performance.now() - started };
  }
}
