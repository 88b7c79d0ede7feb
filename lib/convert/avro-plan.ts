import type { Type as AvroType, types as avroTypes } from 'avsc';
import { formatUuid } from '../decode/schema-registry/wire-format.ts';
import type { ConnectSchema } from './connect-schema.ts';
import { LOGICAL_TYPES } from './logical-types.ts';

/**
 * An Avro schema (as avsc parsed it) turned into a plan both Avro readers follow, the object path
 * (avro-values.ts) and the JSON path (avro-json.ts): what each type becomes in the row, decided
 * once per schema. The rules are Confluent AvroConverter's Avro → Connect mapping followed by
 * JsonConverter's Connect → JSON, so a row reads the same as the JSON path's for the same Connect
 * data:
 * - records are objects in field order; a null field whose Avro default is not null takes the
 *   default (Connect's `Struct.get`, JsonConverter's `replace.null.with.default`);
 * - `["null", T]` (either order) is an optional T; `[T]` is T; any other union is the struct
 *   AvroConverter makes (`io.confluent.connect.avro.Union`): one field per non-null branch, named
 *   by the branch's type (`int`, `string`, …; a record, enum or fixed by its simple name), all null
 *   but the branch written;
 * - an array of `MapEntry` records (how Connect writes a map with non-string keys) is a map;
 * - types named by `connect.name` (Debezium's, Connect's) or carrying an Avro `logicalType` are
 *   rendered by the converters of logical-types.ts, so one place decides each rendering (Avro's
 *   own logical types by the Connect type of the same meaning, see AVRO_LOGICAL_AS_CONNECT);
 * - longs keep every digit; floats are Java's shortest decimal of the float; bytes and fixed are
 *   base64; NaN and ±Infinity are the strings Jackson writes for them in JsonConverter.
 */

/**
 * The logicalType avsc is told to build for arrays, maps and every type that carries
 * `connect.name`, `logicalType` or `connect.internal.type` (avro.ts's type hook).
 */
export const MARKED_LOGICAL_TYPE = 'starrocks-sink-marked';
/** Where the schema's own `logicalType` is kept once the marker took its place. */
export const AVRO_LOGICAL_TYPE_ATTR = 'starrocks-sink.logicalType';

export type AvroNode =
  | { readonly kind: 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'string' | 'bytes' }
  | { readonly kind: 'fixed'; readonly size: number }
  | { readonly kind: 'enum'; readonly symbols: readonly string[] }
  | ArrayNode
  | { readonly kind: 'map'; readonly values: AvroNode }
  | RecordNode
  | UnionNode
  | LogicalNode;

export interface ArrayNode {
  readonly kind: 'array';
  readonly items: AvroNode;
  /** Connect's map with non-string keys: `[key, value]` pairs; with string keys: an object. */
  readonly mapEntries?: { readonly key: AvroNode; readonly value: AvroNode; readonly stringKeys: boolean };
}

export interface RecordNode {
  readonly kind: 'record';
  readonly name: string;
  /** Filled after the node exists, so a record can refer to itself. */
  readonly fields: FieldNode[];
}

export interface FieldNode {
  readonly name: string;
  readonly node: AvroNode;
  /**
   * The field's Avro default when it is not null (as avsc holds it): a null takes it, as in
   * Connect's `Struct.get` and JsonConverter's `replace.null.with.default`. Only a union whose
   * first branch is not null can have one.
   */
  readonly avroDefault?: unknown;
}

export interface UnionNode {
  readonly kind: 'union';
  readonly branches: readonly AvroNode[];
  /** avsc's branch name of each branch (the key of a wrapped union value). */
  readonly branchKeys: readonly string[];
  /** avsc gives the value bare (an optional type's null or value), not as `{ branchName: value }`. */
  readonly bare: boolean;
  /** `optional`: one value branch and null; `struct`: Confluent's Union struct, named by `memberNames`. */
  readonly shape: 'optional' | 'struct';
  /** Per branch, its field name in the Union struct (undefined for the null branch). */
  readonly memberNames: readonly (string | undefined)[];
}

export interface LogicalNode {
  readonly kind: 'logical';
  readonly base: AvroNode;
  /** The Connect logical name that renders it (for messages). */
  readonly name: string;
  /** Renders the base value, in the form JsonConverter carries it (base64 bytes, digits of an int64). */
  readonly render: (value: unknown) => unknown;
  /** A decimal's scale: the JSON reader renders its bytes without a base64 round trip. */
  readonly decimalScale?: number;
}

interface MarkedType extends avroTypes.LogicalType {
  readonly attrs: Readonly<Record<string, unknown>>;
}

const CONNECT_DECIMAL = 'org.apache.kafka.connect.data.Decimal';

/**
 * Avro logical types as the Connect logical type of the same meaning (AvroConverter maps the
 * millisecond ones so; the micro and nano ones carry the same numbers as Debezium's types).
 */
const AVRO_LOGICAL_AS_CONNECT: Readonly<Record<string, string>> = {
  decimal: CONNECT_DECIMAL,
  date: 'org.apache.kafka.connect.data.Date',
  'time-millis': 'org.apache.kafka.connect.data.Time',
  'time-micros': 'io.debezium.time.MicroTime',
  'timestamp-millis': 'org.apache.kafka.connect.data.Timestamp',
  'timestamp-micros': 'io.debezium.time.MicroTimestamp',
  'timestamp-nanos': 'io.debezium.time.NanoTimestamp',
  // Wall-clock values: written as they are, like DATETIME, which has no zone.
  'local-timestamp-millis': 'org.apache.kafka.connect.data.Timestamp',
  'local-timestamp-micros': 'io.debezium.time.MicroTimestamp',
  'local-timestamp-nanos': 'io.debezium.time.NanoTimestamp',
};

/**
 * The types each Avro logical type annotates; on another it is not valid and, as the Avro
 * specification says, ignored (the value reads as its underlying type).
 */
const AVRO_LOGICAL_BASES: Readonly<Record<string, readonly AvroNode['kind'][]>> = {
  decimal: ['bytes', 'fixed'],
  date: ['int'],
  'time-millis': ['int'],
};
const LONG_BASE: readonly AvroNode['kind'][] = ['long'];

/** The Connect type each Avro kind becomes (the ConnectSchema handed to a logical converter). */
const CONNECT_TYPE_OF: Readonly<Record<string, string>> = {
  boolean: 'boolean',
  int: 'int32',
  long: 'int64',
  float: 'float32',
  double: 'float64',
  string: 'string',
  bytes: 'bytes',
  fixed: 'bytes',
  enum: 'string',
  array: 'array',
  map: 'map',
  record: 'struct',
  union: 'struct',
};

/** Builds the plan of an avsc type (recursive records become a cyclic plan). */
export function planOf(type: AvroType): AvroNode {
  return nodeOf(type, new Map());
}

function nodeOf(type: AvroType, records: Map<AvroType, RecordNode>): AvroNode {
  switch (type.typeName) {
    case 'null':
    case 'boolean':
    case 'int':
    case 'float':
    case 'double':
    case 'string':
    case 'bytes':
      return { kind: type.typeName };
    case 'long':
      return { kind: 'long' };
    case 'fixed':
      return { kind: 'fixed', size: (type as avroTypes.FixedType).size };
    case 'enum':
      return { kind: 'enum', symbols: (type as avroTypes.EnumType).symbols };
    case 'array':
      return arrayNode(type as avroTypes.ArrayType, records);
    case 'map':
      return { kind: 'map', values: nodeOf((type as avroTypes.MapType).valuesType as AvroType, records) };
    case 'record':
    case 'error':
      return recordNode(type as avroTypes.RecordType, records);
    case 'union:wrapped':
    case 'union:unwrapped':
      return unionNode(type as avroTypes.WrappedUnionType, records);
    case `logical:${MARKED_LOGICAL_TYPE}`:
      return logicalNode(type as MarkedType, records);
    default:
      throw new Error(`Avro type ${type.typeName} is not supported`);
  }
}

function recordNode(type: avroTypes.RecordType, records: Map<AvroType, RecordNode>): RecordNode {
  const known = records.get(type);
  if (known !== undefined) return known;
  const record: RecordNode = { kind: 'record', name: type.name ?? '', fields: [] };
  records.set(type, record);
  for (const field of type.fields) {
    const node = nodeOf(field.type, records);
    const avroDefault: unknown = node.kind === 'union' ? field.defaultValue() : undefined;
    record.fields.push(
      avroDefault === null || avroDefault === undefined
        ? { name: field.name, node }
        : { name: field.name, node, avroDefault },
    );
  }
  return record;
}

function arrayNode(type: avroTypes.ArrayType, records: Map<AvroType, RecordNode>): ArrayNode {
  const items = nodeOf(type.itemsType, records);
  const entry = mapEntryOf(type.itemsType, items);
  return entry === undefined ? { kind: 'array', items } : { kind: 'array', items, mapEntries: entry };
}

/** Connect writes a map whose keys are not strings as an array of `MapEntry {key, value}` records. */
function mapEntryOf(type: AvroType, items: AvroNode): ArrayNode['mapEntries'] {
  const recordType = (type.typeName === 'record' ? type : underlyingRecord(type)) as
    | avroTypes.RecordType
    | undefined;
  if (recordType === undefined || items.kind !== 'record') return undefined;
  const marked = (type as Partial<MarkedType>).attrs;
  const isEntry =
    recordType.name === 'io.confluent.connect.avro.MapEntry' ||
    marked?.['connect.internal.type'] === 'MapEntry';
  const [key, value] = items.fields;
  if (!isEntry || items.fields.length !== 2 || key?.name !== 'key' || value?.name !== 'value')
    return undefined;
  return { key: key.node, value: value.node, stringKeys: baseKind(key.node) === 'string' };
}

function underlyingRecord(type: AvroType): AvroType | undefined {
  if (!type.typeName.startsWith('logical:')) return undefined;
  const base = (type as avroTypes.LogicalType).underlyingType;
  return base.typeName === 'record' ? base : undefined;
}

/** The kind under an optional union (what JsonConverter's object-or-pairs choice looks at). */
function baseKind(node: AvroNode): AvroNode['kind'] {
  if (node.kind === 'union' && node.shape === 'optional') {
    const value = node.branches.find((b) => b.kind !== 'null');
    return value === undefined ? 'null' : value.kind;
  }
  return node.kind;
}

function unionNode(type: avroTypes.WrappedUnionType, records: Map<AvroType, RecordNode>): AvroNode {
  const branches = type.types.map((t) => nodeOf(t, records));
  // `["null", T]` is an optional T; AvroConverter also flattens a one-branch union
  // (flatten.singleton.unions, default true). The bytes still carry the branch index.
  const shape = branches.filter((b) => b.kind !== 'null').length <= 1 ? 'optional' : 'struct';
  const memberNames = type.types.map((t) => (t.typeName === 'null' ? undefined : unionMemberName(t)));
  if (shape === 'struct' && new Set(memberNames).size !== memberNames.length) {
    throw new Error(
      `the union of ${memberNames.join(', ')} has two branches of one name, which Kafka Connect's Union struct cannot hold`,
    );
  }
  return {
    kind: 'union',
    branches,
    branchKeys: type.types.map((t) => t.branchName ?? t.typeName),
    bare: type.typeName === 'union:unwrapped',
    shape,
    memberNames,
  };
}

/** AvroConverter's field name for a union branch: named types by their simple name, others by type. */
function unionMemberName(type: AvroType): string {
  const base = type.typeName.startsWith('logical:') ? (type as avroTypes.LogicalType).underlyingType : type;
  if (base.typeName === 'record' || base.typeName === 'enum' || base.typeName === 'fixed') {
    return (base.name ?? '').split('.').pop() ?? '';
  }
  return base.typeName;
}

function logicalNode(type: MarkedType, records: Map<AvroType, RecordNode>): AvroNode {
  const base = nodeOf(type.underlyingType, records);
  const attrs = type.attrs;
  const connectName = attrs['connect.name'];
  const avroLogical = attrs[AVRO_LOGICAL_TYPE_ATTR];
  // connect.name decides when both are present, as in AvroConverter.
  const name =
    typeof connectName === 'string'
      ? connectName
      : typeof avroLogical === 'string' && (AVRO_LOGICAL_BASES[avroLogical] ?? LONG_BASE).includes(base.kind)
        ? AVRO_LOGICAL_AS_CONNECT[avroLogical]
        : undefined;
  const converter = name === undefined ? undefined : LOGICAL_TYPES.get(name);
  if (name === undefined || converter === undefined) return uuidNode(base, avroLogical) ?? base;
  const schema = connectSchemaOf(name, base, attrs);
  const render: LogicalNode['render'] = (value) => converter(value, schema);
  if (name !== CONNECT_DECIMAL) return { kind: 'logical', base, name, render };
  return { kind: 'logical', base, name, render, decimalScale: Number(schema.parameters?.scale ?? '0') };
}

/** The Connect schema AvroConverter would give the type: its name, version and parameters. */
function connectSchemaOf(
  name: string,
  base: AvroNode,
  attrs: Readonly<Record<string, unknown>>,
): ConnectSchema {
  const parameters: Record<string, string> = {};
  const declared = attrs['connect.parameters'];
  if (typeof declared === 'object' && declared !== null) {
    for (const [key, value] of Object.entries(declared)) parameters[key] = String(value);
  }
  if (name === CONNECT_DECIMAL && parameters.scale === undefined) {
    // An Avro decimal's scale defaults to 0 (Avro specification).
    parameters.scale = String(typeof attrs.scale === 'number' ? attrs.scale : 0);
  }
  const version = attrs['connect.version'];
  return {
    type: CONNECT_TYPE_OF[base.kind] ?? base.kind,
    name,
    parameters,
    ...(typeof version === 'number' ? { version } : {}),
  };
}

/** Avro's `uuid` on a 16-byte fixed: its text form (on a string it is the text already). */
function uuidNode(base: AvroNode, avroLogical: unknown): LogicalNode | undefined {
  if (avroLogical !== 'uuid' || base.kind !== 'fixed' || base.size !== 16) return undefined;
  return {
    kind: 'logical',
    base,
    name: 'uuid',
    render: (value) => formatUuid(Buffer.from(value as string, 'base64')),
  };
}

/** Thrown below a record, array or map; each level on the way up adds its step to the path. */
export class AvroPathError extends Error {
  readonly steps: string[] = [];
  readonly logicalName: string | undefined;
  constructor(message: string, logicalName?: string) {
    super(message);
    this.logicalName = logicalName;
  }
}

/** Where a path error happened, as fromConnect names fields (`after.amount`, `items[2]`). */
export function pathOf(error: AvroPathError): string {
  let path = '';
  for (let i = error.steps.length - 1; i >= 0; i--) {
    const step = error.steps[i] as string;
    path += step.startsWith('[') || path === '' ? step : `.${step}`;
  }
  return path || '(value)';
}

/** Sets a member, also one named `__proto__`, which plain assignment would not create. */
export function setMember(target: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__') {
    Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[name] = value;
  }
}

/** A logical type's rendering; a failure is a path error naming the logical type. */
export function logicalValue(node: LogicalNode, value: unknown): unknown {
  try {
    return node.render(value);
  } catch (error) {
    throw new AvroPathError((error as Error).message, node.name);
  }
}

/** The Connect name of the top-level type: `connect.name`, else a record's or enum's full name. */
export function connectNameOf(type: AvroType): string | undefined {
  if (type.typeName === `logical:${MARKED_LOGICAL_TYPE}`) {
    const connectName = (type as MarkedType).attrs['connect.name'];
    if (typeof connectName === 'string') return connectName;
    return connectNameOf((type as MarkedType).underlyingType);
  }
  return type.typeName === 'record' || type.typeName === 'enum' || type.typeName === 'error'
    ? type.name
    : undefined;
}
