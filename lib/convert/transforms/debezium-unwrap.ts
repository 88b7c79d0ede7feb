import type { ExtractNewRecordStateSpec } from '../../config/transform-classes/debezium.ts';
import type { TransformConfig } from '../../config/transforms.ts';
import type { ConnectSchema } from '../connect-schema.ts';
import {
  type ConnectRecord,
  TransformSkip,
  type TransformStep,
  transformError,
  withChanges,
} from './connect-record.ts';
import { dropFieldsStep } from './debezium-drop-fields.ts';
import {
  DELETED_FIELD,
  fieldSchema,
  isObjectValue,
  type RoutedChange,
  routedChange,
  SkipReason,
  withFields,
} from './debezium-envelope.ts';
import { type AddedField, asHeaders, metadataReader, tombstoneHeaders } from './debezium-metadata.ts';

/**
 * Debezium's `ExtractNewRecordState` ("unwrap"): a change event becomes its row (the `after` image;
 * a rewritten delete's `before`), with the options a sink needs, in Debezium's order: headers are
 * added first (`add.headers`), then the image is extracted (`__deleted` added when rewriting), the
 * topic routed (`route.by.field`), the metadata fields added (`add.fields`) and the header-listed
 * fields dropped (a delete drops before adding, as Debezium does).
 */

/** What a delete event becomes. */
export type DeleteOutcome = 'drop' | 'tombstone' | 'rewrite' | 'delete-to-tombstone' | 'legacy-none';

/** How the configured options treat deletes and tombstones. */
export interface DeleteHandling {
  readonly deletes: DeleteOutcome;
  /** Tombstones (null values) pass on; otherwise they are skipped. */
  readonly keepTombstones: boolean;
}

/**
 * The delete and tombstone handling of an unwrap: `delete.tombstone.handling.mode` when given, else
 * the Debezium ≤ 3.1 `delete.handling.mode` and `drop.tombstones` (whose defaults, drop and true,
 * are the sink's default).
 */
export function deleteHandling(spec: ExtractNewRecordStateSpec): DeleteHandling {
  switch (spec.deleteTombstoneHandlingMode) {
    case undefined: {
      const legacy = spec.deleteHandlingMode;
      return {
        // `none` keeps its earlier behaviour here: the delete loads no row and is counted as dropped.
        deletes: legacy === 'rewrite' ? 'rewrite' : legacy === 'none' ? 'legacy-none' : 'drop',
        keepTombstones: !spec.dropTombstones,
      };
    }
    case 'rewrite-with-tombstone':
      return { deletes: 'rewrite', keepTombstones: true };
    default:
      return { deletes: spec.deleteTombstoneHandlingMode, keepTombstones: false };
  }
}

const TOMBSTONE_SKIP = new TransformSkip(SkipReason.tombstone);
const DELETE_SKIP = new TransformSkip(SkipReason.deleteDropped);

/** The step of one configured `ExtractNewRecordState`. */
export function unwrapStep(
  config: Extract<TransformConfig, { kind: 'extractNewRecordState' }>,
): TransformStep {
  const handling = deleteHandling(config);
  const rewrite = handling.deletes === 'rewrite';
  const fillDefaults = rewrite && config.replaceNullWithDefault !== false;
  const addHeaders = config.addHeaders ?? [];
  const readHeaders = metadataReader(config.name, 'add.headers', addHeaders);
  const readFields = metadataReader(config.name, 'add.fields', config.addFields ?? []);
  const addsFields = (config.addFields ?? []).length > 0;
  const dropFields =
    config.dropFields === undefined ? undefined : dropFieldsStep(config.dropFields, config.name);
  const routeBy = config.routeByField;
  const rowSchemas = new WeakMap<ConnectSchema, ConnectSchema>();
  const addedSchemas = new WeakMap<ConnectSchema, Map<string, ConnectSchema>>();

  /** The row's schema: the image's, required (as the extracted struct is), `__deleted` added when rewriting. */
  const rowSchema = (image: ConnectSchema | undefined): ConnectSchema | null => {
    if (image === undefined) return null;
    let schema = rowSchemas.get(image);
    if (schema === undefined) {
      schema = {
        ...((rewrite ? withFields(image, [DELETED_FIELD]) : image) as ConnectSchema),
        optional: false,
      };
      rowSchemas.set(image, schema);
    }
    return schema;
  };

  const imageRow = (
    record: ConnectRecord,
    image: Record<string, unknown>,
    imageName: 'before' | 'after',
    deleted: boolean,
  ): ConnectRecord => {
    const imageSchema = fieldSchema(record.valueSchema, imageName);
    const value: Record<string, unknown> = { ...image };
    if (rewrite) {
      if (fillDefaults && imageSchema !== undefined) takeDefaults(value, imageSchema);
      value.__deleted = deleted ? 'true' : 'false';
    }
    return withChanges(record, { value, valueSchema: rowSchema(imageSchema), valueSchemaName: undefined });
  };

  const routed = (
    record: ConnectRecord,
    image: Record<string, unknown>,
    imageSchema: ConnectSchema | null,
  ) => {
    if (routeBy === undefined) return record;
    const topic = routeTopic(record, config.name, routeBy, image, imageSchema);
    return topic === undefined ? record : withChanges(record, { topic });
  };

  const withAddedFields = (row: ConnectRecord, event: ConnectRecord, envelope: Record<string, unknown>) => {
    if (!addsFields) return row;
    return appendFields(row, config.name, readFields(event, envelope), addedSchemas);
  };

  const deleteRow = (record: ConnectRecord, change: RoutedChange): ConnectRecord | TransformSkip => {
    const { envelope, image } = change;
    let row: ConnectRecord;
    switch (handling.deletes) {
      case 'drop':
      case 'legacy-none':
        return DELETE_SKIP;
      case 'tombstone':
        // The row becomes a null value with the `after` schema, as Debezium's extraction gives it.
        row = withChanges(record, {
          value: null,
          valueSchema: fieldSchema(record.valueSchema, 'after') ?? null,
          valueSchemaName: undefined,
        });
        break;
      case 'delete-to-tombstone':
        row = withChanges(record, { value: null, valueSchema: null, valueSchemaName: undefined });
        break;
      case 'rewrite':
        row = imageRow(record, image, 'before', true);
        break;
    }
    // A delete routes by its `before` image, whatever the row became.
    row = routed(row, image, fieldSchema(record.valueSchema, 'before') ?? null);
    if (dropFields !== undefined) row = dropFields(row);
    return row.value === null ? row : withAddedFields(row, record, envelope);
  };

  const upsertRow = (record: ConnectRecord, change: RoutedChange): ConnectRecord => {
    let row = imageRow(record, change.image, 'after', false);
    row = routed(row, row.value as Record<string, unknown>, row.valueSchema);
    row = withAddedFields(row, record, change.envelope);
    return dropFields === undefined ? row : dropFields(row);
  };

  return (record) => {
    if (record.value === null || record.value === undefined) {
      if (!handling.keepTombstones) return TOMBSTONE_SKIP;
      const headers = tombstoneHeaders(addHeaders);
      return headers.length === 0
        ? record
        : withChanges(record, { headers: [...record.headers, ...headers] });
    }
    if (!isObjectValue(record)) return record;
    const change = routedChange(record, config.name);
    if (change instanceof TransformSkip) return change;
    const event =
      addHeaders.length === 0
        ? record
        : withChanges(record, {
            headers: [...record.headers, ...asHeaders(readHeaders(record, change.envelope))],
          });
    return change.envelope.op === 'd' ? deleteRow(event, change) : upsertRow(event, change);
  };
}

/** Nulls of fields with a schema default take the default, as Connect's InsertField copies them. */
function takeDefaults(value: Record<string, unknown>, schema: ConnectSchema): void {
  for (const field of schema.fields ?? []) {
    const name = field.field;
    if (name === undefined || field.default === undefined || field.default === null) continue;
    if (value[name] === null || value[name] === undefined) value[name] = field.default;
  }
}

/**
 * The topic `route.by.field` gives: the image field's text; undefined (topic kept) when it is null or
 * blank. A missing field or one that is not a string fails, as in Debezium.
 */
function routeTopic(
  record: ConnectRecord,
  transformName: string,
  field: string,
  image: Record<string, unknown>,
  imageSchema: ConnectSchema | null,
): string | undefined {
  const fail = (why: string) => transformError(record, transformName, `route.by.field "${field}": ${why}`);
  if (imageSchema !== null) {
    const declared = fieldSchema(imageSchema, field);
    if (declared === undefined) throw fail('the row has no such field');
    if (declared.type !== 'string') throw fail(`the field is a ${declared.type}, not a string`);
  } else if (!(field in image)) throw fail('the row has no such field');
  const value = image[field];
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'string') throw fail(`the value is ${JSON.stringify(value)}, not a string`);
  return value.trim() === '' ? undefined : value;
}

/** The row with the `add.fields` values after its fields; a name the row already has fails. */
function appendFields(
  row: ConnectRecord,
  transformName: string,
  added: readonly AddedField[],
  cache: WeakMap<ConnectSchema, Map<string, ConnectSchema>>,
): ConnectRecord {
  if (added.length === 0) return row;
  const value = row.value as Record<string, unknown>;
  const schema = row.valueSchema;
  for (const { name } of added) {
    const taken = schema === null ? name in value : fieldSchema(schema, name) !== undefined;
    if (taken) {
      throw transformError(
        row,
        transformName,
        `add.fields: the row already has a field "${name}"; choose another name with add.fields.prefix or <field>:<newName>`,
      );
    }
  }
  const out: Record<string, unknown> = { ...value };
  for (const { name, value: v } of added) out[name] = v;
  return withChanges(row, {
    value: out,
    valueSchema: schema === null ? null : addedSchema(schema, added, cache),
  });
}

function addedSchema(
  schema: ConnectSchema,
  added: readonly AddedField[],
  cache: WeakMap<ConnectSchema, Map<string, ConnectSchema>>,
): ConnectSchema {
  let byFields = cache.get(schema);
  if (byFields === undefined) {
    byFields = new Map();
    cache.set(schema, byFields);
  }
  // The added fields' schemas are cached per envelope schema, so their identity is a stable key.
  const key = added.map((a) => `${a.name}:${a.schema?.type}:${a.schema?.name ?? ''}`).join(',');
  let updated = byFields.get(key);
  if (updated === undefined) {
    updated = {
      ...schema,
      fields: [...(schema.fields ?? []), ...added.map((a) => a.schema as ConnectSchema)],
    };
    byFields.set(key, updated);
  }
  return updated;
}
