import { MemberCursor, memberName, skipSpace, skipValue } from '../decode/json-scanner.ts';
import type { ConnectSchema } from './connect-schema.ts';

/**
 * Kafka's JsonConverter refuses a null or missing value for a required (not `optional`) schema,
 * unless `replace.null.with.default` gives it the schema's default: "Invalid null value for
 * required ... field". This module holds that rule, and checks it on JSON bytes for the paths that
 * copy a payload as it is instead of converting it.
 */

/** Whether a null for `schema` is refused: it is not optional and no default replaces the null. */
export function isRequired(schema: ConnectSchema, replaceNullWithDefault: boolean): boolean {
  if (schema.optional === true) return false;
  return !(replaceNullWithDefault && schema.default !== undefined && schema.default !== null);
}

/** What a value of one schema must hold below it: the required fields of a struct, or array items. */
export type RequiredRule =
  | {
      readonly kind: 'struct';
      readonly fields: ReadonlyMap<string, FieldRule>;
      /** The fields in schema order, the order JsonConverter writes them in. */
      readonly order: readonly FieldRule[];
      readonly required: number;
    }
  | { readonly kind: 'array'; readonly itemsRequired: boolean; readonly items: RequiredRule | undefined }
  | {
      /**
       * A map: a JSON object when its keys are strings, else an array of `[key, value]` pairs, as
       * JsonConverter writes it.
       */
      readonly kind: 'map';
      readonly stringKeys: boolean;
      readonly keys: EntryRule;
      readonly values: EntryRule;
    };

/** What one key or one value of a map (or an item of an array) must hold. */
interface EntryRule {
  readonly required: boolean;
  readonly nested: RequiredRule | undefined;
}

interface FieldRule {
  readonly index: number;
  /** The member name's bytes, to recognise it in place without making a string. */
  readonly name: Buffer;
  readonly required: boolean;
  readonly nested: RequiredRule | undefined;
}

/**
 * The rule a value of `schema` must meet below its own level, or undefined when nothing under it is
 * required (then no check is needed).
 */
export function requiredRule(
  schema: ConnectSchema,
  replaceNullWithDefault: boolean,
): RequiredRule | undefined {
  if (schema.type === 'struct') {
    const fields = new Map<string, FieldRule>();
    let required = 0;
    let nestedAny = false;
    for (const field of schema.fields ?? []) {
      const name = field.field ?? '';
      if (fields.has(name)) continue;
      const rule = {
        index: fields.size,
        name: Buffer.from(name),
        required: isRequired(field, replaceNullWithDefault),
        nested: requiredRule(field, replaceNullWithDefault),
      };
      if (rule.required) required++;
      if (rule.nested !== undefined) nestedAny = true;
      fields.set(name, rule);
    }
    return required > 0 || nestedAny
      ? { kind: 'struct', fields, order: [...fields.values()], required }
      : undefined;
  }
  if (schema.type === 'map' && schema.keys !== undefined && schema.values !== undefined) {
    const keys = entryRule(schema.keys, replaceNullWithDefault);
    const values = entryRule(schema.values, replaceNullWithDefault);
    const stringKeys = schema.keys.type === 'string';
    // String keys are JSON member names, never null: only the values can break the rule then.
    const checked = values.required || values.nested !== undefined || (!stringKeys && isChecked(keys));
    return checked ? { kind: 'map', stringKeys, keys, values } : undefined;
  }
  if (schema.type === 'array' && schema.items !== undefined) {
    const itemsRequired = isRequired(schema.items, replaceNullWithDefault);
    const items = requiredRule(schema.items, replaceNullWithDefault);
    return itemsRequired || items !== undefined ? { kind: 'array', itemsRequired, items } : undefined;
  }
  return undefined;
}

function entryRule(schema: ConnectSchema, replaceNullWithDefault: boolean): EntryRule {
  return {
    required: isRequired(schema, replaceNullWithDefault),
    nested: requiredRule(schema, replaceNullWithDefault),
  };
}

function isChecked(rule: EntryRule): boolean {
  return rule.required || rule.nested !== undefined;
}

/**
 * Whether the JSON value in `buf[start, end)` meets `rule`: no required field null or missing, at
 * any depth. False also when the bytes are not the JSON shape the rule expects: the caller's
 * general path then converts the value and reports exactly what is wrong.
 */
export function meetsRequired(buf: Buffer, start: number, end: number, rule: RequiredRule): boolean {
  switch (rule.kind) {
    case 'struct':
      return structMeets(buf, start, end, rule);
    case 'array':
      return eachItemMeets(buf, start, end, (i, itemEnd) =>
        entryMeets(buf, i, itemEnd, rule.itemsRequired, rule.items),
      );
    case 'map':
      return rule.stringKeys
        ? mapObjectMeets(buf, start, end, rule.values)
        : mapPairsMeet(buf, start, end, rule);
  }
}

/** One value against its entry rule: not null when required, and its own rule below. */
function entryMeets(
  buf: Buffer,
  start: number,
  end: number,
  required: boolean,
  nested: RequiredRule | undefined,
): boolean {
  if (isNull(buf, start, end)) return !required;
  return nested === undefined || meetsRequired(buf, start, end, nested);
}

/** A map with string keys, written as a JSON object: every member's value meets `values`. */
function mapObjectMeets(buf: Buffer, start: number, end: number, values: EntryRule): boolean {
  if (buf[skipSpace(buf, start, end)] !== 0x7b) return false;
  const cursor = new MemberCursor(buf, start, end);
  while (cursor.next()) {
    if (!entryMeets(buf, cursor.valueStart, cursor.valueEnd, values.required, values.nested)) return false;
  }
  return cursor.wellFormed;
}

/** A map with other keys, written as an array of `[key, value]` pairs: both meet their rules. */
function mapPairsMeet(
  buf: Buffer,
  start: number,
  end: number,
  rule: Extract<RequiredRule, { kind: 'map' }>,
): boolean {
  return eachItemMeets(buf, start, end, (pairStart, pairEnd) => {
    const parts: [number, number][] = [];
    const whole = eachItemMeets(buf, pairStart, pairEnd, (i, itemEnd) => {
      parts.push([i, itemEnd]);
      return parts.length <= 2;
    });
    const [key, value] = parts;
    return (
      whole &&
      key !== undefined &&
      value !== undefined &&
      parts.length === 2 &&
      entryMeets(buf, key[0], key[1], rule.keys.required, rule.keys.nested) &&
      entryMeets(buf, value[0], value[1], rule.values.required, rule.values.nested)
    );
  });
}

function structMeets(
  buf: Buffer,
  start: number,
  end: number,
  rule: Extract<RequiredRule, { kind: 'struct' }>,
): boolean {
  // Required fields seen with a value, one bit each (a member written twice counts once).
  let seen = 0;
  let seenMore: Set<number> | undefined;
  const cursor = new MemberCursor(buf, start, end);
  for (let k = 0; cursor.next(); k++) {
    // Members usually come in schema order: the expected name is compared in place first.
    const expected = rule.order[k];
    const field =
      expected !== undefined && nameIs(buf, cursor.nameStart, cursor.nameEnd, expected.name)
        ? expected
        : rule.fields.get(memberName(buf, cursor.nameStart, cursor.nameEnd));
    if (field === undefined) continue;
    const { valueStart, valueEnd } = cursor;
    if (isNull(buf, valueStart, valueEnd)) {
      if (field.required) return false;
      continue;
    }
    if (field.required) {
      if (field.index < 31) seen |= 1 << field.index;
      else {
        seenMore ??= new Set();
        seenMore.add(field.index);
      }
    }
    if (field.nested !== undefined && !meetsRequired(buf, valueStart, valueEnd, field.nested)) return false;
  }
  return cursor.wellFormed && bitCount(seen) + (seenMore?.size ?? 0) === rule.required;
}

function nameIs(buf: Buffer, start: number, end: number, name: Buffer): boolean {
  if (end - start !== name.length) return false;
  for (let j = 0; j < name.length; j++) if (buf[start + j] !== name[j]) return false;
  return true;
}

/** Whether `buf[start, end)` is the literal `null`, without making a string of it. */
function isNull(buf: Buffer, start: number, end: number): boolean {
  return (
    end - start === 4 &&
    buf[start] === 0x6e &&
    buf[start + 1] === 0x75 &&
    buf[start + 2] === 0x6c &&
    buf[start + 3] === 0x6c
  );
}

function bitCount(bits: number): number {
  let n = 0;
  for (let b = bits; b !== 0; b &= b - 1) n++;
  return n;
}

/**
 * Whether `buf[start, end)` is a JSON array each of whose items meets `itemMeets` (given the item's
 * bounds); false for anything else.
 */
function eachItemMeets(
  buf: Buffer,
  start: number,
  end: number,
  itemMeets: (itemStart: number, itemEnd: number) => boolean,
): boolean {
  let i = skipSpace(buf, start, end);
  if (buf[i] !== 0x5b) return false;
  i = skipSpace(buf, i + 1, end);
  if (buf[i] === 0x5d) return true;
  for (;;) {
    const itemEnd = skipValue(buf, i, end);
    if (itemEnd < 0 || !itemMeets(i, itemEnd)) return false;
    i = skipSpace(buf, itemEnd, end);
    if (buf[i] === 0x5d) return true;
    if (buf[i] !== 0x2c) return false;
    i = skipSpace(buf, i + 1, end);
  }
}
