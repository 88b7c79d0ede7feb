import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Catalog, RowError } from './catalog.ts';
import type { FaultQueue } from './faults.ts';
import { flatHeaders } from './http-util.ts';
import type { LabelStore } from './labels.ts';

/** One load that reached the BE, as {@link StandIn.loads} reports it. */
export interface LoadRecord {
  /** `stream` for `/api/{db}/{table}/_stream_load`, `transaction` for `/api/transaction/load`. */
  readonly kind: 'stream' | 'transaction';
  readonly database: string;
  readonly table: string;
  readonly label: string;
  /** Request headers, names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  /** Body bytes as received (before decompression). */
  readonly bodyBytes: number;
  /** The answer's `Status` (`Success`, `Fail`, `Label Already Exists`, `OK`, ...), or `Reset` for a reset fault. */
  readonly status: string;
  readonly message: string;
  /** -1 when no transaction was begun. */
  readonly txnId: number;
  readonly numberTotalRows: number;
  readonly numberLoadedRows: number;
  readonly numberFilteredRows: number;
  readonly errorUrl?: string;
}

/** What the FE and BE handlers share. */
export interface Context {
  readonly catalog: Catalog;
  readonly labels: LabelStore;
  readonly faults: FaultQueue;
  readonly loads: LoadRecord[];
  readonly errorLogs: Map<string, string>;
  /** user → password; changed by {@link StandIn.setPassword}. */
  readonly users: Map<string, string>;
  feUrl: string;
  beUrl: string;
  /** The StarRocks version the stand-in claims (`current_version()`). */
  readonly version: string;
  nextTxnId(): number;
  /** A wait that ends early (resolving) when the stand-in closes. */
  sleep(ms: number): Promise<void>;
}

/** How a load ended, as a handler records it: counts it does not know are 0, no transaction is -1. */
export interface LoadOutcome {
  readonly status: string;
  readonly message: string;
  readonly bodyBytes?: number;
  readonly txnId?: number;
  readonly total?: number;
  readonly loaded?: number;
  readonly filtered?: number;
  readonly errorUrl?: string | undefined;
}

/** Adds a load that reached the BE to {@link Context.loads}, with the request's headers. */
export function recordLoad(
  context: Context,
  req: IncomingMessage,
  load: Pick<LoadRecord, 'kind' | 'database' | 'table' | 'label'>,
  outcome: LoadOutcome,
): void {
  context.loads.push({
    kind: load.kind,
    database: load.database,
    table: load.table,
    label: load.label,
    headers: flatHeaders(req.headers),
    bodyBytes: outcome.bodyBytes ?? 0,
    status: outcome.status,
    message: outcome.message,
    txnId: outcome.txnId ?? -1,
    numberTotalRows: outcome.total ?? 0,
    numberLoadedRows: outcome.loaded ?? 0,
    numberFilteredRows: outcome.filtered ?? 0,
    ...(outcome.errorUrl === undefined ? {} : { errorUrl: outcome.errorUrl }),
  });
}

/** Stores the filtered rows' reasons and returns the `ErrorURL` serving them, StarRocks' error-log style. */
export function storeErrorLog(context: Context, errors: readonly RowError[]): string | undefined {
  if (errors.length === 0) return undefined;
  const file = `error_log_${randomBytes(8).toString('hex')}`;
  context.errorLogs.set(
    file,
    errors.map((error) => `Error: ${error.reason}. Row: ${error.source}\n`).join(''),
  );
  return `${context.beUrl}/api/_load_error_log?file=${file}`;
}
