/**
 * The part of a record a `$Key`/`$Value` transform works on: reading its schema and value, and the
 * record with that part replaced (Connect's `newRecord` of the `Key`/`Value` subclasses).
 */
import type { RecordPart } from '../../config/transform-spec.ts';
import type { ConnectSchema } from '../connect-schema.ts';
import { type ConnectRecord, withChanges } from './connect-record.ts';

/** A record part's schema (null: schemaless) and value. */
export interface PartData {
  readonly schema: ConnectSchema | null;
  readonly value: unknown;
}

/** The key or the value of `record`, with its schema. */
export function readPart(record: ConnectRecord, part: RecordPart): PartData {
  return part === 'key'
    ? { schema: record.keySchema, value: record.key }
    : { schema: record.valueSchema, value: record.value };
}

/**
 * `record` with its key or value (and that part's schema) replaced. `sameSchemaName`: false when
 * the new value's schema is no longer the one `valueSchemaName` names (a value wrapped or taken out
 * of a field), so Debezium's transforms stop seeing it as, say, a heartbeat.
 */
export function withPart(
  record: ConnectRecord,
  part: RecordPart,
  schema: ConnectSchema | null,
  value: unknown,
  sameSchemaName = true,
): ConnectRecord {
  if (part === 'key') return withChanges(record, { keySchema: schema, key: value });
  return sameSchemaName
    ? withChanges(record, { valueSchema: schema, value })
    : withChanges(record, { valueSchema: schema, value, valueSchemaName: undefined });
}
