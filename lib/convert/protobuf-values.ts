import { Enum, type Field, type OneOf, Type, util } from 'protobufjs';
import { isRawJson } from './exact-json.ts';
import { doubleValue, floatValue } from './json-numbers.ts';
import { LOGICAL_MESSAGES, type LongBits, longValue, ProtobufValueError } from './protobuf-logical.ts';
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

type Convert = (value: unknown) => unknown;
/** One member of a struct: its key, its converter, and the source text that reads it from `m`. */
interface Slot {
  readonly key: string;
  readonly convert: Convert;
  /** The expression reading the member from the decoded message `m`, calling the converter `ref`. */
  readonly expression: (ref: string) => string;
}

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
  readonly #plans = new Map<Type, { built: boolean; convert: Convert }>();

  constructor(options: ProtobufReaderOptions = {}) {
    // Without long.js protobufjs reads 64-bit integers into doubles, losing digits past 2^53.
    if (!util.Long) throw new Error('protobufjs found no long.js, so 64-bit integers would lose digits');
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
    const known = this.#plans.get(type);
    if (known !== undefined) {
      // A type met again while its own plan is being built (a recursive message) is reached through
      // its holder, which has the converter by the time a record is read.
      return known.built ? known.convert : (value) => known.convert(value);
    }
    const plan = { built: false, convert: identity };
    this.#plans.set(type, plan);
    plan.convert = structOf(this.#slotsOf(type));
    plan.built = true;
    return plan.convert;
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
        slots.push({ key, convert: this.#oneofReader(oneof), expression: (ref) => `${ref}(m)` });
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
    const resolved = field.resolvedType;
    if (field.repeated && resolved instanceof Type && isMapEntryShaped(resolved)) {
      return this.#always(field, this.#entryListConverter(resolved));
    }
    if (field.repeated) return this.#always(field, arrayOf(this.#valueConverter(field)));
    if (field.resolvedType instanceof Type || hasOptionalKeyword(field)) return this.#presentOrNull(field);
    return this.#always(field, this.#valueConverter(field));
  }

  #always(field: Field, convert: Convert): Slot {
    const member = `m[${JSON.stringify(field.name)}]`;
    return {
      key: field.name,
      convert,
      expression: (ref) => (convert === identity ? member : `${ref}(${member})`),
    };
  }

  #presentOrNull(field: Field): Slot {
    const name = JSON.stringify(field.name);
    const convert = this.#valueConverter(field);
    const value = convert === identity ? `m[${name}]` : undefined;
    return {
      key: field.name,
      convert,
      expression: (ref) => `(Object.hasOwn(m, ${name}) ? ${value ?? `${ref}(m[${name}])`} : null)`,
    };
  }

  /** The oneof's struct with every member, null but the one set (setUnionField); null when none is. */
  #oneofReader(oneof: OneOf): Convert {
    const members = oneof.fieldsArray.map((field) => ({
      name: field.name,
      convert: this.#valueConverter(field),
    }));
    return (value) => {
      const message = value as Record<string, unknown>;
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
  /**
   * The entries of a spelled-out map entry type, read as ProtobufData reads them: an entry without
   * a value has the value's default (an empty message for a message value), later keys win, and the
   * map is an object when its Connect key type is a string (a string, or an enum by its symbol).
   */
  #entryListConverter(type: Type): Convert {
    const [keyField, valueField] = type.fieldsArray as [Field, Field];
    const convertKey = this.#valueConverter(keyField);
    const convertValue = this.#valueConverter(valueField);
    const valueType = valueField.resolvedType instanceof Type ? valueField.resolvedType : undefined;
    const entryValue = (entry: Record<string, unknown>) =>
      valueType !== undefined && !Object.hasOwn(entry, 'value') ? valueType.create() : entry.value;
    const keysAreText =
      keyField.type === 'string' || (keyField.resolvedType instanceof Enum && !this.#options.intForEnums);
    return (value) => {
      const entries = value as readonly Record<string, unknown>[];
      if (keysAreText) {
        const out: Record<string, unknown> = {};
        for (const entry of entries) {
          const key = convertKey(entry.key) as string;
          setMember(out, key, convertEntry(convertValue, entryValue(entry), key));
        }
        return out;
      }
      return entries.map((entry) => {
        const key = convertKey(entry.key);
        return [
          key,
          convertEntry(convertValue, entryValue(entry), isRawJson(key) ? key.rawJSON : String(key)),
        ];
      });
    };
  }

  #mapConverter(field: Field): Convert {
    const keyType = (field as Field & { keyType: string }).keyType;
    const convertValue = this.#valueConverter(field);
    if (keyType === 'string') {
      return (value) => {
        const out: Record<string, unknown> = {};
        for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
          setMember(out, key, convertEntry(convertValue, entry, key));
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

/**
 * ProtobufData#isMapDescriptor: a repeated message named `…Entry` whose only fields are `key` and
 * `value`, in that order, is a map, whether `map<>` declared it or the schema text spells it out.
 */
function isMapEntryShaped(type: Type): boolean {
  const [key, value, ...rest] = type.fieldsArray;
  return (
    type.name.endsWith('Entry') &&
    rest.length === 0 &&
    key?.name === 'key' &&
    value?.name === 'value' &&
    !key.repeated &&
    !value.repeated
  );
}

function setMember(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true });
  else out[key] = value;
}

function convertEntry(convert: Convert, entry: unknown, key: string): unknown {
  try {
    return convert(entry);
  } catch (error) {
    throw withPath(error, `[${JSON.stringify(key)}]`);
  }
}

/**
 * A message's struct converter, generated once per message type: one object literal in slot order
 * (V8 gives every row the same shape, and a constant key per field reads like a named property),
 * each field read and converted by its slot's expression. Keys are .proto identifiers, which
 * cannot start with an underscore, so none is `__proto__`.
 */
function structOf(slots: readonly Slot[]): Convert {
  const members = slots.map(
    (slot, index) => `${JSON.stringify(slot.key)}: (i = ${index}, ${slot.expression(`c[${index}]`)})`,
  );
  const factory = new Function(
    'c',
    'withPath',
    'keys',
    `return function convertStruct(m) {
      let i = 0;
      try {
        return { ${members.join(', ')} };
      } catch (error) {
        throw withPath(error, keys[i]);
      }
    };`,
  ) as (converters: readonly Convert[], path: typeof withPath, keys: readonly string[]) => Convert;
  return factory(
    slots.map((slot) => slot.convert),
    withPath,
    slots.map((slot) => slot.key),
  );
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
      return (value) => floatValue(value as number);
    case 'double':
      return (value) => doubleValue(value as number);
    case 'bytes':
      return (value) => base64Of(value as Uint8Array);
    default:
      // bool, string, uint32 and fixed32 (protobufjs reads both unsigned).
      return identity;
  }
}

const identity: Convert = (value) => value;

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
