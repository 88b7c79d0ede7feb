import type { ConverterConfig } from './config.ts';
import type { KafkaRecord } from './decode.ts';
import { ErrorCode, RecordError } from './errors.ts';
import { isRawJson, parseJsonExact } from './json.ts';
import { LOGICAL_TYPES } from './logical-types.ts';

/**
 * Kafka Connect converters, applied to a record value: JsonConverter (with or without the
 * `{schema, payload}` envelope) and StringConverter.
 */

/** A converted value: JSON text kept verbatim, a parsed object, or a plain string. */
export type ConvertedValue =
  | { readonly kind: 'json-text'; readonly text: string }
  | {
      readonly kind: 'object';
      readonly value: Record<string, unknown>;
      readonly schemaName?: string | undefined;
    }
  | { readonly kind: 'string'; readonly text: string };

/** A Kafka Connect schema as JsonConverter writes it in the envelope. */
export interface ConnectSchema {
  readonly type: string;
  readonly optional?: boolean;
  readonly name?: string;
  readonly version?: number;
  readonly parameters?: Readonly<Record<string, string>>;
  readonly default?: unknown;
  readonly field?: string;
  readonly fields?: readonly ConnectSchema[];
  readonly items?: ConnectSchema;
  readonly keys?: ConnectSchema;
  readonly values?: ConnectSchema;
}

export interface ConvertOptions {
  /** Whether the caller needs an object (transforms run next) or JSON text is enough. */
  readonly needObject: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Converts a record's value. Returns `null` for a tombstone (no value, or JSON `null`), which the
 * sink skips as the Java connector does.
 */
export function convertValue(
  record: KafkaRecord,
  converter: ConverterConfig,
  options: ConvertOptions,
): ConvertedValue | null {
  if (record.value === null) return null;
  const text = decodeUtf8(record);
  if (converter.kind === 'string') return { kind: 'string', text };
  if (!converter.schemasEnable) {
    if (!options.needObject && firstNonSpace(text) === '{') {
      validateJson(record, text);
      return { kind: 'json-text', text };
    }
    const parsed = parseValue(record, text);
    if (parsed === null) return null;
    return { kind: 'object', value: requireObject(record, parsed, 'the value') };
  }
  const envelope = parseValue(record, text);
  if (envelope === null) return null;
  if (
    typeof envelope !== 'object' ||
    Array.isArray(envelope) ||
    !('schema' in envelope) ||
    !('payload' in envelope)
  ) {
    throw new RecordError(
      ErrorCode.DECODE_VALUE,
      record,
      'value.converter.schemas.enable=true needs a {"schema": ..., "payload": ...} envelope, and this value has none; set value.converter.schemas.enable=false for plain JSON',
    );
  }
  const extra = Object.keys(envelope).filter((k) => k !== 'schema' && k !== 'payload');
  if (extra.length > 0) {
    throw new RecordError(
      ErrorCode.DECODE_VALUE,
      record,
      `the {"schema","payload"} envelope has extra fields (${extra.join(', ')}), which JsonConverter does not allow`,
    );
  }
  const { schema, payload } = envelope as { schema: ConnectSchema | null; payload: unknown };
  const value =
    schema === null ? payload : fromConnect(record, schema, payload, '', converter.replaceNullWithDefault);
  if (value === null || value === undefined) return null;
  return { kind: 'object', value: requireObject(record, value, 'the payload'), schemaName: schema?.name };
}

/** Renders a converted value as one JSON object text. */
export function toJsonText(value: ConvertedValue): string {
  return value.kind === 'object' ? JSON.stringify(value.value) : value.text;
}

function decodeUtf8(record: KafkaRecord): string {
  try {
    return utf8.decode(record.value as Buffer);
  } catch {
    throw new RecordError(ErrorCode.DECODE_VALUE, record, 'the value is not valid UTF-8 text');
  }
}

function firstNonSpace(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c !== ' ' && c !== '\n' && c !== '\r' && c !== '\t' && c !== '\uFEFF') return c;
  }
  return '';
}

function validateJson(record: KafkaRecord, text: string): void {
  try {
    JSON.parse(text);
  } catch (error) {
    throw new RecordError(
      ErrorCode.DECODE_VALUE,
      record,
      `the value is not valid JSON (${(error as Error).message})`,
    );
  }
}

function parseValue(record: KafkaRecord, text: string): unknown {
  try {
    return parseJsonExact(text);
  } catch (error) {
    throw new RecordError(
      ErrorCode.DECODE_VALUE,
      record,
      `the value is not valid JSON (${(error as Error).message})`,
    );
  }
}

function requireObject(record: KafkaRecord, value: unknown, what: string): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && !isRawJson(value)) {
    return value as Record<string, unknown>;
  }
  const kind = Array.isArray(value) ? 'an array' : isRawJson(value) ? 'a number' : `a ${typeof value}`;
  throw new RecordError(
    ErrorCode.DECODE_VALUE,
    record,
    `${what} is ${kind}, not a JSON object; StarRocks loads one JSON object per row (use StringConverter with sink.properties.format=csv for plain lines)`,
  );
}

function fromConnect(
  record: KafkaRecord,
  schema: ConnectSchema,
  value: unknown,
  path: string,
  replaceNullWithDefault: boolean,
): unknown {
  if (value === null || value === undefined) {
    if (replaceNullWithDefault && schema.default !== undefined && schema.default !== null) {
      return fromConnect(record, schema, schema.default, path, false);
    }
    if (schema.optional === false && path !== '') {
      throw new RecordError(
        ErrorCode.DECODE_VALUE,
        record,
        `field "${path}" is null, but its schema (${schema.type}) is not optional and has no default`,
      );
    }
    return null;
  }
  const logical = schema.name === undefined ? undefined : LOGICAL_TYPES.get(schema.name);
  if (logical !== undefined) {
    try {
      return logical(value, schema);
    } catch (error) {
      throw new RecordError(
        ErrorCode.DECODE_VALUE,
        record,
        `field "${path || '(value)'}" of logical type ${schema.name}: ${(error as Error).message}`,
      );
    }
  }
  switch (schema.type) {
    case 'struct': {
      if (typeof value !== 'object' || Array.isArray(value) || isRawJson(value)) {
        throw new RecordError(
          ErrorCode.DECODE_VALUE,
          record,
          `field "${path || '(value)'}" should be a struct (JSON object)`,
        );
      }
      const source = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const field of schema.fields ?? []) {
        const name = field.field ?? '';
        out[name] = fromConnect(
          record,
          field,
          source[name],
          path ? `${path}.${name}` : name,
          replaceNullWithDefault,
        );
      }
      return out;
    }
    case 'array': {
      if (!Array.isArray(value))
        throw new RecordError(ErrorCode.DECODE_VALUE, record, `field "${path}" should be an array`);
      const items = schema.items;
      return items === undefined
        ? value
        : value.map((v, i) => fromConnect(record, items, v, `${path}[${i}]`, replaceNullWithDefault));
    }
    default:
      return value;
  }
}
