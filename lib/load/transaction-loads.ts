import type { PreparedLoad } from '../batch/prepare-loads.ts';
import type { SinkConfig } from '../config/sink-config.ts';
import { type SinkLog, type TableLoadReport, tableReport } from './batch-report.ts';
import { commitMulti, commitPerTable, type TxnOutcome } from './exactly-once.ts';
import type { CoveredOffset } from './offsets-table.ts';
import {
  dropRejectedRows,
  isFilteredRows,
  MAX_REJECTION_ROUNDS,
  type RejectedRowsContext,
  traceRefusedBody,
} from './rejected-rows.ts';
import type { CredentialsProvider } from './stream-load.ts';
import type { TxnOptions, TxnTableLoad } from './transaction-api.ts';

/**
 * Exactly-once loading: every table's load committed through the transaction API (one
 * transaction per table, or one multi-table transaction that also writes the offsets table), in
 * rounds: with `errors.tolerance=all`, rows StarRocks rejects are dead-lettered and the
 * transaction run again without them.
 */

export interface TransactionLoadContext extends RejectedRowsContext {
  readonly credentials: CredentialsProvider;
  readonly log: SinkLog;
}

/**
 * Commits the loads exactly once, in `exactlyOnce`'s mode; `covered` are the offsets a multi-table
 * transaction records. Resolves with each table's report once committed, or throws.
 */
export async function loadInTransactions(
  prepared: readonly PreparedLoad[],
  covered: readonly CoveredOffset[],
  exactlyOnce: NonNullable<SinkConfig['exactlyOnce']>,
  context: TransactionLoadContext,
): Promise<TableLoadReport[]> {
  const { config, credentials, deadline } = context;
  const txnOptions: TxnOptions = { config, credentials, deadline };
  // Other labels than the at-least-once loads': a switch of semantic must not match old labels.
  const txnLabel = (l: PreparedLoad): TxnTableLoad =>
    exactlyOnce.mode === 'per-table' ? { ...l, label: l.label.replace(/^kl-/, 'kt-') } : l;
  let loads = prepared.map(txnLabel);
  const started = Date.now();
  let outcome: TxnOutcome | undefined;
  for (let round = 0; outcome === undefined && loads.length > 0; round++) {
    try {
      outcome =
        exactlyOnce.mode === 'multi'
          ? await commitMulti(loads, exactlyOnce.offsetsTable, txnOptions, [...covered])
          : await commitPerTable(loads, txnOptions);
    } catch (error) {
      // Rows StarRocks rejected fail the transaction whole (nothing of it is visible). With
      // errors.tolerance=all they are dead-lettered and the transaction is run again without them.
      // One round per table whose rows were rejected (a transaction reports one table at a time).
      const tolerateAll = config.errorTolerance === 'all';
      // As for Stream Loads: a body StarRocks refused for its syntax is traced to its record.
      traceRefusedBody(error, loads, config);
      if (!tolerateAll || !isFilteredRows(error) || round >= MAX_REJECTION_ROUNDS + loads.length) throw error;
      const { index, next } = await dropRejectedRows(loads, error, context);
      loads = loads.filter((_, i) => i !== index);
      if (next.batch.rows.length > 0) loads.splice(index, 0, txnLabel(next));
    }
  }
  return loads.map((l) => {
    const label = exactlyOnce.mode === 'multi' ? (outcome?.labels[0] ?? l.label) : l.label;
    const report = tableReport({ ...l, label }, started, outcome?.outcome ?? 'loaded', l.batch.rows.length);
    context.log.info('stream load done', {
      ...report,
      attempts: outcome?.attempts,
      semantic: 'exactly-once',
    });
    return report;
  });
}
