import type { RedirectHosts } from '../config/connection.ts';
import {
  classifyExchange,
  type LabelStateVerdict,
  type SqlVerdict,
  type StreamLoadVerdict,
  type TransactionVerdict,
} from './classify.ts';
import { type Exchange, exchange, type HttpRequest } from './http.ts';
import { credentialScrub } from './scrub.ts';

/**
 * The one StarRocks HTTP client: the FE a call starts at, and the calls the sink makes (Stream
 * Load, the transaction API, `get_load_state`, the SQL API). Each goes through http.ts, which
 * follows redirects by one rule (only to the hosts `starrocks.redirect.hosts` allows), and comes
 * back as classify.ts's verdict, scrubbed of the call's credentials, for the caller to act on.
 */

/** The most of a SQL API answer read: the offsets table has a row per topic, partition and table. */
const MAX_SQL_ANSWER_BYTES = 16 << 20;

/** Where one call goes and with what: the FE it starts at, the credentials, the time it has. */
export interface StarRocksCall {
  readonly fe: string;
  readonly database: string;
  /** The `Authorization` header, sent to every hop that `redirectHosts` allows. */
  readonly authorization: string;
  /** Where a redirect may take the call and its credentials (`starrocks.redirect.hosts`). */
  readonly redirectHosts: RedirectHosts;
  /** Absolute time (epoch ms) after which the call is abandoned. */
  readonly deadline: number;
  /** A PUT's TCP (and TLS) connect timeout. */
  readonly connectTimeoutMs: number;
  /** How long a PUT waits for `100 Continue` before sending the body anyway. */
  readonly waitForContinueMs: number;
}

/** The operations of `/api/transaction/*` other than `load`. */
export type TransactionOperation = 'begin' | 'prepare' | 'commit' | 'rollback';

/**
 * A round-robin over the FE addresses: each call returns the next one. One rotation kept by a
 * warm function spreads its invocations over the FEs, and a failing FE moves it on.
 */
export function roundRobin(feUrls: readonly string[]): () => string {
  let cursor = 0;
  return () => {
    const fe = feUrls[cursor] as string;
    cursor = (cursor + 1) % feUrls.length;
    return fe;
  };
}

/** `PUT /api/{db}/{table}/_stream_load` with `Expect: 100-continue`, following the 307 to a BE. */
export async function sendStreamLoad(
  call: StarRocksCall,
  table: string,
  headers: Readonly<Record<string, string>>,
  body: Buffer,
): Promise<StreamLoadVerdict> {
  const path = `/api/${encodeURIComponent(call.database)}/${encodeURIComponent(table)}/_stream_load`;
  return classifyExchange('stream-load', await send(call, path, putOf(call, headers, body)), scrubOf(call));
}

/** `PUT /api/transaction/load`: data into the open transaction named by the `label` header. */
export async function sendTransactionLoad(
  call: StarRocksCall,
  headers: Readonly<Record<string, string>>,
  body: Buffer,
): Promise<TransactionVerdict> {
  const request = putOf(call, { ...headers, db: call.database }, body);
  return classifyExchange('transaction', await send(call, '/api/transaction/load', request), scrubOf(call));
}

/** `POST /api/transaction/{operation}`. */
export async function sendTransactionOperation(
  call: StarRocksCall,
  operation: TransactionOperation,
  headers: Readonly<Record<string, string>>,
): Promise<TransactionVerdict> {
  const request: HttpRequest = {
    method: 'POST',
    headers: { ...headers, db: call.database, Authorization: call.authorization },
    deadline: call.deadline,
  };
  const path = `/api/transaction/${operation}`;
  return classifyExchange('transaction', await send(call, path, request), scrubOf(call));
}

/** `GET /api/{db}/get_load_state?label=`: the state of a label (PREPARE … VISIBLE, ABORTED, UNKNOWN). */
export async function readLoadState(call: StarRocksCall, label: string): Promise<LabelStateVerdict> {
  const path = `/api/${encodeURIComponent(call.database)}/get_load_state?${new URLSearchParams({ label })}`;
  const request: HttpRequest = {
    method: 'GET',
    headers: { Authorization: call.authorization },
    deadline: call.deadline,
  };
  return classifyExchange('load-state', await send(call, path, request), scrubOf(call));
}

/** Rows of `SELECT <columns> FROM <table>` through the HTTP SQL API (StarRocks 3.2+). */
export async function selectRows(
  call: StarRocksCall,
  table: string,
  columns: readonly string[],
): Promise<SqlVerdict> {
  const query = `SELECT ${columns.map((c) => `\`${c}\``).join(', ')} FROM \`${call.database}\`.\`${table}\``;
  return runQuery(call, query);
}

/**
 * The rows of one read-only statement (SELECT, SHOW) through the HTTP SQL API (StarRocks 3.2+),
 * run in the call's database: `information_schema.columns`, `SELECT current_version()`. An FE
 * without the API answers HTTP 404 (a `fail` verdict whose `details.httpStatus` says so).
 */
export async function runQuery(call: StarRocksCall, query: string): Promise<SqlVerdict> {
  const path = `/api/v1/catalogs/default_catalog/databases/${encodeURIComponent(call.database)}/sql`;
  const request: HttpRequest = {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: call.authorization },
    body: JSON.stringify({ query }),
    deadline: call.deadline,
    maxBytes: MAX_SQL_ANSWER_BYTES,
  };
  return classifyExchange('sql', await send(call, path, request), scrubOf(call));
}

function putOf(call: StarRocksCall, headers: Readonly<Record<string, string>>, body: Buffer): HttpRequest {
  return {
    method: 'PUT',
    headers: { ...headers, Authorization: call.authorization },
    body,
    deadline: call.deadline,
    connectTimeoutMs: call.connectTimeoutMs,
    waitForContinueMs: call.waitForContinueMs,
  };
}

function send(call: StarRocksCall, path: string, request: HttpRequest): Promise<Exchange> {
  return exchange(new URL(path, call.fe), request, call.redirectHosts);
}

function scrubOf(call: StarRocksCall) {
  return credentialScrub(call.authorization);
}
