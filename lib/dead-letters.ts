import { rowText, type TableBatch } from './batch.ts';
import type { DeadLetterDestination } from './config.ts';
import type { KafkaEventRecord } from './decode.ts';
import type { SinkError } from './errors.ts';

/**
 * Dead letters for `errors.tolerance=all`: the raw record as the event carried it, the error and
 * where the record sits in Kafka. Written before the batch reports success, so a record is either
 * loaded, dead-lettered, or the batch fails (and is retried): never silently dropped.
 */

/** Where in the pipeline a record was given up on. */
export type DeadLetterStage = 'decode' | 'convert' | 'load';

export interface DeadLetter {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number | null;
  /** Base64, as in the event; null for a null key/value. */
  readonly key: string | null;
  readonly value: string | null;
  /** Header values base64-encoded (the event carries them as signed byte arrays). */
  readonly headers: readonly { readonly key: string; readonly value: string }[];
  /** The table the record was routed to, when it got that far. */
  readonly table: string | null;
  readonly error: { readonly stage: DeadLetterStage; readonly code: string; readonly message: string };
}

/** Writes dead letters; resolves only when every one is stored. */
export interface DeadLetterWriter {
  readonly destination: string;
  write(letters: readonly DeadLetter[]): Promise<void>;
}

/** Builds a dead letter from the raw event record. */
export function deadLetterOf(
  raw: KafkaEventRecord,
  error: SinkError,
  stage: DeadLetterStage,
  table: string | null = null,
): DeadLetter {
  return {
    topic: raw.topic,
    partition: raw.partition,
    offset: raw.offset,
    timestamp: typeof raw.timestamp === 'number' ? raw.timestamp : null,
    key: typeof raw.key === 'string' ? raw.key : null,
    value: typeof raw.value === 'string' ? raw.value : null,
    headers: rawHeaders(raw.headers),
    table,
    error: { stage, code: error.code, message: error.message },
  };
}

function rawHeaders(headers: unknown): { key: string; value: string }[] {
  if (!Array.isArray(headers)) return [];
  const out: { key: string; value: string }[] = [];
  for (const entry of headers) {
    if (entry === null || typeof entry !== 'object') continue;
    for (const [key, bytes] of Object.entries(entry as Record<string, unknown>)) {
      // Kept even when malformed (that may be why the record is here): the numbers as given.
      const list = Array.isArray(bytes) ? bytes.filter((b): b is number => Number.isInteger(b)) : [];
      out.push({ key, value: Buffer.from(list).toString('base64') });
    }
  }
  return out;
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

/** Describes a destination for messages, without anything secret (there is nothing secret in it). */
export function describeDestination(destination: DeadLetterDestination): string {
  return destination.kind === 's3'
    ? `s3://${destination.bucket}/${destination.prefix}`
    : destination.queueUrl;
}
