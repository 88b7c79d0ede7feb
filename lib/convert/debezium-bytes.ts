import { isAscii } from 'node:buffer';
import type { ExtractNewRecordStateSpec } from '../config/transform-classes/debezium.ts';
import type { TransformConfig } from '../config/transforms.ts';
import { isNullLiteral, isSpace, MemberCursor, type MemberSpan, memberName } from '../decode/json-scanner.ts';
import { CONNECT_PRIMITIVE_TYPES, type ConnectSchema } from './connect-schema.ts';
import { isRawJson, rawJson } from './exact-json.ts';
import { LOGICAL_TYPES, type LogicalConverter } from './logical-types.ts';
import { isRequired } from './required-fields.ts';
import { TOAST_PLACEHOLDER } from './transforms/debezium.ts';
import { deleteHandling } from './transforms/debezium-unwrap.ts';

/**
 * The Debezium fast path: the row the seed's transforms (`AddOpFieldForDebeziumRecord`, then
 * `ExtractNewRecordState`) make of a change event, written from the bytes of the kept image. Values
 * without a logical type are copied as they are; only logical values are parsed and converted. It
 * handles the common case and answers `undefined` for anything else (an unusual op, a missing or
 * extra field, a null in a required field, a schema default, a TOAST placeholder, a value that does
 * not convert), and the
 * general path (parse, convert, transform, stringify) then gives the same row or the precise error.
 */

/** What the configured transforms do, when they are a chain the fast path writes. */
export interface ChangeRowTransforms {
  /** `AddOpFieldForDebeziumRecord` runs before the unwrap: `__op` 0 (c/u) or 1 (d). */
  readonly addOp: boolean;
  /**
   * A rewrite mode (`rewrite`, `rewrite-with-tombstone`, or `delete.handling.mode=rewrite`):
   * `__deleted` "true"/"false", deletes written; otherwise deletes are left to the general path.
   */
  readonly rewrite: boolean;
}

const chains = new WeakMap<readonly TransformConfig[], ChangeRowTransforms | null>();

/**
 * `[unwrap]` or `[addOpField, unwrap]`, with no predicate and no unwrap option that changes more than
 * the image, `__op` and `__deleted` (`add.fields`, `add.headers`, `route.by.field`,
 * `drop.fields.header.name`, `replace.null.with.default=false`); undefined for any other chain,
 * whose records go through the general chain. Every delete and tombstone handling is written here:
 * the upserts' rows are the same in each mode, and a delete is written only when rewritten (the
 * general path drops it or makes it a tombstone otherwise).
 */
export function changeRowTransforms(transforms: readonly TransformConfig[]): ChangeRowTransforms | undefined {
  let known = chains.get(transforms);
  if (known === undefined) {
    const [first, second, ...rest] = transforms;
    const unwrap = second === undefined ? first : second;
    known =
      rest.length === 0 &&
      unwrap?.kind === 'extractNewRecordState' &&
      (second === undefined || first?.kind === 'addOpField') &&
      transforms.every((t) => t.predicate === undefined) &&
      writesOnlyTheImage(unwrap)
        ? { addOp: second !== undefined, rewrite: deleteHandling(unwrap).deletes === 'rewrite' }
        : null;
    chains.set(transforms, known);
  }
  return known ?? undefined;
}

function writesOnlyTheImage(unwrap: ExtractNewRecordStateSpec): boolean {
  return (
    (unwrap.addFields ?? []).length === 0 &&
    (unwrap.addHeaders ?? []).length === 0 &&
    unwrap.routeByField === undefined &&
    unwrap.dropFields === undefined &&
    unwrap.replaceNullWithDefault === undefined
  );
}

/**
 * An image struct's fields: name → its index, its logical converter (undefined: copied as is) and
 * the JSON text of its name.
 */
interface ImagePlan {
  readonly fields: ReadonlyMap<string, FieldPlan>;
}
interface FieldPlan {
  readonly index: number;
  /** A null is refused (JsonConverter's rule): the general path names the field. */
  readonly required: boolean;
  readonly convert?: LogicalFn;
  /** `"name":`, written before a converted value. */
  readonly prefix: string;
}
type LogicalFn = (value: unknown) => unknown;

const imagePlans = new WeakMap<ConnectSchema, ImagePlan | null>();

/** Primitive values are copied from the event's bytes as they are. */
const COPYABLE = new Set<string>(CONNECT_PRIMITIVE_TYPES);

function imagePlan(schema: ConnectSchema, replaceNullWithDefault: boolean): ImagePlan | undefined {
  let plan = imagePlans.get(schema);
  if (plan === undefined) {
    plan = buildImagePlan(schema, replaceNullWithDefault);
    imagePlans.set(schema, plan);
  }
  return plan ?? undefined;
}

function buildImagePlan(schema: ConnectSchema, replaceNullWithDefault: boolean): ImagePlan | null {
  if (schema.type !== 'struct' || schema.fields === undefined) return null;
  const fields = new Map<string, FieldPlan>();
  for (const [index, field] of schema.fields.entries()) {
    if (field.field === undefined || fields.has(field.field)) return null;
    // A default would replace nulls; nested values would need converting inside: general path.
    if (replaceNullWithDefault && field.default !== undefined && field.default !== null) return null;
    const logical: LogicalConverter | undefined =
      field.name === undefined ? undefined : LOGICAL_TYPES.get(field.name);
    const prefix = `${JSON.stringify(field.field)}:`;
    const required = isRequired(field, replaceNullWithDefault);
    if (logical !== undefined)
      fields.set(field.field, { index, required, convert: (v) => logical(v, field), prefix });
    else if (COPYABLE.has(field.type)) fields.set(field.field, { index, required, prefix });
    else return null;
  }
  return { fields };
}

const TOAST_BYTES = Buffer.from(TOAST_PLACEHOLDER);
const TOAST_BASE64 = Buffer.from(TOAST_PLACEHOLDER).toString('base64');
const BACKSLASH = 0x5c;

/**
 * The row text for a change event whose payload members are `members`, or undefined when the
 * general path must take it.
 */
export function changeRowText(
  bytes: Buffer,
  members: ReadonlyMap<string, MemberSpan>,
  schema: ConnectSchema,
  transforms: ChangeRowTransforms,
  replaceNullWithDefault: boolean,
): string | undefined {
  const op = members.get('op');
  if (op === undefined || op.end - op.start !== 3 || bytes[op.start] !== 0x22) return undefined;
  // Transaction metadata and schema changes have these members; they are skipped by the general path.
  if (members.has('event_count') || members.has('ddl')) return undefined;
  const code = String.fromCharCode(bytes[op.start + 1] as number);
  const kept = code === 'd' ? 'before' : code === 'c' || code === 'u' || code === 'r' ? 'after' : undefined;
  if (kept === undefined || (code === 'd' && !transforms.rewrite)) return undefined;
  const span = members.get(kept);
  const imageSchema = schema.fields?.find((f) => f.field === kept);
  if (span === undefined || imageSchema === undefined || bytes[span.start] !== 0x7b) return undefined;
  const plan = imagePlan(imageSchema, replaceNullWithDefault);
  if (plan === undefined) return undefined;
  // The row's members, joined once: a string built piece by piece is a rope, which costs more to
  // flatten when the body is written than the pieces cost to make.
  const row: string[] = [];
  if (!imageMembers(bytes, span, plan, code !== 'd', row)) return undefined;
  if (transforms.addOp && code !== 'r') row.push(code === 'd' ? '"__op":1' : '"__op":0');
  if (transforms.rewrite) row.push(code === 'd' ? '"__deleted":"true"' : '"__deleted":"false"');
  return `{${row.join(',')}}`;
}

/**
 * Adds the members of the image object to `out`, logical values converted (runs of copied members
 * as one piece); false when a member is not in the schema (or twice), a schema field is missing, a
 * name is escaped, or a value does not convert.
 */
function imageMembers(
  bytes: Buffer,
  span: MemberSpan,
  plan: ImagePlan,
  upsert: boolean,
  out: string[],
): boolean {
  // An ASCII image (the usual case) is read into a string once and cut with slice; otherwise each
  // piece is decoded from the bytes.
  const image = bytes.subarray(span.start, span.end);
  const text = isAscii(image) ? bytes.toString('latin1', span.start, span.end) : undefined;
  const base = span.start;
  const piece = (a: number, b: number) =>
    text === undefined ? bytes.toString('utf8', a, b) : text.slice(a - base, b - base);
  // An upsert carrying the TOAST placeholder fails on the general path, naming the column.
  if (upsert) {
    if (
      text !== undefined
        ? text.includes(TOAST_PLACEHOLDER) || text.includes(TOAST_BASE64)
        : image.includes(TOAST_BYTES) || image.includes(TOAST_BASE64)
    )
      return false;
  }
  const seen = new Uint8Array(plan.fields.size);
  let runStart = -1;
  let count = 0;
  const cursor = new MemberCursor(bytes, span.start, span.end);
  while (cursor.next()) {
    const { nameStart, nameEnd, valueStart, valueEnd } = cursor;
    if (hasBackslash(bytes, nameStart, nameEnd)) return false;
    const field = plan.fields.get(memberName(bytes, nameStart, nameEnd));
    if (field === undefined || seen[field.index] === 1) return false;
    seen[field.index] = 1;
    count++;
    if (field.required && isNullLiteral(bytes, { start: valueStart, end: valueEnd })) return false;
    // The member's opening quote.
    const memberStart = nameStart - 1;
    if (field.convert === undefined) {
      if (runStart < 0) runStart = memberStart;
      continue;
    }
    if (runStart >= 0) {
      out.push(piece(runStart, trimEnd(bytes, runStart, memberStart)));
      runStart = -1;
    }
    const converted = convertLogical(piece(valueStart, valueEnd), field.convert);
    if (converted === undefined) return false;
    out.push(`${field.prefix}${converted}`);
  }
  if (!cursor.wellFormed || count !== plan.fields.size) return false;
  if (runStart >= 0) out.push(piece(runStart, trimEnd(bytes, runStart, cursor.closeAt)));
  return true;
}

function hasBackslash(bytes: Buffer, start: number, end: number): boolean {
  for (let j = start; j < end; j++) if (bytes[j] === BACKSLASH) return true;
  return false;
}

/** The end of a run of copied members: before the comma (and spaces) that precede `next`. */
function trimEnd(bytes: Buffer, start: number, next: number): number {
  let end = next;
  while (end > start && (bytes[end - 1] === 0x2c || isSpace(bytes[end - 1]))) end--;
  return end;
}

/** A logical value's JSON text, converted; integers beyond 2^53 stay exact. */
function convertLogical(text: string, convert: LogicalFn): string | undefined {
  let value: unknown;
  // A string without escapes (dates, timestamps, base64 decimals) is its text between the quotes.
  if (text.charCodeAt(0) === 0x22 && !text.includes('\\')) value = text.slice(1, -1);
  else {
    try {
      value = JSON.parse(text);
    } catch {
      return undefined;
    }
  }
  if (value === null) return 'null';
  if (typeof value === 'object') return undefined;
  // A fraction or an integer beyond 2^53 goes on as its exact text.
  if (typeof value === 'number' && !Number.isSafeInteger(value)) value = rawJson(text);
  try {
    const converted = convert(value);
    // Exact decimals come back as raw JSON, and decimals given as JSON numbers as numbers: their
    // text is at hand without stringifying.
    if (isRawJson(converted)) return converted.rawJSON;
    if (typeof converted === 'number' && Number.isFinite(converted)) return String(converted);
    return converted === undefined ? undefined : JSON.stringify(converted);
  } catch {
    return undefined;
  }
}
