import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Context, recordLoad } from './context.ts';
import { evaluateLoad } from './evaluate.ts';
import type { BeFault } from './faults.ts';
import { authenticate, authFailureMessage, sendJson } from './http-util.ts';
import { existingJobStatus, LABEL_PATTERN, type LabelEntry, labelFormatError } from './labels.ts';
import { decodeBody, drainBody, receiveBody } from './load-body.ts';
import { readRows } from './load-rows.ts';
import { header, JSON_MAX_BYTES, parseLoadSpec } from './load-spec.ts';

export const STREAM_LOAD_STATUS = {
  success: 'Success',
  fail: 'Fail',
  labelAlreadyExists: 'Label Already Exists',
  publishTimeout: 'Publish Timeout',
} as const;

interface Outcome {
  readonly status: string;
  readonly message: string;
  readonly txnId?: number;
  readonly existingJobStatus?: string;
  readonly total?: number;
  readonly loaded?: number;
  readonly filtered?: number;
  readonly errorUrl?: string | undefined;
}

/**
 * The BE's `PUT /api/{db}/{table}/_stream_load`. Header checks run before `100 Continue` (a failure
 * answers at once and the body is never uploaded); then the body is read, converted and applied in
 * one step; the answer is always HTTP 200 with StarRocks' JSON.
 */
export async function handleStreamLoad(
  context: Context,
  req: IncomingMessage,
  res: ServerResponse,
  expectsContinue: boolean,
  database: string,
  tableName: string,
): Promise<void> {
  const started = Date.now();
  const label = header(req.headers, 'label')?.trim() || randomUUID();
  let bodyBytes = 0;

  const record = (outcome: Outcome): void =>
    recordLoad(
      context,
      req,
      { kind: 'stream', database, table: tableName, label },
      { ...outcome, bodyBytes },
    );

  const answer = (outcome: Outcome, close = false): void => {
    record(outcome);
    const elapsed = Date.now() - started;
    sendJson(
      res,
      200,
      {
        TxnId: outcome.txnId ?? -1,
        Label: label,
        Status: outcome.status,
        ...(outcome.existingJobStatus === undefined ? {} : { ExistingJobStatus: outcome.existingJobStatus }),
        Message: outcome.message,
        NumberTotalRows: outcome.total ?? 0,
        NumberLoadedRows: outcome.loaded ?? 0,
        NumberFilteredRows: outcome.filtered ?? 0,
        NumberUnselectedRows: 0,
        LoadBytes: bodyBytes,
        LoadTimeMs: elapsed,
        BeginTxnTimeMs: 0,
        StreamLoadPlanTimeMs: 0,
        ReadDataTimeMs: elapsed,
        WriteDataTimeMs: 0,
        CommitAndPublishTimeMs: 0,
        ...(outcome.errorUrl === undefined ? {} : { ErrorURL: outcome.errorUrl }),
      },
      { close },
    );
  };

  // Before the body: answer without `100 Continue`. A client that sent its body anyway is drained first so
  // it can read the answer. A client gone meanwhile gets no answer, but the load is still recorded (the
  // transaction interface's load records nothing then).
  const reject = async (outcome: Outcome): Promise<void> => {
    if (!expectsContinue) {
      const drained = await drainBody(req);
      if (drained === undefined) return record(outcome);
      bodyBytes = drained;
    }
    answer(outcome, true);
  };
  const fail = (message: string): Promise<void> => reject({ status: STREAM_LOAD_STATUS.fail, message });

  const auth = authenticate(req.headers, context.users);
  if (!auth.ok) return fail(authFailureMessage(auth, req));
  if (!LABEL_PATTERN.test(label)) return fail(labelFormatError(label));
  if (!context.catalog.hasDatabase(database)) return fail(`unknown database, database=${database}`);
  const table = context.catalog.table(database, tableName);
  if (table === undefined) return fail(`unknown table "${database}.${tableName}"`);
  const parsed = parseLoadSpec(req.headers, table);
  if (!parsed.ok) return fail(parsed.message);
  const spec = parsed.spec;
  const declaredLength = Number(req.headers['content-length'] ?? 0);
  if (spec.format === 'json' && !spec.ignoreJsonSize && declaredLength > JSON_MAX_BYTES) {
    return fail(jsonTooLarge(declaredLength));
  }
  const usedState = context.labels.inUse(database, label);
  if (usedState !== undefined) {
    return reject({
      status: STREAM_LOAD_STATUS.labelAlreadyExists,
      existingJobStatus: existingJobStatus(usedState),
      message: `Label [${label}] has already been used.`,
    });
  }

  const fault = context.faults.takeBe();
  // A reset before apply begins no transaction: the label stays free.
  const entry: LabelEntry | undefined =
    fault?.kind === 'reset' && fault.when === 'before-apply'
      ? undefined
      : context.labels.begin(database, label, context.nextTxnId());
  const txnId = entry?.txnId ?? -1;
  const abort = (reason: string): void => {
    if (entry !== undefined) context.labels.finish(database, entry, 'ABORTED', reason);
  };

  const received = await receiveBody(req, res, expectsContinue);
  if (!received.ok) {
    abort('client closed the connection while sending the body');
    record({ status: STREAM_LOAD_STATUS.fail, message: received.message, txnId });
    return;
  }
  const { body } = received;
  bodyBytes = body.length;

  if (fault !== undefined && entry === undefined) {
    record({ status: 'Reset', message: 'connection reset before apply (stand-in fault)', txnId });
    req.socket.destroy();
    return;
  }
  if (fault?.kind === 'delay') await context.sleep(fault.ms);
  if (fault?.kind === 'fail') {
    abort(fault.message);
    return answer({ status: fault.status ?? STREAM_LOAD_STATUS.fail, message: fault.message, txnId });
  }

  const decoded = decodeBody(body, spec);
  if (!decoded.ok) {
    abort(decoded.message);
    return answer({ status: STREAM_LOAD_STATUS.fail, message: decoded.message, txnId });
  }
  if (spec.format === 'json' && !spec.ignoreJsonSize) {
    const textBytes = Buffer.byteLength(decoded.text);
    if (textBytes > JSON_MAX_BYTES) {
      abort('json too large');
      return answer({ status: STREAM_LOAD_STATUS.fail, message: jsonTooLarge(textBytes), txnId });
    }
  }
  const rows = readRows(decoded.text, spec, table);
  if (!rows.ok) {
    abort(rows.message);
    return answer({ status: STREAM_LOAD_STATUS.fail, message: rows.message, txnId });
  }
  const evaluation = evaluateLoad(context, table, spec, rows.ops, rows.errors);
  const counts = {
    txnId,
    total: evaluation.total,
    loaded: evaluation.loaded,
    filtered: evaluation.filtered,
    errorUrl: evaluation.errorUrl,
  };
  if (!evaluation.ok) {
    abort(evaluation.message);
    return answer({ status: STREAM_LOAD_STATUS.fail, message: evaluation.message, ...counts });
  }
  table.commit(evaluation.pending);
  finishApplied(context, database, entry as LabelEntry, fault);

  if (fault?.kind === 'reset') {
    record({ status: 'Reset', message: 'connection reset after apply (stand-in fault)', ...counts });
    req.socket.destroy();
    return;
  }
  if (fault?.kind === 'publishTimeout') {
    return answer({
      status: STREAM_LOAD_STATUS.publishTimeout,
      message: 'transaction commit successfully, BUT data will be visible later',
      ...counts,
    });
  }
  answer({ status: STREAM_LOAD_STATUS.success, message: 'OK', ...counts });
}

/** Moves an applied load's label on: VISIBLE, or COMMITTED / RUNNING-for-a-while under a fault. */
export function finishApplied(
  context: Context,
  database: string,
  entry: LabelEntry,
  fault: BeFault | undefined,
): void {
  if (fault?.kind === 'publishTimeout') {
    // Committed but never published: FINISHED to label checks, COMMITTED to get_load_state.
    entry.state = 'COMMITTED';
    return;
  }
  context.labels.finish(database, entry, 'VISIBLE');
  if (fault?.kind === 'reset') entry.runningUntil = Date.now() + fault.runningForMs;
}

export function jsonTooLarge(bytes: number): string {
  return `The size of this batch exceed the max size [${JSON_MAX_BYTES}]  of json type data  data [ ${bytes} ]. Set ignore_json_size to skip the check, although it may lead huge memory consuming.`;
}
