import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { changeRowTransforms } from './change-rows.ts';
import { compressBody } from './compress.ts';
import { isValidTableName, type SinkConfig } from './config.ts';
import {
  type ConvertedValue,
  checkJsonObjectBytes,
  checkJsonObjectStructure,
  convertValue,
  isJsonNull,
  validateJsonValue,
} from './convert.ts';
import type { BatchLayout, KafkaRecord, PartitionRun } from './decode.ts';
import { ErrorCode, RecordError, SinkError } from './errors.ts';
import { applyTransforms, HEARTBEAT_TOPIC_PREFIX, type SkipReason } from './transform.ts';

/**
 * One row of a body: JSON object or CSV text, JSON bytes copied as they are, or a record whose
 * base64 value is a schemaless JSON object, decoded straight into the body when it is written.
 */
export type RowPart = string | Buffer | KafkaRecord;

/** The rows bound for one table in one invocation, with the offsets they came from. */
export interface TableBatch {
  readonly table: string;
  /** One row per record that produced one, in topic/partition/offset order. */
  readonly rows: RowPart[];
  /** Offsets per topic-partition of the records that became rows. */
  readonly ranges: OffsetRange[];
  /**
   * The record of each row, same index; to map rows StarRocks rejected back to their records.
   * `'rows'` when every row is its own record (schemaless JSON): see {@link sourceOf}.
   */
  readonly sources?: KafkaRecord[] | 'rows';
  /** Records routed here that produced no row (tombstones, dropped deletes). */
  skipped: number;
}

export interface OffsetRange {
  readonly topic: string;
  readonly partition: number;
  first: number;
  last: number;
  count: number;
}

export interface BatchSummary {
  readonly tables: TableBatch[];
  readonly records: number;
  /** Records that produced no row, by reason (`tombstone`, `delete-dropped`, `heartbeat`, ...). */
  readonly skipped: Readonly<Record<string, number>>;
}

/**
 * Resolves the table for a topic: `starrocks.topic2table.map`, else the topic's own name. With
 * `topics`/`topics.regex` set, any other topic is an error.
 */
export function resolveTable(record: KafkaRecord, config: SinkConfig): string {
  let tables = resolvedTables.get(config);
  if (tables === undefined) {
    tables = new Map();
    resolvedTables.set(config, tables);
  }
  const known = tables.get(record.topic);
  if (known !== undefined) return known;
  const table = checkedTable(record, config);
  tables.set(record.topic, table);
  return table;
}

/** Topics resolved to tables, per config: the checks below run once per topic, not per record. */
const resolvedTables = new WeakMap<SinkConfig, Map<string, string>>();

function checkedTable(record: KafkaRecord, config: SinkConfig): string {
  const route = routeTopic(record.topic, config);
  if ('problem' in route) throw new RecordError(ErrorCode.ROUTE_TOPIC_NOT_ALLOWED, record, route.problem);
  return route.table;
}

/**
 * The table a topic loads into, or why none: the topic is outside `topics`/`topics.regex`, or it
 * has no `starrocks.topic2table.map` entry and is no valid table name itself. The function routes
 * records with it, and the CDK construct checks its source topics with it at synth time.
 */
export function routeTopic(
  topic: string,
  config: Pick<SinkConfig, 'topics' | 'topicsRegex' | 'topicToTable'>,
): { readonly table: string } | { readonly problem: string } {
  if (config.topics !== undefined && !config.topics.has(topic)) {
    return {
      problem: `topic "${topic}" is not in "topics" (${[...config.topics].join(',')}); add it there, or check the event-source mapping's topics`,
    };
  }
  if (config.topicsRegex !== undefined && !config.topicsRegex.test(topic)) {
    return {
      problem: `topic "${topic}" does not match topics.regex ${config.topicsRegex.source}; widen the pattern, or check the event-source mapping's topics`,
    };
  }
  const table = config.topicToTable.get(topic) ?? topic;
  if (!isValidTableName(table)) {
    return {
      problem: `topic "${topic}" has no entry in starrocks.topic2table.map and is not a valid StarRocks table name; add "${topic}:<table>" to starrocks.topic2table.map`,
    };
  }
  return { table };
}

/** Called for a record that cannot be converted, transformed or routed, instead of throwing. */
export type RecordErrorHandler = (record: KafkaRecord, error: SinkError) => void;

/**
 * Converts, transforms and routes every record. Without `onRecordError`, any bad record throws
 * before anything is loaded, so a batch is loaded whole or not at all; with it, the bad record is
 * handed over and left out. `layout`, decoding's account of `records`, lets schemaless JSON be
 * batched a run at a time; it is used only when it describes exactly these records.
 */
export function buildTableBatches(
  records: readonly KafkaRecord[],
  config: SinkConfig,
  onRecordError?: RecordErrorHandler,
  layout?: BatchLayout,
): BatchSummary {
  const needObject = config.transforms.length > 0;
  const rowsAreRecords = isSchemalessJsonFastPath(config, needObject);
  if (rowsAreRecords && layout?.records === records && !layout.shortOrNullValues) {
    const byRuns = batchesByRun(records, config, layout.runs);
    if (byRuns !== undefined) return byRuns;
  }
  const byTable = new Map<string, TableBatch>();
  const skipped: Record<string, number> = {};
  // Records come sorted by topic: the last topic's table and batch serve the next record, and the
  // batch's last offset range the next record of its partition.
  let lastTopic: string | undefined;
  let batch: TableBatch | undefined;
  let range: OffsetRange | undefined;
  for (const record of records) {
    const topic = record.topic;
    let row: ReturnType<typeof toRow>;
    try {
      if (topic !== lastTopic || batch === undefined) {
        const table = resolveTable(record, config);
        batch = byTable.get(table);
        if (batch === undefined) {
          batch = { table, rows: [], ranges: [], sources: rowsAreRecords ? 'rows' : [], skipped: 0 };
          byTable.set(table, batch);
        }
        range = batch.ranges[batch.ranges.length - 1];
        lastTopic = topic;
      }
      if (rowsAreRecords) {
        // The hottest path: the record is the row. A null value is a tombstone, as JSON null is.
        row = record.valueBase64 === null || isJsonNull(record) ? TOMBSTONE : record;
      } else row = toRow(record, config, needObject);
    } catch (error) {
      if (onRecordError === undefined || !(error instanceof SinkError)) throw error;
      onRecordError(record, error);
      continue;
    }
    if (row instanceof Skip) {
      skipped[row.skip] = (skipped[row.skip] ?? 0) + 1;
      batch.skipped++;
      continue;
    }
    batch.rows.push(row);
    if (batch.sources !== 'rows') batch.sources?.push(record);
    const partition = record.partition;
    if (range !== undefined && range.partition === partition && range.topic === topic) {
      range.last = record.offset;
      range.count++;
    } else {
      range = { topic, partition, first: record.offset, last: record.offset, count: 1 };
      batch.ranges.push(range);
    }
  }
  return { tables: [...byTable.values()].filter((t) => t.rows.length > 0), records: records.length, skipped };
}

/**
 * Schemaless JSON whose values cannot be tombstones: every record is a row, so the tables are
 * built run by run (a topic-partition at a time) instead of record by record. Undefined when a
 * topic does not route: the record-by-record path reports it.
 */
function batchesByRun(
  records: readonly KafkaRecord[],
  config: SinkConfig,
  runs: readonly PartitionRun[],
): BatchSummary | undefined {
  const segments = new Map<string, PartitionRun[]>();
  let lastTopic: string | undefined;
  let list: PartitionRun[] | undefined;
  for (const run of runs) {
    if (run.topic !== lastTopic || list === undefined) {
      let table: string;
      try {
        table = resolveTable(records[run.start] as KafkaRecord, config);
      } catch {
        return undefined;
      }
      list = segments.get(table);
      if (list === undefined) {
        list = [];
        segments.set(table, list);
      }
      lastTopic = run.topic;
    }
    list.push(run);
  }
  const tables: TableBatch[] = [];
  for (const [table, runsOfTable] of segments) {
    // Runs next to each other (a topic's partitions, topics of one table in a row) are one slice.
    const slices: KafkaRecord[][] = [];
    let from = -1;
    let to = -1;
    for (const run of runsOfTable) {
      if (run.start !== to) {
        if (from >= 0) slices.push(records.slice(from, to));
        from = run.start;
      }
      to = run.end;
    }
    slices.push(records.slice(from, to));
    const rows: RowPart[] =
      slices.length === 1 ? (slices[0] as KafkaRecord[]) : ([] as RowPart[]).concat(...slices);
    const ranges = runsOfTable.map((r) => ({
      topic: r.topic,
      partition: r.partition,
      first: (records[r.start] as KafkaRecord).offset,
      last: (records[r.end - 1] as KafkaRecord).offset,
      count: r.end - r.start,
    }));
    tables.push({ table, rows, ranges, sources: 'rows', skipped: 0 });
  }
  return { tables, records: records.length, skipped: {} };
}

/** A record that loads no row, and why. */
class Skip {
  readonly skip: 'tombstone' | SkipReason;
  constructor(skip: 'tombstone' | SkipReason) {
    this.skip = skip;
  }
}
const TOMBSTONE = new Skip('tombstone');

/** Schemaless JSON without transforms: each record is its own row, decoded into the body and checked there. */
function isSchemalessJsonFastPath(config: SinkConfig, needObject: boolean): boolean {
  const converter = config.valueConverter;
  return !needObject && config.format === 'json' && converter.kind === 'json' && !converter.schemasEnable;
}

/** The record a row was built from. */
export function sourceOf(batch: TableBatch, index: number): KafkaRecord {
  const record = batch.sources === 'rows' ? batch.rows[index] : batch.sources?.[index];
  if (record === undefined || typeof record === 'string' || Buffer.isBuffer(record))
    throw new Error('the rows of this batch were not built by buildTableBatches');
  return record;
}

function toRow(record: KafkaRecord, config: SinkConfig, needObject: boolean): RowPart | Skip {
  const unwrap = needObject && config.transforms.some((t) => t.kind === 'extractNewRecordState');
  // Heartbeat topics are skipped by the transforms, whatever their schema says.
  const changeRow =
    unwrap && !record.topic.startsWith(HEARTBEAT_TOPIC_PREFIX)
      ? changeRowTransforms(config.transforms)
      : undefined;
  const converted = convertValue(record, config.valueConverter, { needObject, unwrap, changeRow });
  if (converted === null) return TOMBSTONE;
  if (config.format === 'csv') {
    let line = converted.kind === 'string' ? converted.text : jsonRow(converted);
    if (typeof line !== 'string')
      line = Buffer.isBuffer(line) ? line.toString('utf8') : (line.value as Buffer).toString('utf8');
    if (line.endsWith(config.rowDelimiter)) line = line.slice(0, -config.rowDelimiter.length);
    if (line.includes(config.rowDelimiter)) {
      throw new RecordError(
        ErrorCode.DECODE_VALUE,
        record,
        `the CSV value contains the row delimiter ${JSON.stringify(config.rowDelimiter)}, so it would load as several rows; one record must be one line`,
      );
    }
    return line;
  }
  if (converted.kind === 'string') {
    // StringConverter with format=json: the text must itself be a JSON object, loaded verbatim.
    const bytes = record.value as Buffer;
    checkJsonObjectBytes(record, bytes, 0, bytes.length);
    return bytes;
  }
  if (config.transforms.length === 0 || converted.kind !== 'object') return jsonRow(converted);
  const outcome = applyTransforms(record, converted.value, config.transforms, converted.schemaName);
  if (outcome.kind === 'skip') return new Skip(outcome.reason);
  return JSON.stringify(outcome.value);
}

function jsonRow(converted: Exclude<ConvertedValue, { kind: 'string' }>): RowPart {
  switch (converted.kind) {
    case 'base64-json':
      return converted.record;
    case 'json-bytes':
      return converted.bytes;
    case 'json-text':
      return converted.text;
    case 'object':
      return JSON.stringify(converted.value);
  }
}

const COMMA = 0x2c;
const NEWLINE = 0x0a;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * The bytes one Stream Load sends: {@link writeBody}, compressed when `sink.properties.compression`
 * is set (so both the Stream Load and the transaction senders send what the header announces).
 * Only the sent bytes are compressed: the rows stay in `batch`, where rejected rows are matched
 * and a body without them is built again.
 */
export function serializeBody(batch: TableBatch, config: SinkConfig): Buffer {
  const body = writeBody(batch, config);
  return config.compression === undefined ? body : compressBody(body, config.compression);
}

/**
 * The body of one Stream Load, uncompressed, written once into a buffer of the exact size:
 * `[r1,r2]`, newline-delimited objects, or CSV lines each ending with the row delimiter. Schemaless
 * JSON values are decoded from base64 into their place and checked there.
 */
export function writeBody(batch: TableBatch, config: SinkConfig): Buffer {
  if (batch.sources === 'rows') return writeValues(batch.rows as KafkaRecord[], config.stripOuterArray);
  const json = config.format === 'json';
  const separator = json ? (config.stripOuterArray ? ',' : '\n') : config.rowDelimiter;
  const separatorBytes = Buffer.byteLength(separator);
  let size = json && config.stripOuterArray ? 2 : 0;
  for (const row of batch.rows) size += rowLength(row);
  size += separatorBytes * Math.max(0, batch.rows.length - (json ? 1 : 0));
  const body = Buffer.allocUnsafe(size);
  let pos = 0;
  if (json && config.stripOuterArray) body[pos++] = OPEN_BRACKET;
  for (let i = 0; i < batch.rows.length; i++) {
    const row = batch.rows[i] as RowPart;
    if (i > 0 && json) {
      if (separatorBytes === 1) body[pos++] = config.stripOuterArray ? COMMA : NEWLINE;
      else pos += body.write(separator, pos);
    }
    if (typeof row === 'string') pos += body.write(row, pos);
    else if (Buffer.isBuffer(row)) pos += row.copy(body, pos);
    else throw new Error('a row that is its record belongs in a batch whose sources are its rows');
    if (!json) pos += body.write(separator, pos);
  }
  if (json && config.stripOuterArray) body[pos++] = CLOSE_BRACKET;
  return pos === size ? body : body.subarray(0, pos);
}

/**
 * The body of schemaless JSON rows: each value is base64-decoded into its place and checked there
 * to be exactly one JSON object, so a broken record fails the batch by its offset before anything
 * is sent instead of loading as two rows, or taking its neighbour with it.
 */
function writeValues(records: readonly KafkaRecord[], array: boolean): Buffer {
  const separator = array ? COMMA : NEWLINE;
  let size = (array ? 2 : 0) + Math.max(0, records.length - 1);
  for (const record of records) size += record.valueLength;
  const body = Buffer.allocUnsafe(size);
  let pos = 0;
  if (array) body[pos++] = OPEN_BRACKET;
  for (let i = 0; i < records.length; i++) {
    const record = records[i] as KafkaRecord;
    if (i > 0) body[pos++] = separator;
    const start = pos;
    pos += body.write(record.valueBase64 as string, pos, 'base64');
    try {
      checkJsonObjectStructure(record, body, start, pos);
    } catch (error) {
      // Node skips characters outside the base64 alphabet: a short value is not base64 at all.
      if (pos - start !== record.valueLength) throw notBase64(record);
      throw error;
    }
  }
  if (array) body[pos++] = CLOSE_BRACKET;
  // A short value that still looked like one object: found by its length.
  if (pos !== size) {
    for (const record of records) {
      if (Buffer.from(record.valueBase64 as string, 'base64').length !== record.valueLength)
        throw notBase64(record);
    }
    // Never sent: the rest of the buffer holds whatever memory it was given.
    throw new Error(
      `the body came out ${pos} bytes instead of ${size}, yet every value decodes to its length`,
    );
  }
  if (!isUtf8(body))
    for (const record of records) checkJsonObjectBytes(record, record.value as Buffer, 0, record.valueLength);
  return body;
}

function notBase64(record: KafkaRecord): RecordError {
  return new RecordError(ErrorCode.DECODE_EVENT, record, 'the value is not base64 text');
}

function rowLength(row: RowPart): number {
  if (typeof row === 'string') return Buffer.byteLength(row);
  return Buffer.isBuffer(row) ? row.length : 0;
}

/**
 * After StarRocks refused a body built on the fast path, checks its schemaless values strictly
 * (JSON.parse) and throws the first bad record's error, naming its offset.
 */
export function findInvalidRow(batch: TableBatch): void {
  for (const row of batch.rows) {
    if (typeof row !== 'string' && !Buffer.isBuffer(row)) validateJsonValue(row);
  }
}

const LABEL_PREFIX = 'kl';
const LABEL_MAX = 128;

/**
 * A label that is the same for the same rows: database, table and the exact offset ranges. StarRocks
 * labels allow only `[-\w]`, at most 128 characters, so the table name is sanitised and the
 * identity is a hash.
 *
 * @example
 * buildLabel('example_db', { table: 'test_tbl', ranges: [{ topic: 'test', partition: 0, first: 0, last: 2, count: 3 }] })
 * // → 'kl-test_tbl-3f1c…' (40 hex digits)
 */
export function buildLabel(database: string, batch: Pick<TableBatch, 'table' | 'ranges'>): string {
  const identity = [
    database,
    batch.table,
    ...batch.ranges.map(
      (r) => `${r.topic}\u0000${r.partition}\u0000${r.first}\u0000${r.last}\u0000${r.count}`,
    ),
  ];
  const hash = createHash('sha256').update(identity.join('\u0001')).digest('hex').slice(0, 40);
  const readable = batch.table
    .replace(/[^-\w]/g, '_')
    .slice(0, LABEL_MAX - LABEL_PREFIX.length - hash.length - 2);
  return `${LABEL_PREFIX}-${readable}-${hash}`;
}

/**
 * The same table without some of its rows (those StarRocks rejected), with offset ranges and so
 * the label recomputed from the rows that remain.
 */
export function withoutRows(batch: TableBatch, drop: ReadonlySet<number>): TableBatch {
  const rows: RowPart[] = [];
  const sources: KafkaRecord[] | 'rows' = batch.sources === 'rows' ? 'rows' : [];
  const ranges: OffsetRange[] = [];
  batch.rows.forEach((row, i) => {
    if (drop.has(i)) return;
    const record = sourceOf(batch, i);
    rows.push(row);
    if (sources !== 'rows') sources.push(record);
    const range = ranges.at(-1);
    if (range !== undefined && range.topic === record.topic && range.partition === record.partition) {
      range.last = record.offset;
      range.count++;
    } else {
      ranges.push({
        topic: record.topic,
        partition: record.partition,
        first: record.offset,
        last: record.offset,
        count: 1,
      });
    }
  });
  return { table: batch.table, rows, ranges, sources, skipped: batch.skipped };
}

/** The text of one row as it is written into the body. */
export function rowText(row: RowPart): string {
  if (typeof row === 'string') return row;
  if (Buffer.isBuffer(row)) return row.toString('utf8');
  return Buffer.from(row.valueBase64 ?? '', 'base64').toString('utf8');
}

/** `topic-partition@first..last` for logs. */
export function describeRanges(ranges: readonly OffsetRange[]): string[] {
  return ranges.map((r) => `${r.topic}-${r.partition}@${r.first}..${r.last}`);
}
