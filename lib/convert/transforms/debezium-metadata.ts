import type { FieldReference } from '../../config/transform-classes/debezium.ts';
import type { ConnectSchema } from '../connect-schema.ts';
import { type ConnectHeader, type ConnectRecord, transformError } from './connect-record.ts';
import { fieldSchema } from './debezium-envelope.ts';

/**
 * `add.fields` and `add.headers` of ExtractNewRecordState: change event metadata (`op`,
 * `source.ts_ms`, `lsn`, ...) read from the envelope, as Debezium reads it. An entry names a field
 * of an envelope struct (`source` unless the name says otherwise) or of the envelope itself; a
 * field the struct lacks is looked up in the envelope, and a field neither has is not added (no
 * field, no header). With a schema, the added field's schema is the source field's, made optional
 * and without its default.
 */

/** One entry resolved against an event: its name, value and (with a schema) its schema. */
export interface AddedField {
  readonly name: string;
  readonly schema: ConnectSchema | null;
  readonly value: unknown;
}

/** Where an entry's value is found in events of one envelope schema. */
interface SchemaPlace {
  readonly reference: FieldReference;
  /** True: in the entry's struct; false: in the envelope itself. */
  readonly inStruct: boolean;
  readonly schema: ConnectSchema;
}

const STRUCTURED = new Set(['struct', 'array', 'map']);

/**
 * Resolves `references` for one transform, with a cache per envelope schema (the places depend only
 * on it). `option` names the option in errors.
 */
export function metadataReader(
  transformName: string,
  option: 'add.fields' | 'add.headers',
  references: readonly FieldReference[],
): (record: ConnectRecord, envelope: Record<string, unknown>) => AddedField[] {
  const places = new WeakMap<ConnectSchema, readonly SchemaPlace[]>();
  return (record, envelope) => {
    const schema = record.valueSchema;
    if (schema === null)
      return references.flatMap((r) => schemalessField(record, transformName, option, r, envelope));
    let known = places.get(schema);
    if (known === undefined) {
      known = references.flatMap((r) => schemaPlace(record, transformName, option, r, schema));
      places.set(schema, known);
    }
    return known.map((place) => ({
      name: place.reference.newName,
      schema: place.schema,
      value: valueAt(envelope, place.reference, place.inStruct),
    }));
  };
}

function valueAt(envelope: Record<string, unknown>, reference: FieldReference, inStruct: boolean): unknown {
  if (reference.struct === undefined || !inStruct) {
    // The struct may be null (a snapshot's transaction): the field's value is then null.
    if (reference.struct !== undefined && envelope[reference.struct] == null) return null;
    return envelope[reference.field] ?? null;
  }
  const parent = envelope[reference.struct] as Record<string, unknown> | null | undefined;
  return parent?.[reference.field] ?? null;
}

function schemaPlace(
  record: ConnectRecord,
  transformName: string,
  option: string,
  reference: FieldReference,
  envelopeSchema: ConnectSchema,
): SchemaPlace[] {
  const fail = (why: string) =>
    transformError(record, transformName, `${option} entry "${reference.entry}": ${why}`);
  let inStruct: ConnectSchema | undefined;
  if (reference.struct !== undefined) {
    const parent = fieldSchema(envelopeSchema, reference.struct);
    if (parent === undefined) throw fail(`the change event has no field "${reference.struct}"`);
    if (parent.type !== 'struct')
      throw fail(`the change event's "${reference.struct}" is a ${parent.type}, not a struct with fields`);
    inStruct = fieldSchema(parent, reference.field);
  }
  const found = inStruct ?? fieldSchema(envelopeSchema, reference.field);
  if (found === undefined) return [];
  if (STRUCTURED.has(found.type)) {
    throw fail(
      `the field is a ${found.type}; Debezium adds only single values (a number, a string, ...), so name a field inside it`,
    );
  }
  return [{ reference, inStruct: inStruct !== undefined, schema: addedSchema(found, reference.newName) }];
}

/** The added field's schema: the source field's type, name, version and parameters, optional. */
function addedSchema(source: ConnectSchema, name: string): ConnectSchema {
  return {
    type: source.type,
    optional: true,
    ...(source.name !== undefined && { name: source.name }),
    ...(source.version !== undefined && { version: source.version }),
    ...(source.parameters !== undefined && { parameters: source.parameters }),
    field: name,
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/**
 * A schemaless event's entry, by the event's own keys: a struct given as null holds null values (a
 * snapshot's `transaction`); a field neither the struct nor the envelope has is not added.
 */
function schemalessField(
  record: ConnectRecord,
  transformName: string,
  option: string,
  reference: FieldReference,
  envelope: Record<string, unknown>,
): AddedField[] {
  const fail = (why: string) =>
    transformError(record, transformName, `${option} entry "${reference.entry}": ${why}`);
  const name = reference.newName;
  if (reference.struct !== undefined) {
    if (!(reference.struct in envelope)) throw fail(`the change event has no field "${reference.struct}"`);
    const parent = envelope[reference.struct];
    if (parent === null || parent === undefined) return [{ name, schema: null, value: null }];
    if (!isPlainObject(parent))
      throw fail(`the change event's "${reference.struct}" is not a struct with fields`);
    if (reference.field in parent)
      return [checked(fail, { name, schema: null, value: parent[reference.field] })];
  }
  if (!(reference.field in envelope)) return [];
  return [checked(fail, { name, schema: null, value: envelope[reference.field] })];
}

function checked(fail: (why: string) => Error, added: AddedField): AddedField {
  if (isPlainObject(added.value) || Array.isArray(added.value)) {
    throw fail(
      'the field is a struct or an array; Debezium adds only single values, so name a field inside it',
    );
  }
  return added;
}

/** The headers `add.headers` adds to a tombstone: only `op`, as "d" (Debezium's delete code). */
export function tombstoneHeaders(references: readonly FieldReference[]): ConnectHeader[] {
  return references
    .filter((r) => r.struct === undefined && r.field === 'op')
    .map((r) => ({ key: r.newName, schema: { type: 'string' }, value: 'd' }));
}

/** The resolved entries as headers. */
export function asHeaders(fields: readonly AddedField[]): ConnectHeader[] {
  return fields.map(({ name, schema, value }) => {
    if (schema === null) return { key: name, schema, value };
    // A header's schema is a value schema, not a struct field: it has no field name.
    const { field: _field, ...headerSchema } = schema;
    return { key: name, schema: headerSchema, value };
  });
}
