import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { partitionKey } from '../decode/event.ts';
import { ErrorCode } from '../errors.ts';
import { AttemptFailure } from './attempts.ts';
import { isRefusal } from './classify.ts';
import {
  expectAnswered,
  rollBack,
  type TransactionClient,
  type TxnOptions,
  type TxnTableLoad,
  transactionClient,
  transactionError,
} from './transaction-api.ts';

/**
 * The offsets table of `sink.transaction.mode=multi`: its DDL, the rows a transaction upserts,
 * the intent written before a commit, and the read that first settles the transactions earlier
 * invocations left in flight.
 */

/**
 * The offsets table's columns, in its DDL order. `pending_label` is the intent: the label of the
 * multi-table transaction about to commit these offsets, written (and visible) before its commit
 * can happen; the commit itself sets it back to NULL with the new `last_offset`.
 */
export const OFFSET_COLUMNS = [
  'topic',
  'kafka_partition',
  'target_table',
  'last_offset',
  'pending_label',
] as const;

/** The DDL of the offsets table (README "Exactly-once"); the sink does not run DDL itself. */
export function offsetsTableDdl(table: string): string {
  return [
    `CREATE TABLE ${table} (`,
    '  topic           VARCHAR(249)  NOT NULL,',
    '  kafka_partition INT           NOT NULL,',
    '  target_table    VARCHAR(1024) NOT NULL,',
    '  last_offset     BIGINT        NOT NULL DEFAULT "-1",',
    '  pending_label   VARCHAR(128)  NULL',
    ') PRIMARY KEY (topic, kafka_partition, target_table)',
    'DISTRIBUTED BY HASH(topic);',
  ].join('\n');
}

const INTENT_COLUMNS = 'topic,kafka_partition,target_table,pending_label';
/** How long a committed but not yet visible transaction of an earlier invocation is polled. */
const VISIBLE_POLL_MS = 200;
/** Reads of the offsets table while earlier transactions are settled. */
const MAX_SETTLE_ROUNDS = 5;

/** `topic\0partition\0table` → the last offset committed for it. */
export type StoredOffsets = ReadonlyMap<string, number>;

export function offsetKey(topic: string, partition: number, table: string): string {
  return `${topic}\u0000${partition}\u0000${table}`;
}

/** A record position the offsets must cover though the record loads no row (skipped, dead-lettered). */
export interface CoveredOffset {
  readonly topic: string;
  readonly partition: number;
  readonly table: string;
  readonly offset: number;
}

/** One row of the offsets table, as the transaction upserts it. */
export interface OffsetRow {
  readonly topic: string;
  readonly kafka_partition: number;
  readonly target_table: string;
  readonly last_offset: number;
  readonly pending_label: null;
}

/**
 * The offsets rows the transaction upserts: the last offset per topic, partition and table, over
 * the rows loaded and the records `covered` without a row. `pending_label` goes back to NULL.
 */
export function offsetRowList(
  loads: readonly TxnTableLoad[],
  covered: readonly CoveredOffset[],
): OffsetRow[] {
  const rows: OffsetRow[] = [
    ...loads.flatMap((l) =>
      l.batch.ranges.map((r) => ({
        topic: r.topic,
        kafka_partition: r.partition,
        target_table: l.batch.table,
        last_offset: r.last,
        pending_label: null,
      })),
    ),
    ...covered.map((c) => ({
      topic: c.topic,
      kafka_partition: c.partition,
      target_table: c.table,
      last_offset: c.offset,
      pending_label: null,
    })),
  ];
  // One row per key, the highest offset winning (a table can have several ranges of a partition).
  const byKey = new Map<string, OffsetRow>();
  for (const row of rows) {
    const key = offsetKey(row.topic, row.kafka_partition, row.target_table);
    const seen = byKey.get(key);
    if (seen === undefined || seen.last_offset < row.last_offset) byKey.set(key, row);
  }
  return [...byKey.values()];
}

/** {@link offsetRowList} as the JSON body of the offsets load. */
export function offsetRows(loads: readonly TxnTableLoad[], covered: readonly CoveredOffset[] = []): Buffer {
  return Buffer.from(JSON.stringify(offsetRowList(loads, covered)));
}

/** The intent rows: `pending_label` set on every offsets row the transaction will upsert. */
function intentRows(rows: readonly OffsetRow[], label: string): Buffer {
  return Buffer.from(
    JSON.stringify(
      rows.map((r) => ({
        topic: r.topic,
        kafka_partition: r.kafka_partition,
        target_table: r.target_table,
        pending_label: label,
      })),
    ),
  );
}

/**
 * Writes the intent, by a Stream Load of its own (partial update), so that it is visible before
 * the commit of `label` can be: a later invocation reading the offsets finds the label and
 * settles it first, should this invocation die with the commit on the wire.
 */
export async function writeIntent(
  txn: TransactionClient,
  offsetsTable: string,
  rows: readonly OffsetRow[],
  label: string,
): Promise<void> {
  const what = `the intent row in ${offsetsTable}`;
  const headers = {
    label: `ki-${label.slice(3, 43)}-${randomBytes(6).toString('hex')}`,
    format: 'json',
    strip_outer_array: 'true',
    partial_update: 'true',
    columns: INTENT_COLUMNS,
  };
  const verdict = expectAnswered(await txn.streamLoad(offsetsTable, headers, intentRows(rows, label)), what);
  if (verdict.kind === 'loaded' && verdict.response.Status === 'Success') return;
  const { Status, Message, ErrorURL } = isRefusal(verdict)
    ? {
        Status: verdict.details.status,
        Message: verdict.details.starrocksMessage,
        ErrorURL: verdict.details.errorUrl,
      }
    : verdict.response;
  // Loaded but not yet visible (Publish Timeout) is not enough for an intent: tried again.
  const retry = verdict.kind === 'retry' || verdict.kind === 'loaded';
  throw new AttemptFailure({
    kind: retry ? 'retry' : 'fail',
    code: ErrorCode.LOAD_FAILED,
    summary: `${what} was not written: ${Status}: ${Message ?? ''}`,
    details: { status: Status, starrocksMessage: Message, errorUrl: ErrorURL },
  });
}

/**
 * Reads the offsets table (multi mode) once every transaction an earlier invocation may still
 * have in flight on these partitions is settled. A function killed while its commit was on the
 * wire leaves that commit to land later; reading the offsets before it did would load its
 * records again. Its label is in `pending_label`: open, it is rolled back (a commit arriving later
 * then fails); committed, it is waited for until visible and the offsets are read again.
 */
export async function readSettledOffsets(
  options: TxnOptions,
  table: string,
  partitions: ReadonlySet<string>,
): Promise<StoredOffsets> {
  const txn = transactionClient(options);
  const notLoaded = new Set<string>();
  try {
    for (let round = 0; round < MAX_SETTLE_ROUNDS; round++) {
      const { offsets, pending } = offsetsAndIntents(await selectOffsets(txn, table), partitions, notLoaded);
      let changed = false;
      for (const label of pending) {
        if ((await settle(txn, label, options.deadline)) === 'visible') changed = true;
        else notLoaded.add(label);
      }
      if (!changed) return offsets;
    }
    throw new AttemptFailure({
      kind: 'retry',
      code: ErrorCode.LOAD_FAILED,
      summary: `the offsets table ${table} kept changing while it was read`,
    });
  } catch (error) {
    throw transactionError(error, table, '(offsets)');
  }
}

/** The offsets table's rows; a table that cannot be read says how to create it. */
async function selectOffsets(txn: TransactionClient, table: string): Promise<unknown[][]> {
  const verdict = await txn.select(table, OFFSET_COLUMNS);
  if (verdict.kind === 'rows') return verdict.rows;
  if (verdict.kind === 'fail' && verdict.code === ErrorCode.LOAD_FAILED) {
    throw new AttemptFailure({
      ...verdict,
      summary: `could not read the offsets table ${table}: ${verdict.details.starrocksMessage ?? verdict.summary}; create it with the columns ${OFFSET_COLUMNS.join(', ')} (README "Exactly-once" has the DDL)`,
      details: { ...verdict.details, starrocksMessage: undefined },
    });
  }
  throw new AttemptFailure(verdict).during(`could not read the offsets table ${table}:`);
}

/**
 * The stored offsets, and the intents (pending labels) on `partitions` not yet known to have
 * loaded nothing.
 */
function offsetsAndIntents(
  rows: readonly unknown[][],
  partitions: ReadonlySet<string>,
  notLoaded: ReadonlySet<string>,
): { offsets: Map<string, number>; pending: Set<string> } {
  const offsets = new Map<string, number>();
  const pending = new Set<string>();
  for (const [topic, partition, target, last, label] of rows) {
    const lastOffset = last === null || last === undefined ? Number.NaN : Number(last);
    if (Number.isFinite(lastOffset))
      offsets.set(offsetKey(String(topic), Number(partition), String(target)), lastOffset);
    if (typeof label === 'string' && label !== '' && !notLoaded.has(label)) {
      if (partitions.has(partitionKey(String(topic), Number(partition)))) pending.add(label);
    }
  }
  return { offsets, pending };
}

/**
 * Brings an earlier invocation's transaction to an end: `visible` when its rows (and offsets) are
 * in, `not-loaded` when it was or now is rolled back, or is unknown (never begun, or long expired).
 */
async function settle(
  txn: TransactionClient,
  label: string,
  deadline: number,
): Promise<'visible' | 'not-loaded'> {
  const headers = { transaction_type: 'multi', label };
  while (deadline - Date.now() > 1000) {
    const state = await txn.state(label);
    if (state === 'VISIBLE') return 'visible';
    if (state === 'ABORTED' || state === 'UNKNOWN') return 'not-loaded';
    if (state === 'PREPARE' || state === 'PREPARED') {
      // Open: its invocation is gone. A rollback that loses to the commit leaves it COMMITTED;
      // one refused while the commit is being processed is tried again after a pause.
      if (!(await rollBack(txn, headers))) await sleep(VISIBLE_POLL_MS);
      continue;
    }
    // COMMITTED: the rows are being published; they will be visible shortly.
    await sleep(VISIBLE_POLL_MS);
  }
  throw new AttemptFailure({
    kind: 'retry',
    code: ErrorCode.LOAD_FAILED,
    summary: `the transaction ${label} of an earlier invocation is committed but not yet visible; the batch is retried once it is`,
  });
}
