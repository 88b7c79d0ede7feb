import { buildLabel, buildTableBatches, describeRanges, serializeBody } from './batch.ts';
import type { SinkConfig } from './config.ts';
import { decodeEvent } from './decode.ts';
import { BatchLoadError, SinkError } from './errors.ts';
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
  const records = decodeEvent(event);
  const summary = buildTableBatches(records, config);
  const skippedTotal = Object.values(summary.skipped).reduce((a, b) => a + b, 0);
  const { tombstone: _t, 'delete-dropped': _d, ...notRows } = summary.skipped;
  if (Object.keys(notRows).length > 0) {
    // Truncates, logical messages, heartbeats, transaction metadata, schema changes: never rows.
    log.warn('skipped Debezium events that are not row changes', notRows);
  }

  const loads = summary.tables.map(async (batch): Promise<TableLoadReport> => {
    const label = buildLabel(config.database, batch);
    const body = serializeBody(batch, config);
    const started = Date.now();
    const result = await loader.load({
      table: batch.table,
      label,
      body,
      headers: config.loadHeaders,
      deadline,
      credentials,
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
  return { records: records.length, tables: loaded, skipped: { ...summary.skipped, total: skippedTotal } };
}
