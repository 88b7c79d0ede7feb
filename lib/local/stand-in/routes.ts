import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from './context.ts';
import { authenticate, authFailureMessage, readBody, sendJson, sendText } from './http-util.ts';
import { handleSqlApi, SQL_API_PATH } from './sql-api.ts';
import { handleStreamLoad } from './stream-load.ts';
import { type TransactionManager, TXN_OPERATIONS, type TxnOperation } from './transactions.ts';

export type Handler = (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean) => Promise<void>;

const STREAM_LOAD_PATH = /^\/api\/([^/]+)\/([^/]+)\/_stream_load$/;
const TRANSACTION_PATH = /^\/api\/transaction\/([^/]+)$/;
const LOAD_STATE_PATH = /^\/api\/([^/]+)\/get_load_state$/;
const READ_BACK_PATH = /^\/api\/_stand_in\/([^/]+)\/([^/]+)\/(rows|table)$/;

function decode(segment: string | undefined): string {
  try {
    return decodeURIComponent(segment ?? '');
  } catch {
    return segment ?? '';
  }
}

function transactionOperation(segment: string | undefined): TxnOperation | undefined {
  const op = segment?.toLowerCase();
  return (TXN_OPERATIONS as readonly string[]).includes(op ?? '') ? (op as TxnOperation) : undefined;
}

/** REST answers in the FE's `RestBaseResult` shape (lower-case keys). */
function restResult(
  res: ServerResponse,
  message: string | undefined,
  extra: Record<string, unknown> = {},
): void {
  const body =
    message === undefined
      ? { status: 'OK', code: '0', msg: 'Success', message: 'OK', ...extra }
      : { status: 'FAILED', code: '1', msg: message, message };
  sendJson(res, 200, body, { indent: 2, close: true });
}

/**
 * The FE (`http_port`): authenticates, checks `Expect: 100-continue` on `_stream_load`, and answers
 * loads with a 307 to the BE *before* the body is sent (Node must not send `100 Continue` here, so
 * the server routes `checkContinue` to this handler). Also `get_load_state`, the transaction API,
 * and the stand-in's read-back endpoints.
 */
export function feHandler(context: Context, transactions: TransactionManager): Handler {
  return async (req, res, expectsContinue) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const path = url.pathname;
    const method = req.method ?? 'GET';

    const streamLoad = STREAM_LOAD_PATH.exec(path);
    const transaction = TRANSACTION_PATH.exec(path);
    const loadState = LOAD_STATE_PATH.exec(path);
    const readBack = READ_BACK_PATH.exec(path);
    const sqlApi = SQL_API_PATH.exec(path);
    const known =
      (sqlApi !== null && method === 'POST') ||
      (streamLoad !== null && method === 'PUT') ||
      (transaction !== null && (method === 'POST' || method === 'PUT')) ||
      ((loadState !== null || readBack !== null) && method === 'GET');
    if (!known) {
      sendJson(res, 404, { status: 'FAILED', msg: 'Not implemented' }, { indent: 2, close: true });
      return;
    }

    const auth = authenticate(req.headers, context.users);
    if (!auth.ok) {
      sendJson(
        res,
        401,
        { Status: 'FAILED', Message: authFailureMessage(auth, req, 'Need auth information.') },
        { indent: 2, close: true, headers: { 'WWW-Authenticate': 'Basic realm=""' } },
      );
      return;
    }

    if (sqlApi !== null) {
      handleSqlApi(context, decode(sqlApi[2]), (await readBody(req)).toString('utf8'), res);
      return;
    }

    if (loadState !== null) {
      const database = decode(loadState[1]);
      const label = url.searchParams.get('label') ?? '';
      if (label === '') return restResult(res, 'No label selected.');
      if (!context.catalog.hasDatabase(database))
        return restResult(res, `unknown database, database=${database}`);
      const entry = context.labels.get(database, label);
      const state = context.labels.state(database, label);
      return restResult(res, undefined, entry === undefined ? { state } : { state, reason: entry.reason });
    }

    if (readBack !== null) {
      const database = decode(readBack[1]);
      const tableName = decode(readBack[2]);
      const table = context.catalog.table(database, tableName);
      if (table === undefined) {
        sendJson(
          res,
          404,
          { status: 'FAILED', msg: `unknown table "${database}.${tableName}"` },
          { indent: 2 },
        );
        return;
      }
      if (readBack[3] === 'rows') {
        const columns = table.definition.columns.map((column) => column.name);
        sendJson(res, 200, { columns, rows: table.records() }, { indent: 2 });
      } else {
        sendText(res, 200, `${table.format()}\n`);
      }
      return;
    }

    const operation = transaction === null ? undefined : transactionOperation(transaction[1]);
    if (transaction !== null && operation === undefined) {
      sendJson(
        res,
        200,
        {
          Status: 'FAILED',
          Message: `class com.starrocks.common.StarRocksException: Unknown transaction operation: ${transaction[1]}`,
        },
        { indent: 2, close: true },
      );
      return;
    }
    if (operation !== undefined && operation !== 'load') {
      await transactions.handle(operation, req, res, expectsContinue);
      return;
    }

    // HTTP/1.0 requests skip the check, as in the FE.
    if (streamLoad !== null && !expectsContinue && req.httpVersion !== '1.0') {
      sendJson(
        res,
        200,
        {
          Status: 'FAILED',
          Message: 'class com.starrocks.common.DdlException: There is no 100-continue header',
        },
        { indent: 2, close: true },
      );
      return;
    }
    const fault = context.faults.takeFe();
    if (fault !== undefined) {
      if (res.headersSent) return;
      res.writeHead(fault.status, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': String(Buffer.byteLength(fault.body)),
        Connection: 'close',
      });
      res.end(fault.body);
      return;
    }
    res.writeHead(307, {
      Location: `${context.beUrl}${req.url ?? path}`,
      'Content-Length': '0',
      Connection: 'close',
    });
    res.end();
  };
}

/** The BE (`be_http_port`): Stream Load, the transaction API, and the error logs behind `ErrorURL`. */
export function beHandler(context: Context, transactions: TransactionManager): Handler {
  return async (req, res, expectsContinue) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const path = url.pathname;
    const method = req.method ?? 'GET';

    const streamLoad = STREAM_LOAD_PATH.exec(path);
    if (streamLoad !== null && method === 'PUT') {
      await handleStreamLoad(
        context,
        req,
        res,
        expectsContinue,
        decode(streamLoad[1]),
        decode(streamLoad[2]),
      );
      return;
    }
    const transaction = TRANSACTION_PATH.exec(path);
    const operation = transactionOperation(transaction?.[1]);
    if (operation !== undefined && (method === 'PUT' || (method === 'POST' && operation !== 'load'))) {
      await transactions.handle(operation, req, res, expectsContinue);
      return;
    }
    if (path === '/api/_load_error_log' && method === 'GET') {
      const log = context.errorLogs.get(url.searchParams.get('file') ?? '');
      if (log === undefined) sendText(res, 404, 'Not Found');
      else sendText(res, 200, log);
      return;
    }
    sendText(res, 404, 'Not Found', true);
  };
}
