import { isUtf8 } from 'node:buffer';
import type { SinkConfig } from '../config/sink-config.ts';
import {
  checkJsonObjectBytes,
  checkJsonObjectStructure,
  validateJsonRow,
  validateJsonValue,
} from '../convert/json-converter.ts';
import type { KafkaRecord } from '../decode/event.ts';
import { ErrorCode, RecordError } from '../errors.ts';
import { compressBody } from './compress.ts';
import { BodyRow } from './metadata-rows.ts';
import { type BatchRow, sourceOf, type TableBatch } from './table-batches.ts';

/**
 * Serialization: the Stream Load body of a table batch (JSON array, newline-delimited JSON or CSV),
 * compressed when configured, and the text of one row.
 */

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
  if (batch.body !== undefined) return batch.body;
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
    const row = batch.rows[i] as BatchRow;
    if (i > 0 && json) {
      if (separatorBytes === 1) body[pos++] = config.stripOuterArray ? COMMA : NEWLINE;
      else pos += body.write(separator, pos);
    }
    if (typeof row === 'string') pos += body.write(row, pos);
    else if (Buffer.isBuffer(row)) {
      // TypedArray#set: a row is small, and Buffer#copy's call costs more than the copy.
      body.set(row, pos);
      pos += row.length;
    } else if (row instanceof BodyRow) pos += row.body.copy(body, pos, row.start, row.end);
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

function rowLength(row: BatchRow): number {
  if (typeof row === 'string') return Buffer.byteLength(row);
  return Buffer.isBuffer(row) || row instanceof BodyRow ? row.length : 0;
}

/**
 * After StarRocks refused a JSON body, checks its rows strictly (JSON.parse, and nesting no deeper
 * than StarRocks reads) and throws the first bad row's error, naming the record it came from:
 * schemaless values and payloads copied from envelopes are only checked structurally on the way
 * in, so StarRocks' parser may be the first to see a `tru`. Does nothing for CSV bodies.
 */
export function findInvalidRow(batch: TableBatch, config: Pick<SinkConfig, 'format'>): void {
  if (config.format !== 'json') return;
  batch.rows.forEach((row, i) => {
    if (typeof row === 'string') validateJsonRow(sourceOf(batch, i), row);
    else if (Buffer.isBuffer(row)) validateJsonRow(sourceOf(batch, i), row.toString('utf8'));
    else if (row instanceof BodyRow) validateJsonRow(sourceOf(batch, i), row.bytes().toString('utf8'));
    else validateJsonValue(row);
  });
}

/** The text of one row as it is written into the body. */
export function rowText(row: BatchRow): string {
  if (typeof row === 'string') return row;
  if (Buffer.isBuffer(row)) return row.toString('utf8');
  if (row instanceof BodyRow) return row.body.toString('utf8', row.start, row.end);
  return Buffer.from(row.valueBase64 ?? '', 'base64').toString('utf8');
}
