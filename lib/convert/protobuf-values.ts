import { Enum, type Field, type OneOf, Type, util } from 'protobufjs';
import { rawJson } from './exact-json.ts';
import { formatInstant, formatTimeOfDay, formatUnscaled } from './logical-types.ts';
import { fullNameOf } from './protobuf-schema.ts';

/**
 * Decoded Protobuf messages turned into the row Confluent's ProtobufConverter gives the sink
 * (io.confluent.connect.protobuf.ProtobufData#toConnectData, confluentinc/schema-registry
 * protobuf-converter), rendered as the JSON path renders Connect data: logical types as the text
 * StarRocks parses, 64-bit integers exact, bytes as base64. Each message type gets a conversion plan
 * once (one converter per field); reading a record runs the plans, never reflection.
 */

/** ProtobufConverter settings that change values, under their Kafka Connect names' meaning. */
export interface ProtobufReaderOptions {
  /**
   * `wrapper.for.nullables` (default false): a google.protobuf wrapper field (Int64Value, …) is its
   * inner value, or null when absent. Off, ProtobufData gives a struct `{"value": …}`.
   */
  readonly wrapperForNullables?: boolean;
  /** `int.for.enums` (default false): enums as their number instead of the symbol name. */
  readonly intForEnums?: boolean;
  /** `generate.index.for.unions` (default true): a oneof's struct is named `<oneof>_<index>`. */
  readonly generateIndexForUnions?: boolean;
  /** `flatten.unions` (default false): oneof members are fields of the message itself. */
  readonly flattenUnions?: boolean;
}

/** A value that does not fit its Connect type (a Timestamp out of range, …); `path` names the field. */
export class ProtobufValueError extends Error {
  readonly path: string[] = [];
}

type Convert = (value: unknown) => unknown;
interface Slot {
  readonly key: string;
  readonly read: (message: Record<string, unknown>) => unknown;
}
interface LongBits {
  readonly low: number;
  readonly high: number;
  readonly unsigned: boolean;
}

const TWO_POW_32 = 4_294_967_296;
const WRAPPER_TYPES = new Set(
  ['Double', 'Float', 'Int64', 'UInt64', 'Int32', 'UInt32', 'Bool', 'String', 'Bytes'].map(
    (kind) => `google.protobuf.${kind}Value`,
  ),
);

/**
 * Compiles conversion plans for the messages of one schema; a plan is built once per message type
 * and shared by every field (and record) that meets the type, recursive types included.
 */
export class ProtobufPlans {
  readonly #options: Required<ProtobufReaderOptions>;
  readonly #plans = new Map<Type, { convert: Convert }>();

  constructor(options: ProtobufReaderOptions = {}) {
    this.#options = {
      wrapperForNullables: options.wrapperForNullables ?? false,
      intForEnums: options.intForEnums ?? false,
      generateIndexForUnions: options.generateIndexForUnions ?? true,
      flattenUnions: options.flattenUnions ?? false,
    };
  }

  /**
   * The converter of a selected (top-level) message: its struct, or, for a wrapper message, the
   * inner value (ProtobufData's `wrapper.for.raw.primitives`, true by default).
   */
  rootConverter(type: Type): Convert {
    if (WRAPPER_TYPES.has(fullNameOf(type))) return this.#wrapperConverter(type);
    return this.#structConverter(type);
  }

  #structConverter(type: Type): Convert {
    let plan = this.#plans.get(type);
    if (plan === undefined) {
      const pending = {
        convert: (() => {
          throw new Error(`the plan of ${type.fullName} is not built yet`);
        }) as Convert,
      };
      this.#plans.set(type, pending);
      pending.convert = structOf(this.#slotsOf(type));
      plan = pending;
    }
    const built = plan;
    return (value) => built.convert(value);
  }

  /**
   * ProtobufData's struct: the real oneofs first (each a struct named after it holding the member
   * that is set, or null), then the other fields in declaration order (toConnectSchema).
   */
  #slotsOf(type: Type): Slot[] {
    const slots: Slot[] = [];
    const realOneofs = type.oneofsArray.filter((oneof) => !isSyntheticOneof(oneof));
    realOneofs.forEach((oneof, index) => {
      if (this.#options.flattenUnions) {
        for (const member of oneof.fieldsArray) slots.push(this.#presentOrNull(member));
      } else {
        const key = this.#options.generateIndexForUnions ? `${oneof.name}_${index}` : oneof.name;
        slots.push({ key, read: this.#oneofReader(oneof) });
      }
    });
    for (const field of type.fieldsArray) {
      if (field.partOf !== null && !isSyntheticOneof(field.partOf)) continue;
      slots.push(this.#fieldSlot(field));
    }
    return slots;
  }

  /**
   * setStructField: scalars, enums, repeated and map fields are always put (their default when
   * absent); singular messages and fields with explicit presence (proto3 `optional`, proto2
   * `optional` under `optional.for.proto2`, true by default) only when set, else null.
   */
  #fieldSlot(field: Field): Slot {
    if (field.map) return this.#always(field, this.#mapConverter(field));
    if (field.repeated) return this.#always(field, arrayOf(this.#valueConverter(field)));
    if (field.resolvedType instanceof Type || hasOptionalKeyword(field)) return this.#presentOrNull(field);
    return this.#always(field, this.#valueConverter(field));
  }

  #always(field: Field, convert: Convert): Slot {
    const name = field.name;
    return { key: name, read: (message) => convert(message[name]) };
  }

  #presentOrNull(field: Field): Slot {
    const name = field.name;
    const convert = this.#valueConverter(field);
    return { key: name, read: (message) => (Object.hasOwn(message, name) ? convert(message[name]) : null) };
  }

  /** The oneof's struct with every member, null but the one set (setUnionField); null when none is. */
  #oneofReader(oneof: OneOf): (message: Record<string, unknown>) => unknown {
    const members = oneof.fieldsArray.map((field) => ({
      name: field.name,
      convert: this.#valueConverter(field),
    }));
    return (message) => {
      for (const member of members) {
        if (!Object.hasOwn(message, member.name)) continue;
        const union: Record<string, unknown> = {};
        for (const other of members) union[other.name] = null;
        try {
          union[member.name] = member.convert(message[member.name]);
        } catch (error) {
          throw withPath(error, member.name);
        }
        return union;
      }
      return null;
    };
  }

  /** One value of a field (an element, for a repeated field). */
  #valueConverter(field: Field): Convert {
    const resolved = field.resolvedType;
    if (resolved instanceof Enum) return this.#enumConverter(resolved);
    if (resolved instanceof Type) return this.#messageConverter(resolved);
    return scalarConverter(field.type, connectIntType(field));
  }

  #messageConverter(type: Type): Convert {
    const name = fullNameOf(type);
    const logical = LOGICAL_MESSAGES.get(name);
    if (logical !== undefined) return logical;
    if (this.#options.wrapperForNullables && WRAPPER_TYPES.has(name)) return this.#wrapperConverter(type);
    return this.#structConverter(type);
  }

  #wrapperConverter(type: Type): Convert {
    const inner = type.fields.value;
    if (inner === undefined) throw new Error(`${type.fullName} has no field "value"`);
    const convert = scalarConverter(inner.type, undefined);
    return (message) => convert((message as Record<string, unknown>).value);
  }

  /**
   * An enum's symbol (EnumValueDescriptor#toString: the name first declared with the number); a
   * number no symbol has, which an open (proto3) enum keeps, gets the name Java's descriptors make
   * for it, `UNKNOWN_ENUM_VALUE_<Enum>_<number>`. A closed (proto2) enum's unknown number never
   * reaches here: the decoder keeps it aside and the field reads as its default, as in Java.
   */
  #enumConverter(type: Enum): Convert {
    if (this.#options.intForEnums) return (value) => value;
    const names = new Map<number, string>();
    for (const [name, number] of Object.entries(type.values)) if (!names.has(number)) names.set(number, name);
    return (value) => names.get(value as number) ?? `UNKNOWN_ENUM_VALUE_${type.name}_${String(value)}`;
  }

  /**
   * A map: an object when its keys are strings, else `[key, value]` pairs, as JsonConverter writes
   * a Connect map. protobufjs keys its map object by text, 64-bit keys by an 8-character hash.
   */
  #mapConverter(field: Field): Convert {
    const keyType = (field as Field & { keyType: string }).keyType;
    const convertValue = this.#valueConverter(field);
    if (keyType === 'string') {
      return (value) => {
        const out: Record<string, unknown> = {};
        for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
          const converted = convertEntry(convertValue, entry, key);
          if (key === '__proto__') Object.defineProperty(out, key, { value: converted, enumerable: true });
          else out[key] = converted;
        }
        return out;
      };
    }
    const convertKey = mapKeyConverter(keyType);
    return (value) =>
      Object.entries(value as Record<string, unknown>).map(([key, entry]) => [
        convertKey(key),
        convertEntry(convertValue, entry, key),
      ]);
  }
}

function convertEntry(convert: Convert, entry: unknown, key: string): unknown {
  try {
    return convert(entry);
  } catch (error) {
    throw withPath(error, `[${JSON.stringify(key)}]`);
  }
}

function structOf(slots: readonly Slot[]): Convert {
  return (value) => {
    const message = value as Record<string, unknown>;
    const row: Record<string, unknown> = {};
    let index = 0;
    try {
      for (; index < slots.length; index++) {
        const slot = slots[index] as Slot;
        row[slot.key] = slot.read(message);
      }
    } catch (error) {
      throw withPath(error, (slots[index] as Slot).key);
    }
    return row;
  };
}

function arrayOf(convert: Convert): Convert {
  return (value) => {
    const items = value as readonly unknown[];
    const out = new Array<unknown>(items.length);
    let index = 0;
    try {
      for (; index < items.length; index++) out[index] = convert(items[index]);
    } catch (error) {
      throw withPath(error, `[${index}]`);
    }
    return out;
  };
}

function withPath(error: unknown, segment: string): unknown {
  if (error instanceof ProtobufValueError) error.path.unshift(segment);
  return error;
}

/** A proto3 `optional` field: protobufjs puts it alone in a synthetic oneof named `_<field>`. */
function isSyntheticOneof(oneof: OneOf): boolean {
  const only = oneof.fieldsArray.length === 1 ? oneof.fieldsArray[0] : undefined;
  return only?.options?.proto3_optional === true;
}

/**
 * ProtobufData#isOptional: proto3 `optional`, or proto2 `optional` outside a oneof
 * (hasOptionalKeyword, with `optional.for.proto2` at its default, true). Editions files are not
 * proto2 there, so their implicit-presence reading applies: the field's default when absent.
 */
function hasOptionalKeyword(field: Field): boolean {
  if (field.options?.proto3_optional === true) return true;
  return editionOf(field) === 'proto2' && !field.required && field.partOf === null;
}

function editionOf(field: Field): string | null {
  // protobufjs records a file's syntax or edition on its top-level declarations.
  let current = field.parent as { readonly _edition?: string | null; readonly parent: unknown } | null;
  while (current !== null) {
    if (current._edition) return current._edition;
    current = current.parent as typeof current;
  }
  return null;
}

/**
 * An int32 field the Connect schema made from INT8 or INT16 carries `connect.type` in
 * `(confluent.field_meta).params`; ProtobufData reads it back as that narrower type.
 */
function connectIntType(field: Field): 'int8' | 'int16' | undefined {
  for (const option of field.parsedOptions ?? []) {
    const meta = (option as Record<string, { params?: unknown } | undefined>)['(confluent.field_meta)'];
    const params = meta?.params;
    for (const param of Array.isArray(params) ? params : params === undefined ? [] : [params]) {
      const { key, value } = param as { key?: unknown; value?: unknown };
      if (key === 'connect.type' && (value === 'int8' || value === 'int16')) return value;
    }
  }
  return undefined;
}

/**
 * A scalar by its Protobuf type and ProtobufData's Connect type: 32-bit signed → INT32; uint32 and
 * fixed32 → INT64, unsigned; 64-bit → INT64, a number while a double holds it exactly and the exact
 * digits past that (uint64 and fixed64 above 2^63 stay positive, where Java's long would turn
 * negative: the column gets the producer's number); float → the shortest decimal that reads back as
 * the same float (what Java's Float.toString writes); bytes → base64, as JsonConverter writes BYTES.
 */
function scalarConverter(type: string, connectInt: 'int8' | 'int16' | undefined): Convert {
  switch (type) {
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      if (connectInt === 'int8') return (value) => ((value as number) << 24) >> 24;
      if (connectInt === 'int16') return (value) => ((value as number) << 16) >> 16;
      return identity;
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return (value) => longValue(value as number | LongBits, false);
    case 'uint64':
    case 'fixed64':
      return (value) => longValue(value as number | LongBits, true);
    case 'float':
      return (value) => shortestFloat32(value as number);
    case 'bytes':
      return (value) => base64Of(value as Uint8Array);
    default:
      // double, bool, string, uint32 and fixed32 (protobufjs reads both unsigned).
      return identity;
  }
}

const identity: Convert = (value) => value;

function longValue(value: number | LongBits, unsigned: boolean): unknown {
  if (typeof value === 'number') return value;
  const high = unsigned ? value.high >>> 0 : value.high;
  const number = high * TWO_POW_32 + (value.low >>> 0);
  if (Number.isSafeInteger(number)) return number;
  const bits = (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
  return rawJson((unsigned ? bits : BigInt.asIntN(64, bits)).toString());
}

function shortestFloat32(value: number): number {
  if (!Number.isFinite(value) || (Number.isInteger(value) && Math.abs(value) < 16_777_216)) return value;
  for (let digits = 1; digits < 9; digits++) {
    const shorter = Number(value.toPrecision(digits));
    if (Math.fround(shorter) === value) return shorter;
  }
  return value;
}

function base64Of(bytes: Uint8Array): string {
  if (bytes.length === 0) return '';
  return (
    Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
  ).toString('base64');
}

function mapKeyConverter(keyType: string): (key: string) => unknown {
  switch (keyType) {
    case 'bool':
      return (key) => key === 'true';
    case 'int64':
    case 'sint64':
    case 'sfixed64':
    case 'uint64':
    case 'fixed64': {
      const unsigned = keyType === 'uint64' || keyType === 'fixed64';
      // An entry without a key leaves the number 0, which is not hashed.
      return (key) =>
        key.length === 8 ? longValue(util.longFromHash(key, unsigned) as LongBits, unsigned) : Number(key);
    }
    default:
      return (key) => Number(key);
  }
}

/**
 * The messages ProtobufData maps to Connect logical types (TO_CONNECT_LOGICAL_CONVERTERS), rendered
 * as the JSON path renders those types (logical-types.ts).
 */
const LOGICAL_MESSAGES: ReadonlyMap<string, Convert> = new Map<string, Convert>([
  ['google.protobuf.Timestamp', (value) => timestampText(value as TimestampMessage)],
  ['google.type.Date', (value) => dateText(value as DateMessage)],
  ['google.type.TimeOfDay', (value) => timeOfDayText(value as TimeOfDayMessage)],
  ['confluent.type.Decimal', (value) => decimalNumber(value as DecimalMessage)],
]);

interface TimestampMessage {
  readonly seconds: number | LongBits;
  readonly nanos: number;
}
interface DateMessage {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}
interface TimeOfDayMessage {
  readonly hours: number;
  readonly minutes: number;
  readonly seconds: number;
  readonly nanos: number;
}
interface DecimalMessage {
  readonly value: Uint8Array;
  readonly precision: number;
  readonly scale: number;
}

/** Timestamps.toMillis' range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z. */
const MIN_TIMESTAMP_SECONDS = -62_135_596_800;
const MAX_TIMESTAMP_SECONDS = 253_402_300_799;

/**
 * Connect Timestamp is milliseconds: ProtobufData keeps `seconds * 1000 + nanos / 10^6`
 * (Timestamps.toMillis, which refuses a Timestamp outside its range). The sink keeps that
 * millisecond value rather than the microseconds DATETIME could hold, so a topic loads the same rows
 * through this sink as through the Kafka connector with ProtobufConverter.
 */
function timestampText(message: TimestampMessage): string {
  const seconds = longValue(message.seconds, false);
  const nanos = message.nanos;
  if (
    typeof seconds !== 'number' ||
    seconds < MIN_TIMESTAMP_SECONDS ||
    seconds > MAX_TIMESTAMP_SECONDS ||
    nanos < 0 ||
    nanos > 999_999_999
  ) {
    throw new ProtobufValueError(
      `google.protobuf.Timestamp {seconds: ${String(seconds)}, nanos: ${nanos}} is not a valid timestamp (seconds from 0001-01-01 to 9999-12-31, nanos 0 to 999999999)`,
    );
  }
  const millis = BigInt(seconds) * 1000n + BigInt(Math.trunc(nanos / 1_000_000));
  return formatInstant(millis * 1000n);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * google.type.Date → Connect Date: ProtobufData builds a non-lenient UTC calendar from the three
 * fields, so a zero year, month or day (the type's "unspecified") fails the record there too.
 */
function dateText(message: DateMessage): string {
  const { year, month, day } = message;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const monthDays = month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
  if (year < 1 || year > 9999 || day < 1 || day > monthDays) {
    throw new ProtobufValueError(
      `google.type.Date {year: ${year}, month: ${month}, day: ${day}} is not a calendar date (year 1 to 9999, month 1 to 12, a day of that month)`,
    );
  }
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** google.type.TimeOfDay → Connect Time, milliseconds (LocalTime.of refuses 24:00 and leap seconds). */
function timeOfDayText(message: TimeOfDayMessage): string {
  const { hours, minutes, seconds, nanos } = message;
  if (
    hours < 0 ||
    hours > 23 ||
    minutes < 0 ||
    minutes > 59 ||
    seconds < 0 ||
    seconds > 59 ||
    nanos < 0 ||
    nanos > 999_999_999
  ) {
    throw new ProtobufValueError(
      `google.type.TimeOfDay {hours: ${hours}, minutes: ${minutes}, seconds: ${seconds}, nanos: ${nanos}} is not a time of day (hours 0 to 23, minutes and seconds 0 to 59, nanos 0 to 999999999)`,
    );
  }
  const millis = ((hours * 60 + minutes) * 60 + seconds) * 1000 + Math.trunc(nanos / 1_000_000);
  return formatTimeOfDay(BigInt(millis) * 1000n);
}

/**
 * confluent.type.Decimal → an exact number: the unscaled two's-complement bytes at the message's
 * own scale, rounded half-up to its precision when one is set (DecimalUtils.toBigDecimal,
 * confluentinc/schema-registry protobuf-types); empty bytes are refused there ("Zero length BigInteger").
 */
function decimalNumber(message: DecimalMessage): unknown {
  const bytes = message.value;
  if (bytes.length === 0) {
    throw new ProtobufValueError(
      'confluent.type.Decimal has no value bytes (an empty unscaled value is not a number)',
    );
  }
  let unscaled = 0n;
  for (const byte of bytes) unscaled = (unscaled << 8n) | BigInt(byte);
  if ((bytes[0] as number) & 0x80) unscaled -= 1n << BigInt(bytes.length * 8);
  let scale = message.scale;
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString().length;
  if (message.precision > 0 && digits > message.precision) {
    const drop = digits - message.precision;
    unscaled = roundHalfUp(unscaled, 10n ** BigInt(drop));
    scale -= drop;
    // 999 to two digits rounds up to 100: one digit more than the precision, dropped exactly.
    if ((unscaled < 0n ? -unscaled : unscaled).toString().length > message.precision) {
      unscaled /= 10n;
      scale -= 1;
    }
  }
  return rawJson(formatUnscaled(unscaled, scale));
}

function roundHalfUp(value: bigint, divisor: bigint): bigint {
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  const rounded = (magnitude + divisor / 2n) / divisor;
  return negative ? -rounded : rounded;
}
