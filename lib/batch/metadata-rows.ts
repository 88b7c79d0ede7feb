import { isUtf8 } from 'node:buffer';
import type { KafkaRecordTransformSpec } from '../config/transform-classes/kafka-records.ts';
import type { TransformConfig } from '../config/transforms.ts';
import { parseJsonExact } from '../convert/exact-json.ts';
import { checkJsonObjectBytes, invalidJsonReason, requireRowObject } from '../convert/json-converter.ts';
import type { KafkaRecord } from '../decode/event.ts';
import { skipSpace } from '../decode/json-scanner.ts';
import { ErrorCode, RecordError } from '../errors.ts';
import { assignMetadata, jsonText, type MetadataColumns } from './metadata-columns.ts';
import { MemberKind, type MemberPlan, MembersWriter, metadataPlan, NO_ROOM } from './metadata-writer.ts';

/**
 * Rows with members added without parsing the value: the metadata columns, and the fields of a
 * chain of `InsertField$Value` transforms, written as JSON text and spliced before the value's
 * closing brace. Only a value that is one JSON object with none of the added names at its top level
 * is spliced; any other goes through the general path, which parses the value and overwrites (or
 * refuses it with the transform's or the converter's error).
 */

const COMMA = 0x2c;
const QUOTE = 0x22;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

type InsertFieldSpec = Extract<KafkaRecordTransformSpec, { kind: 'insertField' }>;

/** One member added to every row: its name, its value as JSON text, and how its bytes are written. */
interface AddedMember {
  readonly name: string;
  /** `"name":` */
  readonly prefix: string;
  /** An InsertField member's JSON text, undefined when the field is not inserted (no timestamp). */
  readonly inserted?: (record: KafkaRecord) => string | undefined;
  /** A metadata column's index in the metadata values. */
  readonly metadataIndex?: number;
  readonly plan: MemberPlan;
}

/** The members added to each row, and their names. */
export interface RowAdditions {
  readonly names: ReadonlySet<string>;
  readonly matcher: NameMatcher;
  /** `"a":1,"b":"x"`: the record's added members (no braces, no leading comma); empty when none. */
  membersOf(record: KafkaRecord): string;
  /** At least the bytes {@link writeMembers} may take for the record, with a leading comma. */
  measure(record: KafkaRecord): number;
  /** Whether {@link writeMembers} may run without {@link measure}; it then stops at `limit`. */
  readonly optimistic: boolean;
  /** The bytes the members of bounded size take at most. */
  readonly fixedBound: number;
  /**
   * Writes the record's members at `pos` of `buf` (after a comma when `comma`), as {@link membersOf}
   * gives them: the position after them, or -1 when a value needs the text (an escape, bytes that
   * are not UTF-8), or NO_ROOM when a value would pass `limit`. Call right after {@link measure} of
   * the same record, unless {@link optimistic}.
   */
  writeMembers(record: KafkaRecord, buf: Buffer, pos: number, comma: boolean, limit: number): number;
}

/**
 * Whether the transforms are only `InsertField$Value` without predicates, which the splice writes
 * exactly as the chain would (undefined otherwise): the specs in chain order.
 */
export function valueInsertions(transforms: readonly TransformConfig[]): InsertFieldSpec[] | undefined {
  const specs: InsertFieldSpec[] = [];
  for (const t of transforms) {
    if (t.kind !== 'insertField' || t.part !== 'value' || t.predicate !== undefined) return undefined;
    specs.push(t);
  }
  return specs;
}

/**
 * The members the InsertField specs (in chain order) and then the metadata columns add. A name
 * added twice keeps its first place and its last value, as the chain's later steps and then the
 * metadata columns overwrite the earlier ones.
 */
export function rowAdditions(
  insertions: readonly InsertFieldSpec[],
  metadata: MetadataColumns | undefined,
): RowAdditions {
  const byName = new Map<string, AddedMember>();
  const add = (
    name: string,
    plan: (prefix: Buffer) => MemberPlan,
    member: Pick<AddedMember, 'inserted' | 'metadataIndex'>,
  ) => {
    const prefix = `${JSON.stringify(name)}:`;
    // A later member of the same name takes the earlier one's place, as an overwrite does.
    byName.set(name, { ...member, name, prefix, plan: plan(Buffer.from(prefix)) });
  };
  const simple = (kind: MemberKind) => (prefix: Buffer) => ({ kind, prefix });
  for (const spec of insertions) {
    if (spec.topicField !== undefined)
      add(spec.topicField.name, simple(MemberKind.topic), { inserted: topicText });
    if (spec.partitionField !== undefined)
      add(spec.partitionField.name, simple(MemberKind.partition), { inserted: (r) => String(r.partition) });
    if (spec.offsetField !== undefined)
      add(spec.offsetField.name, simple(MemberKind.offset), { inserted: (r) => String(r.offset) });
    if (spec.timestampField !== undefined)
      add(spec.timestampField.name, simple(MemberKind.insertedTimestamp), { inserted: timestampText });
    if (spec.staticField !== undefined && spec.staticValue !== undefined) {
      const text = JSON.stringify(spec.staticValue);
      const constant = Buffer.from(text);
      add(spec.staticField.name, (prefix) => ({ kind: MemberKind.constant, prefix, constant }), {
        inserted: () => text,
      });
    }
  }
  metadata?.columns.forEach((column, metadataIndex) => {
    const text = (record: KafkaRecord) => jsonText(metadata.valueOf(metadataIndex, record));
    add(column.column, (prefix) => metadataPlan(column, prefix, text), { metadataIndex });
  });
  const members = [...byName.values()];
  const writer = new MembersWriter(members.map((m) => m.plan));
  return {
    names: new Set(byName.keys()),
    matcher: new NameMatcher(byName.keys()),
    membersOf(record) {
      const values = metadata === undefined ? undefined : metadata.valuesOf(record);
      let out = '';
      for (const member of members) {
        const text =
          member.inserted !== undefined
            ? member.inserted(record)
            : jsonText(values?.[member.metadataIndex as number]);
        if (text === undefined) continue;
        out += out === '' ? member.prefix + text : `,${member.prefix}${text}`;
      }
      return out;
    },
    measure: (record) => writer.measure(record),
    optimistic: writer.optimistic,
    fixedBound: writer.fixedBound,
    writeMembers: (record, buf, pos, comma, limit) => writer.write(record, buf, pos, comma, limit),
  };
}

let lastTopic = '';
let lastTopicText = '""';

/** A topic's JSON text; records come a topic at a time, so the last one is kept. */
function topicText(record: KafkaRecord): string {
  if (record.topic !== lastTopic) {
    lastTopic = record.topic;
    lastTopicText = JSON.stringify(record.topic);
  }
  return lastTopicText;
}

/**
 * InsertField's schemaless timestamp: the record's epoch milliseconds, a number, as Kafka puts its
 * `Long` into the map; not inserted when the record has none.
 */
function timestampText(record: KafkaRecord): string | undefined {
  const timestamp = record.timestamp;
  return timestamp === undefined ? undefined : String(timestamp);
}

/**
 * A row that is a span of its table's body, where it was written as it was made: three numbers'
 * worth of object per row rather than a Buffer view (a batch holds tens of thousands).
 */
export class BodyRow {
  readonly body: Buffer;
  readonly start: number;
  readonly end: number;

  constructor(body: Buffer, start: number, end: number) {
    this.body = body;
    this.start = start;
    this.end = end;
  }

  get length(): number {
    return this.end - this.start;
  }

  /** The row's bytes: a view of the body. */
  bytes(): Buffer {
    return this.body.subarray(this.start, this.end);
  }
}

/**
 * The Stream Load body of one table's spliced rows, written as the rows are made: each row goes
 * straight to its place after the separator, so a row costs a {@link BodyRow} rather than a
 * buffer of its own and a copy. The body starts small; when it fills, it moves once into a buffer
 * sized from the bytes its rows have taken so far for the rows still to come (rows written before
 * keep their spans of the first buffer, which holds the same bytes).
 */
export class SplicedBody {
  private chunk = Buffer.allocUnsafe(FIRST_CHUNK);
  private used = 0;
  private rowStart = 0;
  private rows = 0;
  private readonly expectedRows: number;
  private readonly separator: number;
  private readonly close: number | undefined;

  /**
   * `array`: `[r1,r2]` (strip_outer_array), else newline-delimited rows. `expectedRows`: how many
   * rows the body may take at most (the records left in the batch).
   */
  constructor(array: boolean, expectedRows: number) {
    this.expectedRows = expectedRows;
    this.separator = array ? COMMA : NEWLINE;
    this.close = array ? CLOSE_BRACKET : undefined;
    if (array) this.chunk[this.used++] = OPEN_BRACKET;
  }

  /**
   * A buffer with room for a row of `size` bytes at {@link start} (after its separator) and the
   * body's closing bracket.
   */
  reserve(size: number): Buffer {
    if (this.used + size + 2 > this.chunk.length) this.grow(size + 2);
    const chunk = this.chunk;
    let pos = this.used;
    if (this.rows > 0) chunk[pos++] = this.separator;
    this.rowStart = pos;
    return chunk;
  }

  /** Moves the body into a buffer with room for the rows still expected, at least `size` more bytes. */
  private grow(size: number): void {
    // Rows like those so far, for the rows to come; bounded, as a few large rows may start a batch.
    const perRow = this.rows === 0 ? 0 : this.used / this.rows;
    const expected = Math.min(
      this.used + Math.ceil(perRow * Math.max(0, this.expectedRows - this.rows) * GROWTH_MARGIN),
      MAX_EXTRAPOLATED,
    );
    const next = Buffer.allocUnsafe(Math.max(2 * this.chunk.length, expected, this.used + size));
    this.chunk.copy(next, 0, 0, this.used);
    this.chunk = next;
  }

  /** Where the reserved row starts. */
  get start(): number {
    return this.rowStart;
  }

  /** The row written from {@link start} to `end`, which is then part of the body. */
  commit(end: number): BodyRow {
    this.used = end;
    this.rows++;
    return new BodyRow(this.chunk, this.rowStart, end);
  }

  /** A row made elsewhere (a string or bytes), copied into the body: its place there. */
  append(row: string | Buffer): BodyRow {
    const size = typeof row === 'string' ? Buffer.byteLength(row) : row.length;
    const chunk = this.reserve(size);
    const start = this.rowStart;
    if (typeof row === 'string') chunk.write(row, start);
    else chunk.set(row, start);
    return this.commit(start + size);
  }

  /** The whole body, closed; the body holds no more rows after this. */
  finish(): Buffer {
    if (this.close !== undefined) this.chunk[this.used++] = this.close;
    return this.chunk.subarray(0, this.used);
  }
}

/** The buffer a body starts in: a few hundred rows, from which the rest is sized. */
const FIRST_CHUNK = 64 * 1024;
/** The most bytes a body is given from its first rows' sizes (a 6 MB event's rows take less). */
const MAX_EXTRAPOLATED = 32 * 1024 * 1024;
/** Room beyond the rows' average size so far, for rows a little larger than the first ones. */
const GROWTH_MARGIN = 1.1;

/**
 * A schemaless JSON value with the added members spliced in: decoded from base64 into the arena
 * and the members written after its last one. Undefined when the value is not one UTF-8 object or
 * has an added name at its top level (the caller's general path decides). Throws only for a value
 * that is not base64.
 */
export function spliceValue(
  record: KafkaRecord,
  additions: RowAdditions,
  arena: SplicedBody,
  measured = !additions.optimistic,
): BodyRow | undefined {
  const length = record.valueLength;
  // Unmeasured, room for the bounded members and some; a longer key or headers asks to measure.
  const room = measured ? additions.measure(record) : additions.fixedBound + UNMEASURED_ROOM;
  const buf = arena.reserve(length + room + 1);
  const start = arena.start;
  if (buf.write(record.valueBase64 as string, start, 'base64') !== length) {
    throw new RecordError(ErrorCode.DECODE_EVENT, record, 'the value is not base64 text');
  }
  const end = start + length;
  // Checks UTF-8 as it scans: a value that is not UTF-8 is left to the general path's error.
  const close = objectClose(buf, start, end, additions.matcher);
  if (close < 0) return undefined;
  const members = closeMembers;
  // Unbounded values stop short of the room the bounded ones need (a measured row has room for all).
  const limit = measured ? Number.POSITIVE_INFINITY : end + room - additions.fixedBound;
  const pos = additions.writeMembers(record, buf, close, members > 0, limit);
  if (pos >= 0) {
    buf[pos] = CLOSE_BRACE;
    return arena.commit(pos + 1);
  }
  if (pos === NO_ROOM) return spliceValue(record, additions, arena, true);
  // A value that needs JSON's escapes: the members' text, written after the value's members.
  return arena.append(spliceText(buf.subarray(start, close), members > 0, additions.membersOf(record)));
}

/** The bytes an unmeasured row has for its key and headers beyond the bounded members. */
const UNMEASURED_ROOM = 512;

/**
 * JSON object bytes (a row another path wrote) with the added members spliced in, or the row
 * parsed, given the metadata columns (over any member of the same name), and written again.
 */
export function withMembers(
  record: KafkaRecord,
  row: Buffer,
  additions: RowAdditions,
  metadata: MetadataColumns,
): Buffer | string {
  const close = isUtf8(row) ? objectClose(row, 0, row.length, additions.matcher) : -1;
  if (close >= 0) return spliceText(row.subarray(0, close), closeMembers > 0, additions.membersOf(record));
  // Not an object, or the value has a metadata name: parsed, for the value's error or the overwrite.
  checkJsonObjectBytes(record, row, 0, row.length);
  let parsed: unknown;
  const text = row.toString('utf8');
  try {
    parsed = parseJsonExact(text);
  } catch (error) {
    throw new RecordError(ErrorCode.DECODE_VALUE, record, invalidJsonReason(text, error, 'the value'));
  }
  const object = requireRowObject(record, parsed);
  assignMetadata(object, record, metadata);
  return JSON.stringify(object);
}

/** `head` (an object up to its closing brace) with `members` and the brace after it. */
function spliceText(head: Buffer, comma: boolean, members: string): Buffer {
  const extra = members === '' ? 0 : Buffer.byteLength(members) + (comma ? 1 : 0);
  const out = Buffer.allocUnsafe(head.length + extra + 1);
  let pos = head.copy(out);
  if (members !== '') {
    if (comma) out[pos++] = COMMA;
    pos += out.write(members, pos);
  }
  out[pos++] = CLOSE_BRACE;
  return out.subarray(0, pos);
}

/** The added names' UTF-8 bytes by length, to compare a member's name without making its string. */
export class NameMatcher {
  /** Indexed by length: an array rather than a Map, as it is read for every name of every value. */
  private readonly byLength: (Buffer[] | undefined)[] = [];

  constructor(names: Iterable<string>) {
    for (const name of names) {
      const bytes = Buffer.from(name);
      while (this.byLength.length <= bytes.length) this.byLength.push(undefined);
      const list = this.byLength[bytes.length] ?? [];
      list.push(bytes);
      this.byLength[bytes.length] = list;
    }
  }

  /** Whether `buf[start, end)` is one of the names. */
  matches(buf: Buffer, start: number, end: number): boolean {
    const length = end - start;
    if (length >= this.byLength.length) return false;
    const list = this.byLength[length];
    if (list === undefined) return false;
    for (const name of list) if (sameBytes(buf, start, name, length)) return true;
    return false;
  }
}

/** Whether `length` bytes of `buf` from `start` are `name`'s (a name is short: no call into Node). */
function sameBytes(buf: Buffer, start: number, name: Buffer, length: number): boolean {
  for (let k = 0; k < length; k++) if (buf[start + k] !== name[k]) return false;
  return true;
}

/** How many members the object {@link objectClose} last looked at has. */
let closeMembers = 0;

/**
 * Where the object in `buf[start, end)` closes (its brace's index), with its member count in
 * {@link closeMembers}; -1 when the bytes are not one object, or when a top-level name is an added
 * one or written with an escape (it might be one), or when they are not UTF-8 (bytes past ASCII
 * are checked where they stand: in strings, as whole sequences; anywhere else they are no JSON).
 * One pass over the bytes, as structural as the check of the plain schemaless path: StarRocks
 * refuses other syntax errors.
 */
function objectClose(buf: Buffer, start: number, end: number, matcher: NameMatcher): number {
  let i = skipSpace(buf, start, end);
  if (buf[i] !== OPEN_BRACE) return -1;
  let depth = 1;
  let members = 0;
  let expectName = true;
  for (i++; i < end; i++) {
    const c = buf[i] as number;
    const kind = SCAN_KIND[c] as number;
    // Most bytes outside strings (digits, literals, spaces, colons) only move the scan on.
    if (kind === PLAIN) continue;
    if (kind === STRING) {
      const from = i + 1;
      let j = from;
      let escaped = false;
      for (;;) {
        if (j >= end) return -1;
        const inString = IN_STRING[buf[j] as number] as number;
        if (inString === PLAIN) {
          j++;
          continue;
        }
        if (inString === STRING) break;
        if (inString === WIDE) {
          j = utf8SequenceEnd(buf, j, end);
          if (j < 0) return -1;
          continue;
        }
        escaped = true;
        // An escape is ASCII; past it, a byte beyond ASCII is left to the general path's error.
        if ((buf[++j] as number) >= 0x80) return -1;
        j++;
      }
      if (depth === 1 && expectName) {
        if (escaped || matcher.matches(buf, from, j)) return -1;
        members++;
        expectName = false;
      }
      i = j;
    } else if (kind === OPEN) depth++;
    else if (kind === CLOSE) {
      if (--depth === 0) {
        if (c !== CLOSE_BRACE || skipSpace(buf, i + 1, end) !== end) return -1;
        closeMembers = members;
        return i;
      }
    } else if (kind === SEPARATOR) {
      if (depth === 1) expectName = true;
    } else return -1;
  }
  return -1;
}

/** What a byte is to {@link objectClose}, outside strings ({@link SCAN_KIND}) and in them ({@link IN_STRING}). */
const PLAIN = 0;
const STRING = 1;
const OPEN = 2;
const CLOSE = 3;
const SEPARATOR = 4;
const WIDE = 5;
const ESCAPE = 6;

const SCAN_KIND = (() => {
  const kinds = new Uint8Array(256).fill(WIDE, 0x80);
  kinds[QUOTE] = STRING;
  kinds[OPEN_BRACE] = OPEN;
  kinds[OPEN_BRACKET] = OPEN;
  kinds[CLOSE_BRACE] = CLOSE;
  kinds[CLOSE_BRACKET] = CLOSE;
  kinds[COMMA] = SEPARATOR;
  return kinds;
})();

const IN_STRING = (() => {
  const kinds = new Uint8Array(256).fill(WIDE, 0x80);
  kinds[QUOTE] = STRING;
  kinds[BACKSLASH] = ESCAPE;
  return kinds;
})();

/**
 * The index after the UTF-8 sequence that starts at `i` (its lead byte past ASCII), or -1 when the
 * bytes there are not one: an overlong form, a surrogate, past U+10FFFF, or cut short, as
 * `isUtf8` refuses them.
 */
function utf8SequenceEnd(buf: Buffer, i: number, end: number): number {
  const lead = buf[i] as number;
  let low = 0x80;
  let high = 0xbf;
  let continuations: number;
  if (lead >= 0xc2 && lead <= 0xdf) continuations = 1;
  else if (lead >= 0xe0 && lead <= 0xef) {
    continuations = 2;
    if (lead === 0xe0) low = 0xa0;
    else if (lead === 0xed) high = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    continuations = 3;
    if (lead === 0xf0) low = 0x90;
    else if (lead === 0xf4) high = 0x8f;
  } else return -1;
  if (i + continuations >= end) return -1;
  const second = buf[i + 1] as number;
  if (second < low || second > high) return -1;
  for (let k = 2; k <= continuations; k++) if (((buf[i + k] as number) & 0xc0) !== 0x80) return -1;
  return i + continuations + 1;
}
