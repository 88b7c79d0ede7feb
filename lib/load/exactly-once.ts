import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TableBatch } from '../batch/table-batches.ts';
import type { SinkConfig } from '../config/sink-config.ts';
import { partitionKey } from '../decode/each-record.ts';
import { ErrorCode, LoadError, type SinkError } from '../errors.ts';
import { classifyMessage } from './classify.ts';
import { basicAuth, MAX_REDIRECTS, putWithContinue, readLabelState, TransportError } from './http.ts';
import type { CredentialsProvider } from './stream-load.ts';

/**
 * `sink.semantic=exactly-once` over the Stream Load transaction API.
 *
 * - `multi` (StarRocks ≥ 4.0): one multi-table transaction per invocation loads every table and
 *   upserts the offsets table (`topic, kafka_partition, target_table → last_offset`) in the same
 *   commit; records at or below the stored offsets are dropped before anything is built, so a
 *   retried batch of any composition loads each record once.
 * - `per-table` (< 4.0): per table, begin / load / prepare under a label derived from the exact
 *   offsets, then commit every table; what is not committed is rolled back on failure. A retry of
 *   the same batch finds committed labels done and commits prepared ones left by a crash.
 */

export interface TxnTableLoad {
  readonly batch: TableBatch;
  readonly label: string;
  readonly body: Buffer;
}

export interface TxnOptions {
  readonly config: SinkConfig;
  readonly credentials: CredentialsProvider;
  readonly deadline: number;
  /** First backoff delay; doubles. @default 200 */
  readonly retryDelayMs?: number;
  /** Whole-transaction attempts. @default 5 */
  readonly maxAttempts?: number;
}

export interface TxnOutcome {
  /** The label of the transaction that holds the rows (multi), or one per table (per-table). */
  readonly labels: readonly string[];
  /** `loaded` now, or `already-loaded` by an earlier invocation. */
  readonly outcome: 'loaded' | 'already-loaded';
  readonly attempts: number;
}

interface TxnAnswer {
  readonly Status?: string;
  readonly Message?: string;
  readonly ExistingJobStatus?: string;
  readonly ErrorURL?: string;
}

/** A failure of one transaction attempt: `retry` when a new attempt may succeed. */
class TxnFailure extends Error {
  readonly retry: boolean;
  readonly details: {
    status?: string | undefined;
    message?: string | undefined;
    errorUrl?: string | undefined;
  };

  constructor(message: string, retry: boolean, answer: TxnAnswer = {}) {
    super(message);
    this.retry = retry;
    this.details = { status: answer.Status, message: answer.Message, errorUrl: answer.ErrorURL };
  }
}

const DONE_STATES = new Set(['VISIBLE', 'COMMITTED']);
/** A transaction outlives the invocation by this much, so a crash leaves it to time out soon. */
const TXN_TIMEOUT_MARGIN_S = 30;
/** How many labels of one batch a multi-table transaction may step through. */
const MAX_LABEL_SUFFIX = 1000;

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

/** One HTTP client for the transaction API, `get_load_state` and the SQL API. */
function client(options: TxnOptions) {
  const { config, credentials, deadline } = options;
  let cursor = 0;
  const fe = () => config.feUrls[cursor++ % config.feUrls.length] as string;
  const auth = async () => {
    return basicAuth(await credentials.get());
  };
  const timeLeft = () => Math.max(1, deadline - Date.now());

  async function post(path: string, headers: Record<string, string>, body?: string): Promise<Response> {
    let url = new URL(path, fe());
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { ...headers, Authorization: await auth() },
          ...(body === undefined ? {} : { body }),
          redirect: 'manual',
          signal: AbortSignal.timeout(timeLeft()),
        });
      } catch (error) {
        throw new TxnFailure(`could not reach StarRocks: ${(error as Error).message}`, true);
      }
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location !== null) {
        await res.body?.cancel();
        url = new URL(location, url);
        continue;
      }
      if (res.status === 401 || res.status === 403) {
        await res.body?.cancel();
        throw new TxnFailure(`StarRocks refused the credentials (HTTP ${res.status})`, false);
      }
      if (res.status >= 500) {
        await res.body?.cancel();
        throw new TxnFailure(`StarRocks answered HTTP ${res.status}`, true);
      }
      return res;
    }
    throw new TxnFailure('too many redirects', true);
  }

  async function answerOf(res: Response): Promise<TxnAnswer> {
    const text = await res.text();
    try {
      return JSON.parse(text) as TxnAnswer;
    } catch {
      throw new TxnFailure(`got an answer that is not JSON: ${text.slice(0, 200)}`, true);
    }
  }

  return {
    async op(op: 'begin' | 'prepare' | 'commit' | 'rollback', headers: Record<string, string>) {
      return answerOf(await post(`/api/transaction/${op}`, { ...headers, db: config.database }));
    },

    /** A PUT of data: `/api/transaction/load`, or a table's `_stream_load` (auto-commit). */
    async load(
      headers: Record<string, string>,
      body: Buffer,
      path = '/api/transaction/load',
    ): Promise<TxnAnswer> {
      let url = new URL(path, fe());
      const all = { ...headers, db: config.database, Authorization: await auth() };
      for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
        let answer: Awaited<ReturnType<typeof putWithContinue>>;
        try {
          answer = await putWithContinue(url, {
            headers: all,
            body,
            connectTimeoutMs: config.connectTimeoutMs,
            waitForContinueMs: 3000,
            deadline,
          });
        } catch (error) {
          if (!(error instanceof TransportError)) throw error;
          throw new TxnFailure(`load failed in transport: ${error.message}`, error.phase !== 'deadline');
        }
        const location = answer.headers.location;
        if (answer.statusCode >= 300 && answer.statusCode < 400 && location !== undefined) {
          url = new URL(location, url);
          continue;
        }
        if (answer.statusCode >= 500) throw new TxnFailure(`load got HTTP ${answer.statusCode}`, true);
        if (answer.statusCode !== 200) throw new TxnFailure(`load got HTTP ${answer.statusCode}`, false);
        try {
          return JSON.parse(answer.body) as TxnAnswer;
        } catch {
          throw new TxnFailure(`load got an answer that is not JSON: ${answer.body.slice(0, 200)}`, true);
        }
      }
      throw new TxnFailure('load: too many redirects', true);
    },

    async state(label: string): Promise<string> {
      const read = await readLabelState(fe(), config.database, label, await auth(), deadline);
      if ('state' in read) return read.state;
      throw new TxnFailure(`could not read the state of label ${label}${read.failed}`, true);
    },

    /** Rows of `SELECT <columns> FROM <table>` through the HTTP SQL API (StarRocks 3.2+). */
    async select(table: string, columns: readonly string[]): Promise<unknown[][]> {
      const path = `/api/v1/catalogs/default_catalog/databases/${encodeURIComponent(config.database)}/sql`;
      const query = `SELECT ${columns.map((c) => `\`${c}\``).join(', ')} FROM \`${config.database}\`.\`${table}\``;
      const res = await post(path, { 'Content-Type': 'application/json' }, JSON.stringify({ query }));
      const text = await res.text();
      const rows: unknown[][] = [];
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        const parsed = JSON.parse(line) as { data?: unknown[]; status?: string; msg?: string };
        if (parsed.status === 'FAILED') {
          throw new TxnFailure(
            `could not read the offsets table ${table}: ${parsed.msg}; create it with the columns ${OFFSET_COLUMNS.join(', ')} (README "Exactly-once" has the DDL)`,
            false,
          );
        }
        if (Array.isArray(parsed.data)) rows.push(parsed.data);
      }
      return rows;
    },
  };
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
  const http = client(options);
  const notLoaded = new Set<string>();
  try {
    for (let round = 0; round < MAX_SETTLE_ROUNDS; round++) {
      const rows = await http.select(table, OFFSET_COLUMNS);
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
      let changed = false;
      for (const label of pending) {
        if ((await settle(http, label, options.deadline)) === 'visible') changed = true;
        else notLoaded.add(label);
      }
      if (!changed) return offsets;
    }
    throw new TxnFailure(`the offsets table ${table} kept changing while it was read`, true);
  } catch (error) {
    throw asSinkError(error, table, '(offsets)');
  }
}

/**
 * Brings an earlier invocation's transaction to an end: `visible` when its rows (and offsets) are
 * in, `not-loaded` when it was or now is rolled back, or is unknown (never begun, or long expired).
 */
async function settle(
  http: ReturnType<typeof client>,
  label: string,
  deadline: number,
): Promise<'visible' | 'not-loaded'> {
  const headers = { transaction_type: 'multi', label };
  while (deadline - Date.now() > 1000) {
    const state = await http.state(label);
    if (state === 'VISIBLE') return 'visible';
    if (state === 'ABORTED' || state === 'UNKNOWN') return 'not-loaded';
    if (state === 'PREPARE' || state === 'PREPARED') {
      // Open: its invocation is gone. A rollback that loses to the commit leaves it COMMITTED;
      // one refused while the commit is being processed is tried again after a pause.
      const answer = await http.op('rollback', headers).catch(() => undefined);
      if (answer?.Status !== 'OK') await sleep(VISIBLE_POLL_MS);
      continue;
    }
    // COMMITTED: the rows are being published; they will be visible shortly.
    await sleep(VISIBLE_POLL_MS);
  }
  throw new TxnFailure(
    `the transaction ${label} of an earlier invocation is committed but not yet visible; the batch is retried once it is`,
    true,
  );
}

/** A record position the offsets must cover though the record loads no row (skipped, dead-lettered). */
export interface CoveredOffset {
  readonly topic: string;
  readonly partition: number;
  readonly table: string;
  readonly offset: number;
}

/** One row of the offsets table, as the transaction upserts it. */
interface OffsetRow {
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
function offsetRowList(loads: readonly TxnTableLoad[], covered: readonly CoveredOffset[]): OffsetRow[] {
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
  const http = client(options);
  const { config, deadline } = options;
  const base = `kx-${createHash('sha256')
    .update([config.database, ...loads.map((l) => l.label)].join('\u0001'))
    .digest('hex')
    .slice(0, 40)}`;
  const multi = { transaction_type: 'multi' };
  // The same rows for every attempt: only the intent's label changes.
  const rows = offsetRowList(loads, covered);
  const offsets = Buffer.from(JSON.stringify(rows));
  const maxAttempts = options.maxAttempts ?? 5;
  let last: TxnFailure | undefined;
  let attempt = 0;
  // Labels used by earlier invocations of this batch (aborted ones stay blocked for days in
  // StarRocks) are stepped over without counting as attempts of this one.
  for (
    let suffix = 0;
    attempt < maxAttempts && suffix < MAX_LABEL_SUFFIX && deadline - Date.now() > 1000;
    suffix++
  ) {
    const label = suffix === 0 ? base : `${base}-${suffix}`;
    const headers = { ...multi, label };
    try {
      const timeout = Math.ceil((deadline - Date.now()) / 1000) + TXN_TIMEOUT_MARGIN_S;
      const begun = await http.op('begin', { ...headers, timeout: String(timeout) });
      if (begun.Status === 'LABEL_ALREADY_EXISTS') {
        const state = await http.state(label);
        if (DONE_STATES.has(state))
          return { labels: [label], outcome: 'already-loaded', attempts: attempt + 1 };
        // Still open from an invocation that died, or aborted: close it and use the next label.
        if (state !== 'ABORTED') await http.op('rollback', headers).catch(() => undefined);
        continue;
      }
      attempt++;
      expectOk(begun, 'begin');
      // The intent, visible before the commit can be: a later invocation reading the offsets finds
      // this label and settles it first, should this invocation die with the commit on the wire.
      const intent = await http.load(
        {
          label: `ki-${label.slice(3, 43)}-${randomBytes(6).toString('hex')}`,
          format: 'json',
          strip_outer_array: 'true',
          partial_update: 'true',
          columns: INTENT_COLUMNS,
        },
        intentRows(rows, label),
        `/api/${encodeURIComponent(config.database)}/${encodeURIComponent(offsetsTable)}/_stream_load`,
      );
      if (intent.Status !== 'Success')
        throw new TxnFailure(
          `the intent row in ${offsetsTable} was not written: ${intent.Status}: ${intent.Message ?? ''}`,
          classifyMessage(intent.Message ?? '').kind === 'retry' || intent.Status === 'Publish Timeout',
          intent,
        );
      const dataHeaders = { ...config.loadHeaders, ...headers };
      // One load at a time: StarRocks allows one in flight per (label, table) and answers
      // TXN_IN_PROCESSING otherwise; some versions (and the stand-in) hold the whole label.
      for (const l of loads) {
        expectOk(await http.load({ ...dataHeaders, table: l.batch.table }, l.body), 'load');
      }
      expectOk(
        await http.load(
          { ...headers, table: offsetsTable, format: 'json', strip_outer_array: 'true' },
          offsets,
        ),
        'load of the offsets',
      );
      const committed = await http.op('commit', headers).catch((e: unknown) => e as TxnFailure);
      if (
        !(committed instanceof TxnFailure) &&
        (committed.Status === 'OK' || committed.Status === 'PUBLISH_TIMEOUT')
      )
        return { labels: [label], outcome: 'loaded', attempts: attempt };
      // The outcome of a failed commit is what the label says.
      if (DONE_STATES.has(await http.state(label)))
        return { labels: [label], outcome: 'loaded', attempts: attempt };
      if (committed instanceof TxnFailure) throw committed;
      expectOk(committed, 'commit');
    } catch (error) {
      if (!(error instanceof TxnFailure)) throw error;
      last = error;
      await http.op('rollback', headers).catch(() => undefined);
      if (!error.retry) break;
      await backoff(options, attempt);
    }
  }
  throw failureOf(last, 'the multi-table transaction', base);
}

/**
 * Per-table transactions (StarRocks < 4.0): begin, load and prepare every table, then commit every
 * table; on failure roll back what is not committed. Labels are the tables' deterministic labels.
 */
export async function commitPerTable(
  loads: readonly TxnTableLoad[],
  options: TxnOptions,
): Promise<TxnOutcome> {
  const http = client(options);
  const maxAttempts = options.maxAttempts ?? 5;
  const committed = new Set<string>();
  const alreadyDone = new Set<string>();
  let last: TxnFailure | undefined;
  for (let attempt = 0; attempt < maxAttempts && options.deadline - Date.now() > 1000; attempt++) {
    const open = new Set<string>();
    try {
      // Settled, not raced: a table still loading when another fails must be in `open` before
      // the rollback below, or it would be left behind.
      const settled = await Promise.allSettled(
        loads.map(async (l) => {
          if (committed.has(l.label)) return;
          const headers = { label: l.label, table: l.batch.table };
          const begun = await http.op('begin', headers);
          if (begun.Status === 'LABEL_ALREADY_EXISTS') {
            const state = await http.state(l.label);
            if (DONE_STATES.has(state)) {
              committed.add(l.label);
              alreadyDone.add(l.label);
              return;
            }
            if (state === 'PREPARED') {
              // Prepared by an invocation that died before committing: the label names exactly
              // these rows, so committing it is this load.
              open.add(l.label);
              return;
            }
            // PREPARE: abandoned mid-load; its data is incomplete. Roll back and load again.
            await http.op('rollback', headers);
            expectOk(await http.op('begin', headers), 'begin');
          } else expectOk(begun, 'begin');
          open.add(l.label);
          expectOk(await http.load({ ...options.config.loadHeaders, ...headers }, l.body), 'load');
          expectOk(await http.op('prepare', headers), 'prepare');
        }),
      );
      throwFirstRejection(settled);
      for (const l of loads) {
        if (committed.has(l.label)) continue;
        const answer = await http.op('commit', { label: l.label });
        if (answer.Status !== 'OK' && answer.Status !== 'PUBLISH_TIMEOUT') {
          if (!DONE_STATES.has(await http.state(l.label))) expectOk(answer, 'commit');
        }
        committed.add(l.label);
        open.delete(l.label);
      }
      return {
        labels: loads.map((l) => l.label),
        outcome: alreadyDone.size === loads.length ? 'already-loaded' : 'loaded',
        attempts: attempt + 1,
      };
    } catch (error) {
      if (!(error instanceof TxnFailure)) throw error;
      last = error;
      // Not committed means not visible: roll back, so a retry loads it again under its label.
      for (const label of open) {
        if (!committed.has(label)) await http.op('rollback', { label }).catch(() => undefined);
      }
      if (!error.retry) break;
      await backoff(options, attempt);
    }
  }
  throw failureOf(last, 'the per-table transactions', loads.map((l) => l.label).join(','));
}

function throwFirstRejection(settled: readonly PromiseSettledResult<unknown>[]): void {
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
}

function expectOk(answer: TxnAnswer, what: string): void {
  if (answer.Status === 'OK') return;
  const message = answer.Message ?? '';
  const outcome = classifyMessage(message);
  throw new TxnFailure(
    `${what} answered ${answer.Status}: ${message}`,
    answer.Status === 'TXN_IN_PROCESSING' || outcome.kind === 'retry',
    answer,
  );
}

async function backoff(options: TxnOptions, attempt: number): Promise<void> {
  const delay = Math.min(5000, (options.retryDelayMs ?? 200) * 2 ** attempt);
  if (options.deadline - Date.now() - delay > 1000) await sleep(delay / 2 + Math.random() * (delay / 2));
}

function failureOf(last: TxnFailure | undefined, what: string, label: string): SinkError {
  if (last === undefined) {
    return new LoadError(
      ErrorCode.LOAD_DEADLINE,
      `(${what}) was not started: too little time left`,
      {
        table: '*',
        label,
      },
      { retryable: true },
    );
  }
  return asSinkError(last, '*', label, what);
}

function asSinkError(error: unknown, table: string, label: string, what = 'the transaction'): SinkError {
  if (!(error instanceof TxnFailure)) return error as SinkError;
  return new LoadError(
    ErrorCode.LOAD_FAILED,
    `(${what}) failed: ${error.message}; nothing of it was committed`,
    {
      table,
      label,
      status: error.details.status,
      starrocksMessage: error.details.message,
      errorUrl: error.details.errorUrl,
    },
    { retryable: error.retry },
  );
}
