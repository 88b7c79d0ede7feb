import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PendingContent, RowError, RowOp, Table } from './catalog.ts';
import { type Context, type LoadOutcome, recordLoad } from './context.ts';
import { evaluateLoad } from './evaluate.ts';
import { authenticate, authFailureMessage, sendJson } from './http-util.ts';
import { existingJobStatus, LABEL_PATTERN, type LabelEntry, labelFormatError } from './labels.ts';
import { decodeBody, drainBody, receiveBody } from './load-body.ts';
import { readRows } from './load-rows.ts';
import { header, JSON_MAX_BYTES, type LoadSpec, parseLoadSpec } from './load-spec.ts';
import { finishApplied, jsonTooLarge } from './stream-load.ts';

export const TXN_OPERATIONS = ['begin', 'load', 'prepare', 'commit', 'rollback'] as const;
export type TxnOperation = (typeof TXN_OPERATIONS)[number];

/** Thrift status names the BE puts in `Status`, plus the FE's `FAILED`. */
export const TXN_STATUS = {
  ok: 'OK',
  failed: 'FAILED',
  labelAlreadyExists: 'LABEL_ALREADY_EXISTS',
  txnNotExists: 'TXN_NOT_EXISTS',
  txnInProcessing: 'TXN_IN_PROCESSING',
  internalError: 'INTERNAL_ERROR',
  invalidArgument: 'INVALID_ARGUMENT',
  analysisError: 'ANALYSIS_ERROR',
  publishTimeout: 'PUBLISH_TIMEOUT',
} as const;

const FE_EXCEPTION = 'class com.starrocks.common.StarRocksException';
/** How long the leader FE waits for publish when it commits a PREPARED transaction (`DEFAULT_TXN_TIMEOUT_MILLIS`). */
const FE_COMMIT_WAIT_MS = 20_000;

/**
 * Appends one by one: `target.push(...items)` passes every row as an argument and overflows the stack
 * above about 125k rows, and StarRocks' own Java client sends about 250k rows in one transaction load.
 */
function appendEach<T>(target: T[], items: readonly T[]): void {
  for (const item of items) target.push(item);
}

/** Data loaded into one table of a transaction. Multi-table transactions (4.0) hold several. */
interface TxnTable {
  readonly table: Table;
  spec: LoadSpec | undefined;
  /** The data headers of the first load; later loads must repeat them ("load request not equal last."). */
  dataHeaders: string | undefined;
  readonly ops: RowOp[];
  readonly errors: RowError[];
  loadBytes: number;
  loads: number;
}

interface Transaction {
  readonly database: string;
  readonly label: string;
  readonly entry: LabelEntry;
  /** `transaction_type: multi`: tables are named per load; no prepare. */
  readonly multi: boolean;
  readonly tables: Map<string, TxnTable>;
  busy: boolean;
  publishTimeout: boolean;
  /** A commit fault: committed at once, visible (rows applied, label VISIBLE) this much later. */
  visibleAfterMs?: number;
}

const DATA_HEADERS = [
  'format',
  'columns',
  'jsonpaths',
  'json_root',
  'strip_outer_array',
  'column_separator',
  'row_delimiter',
  'strict_mode',
  'max_filter_ratio',
  'partial_update',
  'partial_update_mode',
  'merge_condition',
  'compression',
  'content-encoding',
] as const;

type Body = Record<string, unknown>;

/**
 * The Stream Load transaction interface (`/api/transaction/{begin,load,prepare,commit,rollback}`), single
 * table, plus the 4.0 multi-table form when `transaction_type: multi` is sent. The FE and the BE
 * both answer begin/prepare/commit/rollback themselves (no redirect); `load` reaches the BE through
 * the FE's 307. Answers use the BE dialect (`Status` = thrift status name) except the FE-only
 * failures, which use `FAILED` and a `class …: message` text.
 */
export class TransactionManager {
  private readonly transactions = new Map<string, Transaction>();
  private readonly context: Context;

  constructor(context: Context) {
    this.context = context;
  }

  async handle(operation: TxnOperation, req: IncomingMessage, res: ServerResponse, expectsContinue: boolean) {
    const send = (body: Body, close = false): void => sendJson(res, 200, body, { close });
    const auth = authenticate(req.headers, this.context.users);
    if (!auth.ok) {
      const message = authFailureMessage(auth, req);
      if (operation === 'load') this.recordTxnLoad(req, { status: TXN_STATUS.internalError, message });
      return send({ Status: TXN_STATUS.internalError, Message: message }, true);
    }
    if (operation === 'load') return this.load(req, res, expectsContinue);
    const delay = operation === 'commit' ? this.context.faults.takeCommit() : undefined;
    if (delay !== undefined) {
      delay.onReceived?.();
      if (delay.phase === 'before-apply') await this.context.sleep(delay.ms);
      else {
        const txn = this.find(
          header(req.headers, 'db')?.trim() ?? '',
          header(req.headers, 'label')?.trim() ?? '',
        );
        if (txn !== undefined) txn.visibleAfterMs = delay.ms;
        const answer = this.operate(operation, req);
        await this.context.sleep(delay.ms);
        return send(answer, true);
      }
    }
    send(this.operate(operation, req), true);
  }

  private operate(operation: Exclude<TxnOperation, 'load'>, req: IncomingMessage): Body {
    const label = header(req.headers, 'label')?.trim() ?? '';
    const database = header(req.headers, 'db')?.trim() ?? '';
    const multi = header(req.headers, 'transaction_type')?.trim().toLowerCase() === 'multi';
    if (label === '') return feFailed('Empty label.');
    if (database === '') return feFailed('No database selected.');
    if (!this.context.catalog.hasDatabase(database)) return feFailed(`Database[${database}] does not exist.`);
    if (operation === 'begin') return this.begin(req, database, label, multi);

    const txn = this.find(database, label);
    const entry = this.context.labels.get(database, label);
    if (txn?.busy)
      return { Status: TXN_STATUS.txnInProcessing, Label: label, Message: 'Transaction is in processing' };
    switch (operation) {
      case 'prepare':
        if (multi || txn?.multi) return feFailed('Unsupported operation: TXN_PREPARE');
        if (txn === undefined || txn.entry.state !== 'PREPARE' || entry !== txn.entry)
          return txnNotExists(label);
        return this.finishData(txn, 'prepare');
      case 'commit':
        return this.commit(database, label, txn, entry);
      case 'rollback':
        return this.rollback(database, label, txn, entry);
    }
  }

  private begin(req: IncomingMessage, database: string, label: string, multi: boolean): Body {
    if (!LABEL_PATTERN.test(label))
      return { Status: TXN_STATUS.analysisError, Message: labelFormatError(label) };
    const tables = new Map<string, TxnTable>();
    if (!multi) {
      const tableName = header(req.headers, 'table')?.trim() ?? '';
      if (tableName === '') return feFailed('No table selected.');
      const table = this.context.catalog.table(database, tableName);
      if (table === undefined)
        return { Status: TXN_STATUS.analysisError, Message: `unknown table "${database}.${tableName}"` };
      tables.set(tableName, newTxnTable(table));
    }
    const timeoutText = header(req.headers, 'timeout');
    // Multi-table transactions default to 20 s in the FE code, single-table ones to 600 s.
    const timeout = timeoutText === undefined ? (multi ? 20 : 600) : Number(timeoutText);
    if (!Number.isInteger(timeout))
      return { Status: TXN_STATUS.invalidArgument, Message: 'Invalid timeout format' };
    if (timeout < 1 || timeout > 259200) {
      return {
        Status: TXN_STATUS.analysisError,
        Message: 'Invalid timeout. Timeout should between 1 and 259200 seconds',
      };
    }
    const usedState = this.context.labels.inUse(database, label);
    if (usedState !== undefined) {
      return {
        Status: TXN_STATUS.labelAlreadyExists,
        ExistingJobStatus: existingJobStatus(usedState),
        Message: `Label [${label}] has already been used.`,
      };
    }
    const entry = this.context.labels.begin(database, label, this.context.nextTxnId(), timeout * 1000);
    this.transactions.set(key(database, label), {
      database,
      label,
      entry,
      multi,
      tables,
      busy: false,
      publishTimeout: false,
    });
    if (multi) return { Status: TXN_STATUS.ok, Message: '' };
    return { Status: TXN_STATUS.ok, Message: '', Label: label, TxnId: entry.txnId, BeginTxnTimeMs: 0 };
  }

  private commit(
    database: string,
    label: string,
    txn: Transaction | undefined,
    entry: LabelEntry | undefined,
  ): Body {
    if (entry === undefined || txn === undefined || txn.entry !== entry) return notFound(database, label);
    switch (this.context.labels.state(database, label)) {
      case 'PREPARE':
        return this.finishData(txn, 'commit');
      case 'PREPARED': {
        // The leader FE commits a PREPARED transaction itself: its own dialect, and a publish slower than
        // the commit's wait (20 s by default) is FAILED although the transaction stays COMMITTED.
        const result = this.finishData(txn, 'commit');
        if (result.Status === TXN_STATUS.publishTimeout)
          return feFailed(`publish timeout: ${FE_COMMIT_WAIT_MS}`);
        return result.Status === TXN_STATUS.ok
          ? { Status: TXN_STATUS.ok, Message: '', TxnId: entry.txnId, Label: label }
          : result;
      }
      case 'COMMITTED':
      case 'VISIBLE':
        return {
          Status: TXN_STATUS.ok,
          Message: `Transaction ${entry.txnId} has already committed, label is ${label}`,
          TxnId: entry.txnId,
          Label: label,
        };
      default:
        return feFailed(`Can not commit ABORTED transaction ${entry.txnId}, label is ${label}`);
    }
  }

  private rollback(
    database: string,
    label: string,
    txn: Transaction | undefined,
    entry: LabelEntry | undefined,
  ): Body {
    if (entry === undefined || txn === undefined || txn.entry !== entry) return notFound(database, label);
    const state = this.context.labels.state(database, label);
    switch (state) {
      case 'PREPARE':
        this.context.labels.finish(database, entry, 'ABORTED', 'transaction is aborted by user.');
        return { Status: TXN_STATUS.ok, Message: '', Label: label };
      case 'PREPARED':
        this.context.labels.finish(database, entry, 'ABORTED', 'User Aborted');
        return { Status: TXN_STATUS.ok, Message: '', TxnId: entry.txnId, Label: label };
      case 'ABORTED':
        return {
          Status: TXN_STATUS.ok,
          Message: `Transaction ${entry.txnId} has already aborted, label is ${label}`,
          TxnId: entry.txnId,
          Label: label,
        };
      default:
        return feFailed(`Can not abort ${state} transaction ${entry.txnId}, label is ${label}`);
    }
  }

  /** Prepare (check only, → PREPARED) or commit (apply, → VISIBLE) every table of the transaction at once. */
  private finishData(txn: Transaction, step: 'prepare' | 'commit'): Body {
    const { database, label, entry } = txn;
    const loaded = [...txn.tables.values()].filter((t) => t.loads > 0 && t.spec !== undefined);
    if (loaded.length === 0) {
      this.context.labels.finish(database, entry, 'ABORTED', 'no data');
      return {
        Status: TXN_STATUS.internalError,
        Message: `transaction ${entry.txnId} hasn't send any data yet`,
      };
    }
    const pendings: PendingContent[] = [];
    const totals = { total: 0, loaded: 0, filtered: 0, bytes: 0 };
    let errorUrl: string | undefined;
    for (const part of loaded) {
      const evaluation = evaluateLoad(this.context, part.table, part.spec as LoadSpec, part.ops, part.errors);
      totals.total += evaluation.total;
      totals.loaded += evaluation.loaded;
      totals.filtered += evaluation.filtered;
      totals.bytes += part.loadBytes;
      errorUrl ??= evaluation.errorUrl;
      if (!evaluation.ok) {
        this.context.labels.finish(database, entry, 'ABORTED', evaluation.message);
        return {
          Status: TXN_STATUS.internalError,
          Message: evaluation.message,
          ...(errorUrl ? { ErrorURL: errorUrl } : {}),
        };
      }
      pendings.push(evaluation.pending);
    }
    let status: string = TXN_STATUS.ok;
    if (step === 'prepare') {
      entry.state = 'PREPARED';
    } else if (txn.visibleAfterMs !== undefined) {
      entry.state = 'COMMITTED';
      // Applied when published (or when a later load of the same table needs it first), on top of
      // what was published before it: commit order, as StarRocks' versions.
      let unpublished = loaded.length;
      for (const part of loaded) {
        part.table.deferPublish(() => {
          const late = evaluateLoad(this.context, part.table, part.spec as LoadSpec, part.ops, part.errors);
          if (late.ok) part.table.commit(late.pending);
          if (--unpublished === 0) finishApplied(this.context, database, entry, undefined);
        });
      }
      setTimeout(() => {
        for (const part of loaded) part.table.publishPending();
      }, txn.visibleAfterMs);
    } else {
      for (const pending of pendings) pending.table.commit(pending);
      finishApplied(
        this.context,
        database,
        entry,
        txn.publishTimeout ? { kind: 'publishTimeout' } : undefined,
      );
      if (txn.publishTimeout) status = TXN_STATUS.publishTimeout;
    }
    return {
      Status: status,
      Message: '',
      Label: label,
      TxnId: entry.txnId,
      NumberTotalRows: totals.total,
      NumberLoadedRows: totals.loaded,
      NumberFilteredRows: totals.filtered,
      NumberUnselectedRows: 0,
      LoadBytes: totals.bytes,
      LoadTimeMs: 0,
      StreamLoadPlanTimeMs: 0,
      ReceivedDataTimeMs: 0,
      WriteDataTimeMs: 0,
      CommitAndPublishTimeMs: 0,
      ...(errorUrl ? { ErrorURL: errorUrl } : {}),
    };
  }

  /** `PUT /api/transaction/load` on the BE: checks, `100 Continue`, then the body is appended to the transaction. */
  private async load(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): Promise<void> {
    const label = header(req.headers, 'label')?.trim() ?? '';
    const database = header(req.headers, 'db')?.trim() ?? '';
    const tableName = header(req.headers, 'table')?.trim() ?? '';
    let bodyBytes = 0;
    let rows = { total: 0, loaded: 0, filtered: 0 };
    let txnId = -1;
    const record = (status: string, message: string): void =>
      this.recordTxnLoad(req, { status, message, bodyBytes, txnId, ...rows });
    const reply = (body: Body, close = false): void => {
      record(String(body.Status), String(body.Message ?? ''));
      sendJson(res, 200, body, { close });
    };
    // As Stream Load's refusals, except that a client gone while its body is drained leaves no record.
    const reject = async (body: Body): Promise<void> => {
      if (!expectsContinue) {
        const drained = await drainBody(req);
        if (drained === undefined) return;
        bodyBytes = drained;
      }
      reply(body, true);
    };

    if (label === '') return reject({ Status: TXN_STATUS.invalidArgument, Message: 'Invalid label ' });
    const txn = this.find(database, label);
    if (
      txn === undefined ||
      this.context.labels.get(database, label) !== txn.entry ||
      txn.entry.state !== 'PREPARE'
    ) {
      return reject(txnNotExists(label));
    }
    txnId = txn.entry.txnId;
    if (txn.busy)
      return reject({
        Status: TXN_STATUS.txnInProcessing,
        Label: label,
        Message: 'Transaction is in processing',
      });
    let part = txn.tables.get(tableName);
    if (part === undefined) {
      const table = txn.multi ? this.context.catalog.table(database, tableName) : undefined;
      if (table === undefined) {
        const expected = [...txn.tables.keys()][0] ?? '';
        return reject(
          txn.multi
            ? { Status: TXN_STATUS.analysisError, Message: `unknown table "${database}.${tableName}"` }
            : {
                Status: TXN_STATUS.invalidArgument,
                Message: `Request table ${tableName} not equal transaction table ${expected}`,
              },
        );
      }
      part = newTxnTable(table);
      txn.tables.set(tableName, part);
    }
    const parsed = parseLoadSpec(req.headers, part.table);
    const abort = (message: string): void =>
      this.context.labels.finish(database, txn.entry, 'ABORTED', message);
    if (!parsed.ok) {
      abort(parsed.message);
      return reject({ Status: TXN_STATUS.invalidArgument, Message: parsed.message });
    }
    const dataHeaders = JSON.stringify(DATA_HEADERS.map((name) => header(req.headers, name) ?? null));
    if (part.dataHeaders !== undefined && part.dataHeaders !== dataHeaders) {
      abort('load request not equal last.');
      return reject({ Status: TXN_STATUS.internalError, Message: 'load request not equal last.' });
    }

    const fault = this.context.faults.takeBe();
    txn.busy = true;
    try {
      const received = await receiveBody(req, res, expectsContinue);
      if (!received.ok) {
        abort(received.message);
        record(TXN_STATUS.internalError, received.message);
        return;
      }
      const { body } = received;
      bodyBytes = body.length;
      if (fault?.kind === 'reset' && fault.when === 'before-apply') {
        record('Reset', 'connection reset before apply (stand-in fault)');
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'delay') await this.context.sleep(fault.ms);
      if (fault?.kind === 'fail') {
        abort(fault.message);
        return reply({ Status: fault.status ?? TXN_STATUS.internalError, Message: fault.message });
      }
      const spec = parsed.spec;
      const decoded = decodeBody(body, spec);
      if (!decoded.ok) {
        abort(decoded.message);
        return reply({ Status: TXN_STATUS.internalError, Message: decoded.message });
      }
      // The BE sums body sizes over all loads of a transaction for the JSON limit.
      if (spec.format === 'json' && !spec.ignoreJsonSize && part.loadBytes + body.length > JSON_MAX_BYTES) {
        abort('json too large');
        return reply({
          Status: TXN_STATUS.internalError,
          Message: jsonTooLarge(part.loadBytes + body.length),
        });
      }
      const read = readRows(decoded.text, spec, part.table);
      if (!read.ok) {
        abort(read.message);
        return reply({ Status: TXN_STATUS.internalError, Message: read.message });
      }
      part.spec = spec;
      part.dataHeaders = dataHeaders;
      appendEach(part.ops, read.ops);
      appendEach(part.errors, read.errors);
      part.loadBytes += body.length;
      part.loads++;
      rows = {
        total: read.ops.length + read.errors.length,
        loaded: read.ops.length,
        filtered: read.errors.length,
      };
      if (fault?.kind === 'publishTimeout') txn.publishTimeout = true;
      if (fault?.kind === 'reset') {
        record('Reset', 'connection reset after the data was accepted (stand-in fault)');
        req.socket.destroy();
        return;
      }
      reply({
        Status: TXN_STATUS.ok,
        Message: '',
        Label: label,
        TxnId: txnId,
        LoadBytes: body.length,
        StreamLoadPlanTimeMs: 0,
        ReceivedDataTimeMs: 0,
      });
    } finally {
      txn.busy = false;
    }
  }

  /** Records a `load` request under its `db`, `table` and `label` headers as sent (not trimmed). */
  private recordTxnLoad(req: IncomingMessage, outcome: Omit<LoadOutcome, 'errorUrl'>): void {
    recordLoad(
      this.context,
      req,
      {
        kind: 'transaction',
        database: header(req.headers, 'db') ?? '',
        table: header(req.headers, 'table') ?? '',
        label: header(req.headers, 'label') ?? '',
      },
      outcome,
    );
  }

  private find(database: string, label: string): Transaction | undefined {
    return this.transactions.get(key(database, label));
  }
}

function key(database: string, label: string): string {
  return `${database}\u0000${label}`;
}

function newTxnTable(table: Table): TxnTable {
  return { table, spec: undefined, dataHeaders: undefined, ops: [], errors: [], loadBytes: 0, loads: 0 };
}

function feFailed(message: string): Body {
  return { Status: TXN_STATUS.failed, Message: `${FE_EXCEPTION}: ${message}` };
}

function txnNotExists(label: string): Body {
  return { Status: TXN_STATUS.txnNotExists, Message: `transaction with label ${label} not exists` };
}

function notFound(database: string, label: string): Body {
  return feFailed(
    `Can't find the transaction with db [${database}] and label[${label}]. The possible reasons: 1. FE leader is started or switched; 2. The transaction timeouts and is cleaned.`,
  );
}
