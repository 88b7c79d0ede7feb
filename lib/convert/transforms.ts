import type { TransformConfig } from '../config/transforms.ts';
import type { KafkaRecord } from '../decode/event.ts';
import { ErrorCode, RecordError } from '../errors.ts';

/**
 * The seed's Debezium transforms, applied by the sink itself:
 * `AddOpFieldForDebeziumRecord` (adds `__op`: 0 upsert, 1 delete) and Debezium's
 * `ExtractNewRecordState` with the legacy `drop.tombstones` / `delete.handling.mode` options.
 *
 * The envelope is recognised by its shape (`op` plus `before`/`after`), so the transforms work
 * with `schemas.enable` false as well as true; the Java connector silently loaded all-NULL rows in
 * the schemaless case.
 */

export type TransformOutcome =
  | { readonly kind: 'row'; readonly value: Record<string, unknown> }
  | { readonly kind: 'skip'; readonly reason: SkipReason };

export const SkipReason = {
  deleteDropped: 'delete-dropped',
  truncate: 'truncate',
  message: 'message',
  heartbeat: 'heartbeat',
  transactionMetadata: 'transaction-metadata',
  schemaChange: 'schema-change',
} as const;
export type SkipReason = (typeof SkipReason)[keyof typeof SkipReason];

/** How each Debezium op routes, written once: which image is kept and which `__op` it gets. */
const OP_ROUTES = {
  c: { image: 'after', op: 0 },
  u: { image: 'after', op: 0 },
  // A snapshot read gets no __op, as in the Java SMT; StarRocks treats a missing __op as upsert.
  r: { image: 'after', op: null },
  d: { image: 'before', op: 1 },
} as const;

interface Envelope {
  readonly op: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

function isEnvelope(value: Record<string, unknown>): value is Record<string, unknown> & Envelope {
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

/**
 * Applies the configured transforms, in order, to a converted value.
 *
 * @example
 * applyTransforms(record, { op: 'd', before: { id: 1 }, after: null }, [
 *   { name: 'addfield', kind: 'addOpField' },
 *   { name: 'unwrap', kind: 'extractNewRecordState', dropTombstones: true, deleteHandlingMode: 'rewrite' },
 * ]); // → { kind: 'row', value: { id: 1, __op: 1, __deleted: 'true' } }
 */
export function applyTransforms(
  record: KafkaRecord,
  value: Record<string, unknown>,
  transforms: readonly TransformConfig[],
  schemaName?: string,
): TransformOutcome {
  const nonData = nonDataMessage(record, value, schemaName);
  if (nonData !== undefined) return { kind: 'skip', reason: nonData };
  let current = value;
  for (const transform of transforms) {
    if (!isEnvelope(current)) {
      throw new RecordError(
        ErrorCode.CDC_UNSUPPORTED,
        record,
        `transform "${transform.name}" expects a Debezium change event ({"op", "before", "after", ...}), got an object with keys ${describeKeys(current)}; check the topic carries Debezium change events, or remove the transform`,
      );
    }
    const route = OP_ROUTES[current.op as keyof typeof OP_ROUTES];
    if (route === undefined) {
      if (current.op === 't') return { kind: 'skip', reason: SkipReason.truncate };
      if (current.op === 'm') return { kind: 'skip', reason: SkipReason.message };
      throw new RecordError(
        ErrorCode.CDC_UNSUPPORTED,
        record,
        `unknown Debezium op "${current.op}"; expected c, u, r, d, t or m`,
      );
    }
    const image = current[route.image];
    if (image === null || typeof image !== 'object' || Array.isArray(image)) {
      throw new RecordError(ErrorCode.CDC_UNSUPPORTED, record, missingImage(current.op, route.image, image));
    }
    if (route.op === 0 || route.op === null)
      rejectToastPlaceholders(record, image as Record<string, unknown>);
    if (transform.kind === 'addOpField') {
      if (route.op !== null) {
        current = { ...current, [route.image]: { ...(image as Record<string, unknown>), __op: route.op } };
      }
      continue;
    }
    if (current.op === 'd') {
      if (transform.deleteHandlingMode !== 'rewrite')
        return { kind: 'skip', reason: SkipReason.deleteDropped };
      current = { ...(image as Record<string, unknown>), __deleted: 'true' };
    } else {
      current = { ...(image as Record<string, unknown>) };
      if (transform.deleteHandlingMode === 'rewrite') current.__deleted = 'false';
    }
  }
  return { kind: 'row', value: current };
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

function describeKeys(value: Record<string, unknown>): string {
  const keys = Object.keys(value);
  return keys.length === 0 ? '(none)' : keys.slice(0, 8).join(', ') + (keys.length > 8 ? ', ...' : '');
}
