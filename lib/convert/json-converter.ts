import { isUtf8 } from 'node:buffer';
import type { ConverterConfig } from '../config/converters.ts';
import { type KafkaRecord, mayBeTombstone } from '../decode/event.ts';
import {
  checkObjectSpan,
  isNullLiteral,
  isSpace,
  type MemberSpan,
  nestingDepth,
  STARROCKS_MAX_JSON_DEPTH,
  scanMembers,
  skipValue,
} from '../decode/json-scanner.ts';
import { ErrorCode, RecordError } from '../errors.ts';
import type { ConnectSchema } from './connect-schema.ts';
import { fromConnect } from './connect-values.ts';
import { type ChangeRowTransforms, changeRowText } from './debezium-bytes.ts';
import { isRawJson, parseJsonExact } from './exact-json.ts';
import { LOGICAL_TYPES } from './logical-types.ts';
import { isRequired, meetsRequired, type RequiredRule, requiredRule } from './required-fields.ts';

/**
 * Kafka Connect converters, applied to a record value: JsonConverter (with or without the
 * `{schema, payload}` envelope) and StringConverter.
 *
 * Two fast paths keep bytes as bytes when nothing in them changes: schemaless JSON objects are
 * written from the event's base64 straight into the body (`base64-json`), and envelope payloads
 * whose schema needs no conversion are copied out of the envelope (`json-bytes`). The schema of an
 * envelope is parsed once per topic and reused while its bytes stay the same.
 */

export type ConvertedValue =
  /** A schemaless JSON object, still base64; checked when it is written into the body. */
  | { readonly kind: 'base64-json'; readonly record: KafkaRecord }
  /** JSON object bytes that go into the body unchanged (already checked). */
  | { readonly kind: 'json-bytes'; readonly bytes: Buffer }
  /** JSON object text that goes into the body unchanged (already checked). */
  | { readonly kind: 'json-text'; readonly text: string }
  | {
      readonly kind: 'object';
      readonly value: Record<string, unknown>;
      readonly schemaName?: string | undefined;
    }
  | { readonly kind: 'string'; readonly text: string };

export interface ConvertOptions {
  /** Whether the caller needs an object (transforms run next) or JSON bytes are enough. */
  readonly needObject: boolean;
  /**
   * Debezium's ExtractNewRecordState runs next: of a change event only `op` and the image it keeps
   * (after, or before for a delete) are read.
   */
  readonly unwrap?: boolean;
  /** The transforms form a chain whose row can be written from the event's bytes (debezium-bytes.ts). */
  readonly changeRow?: ChangeRowTransforms | undefined;
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
  if (record.valueBase64 === null) return null;
  if (converter.kind === 'registry') throw new Error('registry values are converted by registry-values.ts');
  if (converter.kind === 'string') return { kind: 'string', text: decodeUtf8(record) };
  if (!converter.schemasEnable) {
    if (!options.needObject) return isJsonNull(record) ? null : { kind: 'base64-json', record };
    const parsed = parseValue(record, decodeUtf8(record));
    if (parsed === null) return null;
    return { kind: 'object', value: requireObject(record, parsed, 'the value') };
  }
  return convertEnvelope(record, converter.replaceNullWithDefault, options);
}

/**
 * Schemaless JSON object bytes at `bytes[start..]` (a JSON Schema value after its framing, or a value
 * an event-source mapping decoded): copied as they are, or parsed when transforms need the object.
 */
export function convertJsonBytes(
  record: KafkaRecord,
  bytes: Buffer,
  start: number,
  needObject: boolean,
): ConvertedValue {
  if (!needObject) {
    checkJsonObjectBytes(record, bytes, start, bytes.length);
    return { kind: 'json-bytes', bytes: start === 0 ? bytes : bytes.subarray(start) };
  }
  let text: string;
  try {
    text = utf8.decode(bytes.subarray(start));
  } catch {
    throw new RecordError(ErrorCode.DECODE_VALUE, record, 'the value is not valid UTF-8 text');
  }
  return { kind: 'object', value: requireObject(record, parseValue(record, text), 'the value') };
}

/** Renders a converted value as one JSON object text (tests and the CSV path). */
export function toJsonText(value: ConvertedValue): string {
  switch (value.kind) {
    case 'object':
      return JSON.stringify(value.value);
    case 'base64-json': {
      const bytes = value.record.value as Buffer;
      checkJsonObjectBytes(value.record, bytes, 0, bytes.length);
      return decodeUtf8(value.record);
    }
    case 'json-bytes':
      return value.bytes.toString('utf8');
    default:
      return value.text;
  }
}

/**
 * Throws the record's error when `bytes[start, end)` is not one JSON object in UTF-8. Structural
 * only (see json-bytes.ts): StarRocks rejects other syntax errors, and the sink then re-checks the
 * table's records strictly to name the offset.
 */
export function checkJsonObjectBytes(record: KafkaRecord, bytes: Buffer, start: number, end: number): void {
  const view = start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end);
  if (!isUtf8(view)) {
    throw new RecordError(ErrorCode.DECODE_VALUE, record, 'the value is not valid UTF-8 text');
  }
  checkJsonObjectStructure(record, bytes, start, end);
}

/** The structural half of {@link checkJsonObjectBytes}, for callers that check UTF-8 in bulk. */
export function checkJsonObjectStructure(
  record: KafkaRecord,
  bytes: Buffer,
  start: number,
  end: number,
): void {
  const reason = checkObjectSpan(bytes, start, end);
  if (reason !== undefined) {
    throw new RecordError(
      ErrorCode.DECODE_VALUE,
      record,
      reason.includes('not a JSON object') ? `${reason}; StarRocks loads one JSON object per row` : reason,
    );
  }
}

/**
 * Strict check of one schemaless value (JSON.parse, and nesting no deeper than StarRocks reads),
 * used to name the record behind a failed load.
 */
export function validateJsonValue(record: KafkaRecord): void {
  const bytes = record.value as Buffer;
  const depth = nestingDepth(bytes, 0, bytes.length);
  if (depth > STARROCKS_MAX_JSON_DEPTH)
    throw new RecordError(ErrorCode.DECODE_VALUE, record, tooDeepReason(depth, 'the value'));
  const parsed = parseValue(record, decodeUtf8(record));
  if (parsed !== null) requireObject(record, parsed, 'the value');
}

/**
 * Strict check of one row copied or built from a record's value (with schemas: the payload), used
 * to name the record behind a failed load: syntax JSON.parse refuses (`tru`, `NaN`) or nesting
 * deeper than StarRocks reads.
 */
export function validateJsonRow(record: KafkaRecord, row: string): void {
  const bytes = Buffer.from(row);
  const depth = nestingDepth(bytes, 0, bytes.length);
  if (depth > STARROCKS_MAX_JSON_DEPTH)
    throw new RecordError(ErrorCode.DECODE_VALUE, record, tooDeepReason(depth, 'the payload'));
  try {
    JSON.parse(row);
  } catch (error) {
    throw new RecordError(ErrorCode.DECODE_VALUE, record, invalidJsonReason(row, error, 'the payload'));
  }
}

const JSON_NULL = /^[ \t\n\r]*null[ \t\n\r]*$/;

/**
 * A value that is the JSON literal `null`, a tombstone as JsonConverter reads it. Only values that
 * {@link mayBeTombstone} are decoded to look.
 */
export function isJsonNull(record: KafkaRecord): boolean {
  const text = record.valueBase64;
  return text !== null && mayBeTombstone(text) && JSON_NULL.test((record.value as Buffer).toString('latin1'));
}

function decodeUtf8(record: KafkaRecord): string {
  try {
    return utf8.decode(record.value as Buffer);
  } catch {
    throw new RecordError(ErrorCode.DECODE_VALUE, record, 'the value is not valid UTF-8 text');
  }
}

/** The value's JSON, with every digit kept; errors name the record. */
function parseValue(record: KafkaRecord, text: string): unknown {
  return parseJson(record, text, true);
}

/** JSON.parse (or, `exact`, keeping digits a double cannot hold); errors name the record. */
function parseJson(record: KafkaRecord, text: string, exact: boolean): unknown {
  try {
    return exact ? parseJsonExact(text) : JSON.parse(text);
  } catch (error) {
    throw new RecordError(ErrorCode.DECODE_VALUE, record, invalidJsonReason(text, error, 'the value'));
  }
}

/**
 * Why a JSON text could not be read: its syntax, or (a RangeError: the stack ran out) nesting too
 * deep, said as such with StarRocks' limit rather than as "not valid JSON".
 */
export function invalidJsonReason(text: string, error: unknown, what: string): string {
  if (!(error instanceof RangeError)) return `${what} is not valid JSON (${(error as Error).message})`;
  return tooDeepReason(nestingDepth(Buffer.from(text), 0, Buffer.byteLength(text)), what);
}

/**
 * The record's error for a RangeError (the stack ran out) met while converting, transforming or
 * writing its value: the value nests too deep, said with its depth.
 */
export function tooDeepError(record: KafkaRecord): RecordError {
  const bytes = record.value ?? Buffer.alloc(0);
  return new RecordError(
    ErrorCode.DECODE_VALUE,
    record,
    tooDeepReason(nestingDepth(bytes, 0, bytes.length), 'the value'),
  );
}

/** A value nested `depth` levels deep, too deep to convert or to load. */
export function tooDeepReason(depth: number, what: string): string {
  return `${what} nests arrays and objects ${depth} levels deep; StarRocks reads JSON at most ${STARROCKS_MAX_JSON_DEPTH} levels deep (simdjson's default), so it cannot be loaded: flatten it, or send it as a string`;
}

/**
 * Converts what `parse(false)` reads (plain JSON.parse, fast); if an int64 or numeric decimal lost
 * digits to the double, converts what `parse(true)` reads instead, keeping every digit.
 */
function convertKeepingDigits(
  record: KafkaRecord,
  schema: ConnectSchema,
  parse: (exact: boolean) => unknown,
  replaceNullWithDefault: boolean,
): unknown {
  const state = { lossy: false };
  const converted = convertKept(record, schema, parse(false), replaceNullWithDefault, state);
  if (!state.lossy) return converted;
  return convertKept(record, schema, parse(true), replaceNullWithDefault, { lossy: false });
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

const NO_ENVELOPE =
  'value.converter.schemas.enable=true needs a {"schema": ..., "payload": ...} envelope, and this value has none; set value.converter.schemas.enable=false for plain JSON';

/** A parsed envelope schema and what converting its payload takes. */
interface SchemaPlan {
  readonly schema: ConnectSchema | null;
  /** No logical type and no default anywhere: the payload bytes can be loaded as they are. */
  readonly verbatim: boolean;
  /** What a payload copied as it is must hold (required fields not null): checked on its bytes. */
  readonly required: RequiredRule | undefined;
}

/**
 * The last schema seen per topic, compared byte for byte: Connect writes the same text each time.
 * `prefixBase64` is `{"schema":<schema>,"payload":` in base64, cut to whole 3-byte groups, and
 * `prefixRest` the one or two bytes after the cut: a record starting with that base64 text starts
 * with those bytes, so only what follows is decoded.
 */
interface CachedPlan {
  readonly bytes: Buffer;
  readonly plan: SchemaPlan;
  readonly prefixBase64: string;
  readonly prefixRest: Buffer;
}
/** Plans depend on the topic's schema and on whether nulls take schema defaults: by topic, each. */
const plansWithDefaults = new Map<string, CachedPlan>();
const plansWithoutDefaults = new Map<string, CachedPlan>();

function plansFor(replaceNullWithDefault: boolean): Map<string, CachedPlan> {
  return replaceNullWithDefault ? plansWithDefaults : plansWithoutDefaults;
}

function schemaPlan(
  record: KafkaRecord,
  bytes: Buffer,
  span: MemberSpan,
  replaceNullWithDefault: boolean,
): SchemaPlan {
  const length = span.end - span.start;
  const cached = plansFor(replaceNullWithDefault).get(record.topic);
  if (
    cached !== undefined &&
    cached.bytes.length === length &&
    bytes.compare(cached.bytes, 0, length, span.start, span.end) === 0
  ) {
    return cached.plan;
  }
  let schema: ConnectSchema | null;
  try {
    schema = JSON.parse(bytes.toString('utf8', span.start, span.end)) as ConnectSchema | null;
  } catch (error) {
    throw new RecordError(
      ErrorCode.DECODE_VALUE,
      record,
      `the envelope's schema is not valid JSON (${(error as Error).message})`,
    );
  }
  const verbatim = schema !== null && schema.type === 'struct' && isVerbatim(schema, replaceNullWithDefault);
  const plan = {
    schema,
    verbatim,
    required: verbatim && schema !== null ? requiredRule(schema, replaceNullWithDefault) : undefined,
  };
  const schemaBytes = Buffer.from(bytes.subarray(span.start, span.end));
  const prefix = Buffer.concat([SCHEMA_PREFIX, schemaBytes, PAYLOAD_MEMBER]);
  const whole = prefix.length - (prefix.length % 3);
  plansFor(replaceNullWithDefault).set(record.topic, {
    bytes: schemaBytes,
    plan,
    prefixBase64: prefix.toString('base64', 0, whole),
    prefixRest: prefix.subarray(whole),
  });
  return plan;
}

function isVerbatim(schema: ConnectSchema, replaceNullWithDefault: boolean): boolean {
  if (schema.name !== undefined && LOGICAL_TYPES.has(schema.name)) return false;
  if (replaceNullWithDefault && schema.default !== undefined && schema.default !== null) return false;
  // int64 text is copied exactly; floats and strings need nothing.
  for (const child of [...(schema.fields ?? []), schema.items, schema.keys, schema.values]) {
    if (child !== undefined && !isVerbatim(child, replaceNullWithDefault)) return false;
  }
  return true;
}

const SCHEMA_PREFIX = Buffer.from('{"schema":');
const PAYLOAD_MEMBER = Buffer.from(',"payload":');

/** The payload of an envelope whose schema is the one last seen on its topic. */
interface KnownEnvelope {
  readonly plan: SchemaPlan;
  /** The decoded bytes after the schema; the payload sits in `payload`, up to the closing brace. */
  readonly bytes: Buffer;
  readonly payload: MemberSpan;
}

/**
 * When the value starts with the schema last seen on this topic (as JsonConverter writes it:
 * compact, schema first), it is recognised on its base64 text, and only the payload is decoded:
 * the schema is most of the bytes of a Debezium event. The payload span runs to the envelope's
 * closing brace; whether it is one value is checked by whoever reads it.
 */
function knownEnvelope(record: KafkaRecord, replaceNullWithDefault: boolean): KnownEnvelope | undefined {
  const cached = plansFor(replaceNullWithDefault).get(record.topic);
  const text = record.valueBase64;
  if (cached === undefined || text === null) return undefined;
  // Compared as a slice: equality of flat strings is a memory compare, startsWith is not (V8).
  const prefix = cached.prefixBase64;
  if (text.length <= prefix.length || text.slice(0, prefix.length) !== prefix) return undefined;
  const skipped = (prefix.length / 4) * 3;
  const length = record.valueLength - skipped;
  const written = scratchFor(length).write(text.slice(prefix.length), 0, 'base64');
  if (written !== length) return undefined;
  const bytes = scratch.subarray(0, written);
  const rest = cached.prefixRest;
  // At most two bytes of the prefix did not fill a base64 quartet: compared here, one by one.
  for (let i = 0; i < rest.length; i++) if (bytes[i] !== rest[i]) return undefined;
  // The prefix is ASCII, so the tail is UTF-8 exactly when the whole value is.
  if (!isUtf8(bytes))
    throw new RecordError(ErrorCode.DECODE_VALUE, record, 'the value is not valid UTF-8 text');
  let close = bytes.length - 1;
  while (close > rest.length && bytes[close] !== 0x7d) {
    if (!isSpace(bytes[close])) return undefined;
    close--;
  }
  let payloadEnd = close;
  while (payloadEnd > rest.length && isSpace(bytes[payloadEnd - 1])) payloadEnd--;
  if (payloadEnd <= rest.length) return undefined;
  return { plan: cached.plan, bytes, payload: { start: rest.length, end: payloadEnd } };
}

/**
 * Envelope values are decoded into one reused buffer: only the payload outlives the call (copied,
 * or parsed), so a 6 MB batch does not leave 6 MB of per-record buffers to the garbage collector.
 */
let scratch = Buffer.allocUnsafe(64 * 1024);

/** The scratch buffer, grown (doubling) to hold at least `length` bytes. */
function scratchFor(length: number): Buffer {
  if (scratch.length < length) scratch = Buffer.allocUnsafe(Math.max(length, scratch.length * 2));
  return scratch;
}

function decodeToScratch(record: KafkaRecord): Buffer {
  const written = scratchFor(record.valueLength).write(record.valueBase64 as string, 0, 'base64');
  if (written !== record.valueLength)
    throw new RecordError(ErrorCode.DECODE_EVENT, record, 'the value is not base64 text');
  return scratch.subarray(0, written);
}

function convertEnvelope(
  record: KafkaRecord,
  replaceNullWithDefault: boolean,
  options: ConvertOptions,
): ConvertedValue | null {
  const known = knownEnvelope(record, replaceNullWithDefault);
  if (known !== undefined) {
    const converted = convertKnown(record, known, replaceNullWithDefault, options);
    if (converted !== NOT_ONE_VALUE) return converted;
  }
  const bytes = decodeToScratch(record);
  if (!isUtf8(bytes))
    throw new RecordError(ErrorCode.DECODE_VALUE, record, 'the value is not valid UTF-8 text');
  const members = scanMembers(bytes, 0, bytes.length);
  if (members === undefined) return convertEnvelopeText(record, replaceNullWithDefault);
  const schemaSpan = members.get('schema');
  const payloadSpan = members.get('payload');
  if (schemaSpan === undefined || payloadSpan === undefined) {
    throw new RecordError(ErrorCode.DECODE_VALUE, record, NO_ENVELOPE);
  }
  rejectExtraMembers(record, [...members.keys()]);
  const plan = schemaPlan(record, bytes, schemaSpan, replaceNullWithDefault);
  const converted = convertKnown(
    record,
    { plan, bytes, payload: payloadSpan },
    replaceNullWithDefault,
    options,
  );
  if (converted !== NOT_ONE_VALUE) return converted;
  return convertPayload(
    record,
    plan.schema,
    bytes.toString('utf8', payloadSpan.start, payloadSpan.end),
    replaceNullWithDefault,
  );
}

/** {@link convertKnown} found the payload span is not exactly one JSON value. */
const NOT_ONE_VALUE = Symbol('not one value');

/** Converts the payload of an envelope whose schema plan is known. */
function convertKnown(
  record: KafkaRecord,
  { plan, bytes, payload }: KnownEnvelope,
  replaceNullWithDefault: boolean,
  options: ConvertOptions,
): ConvertedValue | null | typeof NOT_ONE_VALUE {
  if (isNullLiteral(bytes, payload)) {
    // JsonConverter refuses a null for a required schema (or gives it the schema's default).
    if (plan.schema === null || !isRequired(plan.schema, replaceNullWithDefault)) return null;
    return convertPayload(record, plan.schema, 'null', replaceNullWithDefault);
  }
  const copied = plan.verbatim && !options.needObject;
  if (options.unwrap && plan.schema?.name?.endsWith('.Envelope') && bytes[payload.start] === 0x7b) {
    const members = scanMembers(bytes, payload.start, payload.end);
    if (members === undefined) return NOT_ONE_VALUE;
    if (options.changeRow !== undefined) {
      const text = changeRowText(bytes, members, plan.schema, options.changeRow, replaceNullWithDefault);
      if (text !== undefined) return { kind: 'json-text', text };
    }
    const change = convertChangeEvent(record, plan.schema, bytes, members, replaceNullWithDefault);
    if (change !== undefined) return change;
  } else if (copied && plan.required !== undefined) {
    // One walk checks both that the payload is one value and that no required field is null; a
    // payload that fails is converted below, which names the field.
    if (!meetsRequired(bytes, payload.start, payload.end, plan.required)) {
      return convertPayload(
        record,
        plan.schema,
        bytes.toString('utf8', payload.start, payload.end),
        replaceNullWithDefault,
      );
    }
  } else if (skipValue(bytes, payload.start, payload.end) !== payload.end) return NOT_ONE_VALUE;
  if (copied) {
    // UTF-8 was checked and the payload's brackets matched: an object is one row.
    if (bytes[payload.start] !== 0x7b) checkJsonObjectStructure(record, bytes, payload.start, payload.end);
    // Copied out of the scratch buffer, which the next record overwrites.
    const row = Buffer.allocUnsafe(payload.end - payload.start);
    bytes.copy(row, 0, payload.start, payload.end);
    return { kind: 'json-bytes', bytes: row };
  }
  const text = bytes.toString('utf8', payload.start, payload.end);
  return convertPayload(record, plan.schema, text, replaceNullWithDefault);
}

/**
 * A Debezium change event about to be unwrapped: only `op` and the image the unwrap keeps are
 * parsed; the other image, `source`, the timings and the transaction block are not.
 */
function convertChangeEvent(
  record: KafkaRecord,
  schema: ConnectSchema,
  bytes: Buffer,
  members: ReadonlyMap<string, MemberSpan>,
  replaceNullWithDefault: boolean,
): ConvertedValue | undefined {
  const op = members.get('op');
  if (op === undefined) return undefined;
  const opText = bytes.toString('utf8', op.start, op.end);
  // `op` is a one-letter string; JSON.parse only if it is written some other way.
  const opValue: unknown = /^"[a-z]"$/.test(opText) ? opText.slice(1, -1) : parseJson(record, opText, false);
  const image = opValue === 'd' ? 'before' : 'after';
  const build = (exact: boolean) => {
    const payload: Record<string, unknown> = { op: opValue };
    const span = members.get(image);
    if (span !== undefined)
      payload[image] = parseJson(record, bytes.toString('utf8', span.start, span.end), exact);
    return payload;
  };
  const converted = convertKeepingDigits(record, schema, build, replaceNullWithDefault);
  return toObject(record, converted, schema.name) ?? undefined;
}

/** The general path: the whole envelope parsed at once (also gives the precise error messages). */
function convertEnvelopeText(record: KafkaRecord, replaceNullWithDefault: boolean): ConvertedValue | null {
  const envelope = parseValue(record, decodeUtf8(record));
  if (envelope === null) return null;
  if (
    typeof envelope !== 'object' ||
    Array.isArray(envelope) ||
    !('schema' in envelope) ||
    !('payload' in envelope)
  ) {
    throw new RecordError(ErrorCode.DECODE_VALUE, record, NO_ENVELOPE);
  }
  rejectExtraMembers(record, Object.keys(envelope));
  const { schema, payload } = envelope as { schema: ConnectSchema | null; payload: unknown };
  return toObject(
    record,
    schema === null ? payload : convertExact(record, schema, payload, replaceNullWithDefault),
    schema?.name,
  );
}

function rejectExtraMembers(record: KafkaRecord, names: string[]): void {
  const extra = names.filter((k) => k !== 'schema' && k !== 'payload');
  if (extra.length > 0) {
    throw new RecordError(
      ErrorCode.DECODE_VALUE,
      record,
      `the {"schema","payload"} envelope has extra fields (${extra.join(', ')}), which JsonConverter does not allow`,
    );
  }
}

/**
 * Converts a payload with its schema ({@link convertKeepingDigits}). In a Debezium change event
 * only the before/after images are converted: the rest is thrown away.
 */
function convertPayload(
  record: KafkaRecord,
  schema: ConnectSchema | null,
  text: string,
  replaceNullWithDefault: boolean,
): ConvertedValue | null {
  if (schema === null) return toObject(record, parseValue(record, text));
  const parse = (exact: boolean) => parseJson(record, text, exact);
  return toObject(record, convertKeepingDigits(record, schema, parse, replaceNullWithDefault), schema.name);
}

function convertExact(
  record: KafkaRecord,
  schema: ConnectSchema,
  payload: unknown,
  replaceNullWithDefault: boolean,
): unknown {
  return convertKept(record, schema, payload, replaceNullWithDefault, { lossy: false });
}

function convertKept(
  record: KafkaRecord,
  schema: ConnectSchema,
  payload: unknown,
  replaceNullWithDefault: boolean,
  state: { lossy: boolean },
): unknown {
  const envelope = payload as Record<string, unknown> | null;
  if (
    schema.name?.endsWith('.Envelope') &&
    envelope !== null &&
    typeof envelope === 'object' &&
    typeof envelope.op === 'string'
  ) {
    // A Debezium change event: convert the row images only; source and timings are dropped by unwrap.
    const out: Record<string, unknown> = { ...envelope };
    for (const field of schema.fields ?? []) {
      if (field.field === 'before' || field.field === 'after') {
        out[field.field] = fromConnect(
          record,
          field,
          envelope[field.field],
          field.field,
          replaceNullWithDefault,
          state,
        );
      }
    }
    return out;
  }
  return fromConnect(record, schema, payload, '', replaceNullWithDefault, state);
}

function toObject(record: KafkaRecord, value: unknown, schemaName?: string): ConvertedValue | null {
  if (value === null || value === undefined) return null;
  return { kind: 'object', value: requireObject(record, value, 'the payload'), schemaName };
}

/** A value as JsonConverter's `toConnectData` gives it: its schema (null: schemaless) and its data. */
export interface ConnectData {
  readonly schema: ConnectSchema | null;
  readonly value: unknown;
}

/**
 * The Connect data of JSON bytes (a record's key or value) for the transforms: with `schemasEnable`,
 * the envelope's schema and its payload unconverted (rendered for StarRocks after the transforms);
 * without, the JSON as parsed. Every digit is kept. `what` names the part in errors.
 */
export function readJsonConnectData(
  record: KafkaRecord,
  bytes: Buffer,
  schemasEnable: boolean,
  what: 'the key' | 'the value',
): ConnectData {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new RecordError(ErrorCode.DECODE_VALUE, record, `${what} is not valid UTF-8 text`);
  }
  let parsed: unknown;
  try {
    parsed = parseJsonExact(text);
  } catch (error) {
    throw new RecordError(ErrorCode.DECODE_VALUE, record, invalidJsonReason(text, error, what));
  }
  if (!schemasEnable || parsed === null) return { schema: null, value: parsed };
  if (
    typeof parsed !== 'object' ||
    Array.isArray(parsed) ||
    !('schema' in parsed) ||
    !('payload' in parsed)
  ) {
    throw new RecordError(
      ErrorCode.DECODE_VALUE,
      record,
      what === 'the value'
        ? NO_ENVELOPE
        : `${what} has no {"schema": ..., "payload": ...} envelope; set key.converter.schemas.enable=false for plain JSON keys`,
    );
  }
  rejectExtraMembers(record, Object.keys(parsed));
  const { schema, payload } = parsed as { schema: ConnectSchema | null; payload: unknown };
  return { schema, value: payload };
}

/**
 * A transformed value with its schema, rendered as the JSON StarRocks loads (logical types as text,
 * defaults taken, required fields checked), as the converter renders a value with no transforms.
 */
export function renderConnectValue(
  record: KafkaRecord,
  schema: ConnectSchema,
  value: unknown,
  replaceNullWithDefault: boolean,
): unknown {
  return fromConnect(record, schema, value, '', replaceNullWithDefault, { lossy: false });
}

/** {@link requireObject} for callers outside this file: a row must be one JSON object. */
export function requireRowObject(record: KafkaRecord, value: unknown): Record<string, unknown> {
  return requireObject(record, value, 'the transformed value');
}
