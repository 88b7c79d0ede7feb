import { rowText } from '../batch/serialize.ts';
import type { TableBatch } from '../batch/table-batches.ts';

/**
 * Rows StarRocks rejected: the error log behind `ErrorURL` parsed, and each rejected row mapped back
 * to the row (and so the record) it came from.
 */

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
