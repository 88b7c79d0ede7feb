import type { DropFields } from '../../config/transform-classes/debezium.ts';
import type { ConnectSchema } from '../connect-schema.ts';
import { type ConnectHeader, type ConnectRecord, transformError, withChanges } from './connect-record.ts';

/**
 * `drop.fields.header.name` of ExtractNewRecordState: a header lists field names (as Debezium's
 * ExtractChangedRecordState writes it), and those fields are removed from the value, and from the
 * key with `drop.fields.from.key`. With `drop.fields.keep.schema.compatible` (the default) only
 * the fields the schema marks optional go, so consumers of the old schema can still read the
 * record; without it every listed field goes.
 */

/** The names a header value lists: a list, or its text as Connect's header converter writes it. */
function listedNames(record: ConnectRecord, transformName: string, header: ConnectHeader): string[] {
  const value = header.value;
  if (Array.isArray(value)) return value.map(String);
  const text = typeof value === 'string' ? value.trim() : undefined;
  if (text?.startsWith('[') && text.endsWith(']')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed.map(String);
    } catch {
      // Connect's text form of a list may leave its strings unquoted: [email, phone].
    }
    return text
      .slice(1, -1)
      .split(',')
      .map((name) => name.trim().replace(/^"(.*)"$/, '$1'))
      .filter((name) => name !== '');
  }
  const shown = typeof value === 'string' ? `"${value.slice(0, 60)}"` : `a ${typeof value}`;
  throw transformError(
    record,
    transformName,
    `drop.fields.header.name: header "${header.key}" holds ${shown}, not a list of field names (e.g. ["email","phone"])`,
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/** The record without the fields the header lists, in the value and (if configured) the key. */
export function dropFieldsStep(
  config: DropFields,
  transformName: string,
): (record: ConnectRecord) => ConnectRecord {
  const schemas = new WeakMap<ConnectSchema, Map<string, ConnectSchema>>();
  const withoutFields = (schema: ConnectSchema, names: readonly string[]): ConnectSchema => {
    let byNames = schemas.get(schema);
    if (byNames === undefined) {
      byNames = new Map();
      schemas.set(schema, byNames);
    }
    const key = names.join('\u0000');
    let dropped = byNames.get(key);
    if (dropped === undefined) {
      dropped = { ...schema, fields: (schema.fields ?? []).filter((f) => !names.includes(f.field ?? '')) };
      byNames.set(key, dropped);
    }
    return dropped;
  };

  const dropFrom = (record: ConnectRecord, part: 'key' | 'value', names: readonly string[]) => {
    const value = part === 'key' ? record.key : record.value;
    const schema = part === 'key' ? record.keySchema : record.valueSchema;
    if (value === null || value === undefined) return record;
    if (!isPlainObject(value)) {
      throw transformError(
        record,
        transformName,
        `drop.fields.header.name: the ${part} is not a struct, so no fields can be removed from it`,
      );
    }
    const drop = fieldsToDrop(record, part, schema, value, names);
    if (drop.length === 0) return record;
    const kept = Object.fromEntries(Object.entries(value).filter(([name]) => !drop.includes(name)));
    const keptSchema = schema === null ? null : withoutFields(schema, drop);
    return part === 'key'
      ? withChanges(record, { key: kept, keySchema: keptSchema })
      : withChanges(record, { value: kept, valueSchema: keptSchema });
  };

  const fieldsToDrop = (
    record: ConnectRecord,
    part: 'key' | 'value',
    schema: ConnectSchema | null,
    value: Record<string, unknown>,
    names: readonly string[],
  ): string[] => {
    if (schema !== null) {
      if (!config.keepSchemaCompatible) return [...names];
      return (schema.fields ?? [])
        .filter((f) => f.optional === true && f.field !== undefined && names.includes(f.field))
        .map((f) => f.field as string);
    }
    const present = names.filter((name) => name in value);
    if (present.length > 0 && config.keepSchemaCompatible) {
      // Only a schema says which fields are optional; guessing could break the key or the table.
      throw transformError(
        record,
        transformName,
        `drop.fields.keep.schema.compatible=true removes only fields the schema marks optional, but the ${part} has no schema, so whether ${present.map((n) => `"${n}"`).join(', ')} may be removed is unknown; set drop.fields.keep.schema.compatible=false to remove every listed field, or send the ${part} with its schema`,
      );
    }
    return present;
  };

  return (record) => {
    const header = record.headers.find((h) => h.key === config.headerName);
    if (header === undefined || header.value === null || header.value === undefined) return record;
    const names = listedNames(record, transformName, header);
    if (names.length === 0) return record;
    const keyDone = config.fromKey ? dropFrom(record, 'key', names) : record;
    return dropFrom(keyDone, 'value', names);
  };
}
