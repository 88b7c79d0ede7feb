import type { KafkaRecord } from '../decode/event.ts';
import {
  AvroInvalidError,
  AvroTruncatedError,
  type Cursor,
  readByte,
  readInt,
  readLength,
} from './avro-binary.ts';
import { compileJsonWriter, type JsonWriter } from './avro-json.ts';
import { COMMA, JsonOutput } from './avro-json-output.ts';
import type { AvroNode, RecordNode, UnionNode } from './avro-plan.ts';
import { nullDefaultOf } from './avro-values.ts';
import type { ChangeRowTransforms } from './debezium-bytes.ts';
import { HEARTBEAT_TOPIC_PREFIX, TOAST_PLACEHOLDER } from './transforms/debezium.ts';

/**
 * The Debezium Avro fast path: the row the seed's transforms (`AddOpFieldForDebeziumRecord`, then
 * `ExtractNewRecordState`) make of a change event in Avro, written from the Avro bytes into the
 * batch's JSON output without building the event as objects. The envelope is walked once: `op`
 * comes after `before`, `after` and `source` in Debezium's field order, so each image that is not
 * null is written where the walk meets it (by the same writer as the reader's `appendJson`,
 * avro-json.ts; an update rarely has both), the other fields are skipped, and once `op` is read the
 * kept image is moved to the row's start and `__op` and `__deleted` are added after it.
 *
 * It takes the common case only. Anything unusual (an op other than c/u/r/d, a missing kept image,
 * a TOAST placeholder in an upsert, a delete that is dropped, a heartbeat, transaction or schema
 * change, bytes that do not read) is declined, and the general path (objects, applyTransforms,
 * JSON.stringify) then gives the row, the skip or the precise error. Skipped parts are read as
 * strictly as the JSON writer reads them, and logical values in them are rendered, so a value the
 * general path refuses is never written here.
 */

/** Writes the change rows of one envelope schema. */
export interface ChangeRowWriter {
  /**
   * Appends the row of the change event at `cursor` (the whole rest of the bytes) to `out` and
   * answers true, or answers false with `out` unchanged: the general path must take the record.
   */
  append(record: KafkaRecord, cursor: Cursor, out: JsonOutput, transforms: ChangeRowTransforms): boolean;
}

/** Advances a cursor past one value, reading it as strictly as its JSON writer does. */
type Skip = (c: Cursor) => void;

/** What one envelope field is to the walk. */
const Role = { skip: 0, before: 1, after: 2, op: 3 } as const;
type Role = (typeof Role)[keyof typeof Role];

const ROLE_OF: ReadonlyMap<string, Role> = new Map<string, Role>([
  ['before', Role.before],
  ['after', Role.after],
  ['op', Role.op],
]);

interface EnvelopeField {
  readonly role: Role;
  readonly skip: Skip;
}

/** An image field (`before`, `after`): per union branch, the writer of its record (none for null). */
type ImageWriters = readonly (JsonWriter | undefined)[];

/** The kinds of route, each with its own members added after the image (SUFFIXES). */
const UPSERT = 0;
const READ = 1;
const DELETE = 2;

/**
 * Which image each op keeps and the `__op` it gets: transforms.ts's OP_ROUTES, by the op's one
 * character (avro-change-rows.test.ts holds the two to the same rows).
 */
const ROUTES: ReadonlyMap<number, { readonly image: 'before' | 'after'; readonly suffix: number }> = new Map([
  [0x63, { image: 'after', suffix: UPSERT }],
  [0x75, { image: 'after', suffix: UPSERT }],
  // A snapshot read gets no __op.
  [0x72, { image: 'after', suffix: READ }],
  [0x64, { image: 'before', suffix: DELETE }],
] as const);

/**
 * The members after the image, by transforms (addOp × 2 + rewrite) then by route: upsert, read,
 * delete. Empty when nothing is added.
 */
const SUFFIXES: readonly (readonly Buffer[])[] = [0, 1, 2, 3].map((flags) => {
  const addOp = flags >= 2;
  const rewrite = flags % 2 === 1;
  return [
    [addOp ? '"__op":0' : '', rewrite ? '"__deleted":"false"' : ''],
    ['', rewrite ? '"__deleted":"false"' : ''],
    [addOp ? '"__op":1' : '', rewrite ? '"__deleted":"true"' : ''],
  ].map((members) => Buffer.from(members.filter((m) => m !== '').join(',')));
});

const TOAST_BYTES = Buffer.from(TOAST_PLACEHOLDER);
const TOAST_BASE64_BYTES = Buffer.from(Buffer.from(TOAST_PLACEHOLDER).toString('base64'));

/** Added by the transforms: an image field of either name would change where they are written. */
const ADDED_MEMBERS = new Set(['__op', '__deleted']);

/**
 * Compiles the change-row writer of an envelope schema's plan, or answers undefined when the
 * schema is not one it writes: not a record of an `op` string and `before`/`after` images that
 * are `["null", record]` unions, or a schema whose messages the transforms skip (heartbeats,
 * transaction metadata, schema changes, by name or shape).
 */
export function compileChangeRowWriter(
  node: AvroNode,
  schemaName: string | undefined,
): ChangeRowWriter | undefined {
  if (node.kind !== 'record' || isNonDataSchema(node, schemaName)) return undefined;
  const op = node.fields.find((f) => f.name === 'op');
  if (op === undefined || op.node.kind !== 'string') return undefined;
  const images: Partial<Record<'before' | 'after', ImageWriters>> = {};
  const writers = new Map<RecordNode, JsonWriter>();
  for (const name of ['before', 'after'] as const) {
    const field = node.fields.find((f) => f.name === name);
    if (field === undefined) continue;
    // A non-null default would stand in for a null image.
    if (field.node.kind !== 'union' || field.avroDefault !== undefined) return undefined;
    const branches = imageWriters(field.node, writers);
    if (branches === undefined) return undefined;
    images[name] = branches;
  }
  if (images.before === undefined && images.after === undefined) return undefined;
  const skips = new Map<RecordNode, Skip>();
  const steps: EnvelopeField[] = [];
  let run: Skip[] = [];
  for (const field of node.fields) {
    const role = ROLE_OF.get(field.name) ?? Role.skip;
    if (role === Role.skip) {
      run.push(skipOf(field.node, skips));
      continue;
    }
    if (run.length > 0) steps.push({ role: Role.skip, skip: sequenceSkip(run) });
    run = [];
    steps.push({ role, skip: skipNothing });
  }
  if (run.length > 0) steps.push({ role: Role.skip, skip: sequenceSkip(run) });
  return new EnvelopeWriter(steps, images, toastScanOf([...writers.keys()]));
}

/** The transforms skip these by schema name, or by shape (transforms.ts nonDataMessage); so does this. */
function isNonDataSchema(node: RecordNode, schemaName: string | undefined): boolean {
  if (
    schemaName !== undefined &&
    (schemaName === 'io.debezium.connector.common.Heartbeat' ||
      schemaName.endsWith('TransactionMetadataValue') ||
      schemaName.endsWith('SchemaChangeValue'))
  ) {
    return true;
  }
  return node.fields.some((f) => f.name === 'event_count' || f.name === 'ddl');
}

/** The writers of an image union's branches: null, or a record the transforms can add to. */
function imageWriters(union: UnionNode, writers: Map<RecordNode, JsonWriter>): ImageWriters | undefined {
  if (union.shape !== 'optional') return undefined;
  const branches: (JsonWriter | undefined)[] = [];
  for (const branch of union.branches) {
    if (branch.kind === 'null') {
      branches.push(undefined);
      continue;
    }
    if (branch.kind !== 'record' || branch.fields.some((f) => ADDED_MEMBERS.has(f.name))) return undefined;
    let writer = writers.get(branch);
    if (writer === undefined) {
      writer = compileJsonWriter(branch);
      writers.set(branch, writer);
    }
    branches.push(writer);
  }
  return branches;
}

/**
 * Where to look for the TOAST placeholder, which the general path refuses in a top-level column of
 * an upsert's image: a string equal to it or to its base64, bytes equal to it, an array of those.
 * - `none`: no column can hold text;
 * - `bytes`: the image's Avro bytes, which are shorter than its JSON and hold every such value's
 *   text as it is (a string's or bytes' content, a ZonedTime's text before its zone is cut off);
 * - `output`: the JSON written, when the image can render the placeholder from nothing in its
 *   bytes: an enum symbol or a column default that is the placeholder (a schema no one writes).
 */
const ToastScan = { none: 0, bytes: 1, output: 2 } as const;
type ToastScan = (typeof ToastScan)[keyof typeof ToastScan];

function toastScanOf(images: readonly RecordNode[]): ToastScan {
  const columns = images.flatMap((image) => image.fields);
  if (!columns.some((f) => mayHoldText(f.node))) return ToastScan.none;
  const placeholders = [TOAST_PLACEHOLDER, TOAST_BASE64_BYTES.toString()];
  const rendersPlaceholder = columns.some(
    (f) =>
      placeholders.some((p) => JSON.stringify(nullDefaultOf(f) ?? null).includes(p)) ||
      enumSymbolsOf(f.node).some((symbol) => placeholders.includes(symbol)),
  );
  return rendersPlaceholder ? ToastScan.output : ToastScan.bytes;
}

/** The symbols of the enums a column's value may be (itself, a union branch or array items). */
function enumSymbolsOf(node: AvroNode): readonly string[] {
  switch (node.kind) {
    case 'enum':
      return node.symbols;
    case 'union':
      return node.branches.flatMap(enumSymbolsOf);
    case 'array':
      return enumSymbolsOf(node.items);
    case 'logical':
      return enumSymbolsOf(node.base);
    default:
      return [];
  }
}

/**
 * Whether a column's value may carry the TOAST placeholder: a string, bytes or anything holding
 * them; numbers, booleans and the int and long logical types (dates, times) cannot.
 */
function mayHoldText(node: AvroNode): boolean {
  switch (node.kind) {
    case 'null':
    case 'boolean':
    case 'int':
    case 'long':
    case 'float':
    case 'double':
      return false;
    case 'union':
      return node.branches.some(mayHoldText);
    case 'logical':
      return node.base.kind !== 'int' && node.base.kind !== 'long';
    default:
      return true;
  }
}

class EnvelopeWriter implements ChangeRowWriter {
  /** The envelope's fields in order, runs of skipped fields as one step. */
  readonly #steps: readonly EnvelopeField[];
  readonly #images: Partial<Record<'before' | 'after', ImageWriters>>;
  /** Where an upsert's image is looked at for the TOAST placeholder. */
  readonly #toastScan: ToastScan;
  /**
   * Per image (before, then after): where its JSON starts and ends in the output, and where its
   * record's bytes start and end in the value; -1 when it is null. Reused: appends do not overlap.
   */
  readonly #spans = new Float64Array(8);

  constructor(
    steps: readonly EnvelopeField[],
    images: Partial<Record<'before' | 'after', ImageWriters>>,
    toastScan: ToastScan,
  ) {
    this.#steps = steps;
    this.#images = images;
    this.#toastScan = toastScan;
  }

  append(record: KafkaRecord, cursor: Cursor, out: JsonOutput, transforms: ChangeRowTransforms): boolean {
    // The transforms skip heartbeat topics, whatever their schema says.
    const topic = record.topic;
    if (topic.charCodeAt(0) === UNDERSCORE && topic.startsWith(HEARTBEAT_TOPIC_PREFIX)) return false;
    const start = out.len;
    // Each image that is not null is written where the walk meets it (writing it reads it as
    // strictly as the general path does); the one the op keeps is then moved to the start.
    const spans = this.#spans;
    spans.fill(-1);
    let op = -1;
    try {
      for (const step of this.#steps) {
        const role = step.role;
        if (role === Role.skip) step.skip(cursor);
        else if (role === Role.op) op = readOp(cursor);
        else {
          const at = role === Role.before ? 0 : 4;
          spans[at] = out.len;
          spans[at + 2] = writeImage(
            cursor,
            out,
            role === Role.before ? this.#images.before : this.#images.after,
          );
          spans[at + 1] = out.len;
          spans[at + 3] = cursor.pos;
        }
      }
    } catch {
      // Bytes that do not read as the schema: the general path names what is wrong.
      out.len = start;
      return false;
    }
    const route = ROUTES.get(op);
    const at = route?.image === 'before' ? 0 : 4;
    if (
      cursor.pos !== cursor.end ||
      route === undefined ||
      (spans[at + 2] as number) < 0 ||
      (route.suffix === DELETE && !transforms.rewrite)
    ) {
      out.len = start;
      return false;
    }
    const keptStart = spans[at] as number;
    const keptEnd = spans[at + 1] as number;
    if (keptStart !== start) out.buf.copyWithin(start, keptStart, keptEnd);
    out.len = start + keptEnd - keptStart;
    if (route.suffix !== DELETE && this.#toastScan !== ToastScan.none) {
      const found =
        this.#toastScan === ToastScan.bytes
          ? holdsToastPlaceholder(cursor.buf, spans[at + 2] as number, spans[at + 3] as number)
          : holdsToastPlaceholder(out.buf, start, out.len);
      if (found) {
        out.len = start;
        return false;
      }
    }
    const suffix = (SUFFIXES[(transforms.addOp ? 2 : 0) + (transforms.rewrite ? 1 : 0)] as readonly Buffer[])[
      route.suffix
    ] as Buffer;
    if (suffix.length > 0) appendMembers(out, start, suffix);
    return true;
  }
}

/**
 * Writes the image at the cursor (its union's branch index, then the record) and answers where its
 * record's bytes start; -1 for null.
 */
function writeImage(c: Cursor, out: JsonOutput, writers: ImageWriters | undefined): number {
  const index = readInt(c);
  const branches = writers as ImageWriters;
  if (index < 0 || index >= branches.length)
    throw new AvroInvalidError(`union branch ${index} is not one of its ${branches.length} branches`);
  const writer = branches[index];
  if (writer === undefined) return -1;
  const from = c.pos;
  writer.append(c, out);
  return from;
}

/** The op's one character code, or -1 for any other string. */
function readOp(c: Cursor): number {
  const length = readLength(c);
  const code = length === 1 ? (c.buf[c.pos] as number) : -1;
  c.pos += length;
  return code;
}

/** The first character of a heartbeat topic's name. */
const UNDERSCORE = 0x5f;

/** The placeholder and its base64: the texts looked for. */
const NEEDLES = [TOAST_BYTES, TOAST_BASE64_BYTES];
/** Looked at every this many bytes: any text of either needle holds one of the bytes looked at. */
const PROBE_STRIDE = Math.min(...NEEDLES.map((n) => n.length));
/** Per byte value, where it is in the needles: the needle's index × 64 + the byte's offset. */
const NEEDLE_POSITIONS: readonly (readonly number[])[] = Array.from({ length: 256 }, (_, byte) =>
  NEEDLES.flatMap((needle, n) => [...needle].flatMap((b, offset) => (b === byte ? [n * 64 + offset] : []))),
);

/**
 * Whether `buf[start, end)` holds the placeholder or its base64. Only every PROBE_STRIDE-th byte
 * is looked at, and a text is compared only where that byte could be part of a needle: about a
 * fifth of the time of a loop over every byte, and cheaper than native searches of a subarray.
 */
function holdsToastPlaceholder(buf: Buffer, start: number, end: number): boolean {
  for (let probe = start + PROBE_STRIDE - 1; probe < end; probe += PROBE_STRIDE) {
    const positions = NEEDLE_POSITIONS[buf[probe] as number] as readonly number[];
    for (let q = 0; q < positions.length; q++) {
      const position = positions[q] as number;
      const at = probe - (position & 63);
      if (at >= start && holdsAt(buf, at, end, NEEDLES[position >> 6] as Buffer)) return true;
    }
  }
  return false;
}

function holdsAt(buf: Buffer, at: number, end: number, needle: Buffer): boolean {
  if (at + needle.length > end) return false;
  for (let k = 0; k < needle.length; k++) if (buf[at + k] !== needle[k]) return false;
  return true;
}

/** Adds members before the closing brace of the object written from `start`. */
function appendMembers(out: JsonOutput, start: number, members: Buffer): void {
  // The object's closing brace gives way to the members (after a comma unless it is empty).
  const empty = out.len - start === 2;
  out.reserve(members.length + 1);
  const buf = out.buf;
  let len = out.len - 1;
  if (!empty) buf[len++] = COMMA;
  for (let i = 0; i < members.length; i++) buf[len++] = members[i] as number;
  buf[len++] = 0x7d;
  out.len = len;
}

/** One scratch output for the logical values skipped: they are rendered to be sure they can be. */
const scratch = new JsonOutput(4096);
const KEEP_SCRATCH_BYTES = 1024 * 1024;

function skipOf(node: AvroNode, records: Map<RecordNode, Skip>): Skip {
  switch (node.kind) {
    case 'null':
      return skipNothing;
    case 'boolean':
      return readByte;
    case 'int':
      return readInt;
    case 'long':
      return skipLong;
    case 'float':
      return skipFloat;
    case 'double':
      return skipDouble;
    case 'string':
    case 'bytes':
      return skipLengthPrefixed;
    case 'fixed': {
      const size = node.size;
      return (c) => skipBytes(c, size);
    }
    case 'enum': {
      const count = node.symbols.length;
      return (c) => {
        const index = readInt(c);
        if (index < 0 || index >= count)
          throw new AvroInvalidError(`enum index ${index} is not one of its ${count} symbols`);
      };
    }
    case 'record':
      return recordSkip(node, records);
    case 'union':
      return unionSkip(node, records);
    default:
      // Logical values, arrays and maps: written into the scratch, so whatever the writer (and the
      // general path) refuses is refused here too.
      return renderingSkip(compileJsonWriter(node));
  }
}

function skipNothing(_c: Cursor): void {}

/**
 * A long, as readLong accepts it (at most 10 bytes), without its value: a long past 2^53 (a
 * nanosecond timestamp) would cost readLong a BigInt.
 */
function skipLong(c: Cursor): void {
  const buf = c.buf;
  const start = c.pos;
  let pos = start;
  let b: number | undefined;
  do {
    b = buf[pos++];
    if (b === undefined) throw new AvroTruncatedError();
  } while (b & 0x80 && pos - start < 10);
  if (b & 0x80) throw new AvroInvalidError('a long is longer than 64 bits');
  c.pos = pos;
}

function skipFloat(c: Cursor): void {
  skipBytes(c, 4);
}

function skipDouble(c: Cursor): void {
  skipBytes(c, 8);
}

function skipLengthPrefixed(c: Cursor): void {
  // A length below 64 is one byte (zig-zag: even, as it is not negative); any other, readLength.
  const b = c.buf[c.pos];
  if (b !== undefined && b < 0x80 && (b & 1) === 0) {
    const end = c.pos + 1 + (b >>> 1);
    if (end <= c.buf.length) {
      c.pos = end;
      return;
    }
  }
  const length = readLength(c);
  c.pos += length;
}

function skipBytes(c: Cursor, size: number): void {
  if (c.pos + size > c.buf.length) throw new AvroTruncatedError();
  c.pos += size;
}

function recordSkip(node: RecordNode, records: Map<RecordNode, Skip>): Skip {
  const known = records.get(node);
  if (known !== undefined) return known;
  // A recursive record refers to its own skip before it is built.
  let built: Skip = skipNothing;
  const skip: Skip = (c) => built(c);
  records.set(node, skip);
  built = sequenceSkip(node.fields.map((field) => skipOf(field.node, records)));
  return skip;
}

/**
 * Skips one value after the other, as generated code: one call site per skip, so each stays
 * monomorphic and V8 inlines it (a loop calls them all from one site). No text of the schema
 * becomes code.
 */
function sequenceSkip(skips: readonly Skip[]): Skip {
  if (skips.length === 0) return skipNothing;
  if (skips.length === 1) return skips[0] as Skip;
  const calls = skips.map((_, i) => `s${i}(c);`).join(' ');
  const names = skips.map((_, i) => `s${i}`);
  return new Function(...names, `return function skipFields(c) { ${calls} };`)(...skips) as Skip;
}

function unionSkip(node: UnionNode, records: Map<RecordNode, Skip>): Skip {
  const branches = node.branches.map((branch) => skipOf(branch, records));
  const count = branches.length;
  return (c) => {
    const index = readInt(c);
    const branch = branches[index];
    if (branch === undefined)
      throw new AvroInvalidError(`union branch ${index} is not one of its ${count} branches`);
    branch(c);
  };
}

function renderingSkip(writer: JsonWriter): Skip {
  return (c) => {
    scratch.len = 0;
    scratch.ascii = true;
    writer.append(c, scratch);
    if (scratch.buf.length > KEEP_SCRATCH_BYTES) scratch.buf = Buffer.allocUnsafe(4096) as typeof scratch.buf;
  };
}
