/**
 * Apache Kafka's filtering, routing and header transforms, ready to run: each spec kind of
 * config/transform-classes/kafka-routing.ts → its step.
 */

import { compileJavaDateFormat, type JavaDateFormat } from '../../config/java-date-format.ts';
import {
  type KafkaRoutingTransformSpec,
  type ReplacementPart,
  TIMESTAMP_PLACEHOLDER,
  TOPIC_PLACEHOLDER,
} from '../../config/transform-classes/kafka-routing.ts';
import type { TransformConfig } from '../../config/transforms.ts';
import type { ConnectSchema } from '../connect-schema.ts';
import { isRawJson } from '../exact-json.ts';
import {
  type ConnectHeader,
  type ConnectRecord,
  FILTERED,
  type TransformStep,
  transformError,
  withChanges,
} from './connect-record.ts';
import { isSchemalessMap } from './field-path.ts';
import { parseHeaderLiteral } from './kafka-routing-header-literal.ts';
import type { StepFactories } from './step-factories.ts';

type Config<K extends KafkaRoutingTransformSpec['kind']> = Extract<TransformConfig, { kind: K }>;

export const KAFKA_ROUTING_STEPS: StepFactories<KafkaRoutingTransformSpec> = {
  // Filter drops whatever reaches it: behind a predicate, the records the predicate picks.
  filter: () => () => FILTERED,
  regexRouter: regexRouterStep,
  timestampRouter: timestampRouterStep,
  dropHeaders: dropHeadersStep,
  headerFrom: headerFromStep,
  insertHeader: insertHeaderStep,
};

/**
 * RegexRouter: a topic the pattern matches as a whole gets the pattern's first match in it replaced
 * (Java's `matches()` then `replaceFirst()`; the first match can be shorter than the whole topic
 * when an alternative allows it, as in Java); any other topic stays.
 */
function regexRouterStep(config: Config<'regexRouter'>): TransformStep {
  const whole = config.pattern.whole;
  const first = new RegExp(config.pattern.source, 'u');
  const replacement = config.replacement;
  // A batch holds few topics: each is matched once (null: not rerouted).
  const routes = new Map<string, string | null>();
  const routeOf = (topic: string): string | null => {
    if (!whole.test(topic)) return null;
    const match = first.exec(topic) as RegExpExecArray;
    const end = match.index + match[0].length;
    return `${topic.slice(0, match.index)}${expandReplacement(replacement, match)}${topic.slice(end)}`;
  };
  return (record) => {
    let routed = routes.get(record.topic);
    if (routed === undefined) {
      if (routes.size >= ROUTES_KEPT) routes.clear();
      routed = routeOf(record.topic);
      routes.set(record.topic, routed);
    }
    return routed === null ? record : withChanges(record, { topic: routed });
  };
}

/** How many topics' routes a RegexRouter keeps (a container lives for many batches). */
const ROUTES_KEPT = 1024;

/** The replacement with each group reference replaced by what the group matched (nothing if it did not take part). */
export function expandReplacement(parts: readonly ReplacementPart[], match: RegExpExecArray): string {
  let text = '';
  for (const part of parts) {
    if (part.kind === 'text') text += part.text;
    else if (part.kind === 'group') text += match[part.group] ?? '';
    else text += match.groups?.[part.name] ?? '';
  }
  return text;
}

/**
 * TimestampRouter: the topic becomes `topic.format` with `${topic}` replaced by the topic, then
 * `${timestamp}` by the record's timestamp in `timestamp.format` (UTC). A record without a timestamp
 * fails, as in Kafka.
 */
function timestampRouterStep(config: Config<'timestampRouter'>): TransformStep {
  const format = compiledTimestampFormat(config);
  const topicFormat = config.topicFormat;
  return (record) => {
    if (record.timestamp === null) {
      throw transformError(
        record,
        config.name,
        'the record has no timestamp, and TimestampRouter names the topic after it (Kafka: "Timestamp missing on record")',
      );
    }
    const timestamp = format.format(record.timestamp);
    const topic = topicFormat
      .replaceAll(TOPIC_PLACEHOLDER, () => record.topic)
      .replaceAll(TIMESTAMP_PLACEHOLDER, () => timestamp);
    return withChanges(record, { topic });
  };
}

/** The `timestamp.format`, compiled; the config parser has checked it compiles. */
function compiledTimestampFormat(config: Config<'timestampRouter'>): JavaDateFormat {
  return compileJavaDateFormat(config.timestampFormat);
}

/** DropHeaders: every header with one of the names goes, the others stay in order. */
function dropHeadersStep(config: Config<'dropHeaders'>): TransformStep {
  const names = new Set(config.headers);
  return (record) => withChanges(record, { headers: record.headers.filter((h) => !names.has(h.key)) });
}

/** InsertHeader: one more header, holding the literal as Connect's `Values.parseString` types it. */
function insertHeaderStep(config: Config<'insertHeader'>): TransformStep {
  const { schema, value } = parseHeaderLiteral(config.literal);
  const header: ConnectHeader = { key: config.header, schema, value };
  return (record) => withChanges(record, { headers: [...record.headers, header] });
}

/**
 * HeaderFrom: each listed field's value (with its field schema, when the record part has one) is
 * added as a header; with `move` the fields leave the key/value and its schema.
 */
function headerFromStep(config: Config<'headerFrom'>): TransformStep {
  const moved = new Set(config.operation === 'move' ? config.fields : []);
  const movedSchemas = new WeakMap<ConnectSchema, ConnectSchema>();
  const schemaWithoutMoved = (schema: ConnectSchema): ConnectSchema => {
    let updated = movedSchemas.get(schema);
    if (updated === undefined) {
      updated = structWithoutFields(schema, moved);
      movedSchemas.set(schema, updated);
    }
    return updated;
  };
  return (record) => {
    const schema = config.part === 'key' ? record.keySchema : record.valueSchema;
    const value = config.part === 'key' ? record.key : record.value;
    const updated =
      schema === null
        ? headersFromMap(record, config, value, moved)
        : headersFromStruct(record, config, schema, value, moved, schemaWithoutMoved);
    return config.part === 'key'
      ? withChanges(record, { keySchema: updated.schema, key: updated.value, headers: updated.headers })
      : withChanges(record, { valueSchema: updated.schema, value: updated.value, headers: updated.headers });
  };
}

interface UpdatedPart {
  readonly schema: ConnectSchema | null;
  readonly value: unknown;
  readonly headers: readonly ConnectHeader[];
}

function headersFromStruct(
  record: ConnectRecord,
  config: Config<'headerFrom'>,
  schema: ConnectSchema,
  value: unknown,
  moved: ReadonlySet<string>,
  schemaWithoutMoved: (schema: ConnectSchema) => ConnectSchema,
): UpdatedPart {
  if (schema.type !== 'struct' || !isSchemalessMap(value)) {
    throw transformError(
      record,
      config.name,
      `HeaderFrom ${config.operation} needs a struct ${config.part}; found ${describeValue(value)} with a ${schema.type} schema`,
    );
  }
  const fields = schema.fields ?? [];
  const headers = [...record.headers];
  config.fields.forEach((name, i) => {
    const field = fields.find((f) => f.field === name);
    if (field === undefined) {
      throw transformError(
        record,
        config.name,
        `field "${name}" is not in the ${config.part}'s schema (its fields: ${fields.map((f) => f.field).join(', ')})`,
      );
    }
    headers.push({
      key: config.headers[i] as string,
      schema: field,
      value: fieldValue(value, field, config.replaceNullWithDefault),
    });
  });
  if (moved.size === 0) return { schema, value, headers };
  const updatedSchema = schemaWithoutMoved(schema);
  const updatedValue: Record<string, unknown> = {};
  for (const field of updatedSchema.fields ?? []) {
    updatedValue[field.field as string] = fieldValue(value, field, config.replaceNullWithDefault);
  }
  return { schema: updatedSchema, value: updatedValue, headers };
}

/**
 * A struct field's value as Connect's `Struct.get` reads it: a null (or absent) field reads as its
 * schema's default when `replaceNullWithDefault` (`getWithoutDefault` otherwise).
 */
function fieldValue(
  struct: Record<string, unknown>,
  field: ConnectSchema,
  replaceNullWithDefault: boolean,
): unknown {
  const value = struct[field.field as string] ?? null;
  if (value === null && replaceNullWithDefault && field.default !== undefined) return field.default;
  return value;
}

/**
 * The struct's schema without the moved fields: name, version and parameters kept, optionality and
 * default not (as Kafka's SchemaUtil.copySchemaBasics builds it).
 */
function structWithoutFields(schema: ConnectSchema, moved: ReadonlySet<string>): ConnectSchema {
  return {
    type: 'struct',
    optional: false,
    ...(schema.name === undefined ? {} : { name: schema.name }),
    ...(schema.version === undefined ? {} : { version: schema.version }),
    ...(schema.parameters === undefined ? {} : { parameters: schema.parameters }),
    fields: (schema.fields ?? []).filter((f) => !moved.has(f.field as string)),
  };
}

function headersFromMap(
  record: ConnectRecord,
  config: Config<'headerFrom'>,
  value: unknown,
  moved: ReadonlySet<string>,
): UpdatedPart {
  if (!isSchemalessMap(value)) {
    throw transformError(
      record,
      config.name,
      `HeaderFrom ${config.operation} needs a map ${config.part} when it has no schema; found ${describeValue(value)}`,
    );
  }
  const headers = [...record.headers];
  config.fields.forEach((name, i) => {
    headers.push({ key: config.headers[i] as string, schema: null, value: value[name] ?? null });
  });
  if (moved.size === 0) return { schema: null, value, headers };
  const updated = Object.fromEntries(Object.entries(value).filter(([name]) => !moved.has(name)));
  return { schema: null, value: updated, headers };
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (isRawJson(value)) return 'a number';
  if (value instanceof Date) return 'a timestamp';
  if (Buffer.isBuffer(value)) return 'bytes';
  return `a ${typeof value}`;
}
