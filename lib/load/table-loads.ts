import type { PreparedLoad } from '../batch/prepare-loads.ts';
import { loadHeadersFor } from '../config/table-load-settings.ts';
import { type SinkLog, type TableLoadReport, tableReport } from './batch-report.ts';
import { settleWithLimit } from './concurrency.ts';
import {
  deadLetterRejectedRows,
  dropRejectedRows,
  isFilteredRows,
  MAX_REJECTION_ROUNDS,
  type RejectedRowsContext,
  readRejectedRows,
  traceRefusedBody,
} from './rejected-rows.ts';
import type { CredentialsProvider, LoadResult, StreamLoader } from './stream-load.ts';

/**
 * At-least-once loading: one Stream Load per table, at most `sink.max.concurrent.loads` at once. With
 * `errors.tolerance=all`, rows StarRocks rejects are dead-lettered and the table is loaded again
 * without them.
 */

export interface TableLoadContext extends RejectedRowsContext {
  readonly loader: StreamLoader;
  readonly credentials: CredentialsProvider;
  readonly log: SinkLog;
  /** Called per attempt refused for back-pressure, so a failed batch is counted too. */
  readonly onBackpressure?: ((table: string) => void) | undefined;
}

/** Called when StarRocks pushes back on a load: the loader retries it under the same label. */
type PushedBack = (load: PreparedLoad, reason: string) => void;

/**
 * Sends every table's load, at most `sink.max.concurrent.loads` at once (300 tables must not open
 * 300 connections to StarRocks), and waits for all of them, whatever each one's outcome; with the
 * count of attempts StarRocks refused for back-pressure.
 */
export async function loadTables(
  loads: readonly PreparedLoad[],
  context: TableLoadContext,
): Promise<{ results: PromiseSettledResult<TableLoadReport>[]; backpressure: number }> {
  let backpressure = 0;
  const pushedBack: PushedBack = (load, reason) => {
    backpressure++;
    context.log.warn('StarRocks pushed back; retrying with the same label', {
      table: load.batch.table,
      label: load.label,
      reason,
    });
    context.onBackpressure?.(load.batch.table);
  };
  const results = await settleWithLimit(loads, context.config.maxConcurrentLoads, (load) =>
    loadTable(load, context, pushedBack),
  );
  return { results, backpressure };
}

/**
 * Loads one table. "Too many filtered rows" applied nothing and freed the label: with
 * `errors.tolerance=all` the rejected rows are dead-lettered and the rest loaded under the label
 * of exactly those rows, so a retry of this batch rejects and labels the same way and loads
 * nothing twice.
 */
async function loadTable(
  first: PreparedLoad,
  context: TableLoadContext,
  pushedBack: PushedBack,
): Promise<TableLoadReport> {
  const tolerateAll = context.config.errorTolerance === 'all';
  const started = Date.now();
  let current = first;
  let result: LoadResult | undefined;
  for (let round = 0; result === undefined; round++) {
    try {
      result = await loadOnce(current, context, pushedBack);
    } catch (error) {
      if (!tolerateAll || !isFilteredRows(error) || round >= MAX_REJECTION_ROUNDS) throw error;
      const { next } = await dropRejectedRows([current], error, context);
      if (next.batch.rows.length === 0) return tableReport(current, started, 'dead-lettered', 0);
      current = next;
    }
  }
  if (tolerateAll && (result.filteredRows ?? 0) > 0 && result.errorUrl !== undefined) {
    // max_filter_ratio let StarRocks drop rows and load the rest: keep the dropped ones.
    const rows = await readRejectedRows(result.errorUrl, context.deadline);
    const drop = rows === 'cut' ? undefined : await deadLetterRejectedRows(current, rows, context);
    if (drop === undefined) {
      const why =
        rows === 'cut'
          ? 'whose error log was cut (too large, or not read whole in time)'
          : 'that could not be matched to records';
      context.log.warn(`StarRocks filtered rows ${why}; they are not dead-lettered`, {
        table: current.batch.table,
        label: current.label,
        filteredRows: result.filteredRows,
        errorUrl: result.errorUrl,
      });
    }
  }
  const report = tableReport(current, started, result.outcome, current.batch.rows.length);
  context.log.info('stream load done', {
    ...report,
    status: result.status,
    txnId: result.txnId,
    loadedRows: result.loadedRows,
    filteredRows: result.filteredRows,
    attempts: result.attempts,
  });
  return report;
}

/** One Stream Load of a table (the loader retries what may succeed later). */
async function loadOnce(
  load: PreparedLoad,
  context: TableLoadContext,
  pushedBack: PushedBack,
): Promise<LoadResult> {
  const { config, loader, credentials, deadline } = context;
  try {
    return await loader.load({
      table: load.batch.table,
      label: load.label,
      body: load.body,
      headers: loadHeadersFor(config, load.batch.table),
      deadline,
      credentials,
      onBackpressure: (reason) => pushedBack(load, reason),
    });
  } catch (error) {
    // Values and payloads copied without parsing are checked only structurally; if StarRocks
    // refused the body, name the record that is not JSON rather than only the load.
    traceRefusedBody(error, [load], config);
    throw error;
  }
}
