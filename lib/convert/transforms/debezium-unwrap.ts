import type { ExtractNewRecordStateSpec, FieldReference } from '../../config/transform-classes/debezium.ts';
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

type UnwrapConfig = Extract<TransformConfig, { kind: 'extractNewRecordState' }>;

/** The step of one configured `ExtractNewRecordState`. */
export function unwrapStep(config: UnwrapConfig): TransformStep {
  const unwrap = new Unwrap(config);
  return (record) => unwrap.apply(record);
}

/** One configured unwrap: its options resolved once, and its schema caches. */
class Unwrap {
  private readonly name: string;
  private readonly handling: DeleteHandling;
  private readonly rewrite: boolean;
  private readonly fillDefaults: boolean;
  private readonly addHeaders: readonly FieldReference[];
  private readonly readHeaders: ReturnType<typeof metadataReader>;
  private readonly readFields: ReturnType<typeof metadataReader> | undefined;
  private readonly dropFields: ((record: ConnectRecord) => ConnectRecord) | undefined;
  private readonly routeBy: string | undefined;
  private readonly rowSchemas = new WeakMap<ConnectSchema, ConnectSchema>();
  private readonly addedSchemas = new WeakMap<ConnectSchema, Map<string, ConnectSchema>>();

  constructor(config: UnwrapConfig) {
    this.name = config.name;
    this.handling = deleteHandling(config);
    this.rewrite = this.handling.deletes === 'rewrite';
    this.fillDefaults = this.rewrite && config.replaceNullWithDefault !== false;
    this.addHeaders = config.addHeaders ?? [];
    this.readHeaders = metadataReader(config.name, 'add.headers', this.addHeaders);
    const addFields = config.addFields ?? [];
    this.readFields =
      addFields.length === 0 ? undefined : metadataReader(config.name, 'add.fields', addFields);
    this.dropFields =
      config.dropFields === undefined ? undefined : dropFieldsStep(config.dropFields, config.name);
    this.routeBy = config.routeByField;
  }

  apply(record: ConnectRecord): ConnectRecord | TransformSkip {
    if (record.value === null || record.value === undefined) return this.tombstone(record);
    if (!isObjectValue(record)) return record;
    const change = routedChange(record, this.name);
    if (change instanceof TransformSkip) return change;
    // Headers come from the change event, before it is unwrapped (and whatever becomes of it).
    const event =
      this.addHeaders.length === 0
        ? record
        : withChanges(record, {
            headers: [...record.headers, ...asHeaders(this.readHeaders(record, change.envelope))],
          });
    return change.envelope.op === 'd' ? this.deleteRow(event, change) : this.upsertRow(event, change);
  }

  private tombstone(record: ConnectRecord): ConnectRecord | TransformSkip {
    if (!this.handling.keepTombstones) return TOMBSTONE_SKIP;
    const headers = tombstoneHeaders(this.addHeaders);
    return headers.length === 0 ? record : withChanges(record, { headers: [...record.headers, ...headers] });
  }

  private upsertRow(event: ConnectRecord, change: RoutedChange): ConnectRecord {
    let row = this.imageRow(event, change.image, 'after', false);
    row = this.routed(row, row.value as Record<string, unknown>, row.valueSchema);
    row = this.withAddedFields(row, event, change.envelope);
    return this.dropFields === undefined ? row : this.dropFields(row);
  }

  private deleteRow(event: ConnectRecord, change: RoutedChange): ConnectRecord | TransformSkip {
    let row: ConnectRecord;
    switch (this.handling.deletes) {
      case 'drop':
      case 'legacy-none':
        return DELETE_SKIP;
      case 'tombstone':
        // A null value with the `after` schema, as Debezium's extraction of the null `after` gives.
        row = withChanges(event, {
          value: null,
          valueSchema: fieldSchema(event.valueSchema, 'after') ?? null,
          valueSchemaName: undefined,
        });
        break;
      case 'delete-to-tombstone':
        row = withChanges(event, { value: null, valueSchema: null, valueSchemaName: undefined });
        break;
      case 'rewrite':
        row = this.imageRow(event, change.image, 'before', true);
        break;
    }
    // A delete routes by its `before` image, whatever the row became; fields are dropped before
    // the metadata is added (Debezium's order for deletes).
    row = this.routed(row, change.image, fieldSchema(event.valueSchema, 'before') ?? null);
    if (this.dropFields !== undefined) row = this.dropFields(row);
    return row.value === null ? row : this.withAddedFields(row, event, change.envelope);
  }

  /** The image as the row, `__deleted` added (and nulls given their defaults) when rewriting. */
  private imageRow(
    event: ConnectRecord,
    image: Record<string, unknown>,
    imageName: 'before' | 'after',
    deleted: boolean,
  ): ConnectRecord {
    const imageSchema = fieldSchema(event.valueSchema, imageName);
    const value: Record<string, unknown> = { ...image };
    if (this.rewrite) {
      if (this.fillDefaults && imageSchema !== undefined) takeDefaults(value, imageSchema);
      value.__deleted = deleted ? 'true' : 'false';
    }
    return withChanges(event, {
      value,
      valueSchema: this.rowSchema(imageSchema),
      valueSchemaName: undefined,
    });
  }

  /** The row's schema: the image's, required (as the extracted struct is), with `__deleted` when rewriting. */
  private rowSchema(image: ConnectSchema | undefined): ConnectSchema | null {
    if (image === undefined) return null;
    let schema = this.rowSchemas.get(image);
    if (schema === undefined) {
      const fields = this.rewrite ? (withFields(image, [DELETED_FIELD]) as ConnectSchema) : image;
      schema = { ...fields, optional: false };
      this.rowSchemas.set(image, schema);
    }
    return schema;
  }

  private routed(row: ConnectRecord, image: Record<string, unknown>, imageSchema: ConnectSchema | null) {
    if (this.routeBy === undefined) return row;
    const topic = routeTopic(row, this.name, this.routeBy, image, imageSchema);
    return topic === undefined ? row : withChanges(row, { topic });
  }

  private withAddedFields(row: ConnectRecord, event: ConnectRecord, envelope: Record<string, unknown>) {
    if (this.readFields === undefined) return row;
    return appendFields(row, this.name, this.readFields(event, envelope), this.addedSchemas);
  }
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
