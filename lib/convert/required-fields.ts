import { isNullLiteral, MemberCursor, memberName, skipSpace, skipValue } from '../decode/json-scanner.ts';
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
  | { readonly kind: 'struct'; readonly fields: ReadonlyMap<string, FieldRule>; readonly required: number }
  | { readonly kind: 'array'; readonly itemsRequired: boolean; readonly items: RequiredRule | undefined };

interface FieldRule {
  readonly index: number;
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
        required: isRequired(field, replaceNullWithDefault),
        nested: requiredRule(field, replaceNullWithDefault),
      };
      if (rule.required) required++;
      if (rule.nested !== undefined) nestedAny = true;
      fields.set(name, rule);
    }
    return required > 0 || nestedAny ? { kind: 'struct', fields, required } : undefined;
  }
  if (schema.type === 'array' && schema.items !== undefined) {
    const itemsRequired = isRequired(schema.items, replaceNullWithDefault);
    const items = requiredRule(schema.items, replaceNullWithDefault);
    return itemsRequired || items !== undefined ? { kind: 'array', itemsRequired, items } : undefined;
  }
  return undefined;
}

/**
 * Whether the JSON value in `buf[start, end)` meets `rule`: no required field null or missing, at
 * any depth. False also when the bytes are not the JSON shape the rule expects: the caller's
 * general path then converts the value and reports exactly what is wrong.
 */
export function meetsRequired(buf: Buffer, start: number, end: number, rule: RequiredRule): boolean {
  return rule.kind === 'struct' ? structMeets(buf, start, end, rule) : arrayMeets(buf, start, end, rule);
}

function structMeets(
  buf: Buffer,
  start: number,
  end: number,
  rule: Extract<RequiredRule, { kind: 'struct' }>,
): boolean {
  const seen = new Uint8Array(rule.fields.size);
  let present = 0;
  const cursor = new MemberCursor(buf, start, end);
  while (cursor.next()) {
    const field = rule.fields.get(memberName(buf, cursor.nameStart, cursor.nameEnd));
    if (field === undefined) continue;
    const value = { start: cursor.valueStart, end: cursor.valueEnd };
    if (isNullLiteral(buf, value)) {
      if (field.required) return false;
      continue;
    }
    if (field.required && seen[field.index] === 0) present++;
    seen[field.index] = 1;
    if (field.nested !== undefined && !meetsRequired(buf, value.start, value.end, field.nested)) return false;
  }
  return cursor.wellFormed && present === rule.required;
}

function arrayMeets(
  buf: Buffer,
  start: number,
  end: number,
  rule: Extract<RequiredRule, { kind: 'array' }>,
): boolean {
  let i = skipSpace(buf, start, end);
  if (buf[i] !== 0x5b) return false;
  i = skipSpace(buf, i + 1, end);
  if (buf[i] === 0x5d) return true;
  for (;;) {
    const itemEnd = skipValue(buf, i, end);
    if (itemEnd < 0) return false;
    if (isNullLiteral(buf, { start: i, end: itemEnd })) {
      if (rule.itemsRequired) return false;
    } else if (rule.items !== undefined && !meetsRequired(buf, i, itemEnd, rule.items)) return false;
    i = skipSpace(buf, itemEnd, end);
    if (buf[i] === 0x5d) return true;
    if (buf[i] !== 0x2c) return false;
    i = skipSpace(buf, i + 1, end);
  }
}
