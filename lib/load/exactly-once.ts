import { createHash } from 'node:crypto';
import type { SinkConfig } from '../config/sink-config.ts';
import { loadHeadersFor } from '../config/table-load-settings.ts';
import { AttemptFailure } from './attempts.ts';
import { settleWithLimit } from './concurrency.ts';
import { type CoveredOffset, offsetRowList, writeIntent } from './offsets-table.ts';
import {
  backoff,
  DONE_STATES,
  expectAnswered,
  expectOk,
  givenUp,
  rollBack,
  type TransactionClient,
  type TxnOptions,
  type TxnTableLoad,
  transactionClient,
} from './transaction-api.ts';

/**
 * `sink.semantic=exactly-once` over the Stream Load transaction API: the two ways to commit.
 *
 * - `multi` (StarRocks ≥ 4.0): one multi-table transaction per invocation loads every table and
 *   upserts the offsets table (`topic, kafka_partition, target_table → last_offset`) in the same
 *   commit; records at or below the stored offsets are dropped before anything is built, so a
 *   retried batch of any composition loads each record once (offsets-table.ts).
 * - `per-table` (< 4.0): per table, begin / load / prepare under a label derived from the exact
 *   offsets, then commit every table; what is not committed is rolled back on failure. A retry of
 *   the same batch finds committed labels done and commits prepared ones left by a crash.
 */

export interface TxnOutcome {
  /** The label of the transaction that holds the rows (multi), or one per table (per-table). */
  readonly labels: readonly string[];
  /** `loaded` now, or `already-loaded` by an earlier invocation. */
  readonly outcome: 'loaded' | 'already-loaded';
  readonly attempts: number;
}

/** A transaction outlives the invocation by this much, so a crash leaves it to time out soon. */
const TXN_TIMEOUT_MARGIN_S = 30;
/** How many labels of one batch a multi-table transaction may step through. */
const MAX_LABEL_SUFFIX = 1000;

/**
 * Loads every table and the offsets in one multi-table transaction (StarRocks ≥ 4.0). The label is
 * derived from the tables' labels, with a suffix per attempt: StarRocks keeps aborted multi-table
 * labels blocked, and a transaction of an earlier attempt must be told apart from this one.
 */
export async function commitMulti(
  loads: readonly TxnTableLoad[],
  offsetsTable: string,
  options: TxnOptions,
  covered: readonly CoveredOffset[] = [],
): Promise<TxnOutcome> {
  const txn = transactionClient(options);
  const { config, deadline } = options;
  const base = multiTableLabel(config.database, loads);
  // The same rows for every attempt: only the intent's label changes.
  const rows = offsetRowList(loads, covered);
  const offsets = Buffer.from(JSON.stringify(rows));
  const maxAttempts = options.maxAttempts ?? 5;
  let last: AttemptFailure | undefined;
  let attempt = 0;
  // Labels used by earlier invocations of this batch (aborted ones stay blocked for days in
  // StarRocks) are stepped over without counting as attempts of this one.
  for (
    let suffix = 0;
    attempt < maxAttempts && suffix < MAX_LABEL_SUFFIX && deadline - Date.now() > 1000;
    suffix++
  ) {
    const label = suffix === 0 ? base : `${base}-${suffix}`;
    const headers = { transaction_type: 'multi', label };
    try {
      const timeout = String(Math.ceil((deadline - Date.now()) / 1000) + TXN_TIMEOUT_MARGIN_S);
      const begun = expectAnswered(await txn.operation('begin', { ...headers, timeout }), 'begin');
      if (begun.kind === 'label-exists') {
        if ((await settleTakenLabel(txn, headers)) === 'done')
          return { labels: [label], outcome: 'already-loaded', attempts: attempt + 1 };
        continue;
      }
      attempt++;
      expectOk(begun, 'begin');
      await writeIntent(txn, offsetsTable, rows, label);
      await loadEveryTable(txn, headers, loads, config, offsetsTable, offsets);
      await commit(txn, headers);
      return { labels: [label], outcome: 'loaded', attempts: attempt };
    } catch (error) {
      if (!(error instanceof AttemptFailure)) throw error;
      last = error;
      await rollBack(txn, headers);
      if (!error.retry) break;
      await backoff(options, attempt);
    }
  }
  throw givenUp(last, 'the multi-table transaction', base);
}

function multiTableLabel(database: string, loads: readonly TxnTableLoad[]): string {
  const hash = createHash('sha256').update([database, ...loads.map((l) => l.label)].join('\u0001'));
  return `kx-${hash.digest('hex').slice(0, 40)}`;
}

/**
 * A multi-table label an earlier invocation began: `done` when its transaction committed these
 * rows; otherwise (still open from an invocation that died, or aborted) it is closed and the next
 * label is used.
 */
async function settleTakenLabel(
  txn: TransactionClient,
  headers: { readonly transaction_type: string; readonly label: string },
): Promise<'done' | 'taken'> {
  const state = await txn.state(headers.label);
  if (DONE_STATES.has(state)) return 'done';
  if (state !== 'ABORTED') await rollBack(txn, headers);
  return 'taken';
}

/**
 * Every table, then the offsets, into the open multi-table transaction. One load at a time:
 * StarRocks allows one in flight per (label, table) and answers TXN_IN_PROCESSING otherwise; some
 * versions (and the stand-in) hold the whole label.
 */
async function loadEveryTable(
  txn: TransactionClient,
  headers: Record<string, string>,
  loads: readonly TxnTableLoad[],
  config: SinkConfig,
  offsetsTable: string,
  offsets: Buffer,
): Promise<void> {
  for (const l of loads) {
    const table = l.batch.table;
    expectOk(await txn.load({ ...loadHeadersFor(config, table), ...headers, table }, l.body), 'load');
  }
  const offsetHeaders = { ...headers, table: offsetsTable, format: 'json', strip_outer_array: 'true' };
  expectOk(await txn.load(offsetHeaders, offsets), 'load of the offsets');
}

/** Commits the transaction of `headers.label`; a commit that seems to fail is what the label says. */
async function commit(
  txn: TransactionClient,
  headers: Readonly<Record<string, string>> & { readonly label: string },
): Promise<void> {
  const committed = await txn.operation('commit', headers);
  if (committed.kind === 'ok' || committed.kind === 'published-later') return;
  if (DONE_STATES.has(await txn.state(headers.label))) return;
  expectOk(committed, 'commit');
}

/**
 * Per-table transactions (StarRocks < 4.0): begin, load and prepare every table (at most
 * `sink.max.concurrent.loads` at once), then commit every table; on failure roll back what is not committed. Labels are the tables' deterministic labels.
 */
export async function commitPerTable(
  loads: readonly TxnTableLoad[],
  options: TxnOptions,
): Promise<TxnOutcome> {
  const txn = transactionClient(options);
  const maxAttempts = options.maxAttempts ?? 5;
  const labels: PerTableLabels = { committed: new Set(), alreadyDone: new Set(), open: new Set() };
  let last: AttemptFailure | undefined;
  for (let attempt = 0; attempt < maxAttempts && options.deadline - Date.now() > 1000; attempt++) {
    labels.open.clear();
    try {
      await prepareEveryTable(txn, loads, options.config, labels);
      for (const l of loads) {
        if (labels.committed.has(l.label)) continue;
        await commit(txn, { label: l.label });
        labels.committed.add(l.label);
        labels.open.delete(l.label);
      }
      return {
        labels: loads.map((l) => l.label),
        outcome: labels.alreadyDone.size === loads.length ? 'already-loaded' : 'loaded',
        attempts: attempt + 1,
      };
    } catch (error) {
      if (!(error instanceof AttemptFailure)) throw error;
      last = error;
      // Not committed means not visible: roll back, so a retry loads it again under its label.
      for (const label of labels.open) {
        if (!labels.committed.has(label)) await rollBack(txn, { label });
      }
      if (!error.retry) break;
      await backoff(options, attempt);
    }
  }
  throw givenUp(last, 'the per-table transactions', loads.map((l) => l.label).join(','));
}

/**
 * Begins, loads and prepares every table, at most `sink.max.concurrent.loads` at once; after a
 * failure no further table is begun (the attempt rolls back anyway). Settled, not raced: a table
 * still loading when another fails must be in `open` before the rollback, or it would be left
 * behind.
 */
async function prepareEveryTable(
  txn: TransactionClient,
  loads: readonly TxnTableLoad[],
  config: SinkConfig,
  labels: PerTableLabels,
): Promise<void> {
  let failed = false;
  const settled = await settleWithLimit(loads, config.maxConcurrentLoads, async (load) => {
    if (failed) return;
    try {
      await prepareTable(txn, load, config, labels);
    } catch (error) {
      failed = true;
      throw error;
    }
  });
  throwFirstRejection(settled);
}

/** Where each per-table label stands across the attempts. */
interface PerTableLabels {
  readonly committed: Set<string>;
  /** Committed by an earlier invocation. */
  readonly alreadyDone: Set<string>;
  /** Begun (or found prepared) by this attempt, not committed yet: rolled back should it fail. */
  readonly open: Set<string>;
}

/** Begins, loads and prepares one table's transaction, or finds an earlier invocation's. */
async function prepareTable(
  txn: TransactionClient,
  load: TxnTableLoad,
  config: SinkConfig,
  labels: PerTableLabels,
): Promise<void> {
  const { label } = load;
  if (labels.committed.has(label)) return;
  const headers = { label, table: load.batch.table };
  const begun = expectAnswered(await txn.operation('begin', headers), 'begin');
  if (begun.kind === 'label-exists') {
    const state = await txn.state(label);
    if (DONE_STATES.has(state)) {
      labels.committed.add(label);
      labels.alreadyDone.add(label);
      return;
    }
    if (state === 'PREPARED') {
      // Prepared by an invocation that died before committing: the label names exactly these
      // rows, so committing it is this load.
      labels.open.add(label);
      return;
    }
    // PREPARE: abandoned mid-load; its data is incomplete. Roll back and load again.
    expectAnswered(await txn.operation('rollback', headers), 'rollback');
    expectOk(await txn.operation('begin', headers), 'begin');
  } else expectOk(begun, 'begin');
  labels.open.add(label);
  expectOk(await txn.load({ ...loadHeadersFor(config, load.batch.table), ...headers }, load.body), 'load');
  expectOk(await txn.operation('prepare', headers), 'prepare');
}

function throwFirstRejection(settled: readonly PromiseSettledResult<unknown>[]): void {
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
}
