import { decodeDelimiter } from '../config/load-headers.ts';
import type { SinkConfig } from '../config/sink-config.ts';
import { changeRowTransforms } from '../convert/debezium-bytes.ts';
import {
  type ConvertedValue,
  type ConvertOptions,
  checkJsonObjectBytes,
  convertValue,
  isJsonNull,
  tooDeepError,
} from '../convert/json-converter.ts';
import { convertRegistryValue, type PreparedValues } from '../convert/registry-values.ts';
import { readConnectRecord, renderTransformedRow } from '../convert/transformed-values.ts';
import { chainReadsKey, schemalessRecord, transformChain } from '../convert/transforms/chain.ts';
import { type ConnectRecord, TransformSkip } from '../convert/transforms/connect-record.ts';
import { HEARTBEAT_TOPIC_PREFIX } from '../convert/transforms/debezium.ts';
import type { KafkaRecord, PartitionRun, RecordLayout } from '../decode/event.ts';
import { ErrorCode, RecordError, SinkError } from '../errors.ts';
import {
  assignMetadata,
  compileMetadataColumns,
  csvMetadataFields,
  type MetadataColumns,
} from './metadata-columns.ts';
import {
  BodyRow,
  type RowAdditions,
  rowAdditions,
  SplicedBody,
  spliceValue,
  valueInsertions,
  withMembers,
} from './metadata-rows.ts';
import { resolveTable } from './route.ts';

/**
 * Table batches: the rows bound for each table in one invocation, built from the decoded records
 * (convert, transform, route), with the offset ranges they came from.
 */

/**
 * One row of a body: JSON object or CSV text, JSON bytes copied as they are, or a record whose
 * base64 value is a schemaless JSON object, decoded straight into the body when it is written.
 */
export type RowPart = string | Buffer | KafkaRecord;

/** A row of a table batch: one made by the converters, or a span of the batch's spliced {@link TableBatch.body}. */
export type BatchRow = RowPart | BodyRow;

/** The rows bound for one table in one invocation, with the offsets they came from. */
export interface TableBatch {
  readonly table: string;
  /** One row per record that produced one, in topic/partition/offset order. */
  readonly rows: BatchRow[];
  /** Offsets per topic-partition of the records that became rows. */
  readonly ranges: OffsetRange[];
  /**
   * The body {@link rows} make, written as they were made (JSON rows spliced straight into it, see
   * metadata-rows.ts): the serializer sends it as it is. Absent when the body is written from the rows.
   */
  readonly body?: Buffer;
  /**
   * The record of each row, same index; to map rows StarRocks rejected back to their records.
   * `'rows'` when every row is its own record (schemaless JSON): see {@link sourceOf}.
   */
  readonly sources?: KafkaRecord[] | 'rows';
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

/** Called for a record that cannot be converted, transformed or routed, instead of throwing. */
export type RecordErrorHandler = (record: KafkaRecord, error: SinkError) => void;

/**
 * Converts, transforms and routes every record. Without `onRecordError`, any bad record throws
 * before anything is loaded, so a batch is loaded whole or not at all; with it, the bad record is
 * handed over and left out. `layout`, decoding's account of `records`, lets schemaless JSON be
 * batched a run at a time; it is used only when it describes exactly these records. `registry`
 * holds the framings and schema readers of a registry converter's values (registry-values.ts).
 */
export function buildTableBatches(
  records: readonly KafkaRecord[],
  config: SinkConfig,
  onRecordError?: RecordErrorHandler,
  layout?: RecordLayout,
  registry?: PreparedValues,
): BatchSummary {
  const needObject = config.transforms.length > 0;
  const metadata = metadataOf(config);
  const rowsAreRecords = metadata === undefined && isSchemalessJsonFastPath(config, needObject);
  if (rowsAreRecords && layout?.records === records && !layout.shortOrNullValues) {
    const byRuns = batchesByRun(records, config, layout.runs);
    if (byRuns !== undefined) return byRuns;
  }
  const byTable = new Map<string, TableBatch>();
  const skipped: Record<string, number> = {};
  // Records come sorted by topic: the last topic's table and batch serve the next record, and the
  // batch's last offset range the next record of its partition.
  let lastTopic: string | undefined;
  // With a router, two consumed topics may share a routed topic; each is still checked once.
  let lastConsumed: string | undefined;
  let batch: TableBatch | undefined;
  let range: OffsetRange | undefined;
  const transformed = needObject ? transformedRows(config, registry, metadata) : undefined;
  const spliced = splicedRows(config, registry, metadata, transformed);
  if (spliced !== undefined) return splicedBatches(records, config, spliced, onRecordError);
  const rowOf = transformed;
  for (const record of records) {
    let topic = record.topic;
    let row: RowPart | Skip;
    try {
      if (rowOf !== undefined) {
        // The transforms may route the record elsewhere (RegexRouter): its table follows them.
        const outcome = rowOf(record);
        if (outcome instanceof Skip) row = outcome;
        else {
          topic = outcome.topic;
          row = outcome.row;
        }
      } else if (rowsAreRecords) {
        // The hottest path: the record is the row. A null value is a tombstone, as JSON null is.
        row = record.valueBase64 === null || isJsonNull(record) ? TOMBSTONE : record;
      } else row = toRow(record, config, registry, metadata);
      if (row instanceof Skip) {
        skipped[row.skip] = (skipped[row.skip] ?? 0) + 1;
        continue;
      }
      if (topic !== lastTopic || record.topic !== lastConsumed || batch === undefined) {
        const table = resolveTable(record, config, topic);
        batch = byTable.get(table);
        if (batch === undefined) {
          batch = { table, rows: [], ranges: [], sources: rowsAreRecords ? 'rows' : [] };
          byTable.set(table, batch);
        }
        range = batch.ranges[batch.ranges.length - 1];
        lastTopic = topic;
        lastConsumed = record.topic;
      }
    } catch (thrown) {
      // Parsing, converting or writing a value nested thousands of levels deep runs out of stack.
      const error = thrown instanceof RangeError ? tooDeepError(record) : thrown;
      if (onRecordError === undefined || !(error instanceof SinkError)) throw error;
      onRecordError(record, error);
      continue;
    }
    batch.rows.push(row);
    if (batch.sources !== 'rows') batch.sources?.push(record);
    const partition = record.partition;
    if (range !== undefined && range.partition === partition && range.topic === record.topic) {
      range.last = record.offset;
      range.count++;
    } else {
      range = { topic: record.topic, partition, first: record.offset, last: record.offset, count: 1 };
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
    tables.push({ table, rows, ranges, sources: 'rows' });
  }
  return { tables, records: records.length, skipped: {} };
}

/** A record that loads no row, and why. */
class Skip {
  readonly skip: string;
  constructor(skip: string) {
    this.skip = skip;
  }
}
const TOMBSTONE = new Skip('tombstone');
const skips = new Map<string, Skip>([['tombstone', TOMBSTONE]]);

/** The one Skip of each reason a transform gives. */
function skipFor(reason: string): Skip {
  let skip = skips.get(reason);
  if (skip === undefined) {
    skip = new Skip(reason);
    skips.set(reason, skip);
  }
  return skip;
}

/** Schemaless JSON without transforms: each record is its own row, decoded into the body and checked there. */
function isSchemalessJsonFastPath(config: SinkConfig, needObject: boolean): boolean {
  const converter = config.valueConverter;
  return !needObject && config.format === 'json' && converter.kind === 'json' && !converter.schemasEnable;
}

/** The record a row was built from. */
export function sourceOf(batch: TableBatch, index: number): KafkaRecord {
  const record = batch.sources === 'rows' ? batch.rows[index] : batch.sources?.[index];
  if (
    record === undefined ||
    typeof record === 'string' ||
    Buffer.isBuffer(record) ||
    record instanceof BodyRow
  )
    throw new Error('the rows of this batch were not built by buildTableBatches');
  return record;
}

/** The row of a record when no transforms are configured, with its metadata columns. */
function toRow(
  record: KafkaRecord,
  config: SinkConfig,
  registry: PreparedValues | undefined,
  metadata: MetadataRows | undefined,
): RowPart | Skip {
  const converted = convertRecordValue(record, config, { needObject: false }, registry);
  if (converted === null) return TOMBSTONE;
  if (config.format === 'csv') {
    const line = csvLine(record, config, converted.kind === 'string' ? converted.text : jsonRow(converted));
    if (metadata === undefined) return line;
    const { columns, csvSeparator } = metadata;
    return (
      line + csvMetadataFields(record, columns, config.metadataColumns, csvSeparator, config.rowDelimiter)
    );
  }
  let row: RowPart;
  if (converted.kind === 'string') {
    // StringConverter with format=json: the text must itself be a JSON object, loaded verbatim.
    const bytes = record.value as Buffer;
    checkJsonObjectBytes(record, bytes, 0, bytes.length);
    row = bytes;
  } else if (converted.kind === 'object' && metadata !== undefined) {
    assignMetadata(converted.value, record, metadata.columns);
    return JSON.stringify(converted.value);
  } else row = jsonRow(converted);
  if (metadata === undefined) return row;
  return withMembers(record, rowBytes(row), metadata.additions, metadata.columns);
}

/** A JSON row's bytes: a record's value (decoded), or the row itself. */
function rowBytes(row: RowPart): Buffer {
  if (typeof row === 'string') return Buffer.from(row);
  return Buffer.isBuffer(row) ? row : (row.value as Buffer);
}

/** The metadata columns of a config, ready: their values, as added members, and CSV's separator. */
interface MetadataRows {
  readonly columns: MetadataColumns;
  readonly additions: RowAdditions;
  readonly csvSeparator: string;
}

/** StarRocks' default `column_separator`. */
const DEFAULT_COLUMN_SEPARATOR = '\t';

const metadataRows = new WeakMap<SinkConfig, MetadataRows | undefined>();

/** The config's metadata columns, ready (once per config); undefined when it has none. */
function metadataOf(config: SinkConfig): MetadataRows | undefined {
  if (config.metadataColumns.length === 0) return undefined;
  let ready = metadataRows.get(config);
  if (ready === undefined) {
    const columns = compileMetadataColumns(config.metadataColumns, config.keyConverter);
    const separator = config.loadHeaders.column_separator;
    ready = {
      columns,
      additions: rowAdditions([], columns),
      csvSeparator:
        separator === undefined ? DEFAULT_COLUMN_SEPARATOR : (decodeDelimiter(separator) ?? separator),
    };
    metadataRows.set(config, ready);
  }
  return ready;
}

/** The splice of a record's value into a body, and the general path for a value it leaves. */
interface SplicedRow {
  /** The row written into `body`, or undefined for the general path. */
  splice(record: KafkaRecord, body: SplicedBody): BodyRow | undefined;
  general(record: KafkaRecord): TransformedRow | Skip;
}

/**
 * Schemaless JSON with metadata columns and/or transforms that are only `InsertField$Value`: each
 * value's bytes with the added members spliced before its closing brace, without parsing it
 * (metadata-rows.ts), written straight into its table's body. A value that is not one object, or
 * that has an added name at its top level, takes the general path: the chain, or the converter and
 * the parse that overwrites. Undefined when the config is not of that shape.
 */
function splicedRows(
  config: SinkConfig,
  registry: PreparedValues | undefined,
  metadata: MetadataRows | undefined,
  transformed: ((record: KafkaRecord) => TransformedRow | Skip) | undefined,
): SplicedRow | undefined {
  const converter = config.valueConverter;
  if (config.format !== 'json' || converter.kind !== 'json' || converter.schemasEnable) return undefined;
  const insertions = valueInsertions(config.transforms);
  if (insertions === undefined || (insertions.length === 0 && metadata === undefined)) return undefined;
  const additions = rowAdditions(insertions, metadata?.columns);
  const general = (record: KafkaRecord): TransformedRow | Skip => {
    if (transformed !== undefined) return transformed(record);
    const row = toRow(record, config, registry, metadata);
    return row instanceof Skip ? row : { topic: record.topic, row };
  };
  return { splice: (record, body) => spliceValue(record, additions, body), general };
}

/**
 * The tables of spliced rows (see {@link splicedRows}): each table's body is written as its rows
 * are made, and kept on the batch for the serializer. InsertField does not route, so a record's
 * table is its topic's.
 */
function splicedBatches(
  records: readonly KafkaRecord[],
  config: SinkConfig,
  rowOf: SplicedRow,
  onRecordError: RecordErrorHandler | undefined,
): BatchSummary {
  const byTable = new Map<string, { batch: TableBatch; body: SplicedBody }>();
  const skipped: Record<string, number> = {};
  let lastTopic: string | undefined;
  let target: { batch: TableBatch; body: SplicedBody } | undefined;
  const ranges = new RangeTracker();
  for (let i = 0; i < records.length; i++) {
    const record = records[i] as KafkaRecord;
    let row: BatchRow;
    try {
      // A null value is a tombstone, as JSON null is; InsertField passes both through.
      if (record.valueBase64 === null || isJsonNull(record)) {
        skipped.tombstone = (skipped.tombstone ?? 0) + 1;
        continue;
      }
      if (record.topic !== lastTopic || target === undefined) {
        const table = resolveTable(record, config);
        target = byTable.get(table);
        if (target === undefined) {
          const body = new SplicedBody(config.stripOuterArray, records.length - i);
          target = { batch: { table, rows: [], ranges: [], sources: [] }, body };
          byTable.set(table, target);
        }
        lastTopic = record.topic;
      }
      const spliced = rowOf.splice(record, target.body);
      if (spliced !== undefined) row = spliced;
      else {
        const outcome = rowOf.general(record);
        if (outcome instanceof Skip) {
          skipped[outcome.skip] = (skipped[outcome.skip] ?? 0) + 1;
          continue;
        }
        row = outcome.row;
        target.body.append(typeof row === 'string' ? row : rowBytes(row));
      }
    } catch (thrown) {
      // Parsing or writing a value nested thousands of levels deep runs out of stack.
      const error = thrown instanceof RangeError ? tooDeepError(record) : thrown;
      if (onRecordError === undefined || !(error instanceof SinkError)) throw error;
      onRecordError(record, error);
      continue;
    }
    target.batch.rows.push(row);
    (target.batch.sources as KafkaRecord[]).push(record);
    ranges.add(target.batch, record);
  }
  const tables: TableBatch[] = [];
  for (const { batch, body } of byTable.values())
    if (batch.rows.length > 0) tables.push({ ...batch, body: body.finish() });
  return { tables, records: records.length, skipped };
}

/** Extends a batch's last offset range with the next record of its partition, or starts another. */
class RangeTracker {
  private batch: TableBatch | undefined;
  private range: OffsetRange | undefined;

  add(batch: TableBatch, record: KafkaRecord): void {
    let range = this.batch === batch ? this.range : batch.ranges[batch.ranges.length - 1];
    if (range !== undefined && range.partition === record.partition && range.topic === record.topic) {
      range.last = record.offset;
      range.count++;
    } else {
      range = {
        topic: record.topic,
        partition: record.partition,
        first: record.offset,
        last: record.offset,
        count: 1,
      };
      batch.ranges.push(range);
    }
    this.batch = batch;
    this.range = range;
  }
}

/** One CSV line of a record: its text without the trailing delimiter, refused if it holds another. */
function csvLine(record: KafkaRecord, config: SinkConfig, row: RowPart): string {
  let line = row;
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

/** A transformed record's row and the topic it now has (a router may have changed it). */
interface TransformedRow {
  readonly topic: string;
  readonly row: RowPart;
}

/**
 * The rows of records through the configured transforms. The seed's Debezium chain (`unwrap`, or
 * `addfield,unwrap`, with no predicate) first tries the change-row fast paths, which write the row
 * from the event's bytes; every other record is read into Connect data (key only when a transform
 * reads it), run through the chain, and rendered.
 */
function transformedRows(
  config: SinkConfig,
  registry: PreparedValues | undefined,
  metadata: MetadataRows | undefined,
): (record: KafkaRecord) => TransformedRow | Skip {
  const chain = transformChain(config.transforms, config.predicates);
  const changeRow = changeRowTransforms(config.transforms);
  const unwrap = config.transforms.some((t) => t.kind === 'extractNewRecordState');
  const withKey = chainReadsKey(config.transforms);
  return (record) => {
    let connect: ConnectRecord;
    if (changeRow !== undefined && !record.topic.startsWith(HEARTBEAT_TOPIC_PREFIX)) {
      const converted = convertRecordValue(record, config, { needObject: true, unwrap, changeRow }, registry);
      if (converted === null) return TOMBSTONE;
      // The row written from the event's bytes.
      if (converted.kind === 'json-text' || converted.kind === 'json-bytes') {
        const row = converted.kind === 'json-text' ? converted.text : converted.bytes;
        if (metadata === undefined) return { topic: record.topic, row };
        return {
          topic: record.topic,
          row: withMembers(record, rowBytes(row), metadata.additions, metadata.columns),
        };
      }
      if (converted.kind !== 'object') throw new Error(`the change-row path gave ${converted.kind}`);
      // The change event, converted for StarRocks: the chain picks its image by shape.
      connect = { ...schemalessRecord(record, converted.value), valueSchemaName: converted.schemaName };
    } else connect = readConnectRecord(record, config, registry, withKey);
    const outcome = chain(connect);
    if (outcome instanceof TransformSkip) return skipFor(outcome.reason);
    const value = renderTransformedRow(outcome, config);
    if (value === null) return TOMBSTONE;
    // The metadata columns are the consumed record's, whatever the chain changed.
    if (metadata !== undefined) assignMetadata(value, record, metadata.columns);
    const text = JSON.stringify(value);
    return { topic: outcome.topic, row: config.format === 'csv' ? csvLine(record, config, text) : text };
  };
}

function convertRecordValue(
  record: KafkaRecord,
  config: SinkConfig,
  options: ConvertOptions,
  registry: PreparedValues | undefined,
): ConvertedValue | null {
  const converter = config.valueConverter;
  if (converter.kind !== 'registry') return convertValue(record, converter, options);
  if (record.valueBase64 === null) return null;
  if (registry === undefined)
    throw new Error('a registry converter needs the batch prepared (registry-values.ts)');
  return convertRegistryValue(record, registry, options.needObject, options.changeRow);
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

/**
 * The same table without some of its rows (those StarRocks rejected), with offset ranges and so
 * the label recomputed from the rows that remain.
 */
export function withoutRows(batch: TableBatch, drop: ReadonlySet<number>): TableBatch {
  const rows: BatchRow[] = [];
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
  return { table: batch.table, rows, ranges, sources };
}

/** `topic-partition@first..last` for logs. */
export function describeRanges(ranges: readonly OffsetRange[]): string[] {
  return ranges.map((r) => `${r.topic}-${r.partition}@${r.first}..${r.last}`);
}
