import { type PreparedLoad, prepareLoadWithout } from '../batch/prepare-loads.ts';
import { findInvalidRow, rowText } from '../batch/serialize.ts';
import { sourceOf, type TableBatch } from '../batch/table-batches.ts';
import type { SinkConfig } from '../config/sink-config.ts';
import { type DecodedEvent, recordKey } from '../decode/event.ts';
import { ErrorCode, LoadError, RecordError } from '../errors.ts';
import { type DeadLetter, deadLetterOf } from './dead-letter-records.ts';
import type { DeadLetterSender } from './dead-letters.ts';
import { fetchErrorLogText, MAX_ERROR_LOG_BYTES } from './http.ts';

/**
 * Rows StarRocks rejected: the error log behind `ErrorURL` parsed, each rejected row mapped back
 * to the row (and so the record) it came from, those records dead-lettered
 * (`errors.tolerance=all`), and the load rebuilt without them.
 */

/** How often a table is reloaded without the rows StarRocks rejected before the batch fails. */
export const MAX_REJECTION_ROUNDS = 3;

/** What dead-lettering rejected rows needs: the raw records and where their dead letters go. */
export interface RejectedRowsContext {
  readonly config: SinkConfig;
  readonly deadline: number;
  readonly raw: DecodedEvent['raw'];
  readonly deadLetters: DeadLetterSender;
}

/** One rejected row from a StarRocks error log: `Error: <reason>. Row: <row>`. */
export interface RejectedRow {
  readonly reason: string;
  readonly row: string;
}

/** Parses the error log behind `ErrorURL`; lines that do not have the shape are returned apart. */
export function parseErrorLog(text: string): { rows: RejectedRow[]; unparsed: string[] } {
  const rows: RejectedRow[] = [];
  const unparsed: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const match = /^Error: (.*?)\. Row: (.*)$/s.exec(line);
    if (match === null) unparsed.push(line);
    else rows.push({ reason: match[1] as string, row: match[2] as string });
  }
  return { rows, unparsed };
}

/**
 * Maps each rejected row to the index of the row it came from in `batch`. JSON rows are compared
 * as parsed values with keys in order of name (StarRocks prints them re-serialized), CSV rows as
 * text. Returns undefined when any rejected row matches no row left: then the rows cannot be told
 * apart, and the batch must fail rather than guess.
 */
export function matchRejectedRows(
  batch: TableBatch,
  rejected: readonly RejectedRow[],
  format: 'json' | 'csv',
): Map<number, RejectedRow> | undefined {
  const byText = new Map<string, number[]>();
  batch.rows.forEach((row, i) => {
    const text = canonical(rowText(row), format);
    const list = byText.get(text);
    if (list === undefined) byText.set(text, [i]);
    else list.push(i);
  });
  const matched = new Map<number, RejectedRow>();
  for (const r of rejected) {
    const index = byText.get(canonical(r.row, format))?.shift();
    if (index === undefined) return undefined;
    matched.set(index, r);
  }
  return matched;
}

function canonical(text: string, format: 'json' | 'csv'): string {
  if (format === 'csv') return text;
  try {
    return JSON.stringify(sortKeys(JSON.parse(text)));
  } catch {
    return text;
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value as object)
      .sort()
      .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
  );
}

/**
 * When StarRocks refused a body outright (not retryable, and not for rows it filtered), throws the
 * error of the first record whose row is not JSON StarRocks reads, so the failure names the record
 * rather than only the load; returns when every row is sound (the load's own error then stands).
 */
export function traceRefusedBody(
  error: unknown,
  loads: readonly PreparedLoad[],
  config: Pick<SinkConfig, 'format'>,
): void {
  if (!(error instanceof LoadError) || error.retryable || isFilteredRows(error)) return;
  for (const load of loads) findInvalidRow(load.batch, config);
}

/** A load StarRocks failed for "too many filtered rows", with an error log to read them from. */
export function isFilteredRows(error: unknown): error is LoadError {
  return (
    error instanceof LoadError &&
    error.errorUrl !== undefined &&
    /too many filtered rows/i.test(error.starrocksMessage ?? '')
  );
}

/**
 * The rows of a StarRocks error log; `cut` when the log is larger than {@link MAX_ERROR_LOG_BYTES}
 * or did not come whole before the deadline (its rows cannot all be named, and a guess is not
 * dead-lettered); undefined when it cannot be read or parsed whole.
 */
export async function readRejectedRows(
  errorUrl: string,
  deadline: number,
): Promise<RejectedRow[] | 'cut' | undefined> {
  const log = await fetchErrorLogText(errorUrl, deadline);
  if (log === undefined) return undefined;
  if (log.cut) return 'cut';
  const { rows, unparsed } = parseErrorLog(log.text);
  return unparsed.length > 0 || rows.length === 0 ? undefined : rows;
}

/**
 * Rows StarRocks rejected, mapped back to their records and dead-lettered; returns their indexes in
 * the load. Undefined when the error log could not be read or a rejected row matches no record:
 * then nothing is dead-lettered.
 */
export async function deadLetterRejectedRows(
  load: PreparedLoad,
  rows: readonly RejectedRow[] | undefined,
  context: RejectedRowsContext,
): Promise<Set<number> | undefined> {
  if (rows === undefined) return undefined;
  const matched = matchRejectedRows(load.batch, rows, context.config.format);
  if (matched === undefined) return undefined;
  const letters: DeadLetter[] = [];
  for (const [index, row] of matched) {
    const record = sourceOf(load.batch, index);
    const raw = context.raw.get(recordKey(record));
    if (raw === undefined) return undefined;
    const error = new RecordError(
      ErrorCode.LOAD_FAILED,
      record,
      `StarRocks rejected the row loading into table "${load.batch.table}" (label ${load.label}): ${row.reason}`,
    );
    letters.push(deadLetterOf(raw, error, 'load', load.batch.table));
  }
  await context.deadLetters.send(letters);
  return new Set(matched.keys());
}

/**
 * Of `loads`, the first whose rows the error log behind `error` names: those rows are
 * dead-lettered, and the load is rebuilt without them under the label of exactly the rows left.
 * Throws when the log names no load's rows.
 */
export async function dropRejectedRows(
  loads: readonly PreparedLoad[],
  error: LoadError,
  context: RejectedRowsContext,
): Promise<{ index: number; next: PreparedLoad }> {
  const rows = await readRejectedRows(error.errorUrl as string, context.deadline);
  if (rows === 'cut') throw cutLog(error);
  for (let index = 0; index < loads.length; index++) {
    const load = loads[index] as PreparedLoad;
    const drop = await deadLetterRejectedRows(load, rows, context);
    if (drop === undefined) continue;
    return { index, next: prepareLoadWithout(load, drop, context.config) };
  }
  throw unmatchedRejections(error);
}

/** Rows were rejected, and the error log does not name them well enough to dead-letter them. */
function unmatchedRejections(error: LoadError): LoadError {
  return new LoadError(
    error.code,
    `${error.summary}; its rejected rows could not be matched to records from ErrorURL, so none was dead-lettered and the batch fails`,
    error,
    { cause: error },
  );
}

/** The error log is too large (or too slow) to be read whole: no row is dead-lettered on a guess. */
function cutLog(error: LoadError): LoadError {
  return new LoadError(
    error.code,
    `${error.summary}; its error log at ErrorURL was cut (more than ${MAX_ERROR_LOG_BYTES >> 20} MiB, or not read whole before the deadline), so its rejected rows cannot all be named: none was dead-lettered and the batch fails`,
    error,
    { cause: error },
  );
}
