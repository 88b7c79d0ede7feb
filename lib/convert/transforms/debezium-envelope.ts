import type { KafkaRecord } from '../../decode/event.ts';
import { ErrorCode, RecordError } from '../../errors.ts';
import type { ConnectSchema } from '../connect-schema.ts';
import { type ConnectRecord, TransformSkip } from './connect-record.ts';

/**
 * What the Debezium transforms share: how a change event is recognised (by its shape, `op` plus
 * `before`/`after`, so schemaless values work as well as schema'd ones), which image each op keeps,
 * the messages that are never rows (skipped with a reason), and the refusal of TOAST placeholders.
 */

export const SkipReason = {
  tombstone: 'tombstone',
  deleteDropped: 'delete-dropped',
  truncate: 'truncate',
  message: 'message',
  heartbeat: 'heartbeat',
  transactionMetadata: 'transaction-metadata',
  schemaChange: 'schema-change',
} as const;
export type SkipReason = (typeof SkipReason)[keyof typeof SkipReason];

/** How each Debezium op routes, written once: which image is kept and which `__op` it gets. */
export const OP_ROUTES = {
  c: { image: 'after', op: 0 },
  u: { image: 'after', op: 0 },
  // A snapshot read gets no __op, as in the Java SMT; StarRocks treats a missing __op as upsert.
  r: { image: 'after', op: null },
  d: { image: 'before', op: 1 },
} as const;

export interface Envelope {
  readonly op: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

export function isEnvelope(value: Record<string, unknown>): value is Record<string, unknown> & Envelope {
  return typeof value.op === 'string' && ('after' in value || 'before' in value);
}

/** Debezium's heartbeat topics (`topic.heartbeat.prefix` default): never rows. */
export const HEARTBEAT_TOPIC_PREFIX = '__debezium-heartbeat';

/** PostgreSQL's placeholder for an unchanged TOASTed value (REPLICA IDENTITY DEFAULT). */
export const TOAST_PLACEHOLDER = '__debezium_unavailable_value';
const TOAST_PLACEHOLDER_BASE64 = Buffer.from(TOAST_PLACEHOLDER).toString('base64');

/**
 * Debezium messages that are not row changes: heartbeats, transaction metadata and schema changes
 * (other connectors; PostgreSQL has none). Recognised by schema name, or by shape without schemas.
 */
function nonDataMessage(
  record: KafkaRecord,
  value: Record<string, unknown>,
  schemaName: string | undefined,
): SkipReason | undefined {
  if (
    schemaName === 'io.debezium.connector.common.Heartbeat' ||
    record.topic.startsWith(HEARTBEAT_TOPIC_PREFIX)
  ) {
    return SkipReason.heartbeat;
  }
  if (
    schemaName?.endsWith('TransactionMetadataValue') ||
    ((value.status === 'BEGIN' || value.status === 'END') && 'event_count' in value)
  ) {
    return SkipReason.transactionMetadata;
  }
  if (schemaName?.endsWith('SchemaChangeValue') || ('ddl' in value && 'databaseName' in value))
    return SkipReason.schemaChange;
  return undefined;
}

function isToastPlaceholder(value: unknown): boolean {
  if (value === TOAST_PLACEHOLDER || value === TOAST_PLACEHOLDER_BASE64) return true;
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((v) => v === TOAST_PLACEHOLDER || v === TOAST_PLACEHOLDER_BASE64)
  );
}

/**
 * An UPDATE under REPLICA IDENTITY DEFAULT carries a placeholder for unchanged large values. Loading
 * it would overwrite real data, so the batch fails and says how to fix the source.
 */
function rejectToastPlaceholders(record: KafkaRecord, image: Record<string, unknown>): void {
  const columns = Object.keys(image).filter((k) => isToastPlaceholder(image[k]));
  if (columns.length === 0) return;
  throw new RecordError(
    ErrorCode.CDC_UNSUPPORTED,
    record,
    `column${columns.length > 1 ? 's' : ''} ${columns.map((c) => `"${c}"`).join(', ')} carr${columns.length > 1 ? 'y' : 'ies'} Debezium's ${TOAST_PLACEHOLDER} (an unchanged TOASTed value), which would overwrite the stored value; run ALTER TABLE <table> REPLICA IDENTITY FULL in PostgreSQL so updates carry the full row, then skip or re-send this record`,
  );
}

/** A change event's parts the transforms read: its op's route, and the image it keeps. */
export interface RoutedChange {
  readonly envelope: Record<string, unknown> & Envelope;
  readonly route: (typeof OP_ROUTES)[keyof typeof OP_ROUTES];
  readonly image: Record<string, unknown>;
}

/**
 * The change event a Debezium transform works on, or the skip of a record that is not a row change
 * (a heartbeat, transaction metadata, a schema change, a truncate, a message).
 */
export function routedChange(record: ConnectRecord, transformName: string): RoutedChange | TransformSkip {
  const value = record.value as Record<string, unknown>;
  const nonData = nonDataMessage(record.source, value, record.valueSchema?.name ?? record.valueSchemaName);
  if (nonData !== undefined) return new TransformSkip(nonData);
  if (!isEnvelope(value)) {
    throw new RecordError(
      ErrorCode.CDC_UNSUPPORTED,
      record.source,
      `transform "${transformName}" expects a Debezium change event ({"op", "before", "after", ...}), got an object with keys ${describeKeys(value)}; check the topic carries Debezium change events, or remove the transform`,
    );
  }
  const route = OP_ROUTES[value.op as keyof typeof OP_ROUTES];
  if (route === undefined) {
    if (value.op === 't') return new TransformSkip(SkipReason.truncate);
    if (value.op === 'm') return new TransformSkip(SkipReason.message);
    throw new RecordError(
      ErrorCode.CDC_UNSUPPORTED,
      record.source,
      `unknown Debezium op "${value.op}"; expected c, u, r, d, t or m`,
    );
  }
  const image = value[route.image];
  if (image === null || typeof image !== 'object' || Array.isArray(image)) {
    throw new RecordError(
      ErrorCode.CDC_UNSUPPORTED,
      record.source,
      missingImage(value.op, route.image, image),
    );
  }
  if (route.op === 0 || route.op === null)
    rejectToastPlaceholders(record.source, image as Record<string, unknown>);
  return { envelope: value, route, image: image as Record<string, unknown> };
}

/** A value that is no object (a tombstone, a string) passes the Debezium transforms unchanged. */
export function isObjectValue(record: ConnectRecord): boolean {
  const value = record.value;
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `schema` (a struct) with `fields` added at its end, unless it has them already. */
export function withFields(
  schema: ConnectSchema | undefined,
  fields: readonly ConnectSchema[],
): ConnectSchema | undefined {
  if (schema === undefined) return undefined;
  const known = new Set((schema.fields ?? []).map((f) => f.field));
  return { ...schema, fields: [...(schema.fields ?? []), ...fields.filter((f) => !known.has(f.field))] };
}

export const OP_FIELD: ConnectSchema = { type: 'int32', optional: true, field: '__op' };
export const DELETED_FIELD: ConnectSchema = { type: 'string', optional: true, field: '__deleted' };

/** The schema of the envelope's field `name`, when the value has a schema. */
export function fieldSchema(schema: ConnectSchema | null, name: string): ConnectSchema | undefined {
  return schema?.fields?.find((f) => f.field === name);
}

/**
 * Why an op's image cannot be applied. Only a delete's missing `before` is the source's REPLICA
 * IDENTITY; an image of the wrong kind is a producer that does not write Debezium's envelope.
 */
function missingImage(op: string, image: 'before' | 'after', value: unknown): string {
  if (value !== null && value !== undefined) {
    const kind = Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return `Debezium op "${op}": "${image}" is ${kind}, not a row (a JSON object of columns), so this is not a change event as Debezium writes it; check what produces this topic`;
  }
  if (op === 'd') {
    return `Debezium op "d" has no "before" image; a delete needs REPLICA IDENTITY that includes the key (PostgreSQL default) to be applied`;
  }
  return `Debezium op "${op}" has no "${image}" image (it is ${value === null ? 'null' : 'missing'}), and Debezium always writes the new row of a create, update or read; check what produces this topic`;
}

export function describeKeys(value: Record<string, unknown>): string {
  const keys = Object.keys(value);
  return keys.length === 0 ? '(none)' : keys.slice(0, 8).join(', ') + (keys.length > 8 ? ', ...' : '');
}
