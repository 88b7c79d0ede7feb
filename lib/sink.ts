import { buildLabel, buildTableBatches, describeRanges, findInvalidRow, serializeBody } from './batch.ts';
import type { SinkConfig } from './config.ts';
import { decodeEvent } from './decode.ts';
import { BatchLoadError, LoadError, SinkError } from './errors.ts';
import type { CredentialsProvider, LoadResult, StreamLoader } from './stream-load.ts';

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
  readonly outcome: LoadResult['outcome'];
  readonly offsets: string[];
}

export interface BatchReport {
  readonly records: number;
  readonly tables: readonly TableLoadReport[];
  readonly skipped: Readonly<Record<string, number>>;
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
}

/**
 * One invocation: decode, convert, transform and route every record, then send one Stream Load per
 * table, all tables concurrently. Resolves only when every table is loaded; otherwise throws, so the
 * event-source mapping retries the whole batch (identical labels make the retry safe).
 */
export async function processBatch(event: unknown, options: ProcessOptions): Promise<BatchReport> {
  const { config, loader, credentials, deadline, log } = options;
  const t0 = performance.now();
  const records = decodeEvent(event);
  const t1 = performance.now();
  const summary = buildTableBatches(records, config);
  const t2 = performance.now();
  const skippedTotal = Object.values(summary.skipped).reduce((a, b) => a + b, 0);
  const { tombstone: _t, 'delete-dropped': _d, ...notRows } = summary.skipped;
  if (Object.keys(notRows).length > 0) {
    // Truncates, logical messages, heartbeats, transaction metadata, schema changes: never rows.
    log.warn('skipped Debezium events that are not row changes', notRows);
  }

  const bodies = summary.tables.map((batch) => ({
    batch,
    label: buildLabel(config.database, batch),
    body: serializeBody(batch, config),
  }));
  const t3 = performance.now();
  const loads = bodies.map(async ({ batch, label, body }): Promise<TableLoadReport> => {
    const started = Date.now();
    const result = await loader
      .load({
        table: batch.table,
        label,
        body,
        headers: config.loadHeaders,
        deadline,
        credentials,
      })
      .catch((error: unknown) => {
        // Values copied without parsing are checked only structurally; if StarRocks refused the
        // body, name the record that is not JSON rather than only the load.
        if (error instanceof LoadError && !error.retryable) findInvalidRow(batch);
        throw error;
      });
    const report: TableLoadReport = {
      table: batch.table,
      label,
      rows: batch.rows.length,
      bytes: body.length,
      ms: Date.now() - started,
      outcome: result.outcome,
      offsets: describeRanges(batch.ranges),
    };
    log.info('stream load done', {
      ...report,
      status: result.status,
      txnId: result.txnId,
      loadedRows: result.loadedRows,
      filteredRows: result.filteredRows,
      attempts: result.attempts,
    });
    return report;
  });

  const settled = await Promise.allSettled(loads);
  const t4 = performance.now();
  const failures: SinkError[] = [];
  const loaded: TableLoadReport[] = [];
  for (const s of settled) {
    if (s.status === 'fulfilled') loaded.push(s.value);
    else
      failures.push(
        s.reason instanceof SinkError
          ? s.reason
          : new SinkError('LOAD_FAILED', String(s.reason), { cause: s.reason }),
      );
  }
  if (failures.length === 1 && loaded.length === 0) throw failures[0];
  if (failures.length > 0)
    throw new BatchLoadError(
      failures,
      loaded.map((l) => l.table),
    );
  return {
    records: records.length,
    tables: loaded,
    skipped: { ...summary.skipped, total: skippedTotal },
    stages: { decodeMs: t1 - t0, transformMs: t2 - t1, serializeMs: t3 - t2, sendMs: t4 - t3 },
  };
}
