import { writeBody } from '../batch/serialize.ts';
import { buildTableBatches } from '../batch/table-batches.ts';
import type { SinkConfig } from '../config/sink-config.ts';
import { registryValuesFor } from '../convert/registry-values.ts';
import { decodeKafkaEvent, type KafkaRecord } from '../decode/event.ts';
import type { SecretReader } from '../decode/schema-registry/schema-cache.ts';
import type { SinkError } from '../errors.ts';
import type { CheckLine } from './connection-check-report.ts';
import { type TableColumn, tableKind } from './table-columns.ts';

/**
 * The connection check's sample event: the rows the sink's own decode, convert, transform and
 * route make of it (the bodies it would send), and how their fields meet each table's columns.
 */

/** One table's rows from the sample. */
export interface SampleTable {
  readonly table: string;
  /** The JSON rows as objects, as the body carries them; undefined for CSV (no field names). */
  readonly rows: readonly Readonly<Record<string, unknown>>[] | undefined;
}

export interface SampleRows {
  readonly tables: readonly SampleTable[];
  /** What became of the sample: records, rows per table, records skipped or refused. */
  readonly lines: readonly CheckLine[];
}

/** Records refused by a stage that are named one by one; the rest are counted. */
const NAMED_RECORD_ERRORS = 5;

const SUBJECT = 'sample event';

/**
 * Runs the sample through decode, convert, transform and route as an invocation would, and reads
 * back the rows of each table's body. A record a stage refuses is a FAIL naming it (the batch it
 * came in would fail); the other records still make their rows.
 */
export async function sampleRows(
  event: unknown,
  config: SinkConfig,
  deadline: number,
  readSecret?: SecretReader,
): Promise<SampleRows> {
  let decoded: ReturnType<typeof decodeKafkaEvent>;
  try {
    decoded = decodeKafkaEvent(event, { tolerant: true });
  } catch (error) {
    const message = `is not an event-source mapping event (${(error as Error).message}); give an MSK or self-managed Kafka event such as events/msk-quickstart.json`;
    return { tables: [], lines: [{ status: 'fail', subject: SUBJECT, message }] };
  }
  const refused: string[] = decoded.undecodable.map((u) => u.error.message);
  const onRecordError = (_record: KafkaRecord, error: SinkError) => refused.push(error.message);
  const converter = config.valueConverter;
  let registry: Awaited<ReturnType<ReturnType<typeof registryValuesFor>['prepare']>> | undefined;
  try {
    registry =
      converter.kind === 'registry'
        ? await registryValuesFor(converter, readSecret).prepare(decoded.records, deadline, onRecordError)
        : undefined;
  } catch (error) {
    const message = `its schemas could not be read from the schema registry: ${(error as Error).message}`;
    return { tables: [], lines: [{ status: 'fail', subject: SUBJECT, message }] };
  }
  const summary = buildTableBatches(decoded.records, config, onRecordError, decoded.layout, registry);
  const tables = summary.tables.map((batch) => ({
    table: batch.table,
    rows: config.format === 'json' ? jsonRows(writeBody(batch, config), config.stripOuterArray) : undefined,
  }));
  return { tables, lines: summaryLines(decoded.records.length, tables, summary.skipped, refused) };
}

/** The objects of a JSON body: `[r1,r2]`, or one object per line. */
function jsonRows(body: Buffer, stripOuterArray: boolean): Record<string, unknown>[] {
  const text = body.toString('utf8');
  const values: unknown[] = stripOuterArray
    ? (JSON.parse(text) as unknown[])
    : text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as unknown);
  return values.filter(
    (v): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v),
  );
}

function summaryLines(
  records: number,
  tables: readonly SampleTable[],
  skipped: Readonly<Record<string, number>>,
  refused: readonly string[],
): CheckLine[] {
  const routed = tables.map((t) => `${t.table} (${t.rows?.length ?? 'CSV'} rows)`).join(', ');
  const skips = Object.entries(skipped).map(([reason, count]) => `${count} ${reason}`);
  const parts = [`${records} records`, routed === '' ? 'no rows' : `rows for ${routed}`];
  if (skips.length > 0) parts.push(`skipped: ${skips.join(', ')}`);
  const lines: CheckLine[] = [{ status: 'ok', subject: SUBJECT, message: parts.join('; ') }];
  for (const message of refused.slice(0, NAMED_RECORD_ERRORS)) {
    lines.push({
      status: 'fail',
      subject: SUBJECT,
      message: `${message} (a batch holding this record fails)`,
    });
  }
  if (refused.length > NAMED_RECORD_ERRORS) {
    lines.push({
      status: 'fail',
      subject: SUBJECT,
      message: `and ${refused.length - NAMED_RECORD_ERRORS} more records refused`,
    });
  }
  return lines;
}

/**
 * How the sample's rows meet a table's columns: fields with no column (StarRocks drops them
 * silently), NOT NULL columns without a default that some row leaves empty (the row is filtered,
 * and the load fails at max_filter_ratio 0), and for Primary Key tables whether `__op` is
 * produced. With a `columns` header the header's names are compared instead of the rows'.
 */
export function compareSample(
  sample: SampleTable,
  columns: readonly TableColumn[],
  headers: Readonly<Record<string, string>>,
): CheckLine[] {
  const subject = `table ${sample.table}`;
  if (headers.jsonpaths !== undefined) {
    return [
      {
        status: 'skip',
        subject,
        message:
          'fields not compared: sink.properties.jsonpaths picks them; check its paths against the columns by hand',
      },
    ];
  }
  if (headers.columns !== undefined) return compareColumnsHeader(subject, sample, columns, headers.columns);
  if (sample.rows === undefined) {
    return [
      {
        status: 'skip',
        subject,
        message: 'fields not compared: CSV rows have no names; set sink.properties.columns to name them',
      },
    ];
  }
  return compareRows(subject, sample.rows, columns);
}

function compareRows(
  subject: string,
  rows: readonly Readonly<Record<string, unknown>>[],
  columns: readonly TableColumn[],
): CheckLine[] {
  const primary = tableKind(columns) === 'primary';
  const names = new Set(columns.map((c) => c.name));
  const fields = fieldNames(rows);
  const lines: CheckLine[] = [];
  const extra = fields.filter((f) => !names.has(f) && !(primary && f === '__op'));
  if (extra.length > 0) lines.push(noColumnLine(subject, extra, columns));
  lines.push(...unfilledLines(subject, rows, columns, primary));
  lines.push(...opLines(subject, rows, primary));
  if (!lines.some((l) => l.status !== 'ok')) {
    lines.unshift({
      status: 'ok',
      subject,
      message: `the sample's ${rows.length} rows fit its columns (fields ${fields.join(', ') || 'none'})`,
    });
  }
  return lines;
}

/** Every top-level name of the rows, in first-seen order. */
function fieldNames(rows: readonly Readonly<Record<string, unknown>>[]): string[] {
  const names = new Set<string>();
  for (const row of rows) for (const name of Object.keys(row)) names.add(name);
  return [...names];
}

function noColumnLine(subject: string, extra: readonly string[], columns: readonly TableColumn[]): CheckLine {
  const lower = new Map(columns.map((c) => [c.name.toLowerCase(), c.name]));
  const named = extra.map((f) => {
    const near = lower.get(f.toLowerCase());
    return near === undefined ? `"${f}"` : `"${f}" (column "${near}" differs in case)`;
  });
  return {
    status: 'warn',
    subject,
    message: `the sample's field${extra.length > 1 ? 's' : ''} ${named.join(', ')} ${extra.length > 1 ? 'have' : 'has'} no column, and StarRocks drops ${extra.length > 1 ? 'them' : 'it'} without a word: add the column${extra.length > 1 ? 's' : ''} (ALTER TABLE … ADD COLUMN) or drop the field${extra.length > 1 ? 's' : ''} with a transform (ReplaceField$Value exclude)`,
  };
}

/**
 * NOT NULL columns without a default that some row leaves empty (absent or null). A delete row
 * (`__op` 1) of a Primary Key table needs only the key columns.
 */
function unfilledLines(
  subject: string,
  rows: readonly Readonly<Record<string, unknown>>[],
  columns: readonly TableColumn[],
  primary: boolean,
): CheckLine[] {
  const lines: CheckLine[] = [];
  for (const column of columns) {
    if (column.nullable || column.defaultValue !== undefined) continue;
    const empty = rows.filter((row) => {
      if (primary && column.key !== 'PRI' && isDelete(row)) return false;
      return row[column.name] === undefined || row[column.name] === null;
    }).length;
    if (empty === 0) continue;
    lines.push({
      status: 'fail',
      subject,
      message: `column "${column.name}" is NOT NULL without a default, and ${empty} of the sample's ${rows.length} rows leave it empty: StarRocks filters those rows and the load fails (max_filter_ratio 0); produce the field (InsertField, a metadata column), or give the column a DEFAULT or make it NULL`,
    });
  }
  return lines;
}

function isDelete(row: Readonly<Record<string, unknown>>): boolean {
  return row.__op === 1 || row.__op === '1';
}

/** Whether the rows carry `__op`: Primary Key tables apply it; other tables ignore it. */
function opLines(
  subject: string,
  rows: readonly Readonly<Record<string, unknown>>[],
  primary: boolean,
): CheckLine[] {
  const withOp = rows.filter((row) => row.__op !== undefined && row.__op !== null);
  const deletes = withOp.filter(isDelete).length;
  if (primary) {
    if (withOp.length === 0) {
      return [
        {
          status: 'warn',
          subject,
          message:
            'a Primary Key table, but the sample produces no __op: every row is an upsert and deletes are never applied; if the topic carries deletes, produce __op (Debezium: AddOpFieldForDebeziumRecord with ExtractNewRecordState delete.handling.mode=rewrite, docs/debezium.md)',
        },
      ];
    }
    return [
      {
        status: 'ok',
        subject,
        message: `a Primary Key table, and the sample produces __op (${withOp.length - deletes} upserts, ${deletes} deletes; ${rows.length - withOp.length} rows without it upsert)`,
      },
    ];
  }
  if (deletes === 0) return [];
  return [
    {
      status: 'warn',
      subject,
      message: `the sample has ${deletes} delete rows (__op 1), but only a Primary Key table applies __op: here they load as ordinary rows; use a Primary Key table, or drop deletes (delete.handling.mode=drop)`,
    },
  ];
}

/** With a `columns` header: its target names must be columns; its source names should be fields. */
function compareColumnsHeader(
  subject: string,
  sample: SampleTable,
  columns: readonly TableColumn[],
  header: string,
): CheckLine[] {
  const items = splitColumnsHeader(header);
  const names = new Set(columns.map((c) => c.name.toLowerCase()));
  const lines: CheckLine[] = [];
  const missing = items.filter((i) => i.target !== '__op' && !names.has(i.target.toLowerCase()));
  if (missing.length > 0) {
    lines.push({
      status: 'fail',
      subject,
      message: `sink.properties.columns names ${missing.map((i) => `"${i.target}"`).join(', ')}, which the table has no column for: StarRocks refuses every load; fix the header or add the column`,
    });
  }
  if (sample.rows !== undefined) {
    const sources = new Set(items.filter((i) => i.source).map((i) => i.target));
    const fields = fieldNames(sample.rows);
    const unread = fields.filter((f) => !sources.has(f));
    const absent = [...sources].filter((s) => !fields.includes(s));
    if (unread.length > 0) {
      lines.push({
        status: 'warn',
        subject,
        message: `the sample's fields ${unread.map((f) => `"${f}"`).join(', ')} are not named in sink.properties.columns, so they are not loaded; name them there if they should be`,
      });
    }
    if (absent.length > 0) {
      lines.push({
        status: 'warn',
        subject,
        message: `sink.properties.columns reads ${absent.map((f) => `"${f}"`).join(', ')}, which no row of the sample has: those columns load NULL`,
      });
    }
  }
  if (lines.length === 0)
    lines.push({ status: 'ok', subject, message: 'sink.properties.columns names only its columns' });
  return lines;
}

/** The items of a `columns` header: `a` (a source field loaded into column a) or `c = <expression>`. */
function splitColumnsHeader(header: string): { target: string; source: boolean }[] {
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < header.length; i++) {
    const ch = header[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      items.push(header.slice(start, i));
      start = i + 1;
    }
  }
  items.push(header.slice(start));
  return items
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => {
      const equals = item.indexOf('=');
      const target = (equals < 0 ? item : item.slice(0, equals)).trim().replace(/`/g, '');
      return { target, source: equals < 0 };
    });
}
