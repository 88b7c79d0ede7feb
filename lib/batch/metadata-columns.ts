import type { ConverterConfig } from '../config/converters.ts';
import type { MetadataColumn, MetadataSource } from '../config/metadata-columns.ts';
import { readJsonConnectData } from '../convert/json-converter.ts';
import { formatEpochMillis } from '../convert/logical-types.ts';
import { timestampTypeOf } from '../convert/transforms/chain.ts';
import type { KafkaRecord } from '../decode/event.ts';
import { ErrorCode, RecordError } from '../errors.ts';

/**
 * The values of `sink.metadata.columns` for one record, taken from the Kafka record as the event
 * carried it (before any transform): as JSON member text for the byte paths, set on a row object
 * for the parsed paths, and as CSV fields.
 */

/** A metadata column's value: JSON text, number, null, or parsed JSON (the key, the headers). */
type MetadataValue = unknown;

/** The metadata columns of a config, ready to give a record's values. */
export interface MetadataColumns {
  readonly columns: readonly MetadataColumn[];
  /** The column names, for the name check of the byte paths. */
  readonly names: readonly string[];
  /** The record's values, in column order. */
  valuesOf(record: KafkaRecord): MetadataValue[];
  /** The value of the column at `index` alone. */
  valueOf(index: number, record: KafkaRecord): MetadataValue;
}

/** The metadata columns, compiled once per config. */
export function compileMetadataColumns(
  columns: readonly MetadataColumn[],
  keyConverter: ConverterConfig,
): MetadataColumns {
  const keySchemasEnable = keyConverter.kind === 'json' && keyConverter.schemasEnable;
  const readers = columns.map((c) => sourceReader(c, keySchemasEnable));
  return {
    columns,
    names: columns.map((c) => c.column),
    valuesOf(record) {
      const parts = new RecordParts(record);
      return readers.map((read) => read(record, parts));
    },
    valueOf(index, record) {
      return (readers[index] as Reader)(record, new RecordParts(record));
    },
  };
}

/** What several columns of one record read: decoded once, on first use. */
class RecordParts {
  private readonly record: KafkaRecord;
  private keyText: string | null | undefined;
  private keyJson: unknown;
  private keyJsonRead = false;
  private headerList: KafkaRecord['headers'] | undefined;

  constructor(record: KafkaRecord) {
    this.record = record;
  }

  text(column: MetadataColumn): string | null {
    if (this.keyText === undefined) {
      const key = this.record.key;
      this.keyText = key === null ? null : decodeKey(this.record, column, key);
    }
    return this.keyText;
  }

  json(schemasEnable: boolean): unknown {
    if (!this.keyJsonRead) {
      const key = this.record.key;
      this.keyJson =
        key === null ? null : readJsonConnectData(this.record, key, schemasEnable, 'the key').value;
      this.keyJsonRead = true;
    }
    return this.keyJson;
  }

  headers(): KafkaRecord['headers'] {
    if (this.headerList === undefined) this.headerList = this.record.headers;
    return this.headerList;
  }
}

type Reader = (record: KafkaRecord, parts: RecordParts) => MetadataValue;

function sourceReader(column: MetadataColumn, keySchemasEnable: boolean): Reader {
  const source: MetadataSource = column.source;
  switch (source.kind) {
    case 'topic':
      return (record) => record.topic;
    case 'partition':
      return (record) => record.partition;
    case 'offset':
      return (record) => record.offset;
    case 'timestamp':
      return (record) => (record.timestamp === undefined ? null : formatEpochMillis(record.timestamp));
    case 'timestamp.ms':
      return (record) => record.timestamp ?? null;
    case 'timestamp.type':
      return (record) => timestampTypeOf(record);
    case 'key':
      return (_record, parts) => parts.text(column);
    case 'key.json':
      return (_record, parts) => parts.json(keySchemasEnable);
    case 'key.field': {
      const field = source.field;
      return (record, parts) => {
        const key = parts.json(keySchemasEnable);
        if (key === null) return null;
        if (typeof key !== 'object' || Array.isArray(key))
          throw columnError(record, column, `the key is ${describeJson(key)}, not a JSON object with fields`);
        return Object.hasOwn(key, field) ? (key as Record<string, unknown>)[field] : null;
      };
    }
    case 'header': {
      const name = source.name;
      return (_record, parts) => {
        const headers = parts.headers();
        for (let i = headers.length - 1; i >= 0; i--) {
          const header = headers[i];
          if (header?.key === name) return header.value.toString('utf8');
        }
        return null;
      };
    }
    case 'headers':
      // fromEntries defines each name as an own member, `__proto__` included; a repeated name keeps its last value.
      return (_record, parts) =>
        Object.fromEntries(parts.headers().map((h) => [h.key, h.value.toString('utf8')]));
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeKey(record: KafkaRecord, column: MetadataColumn, key: Buffer): string {
  try {
    return utf8.decode(key);
  } catch {
    throw columnError(record, column, 'the key is not valid UTF-8 text');
  }
}

/** What a key that is not an object is: an array, a string, a number (digits kept exact too) or a boolean. */
function describeJson(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'a number';
  return `a ${typeof value}`;
}

/** A record's error about one metadata column. */
export function columnError(record: KafkaRecord, column: MetadataColumn, reason: string): RecordError {
  return new RecordError(
    ErrorCode.DECODE_VALUE,
    record,
    `metadata column "${column.column}" (${column.sourceText}): ${reason}`,
  );
}

/** The JSON text of a value (numbers, text, parsed JSON with exact digits). */
export function jsonText(value: MetadataValue): string {
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value) ?? 'null';
}

/** Sets `name` on a row object as an own member whatever the name (`__proto__` included). */
export function setMember(row: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__')
    Object.defineProperty(row, name, { value, enumerable: true, writable: true, configurable: true });
  else row[name] = value;
}

/** Sets every metadata column on a parsed row: a name the value also has takes the metadata value. */
export function assignMetadata(
  row: Record<string, unknown>,
  record: KafkaRecord,
  metadata: MetadataColumns,
): void {
  const values = metadata.valuesOf(record);
  metadata.names.forEach((name, i) => {
    setMember(row, name, values[i]);
  });
}

/** StarRocks' CSV text for NULL. */
const CSV_NULL = '\\N';

/**
 * The metadata fields appended to a CSV line, each after `separator`, in column order. A value
 * holding the separator or the row delimiter would shift the columns or split the row: refused,
 * naming the record and the column.
 */
export function csvMetadataFields(
  record: KafkaRecord,
  metadata: MetadataColumns,
  columns: readonly MetadataColumn[],
  separator: string,
  rowDelimiter: string,
): string {
  const values = metadata.valuesOf(record);
  let out = '';
  values.forEach((value, i) => {
    const text =
      value === null || value === undefined
        ? CSV_NULL
        : typeof value === 'string'
          ? value
          : typeof value === 'object'
            ? JSON.stringify(value)
            : String(value);
    const column = columns[i] as MetadataColumn;
    if (text.includes(separator))
      throw columnError(
        record,
        column,
        `the value ${JSON.stringify(text)} contains the column separator ${JSON.stringify(separator)}, which would shift the columns after it; use format=json, or a separator the value cannot hold`,
      );
    if (text.includes(rowDelimiter))
      throw columnError(
        record,
        column,
        `the value ${JSON.stringify(text)} contains the row delimiter ${JSON.stringify(rowDelimiter)}, so the row would load as several; use format=json`,
      );
    out += separator + text;
  });
  return out;
}
