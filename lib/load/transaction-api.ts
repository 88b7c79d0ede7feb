import { setTimeout as sleep } from 'node:timers/promises';
import type { TableBatch } from '../batch/table-batches.ts';
import type { SinkConfig } from '../config/sink-config.ts';
import { ErrorCode, LoadError, type SinkError } from '../errors.ts';
import { AttemptFailure, exponentialDelay, withJitter } from './attempts.ts';
import {
  isRefusal,
  type SqlVerdict,
  type StreamLoadVerdict,
  type TransactionVerdict,
  transactionRefusal,
} from './classify.ts';
import { basicAuth } from './http.ts';
import {
  readLoadState,
  roundRobin,
  type StarRocksCall,
  selectRows,
  sendStreamLoad,
  sendTransactionLoad,
  sendTransactionOperation,
  type TransactionOperation,
} from './starrocks-client.ts';
import type { CredentialsProvider } from './stream-load.ts';

/**
 * The StarRocks calls of `sink.semantic=exactly-once`, through the one client (each call starts
 * at the next FE), and the rules its transactions share: what an operation must answer, how long
 * to wait between attempts, and the LoadError a failed transaction ends in.
 */

/** One table's rows in a transaction: the batch, its label and the body loaded. */
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

/** The calls one exactly-once step makes; verdicts come back, except from `state`, which throws. */
export interface TransactionClient {
  operation(operation: TransactionOperation, headers: Record<string, string>): Promise<TransactionVerdict>;
  /** Data into the open transaction (`/api/transaction/load`). */
  load(headers: Record<string, string>, body: Buffer): Promise<TransactionVerdict>;
  /** A Stream Load of its own (auto-commit), outside any transaction. */
  streamLoad(table: string, headers: Record<string, string>, body: Buffer): Promise<StreamLoadVerdict>;
  /** The state of a label; an AttemptFailure when it cannot be read. */
  state(label: string): Promise<string>;
  select(table: string, columns: readonly string[]): Promise<SqlVerdict>;
}

/** Label states of a transaction whose rows are in (or about to be visible). */
export const DONE_STATES: ReadonlySet<string> = new Set(['VISIBLE', 'COMMITTED']);

/** The transaction API for one step: each call starts at the next FE (no cursor kept across steps). */
export function transactionClient(options: TxnOptions): TransactionClient {
  const { config, credentials, deadline } = options;
  const nextFe = roundRobin(config.feUrls);
  const call = async (): Promise<StarRocksCall> => ({
    fe: nextFe(),
    database: config.database,
    authorization: basicAuth(await credentials.get()),
    redirectHosts: config.redirectHosts,
    deadline,
    connectTimeoutMs: config.connectTimeoutMs,
    waitForContinueMs: 3000,
  });
  return {
    operation: async (operation, headers) => sendTransactionOperation(await call(), operation, headers),
    load: async (headers, body) => sendTransactionLoad(await call(), headers, body),
    streamLoad: async (table, headers, body) => sendStreamLoad(await call(), table, headers, body),
    state: async (label) => {
      const verdict = await readLoadState(await call(), label);
      if (verdict.kind === 'state') return verdict.state;
      throw new AttemptFailure(verdict).during(`could not read the state of label ${label}:`);
    },
    select: async (table, columns) => selectRows(await call(), table, columns),
  };
}

/** Throws unless StarRocks answered OK; the failure names `what` was asked. */
export function expectOk(verdict: TransactionVerdict, what: string): void {
  if (verdict.kind === 'ok') return;
  // LABEL_ALREADY_EXISTS or PUBLISH_TIMEOUT where the operation cannot give them: a failure.
  const refusal = isRefusal(verdict) ? verdict : transactionRefusal(verdict.answer);
  throw new AttemptFailure(refusal).during(what);
}

/**
 * The verdict when StarRocks answered in its own words; throws when it did not (transport, HTTP
 * status, a body that is not its JSON), which no reading of an answer can make good.
 */
export function expectAnswered<V extends { readonly kind: string }>(verdict: V, what: string): V {
  if (isRefusal(verdict) && !verdict.answered) throw new AttemptFailure(verdict).during(what);
  return verdict;
}

/** Rolls back, best effort: a transaction not rolled back times out on its own. */
export async function rollBack(txn: TransactionClient, headers: Record<string, string>): Promise<boolean> {
  const verdict = await txn.operation('rollback', headers).catch(() => undefined);
  return verdict?.kind === 'ok';
}

/** The pause before another attempt of a transaction, when the deadline leaves room for one after it. */
export async function backoff(options: TxnOptions, attempt: number): Promise<void> {
  const delay = exponentialDelay(options.retryDelayMs ?? 200, 5000, attempt);
  if (options.deadline - Date.now() - delay > 1000) await sleep(withJitter(delay));
}

/** The error of a transaction that ran out of attempts (`last`) or never started (no `last`). */
export function givenUp(last: AttemptFailure | undefined, what: string, label: string): SinkError {
  if (last === undefined) {
    return new LoadError(
      ErrorCode.LOAD_DEADLINE,
      `(${what}) was not started: too little time left`,
      { table: '*', label },
      { retryable: true },
    );
  }
  return transactionError(last, '*', label, what);
}

/**
 * The LoadError of a failed transaction step, with the failure's own code (a deadline stays
 * LOAD_DEADLINE, a refused redirect LOAD_REDIRECT); errors that are not an AttemptFailure pass as
 * they are.
 */
export function transactionError(
  error: unknown,
  table: string,
  label: string,
  what = 'the transaction',
): SinkError {
  if (!(error instanceof AttemptFailure)) return error as SinkError;
  return new LoadError(
    error.code,
    `(${what}) failed: ${error.summary}; nothing of it was committed`,
    { table, label, ...error.details },
    { retryable: error.retryable },
  );
}
