import { isUtf8 } from 'node:buffer';
import type { MetadataColumn } from '../config/metadata-columns.ts';
import { formatEpochMillis } from '../convert/logical-types.ts';
import { timestampTypeOf } from '../convert/transforms/chain.ts';
import type { KafkaEventRecord, KafkaHeader, KafkaRecord } from '../decode/event.ts';

/**
 * The byte writer of the members a row gains (metadata columns, InsertField's fields): each value
 * written straight into the row's buffer, with no string or object per record, by one switch over
 * the members' kinds. A key or header value that JSON would have to escape (a quote, a backslash, a
 * control character) or that is not UTF-8 is left to the text writer (metadata-rows.ts), which
 * gives the same row through JSON.stringify.
 */

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const BACKSLASH = 0x5c;
const NULL_BYTES = Buffer.from('null');

/** What a member's value is. */
export const MemberKind = {
  topic: 0,
  partition: 1,
  offset: 2,
  /** Epoch milliseconds, null without a timestamp (the metadata column). */
  timestampMs: 3,
  /** Epoch milliseconds, the member left out without a timestamp (InsertField). */
  insertedTimestamp: 4,
  timestampText: 5,
  timestampType: 6,
  constant: 7,
  key: 8,
  header: 9,
  headers: 10,
  /** JSON text made per record (a parsed key). */
  text: 11,
} as const;
export type MemberKind = (typeof MemberKind)[keyof typeof MemberKind];

/** One member to write: its kind, `"name":` as bytes, and what its kind needs. */
export interface MemberPlan {
  readonly kind: MemberKind;
  readonly prefix: Buffer;
  /** `constant`: the value's JSON bytes. */
  readonly constant?: Buffer | undefined;
  /** `header`: the header's name. */
  readonly header?: string | undefined;
  /** `text`: the value's JSON text for a record. */
  readonly text?: ((record: KafkaRecord) => string) | undefined;
}

/** The plan of a metadata column's value. */
export function metadataPlan(
  column: MetadataColumn,
  prefix: Buffer,
  text: (record: KafkaRecord) => string,
): MemberPlan {
  const source = column.source;
  switch (source.kind) {
    case 'topic':
      return { kind: MemberKind.topic, prefix };
    case 'partition':
      return { kind: MemberKind.partition, prefix };
    case 'offset':
      return { kind: MemberKind.offset, prefix };
    case 'timestamp.ms':
      return { kind: MemberKind.timestampMs, prefix };
    case 'timestamp':
      return { kind: MemberKind.timestampText, prefix };
    case 'timestamp.type':
      return { kind: MemberKind.timestampType, prefix };
    case 'key':
      return { kind: MemberKind.key, prefix };
    case 'header':
      return { kind: MemberKind.header, prefix, header: source.name };
    case 'headers':
      return { kind: MemberKind.headers, prefix };
    default:
      return { kind: MemberKind.text, prefix, text };
  }
}

/** The most bytes a number's text takes (`-1.2345678901234567e+308`), or a DATETIME in quotes. */
const NUMBER_MAX = 25;
const TIMESTAMP_TEXT_MAX = 32;
/** At least any bounded value: a number, a timestamp's text or type. */
const BOUNDED_VALUE_MAX = 32;

/** {@link MembersWriter.write}: a value needs the text writer (an escape, bytes that are not UTF-8). */
export const NEEDS_TEXT = -1;
/** {@link MembersWriter.write}: the buffer has no room for a value; measure, and write again. */
export const NO_ROOM = -2;

/** {@link MembersWriter}'s pieces and members for one topic. */
interface MembersProgram {
  readonly pieces: readonly Buffer[];
  readonly members: Int32Array;
}

const COMMA_BYTES = Buffer.from(',');

/**
 * Writes the members of {@link MemberPlan}s for one record at a time: {@link measure} first (it
 * reads the record's key and headers once and keeps them), then {@link write}.
 */
export class MembersWriter {
  private readonly kinds: Uint8Array;
  private readonly plans: readonly MemberPlan[];
  private readonly texts: string[];
  private key: Buffer | null = null;
  private headers: readonly KafkaHeader[] = [];
  private seenNames: string[] = [];
  private seenValues: unknown[][] = [];
  private lastNames: string[] = [];
  private lastValues: unknown[][] = [];
  private lastHeadersJson = Buffer.allocUnsafe(0);
  /** The bytes of {@link lastHeadersJson} that hold the last headers' JSON; -1 before any. */
  private lastHeadersLength = -1;
  private topic = '';
  private topicBytes = Buffer.from('""');
  private readonly headerNames = new Map<string, Buffer>();
  private program: MembersProgram | undefined;
  private programTopic: Buffer | undefined;
  /** Whether an InsertField member leaves itself out for a record without a timestamp. */
  private readonly insertsTimestamp: boolean;

  /**
   * Whether {@link write} needs no {@link measure} first: no member reads a value made in measure
   * (one header, a parsed key). It then checks the room left before each value of unbounded size.
   */
  readonly optimistic: boolean;
  /** The bytes the members of bounded size take at most, with their commas and names. */
  readonly fixedBound: number;

  constructor(plans: readonly MemberPlan[]) {
    this.plans = plans;
    this.kinds = Uint8Array.from(plans.map((p) => p.kind));
    this.texts = plans.map(() => '');
    this.insertsTimestamp = plans.some((p) => p.kind === MemberKind.insertedTimestamp);
    this.optimistic = plans.every((p) => p.kind !== MemberKind.header && p.kind !== MemberKind.text);
    this.fixedBound = plans.reduce(
      (sum, p) => sum + 1 + p.prefix.length + (p.constant?.length ?? BOUNDED_VALUE_MAX),
      0,
    );
  }

  /** At least the bytes {@link write} takes for `record`, with a leading comma. */
  measure(record: KafkaRecord): number {
    const { kinds, plans } = this;
    let size = 0;
    let readKey = false;
    let readHeaders = false;
    for (let i = 0; i < kinds.length; i++) {
      const plan = plans[i] as MemberPlan;
      size += plan.prefix.length + 1;
      switch (kinds[i]) {
        case MemberKind.topic:
          size += this.topicOf(record).length;
          break;
        case MemberKind.timestampText:
        case MemberKind.timestampType:
          size += TIMESTAMP_TEXT_MAX;
          break;
        case MemberKind.constant:
          size += (plan.constant as Buffer).length;
          break;
        case MemberKind.key: {
          const base64 = record.keyBase64;
          if (base64 !== undefined) size += base64 === null ? 4 : (base64.length / 4) * 3 + 2;
          else {
            if (!readKey) this.key = record.key;
            readKey = true;
            size += (this.key?.length ?? 2) + 2;
          }
          break;
        }
        case MemberKind.headers: {
          const headers = record.eventHeaders;
          if (headers !== undefined) {
            size += this.eventHeadersSize(headers);
            break;
          }
          if (!readHeaders) this.headers = record.headers;
          readHeaders = true;
          size += this.headersSize(undefined);
          break;
        }
        case MemberKind.header:
          if (!readHeaders) this.headers = record.headers;
          readHeaders = true;
          size += this.headersSize(plan.header);
          break;
        case MemberKind.text: {
          const text = (plan.text as (record: KafkaRecord) => string)(record);
          this.texts[i] = text;
          size += Buffer.byteLength(text);
          break;
        }
        default:
          size += NUMBER_MAX;
      }
    }
    return size;
  }

  /**
   * Writes the members at `pos` of `buf` (after a comma when `comma`): the position after them,
   * {@link NEEDS_TEXT}, or {@link NO_ROOM} when a value of unbounded size (the topic, the key, the
   * headers) would end past `limit`; the room for the bounded ones ({@link fixedBound}) is the
   * caller's to keep beyond it.
   */
  write(record: KafkaRecord, buf: Buffer, pos: number, comma: boolean, limit: number): number {
    if (this.insertsTimestamp && record.timestamp === undefined)
      return this.writeEach(record, buf, pos, comma, limit);
    const { pieces, members } = this.programOf(record);
    const { kinds, plans } = this;
    for (let k = 0; k <= members.length; k++) {
      const piece = pieces[k] as Buffer;
      if (pos + piece.length > limit) return NO_ROOM;
      // Every member's piece starts with its comma, which the first goes without in an empty value.
      pos = k === 0 && !comma ? copyShort(piece.subarray(1), buf, pos) : copyShort(piece, buf, pos);
      if (k === members.length) break;
      const i = members[k] as number;
      pos = this.writeValue(kinds[i] as MemberKind, i, plans[i] as MemberPlan, record, buf, pos, limit);
      if (pos < 0) return pos;
    }
    return pos;
  }

  /**
   * The members' bytes for the record's topic: the runs that are the same for every record of the
   * topic (commas, names, the topic, constants) merged into pieces, between the members whose values
   * change (`pieces[k]` comes before `members[k]`, the last piece after them all).
   */
  private programOf(record: KafkaRecord): MembersProgram {
    const topic = this.topicOf(record);
    if (this.program !== undefined && this.programTopic === topic) return this.program;
    const pieces: Buffer[] = [];
    const members: number[] = [];
    let run: Buffer[] = [];
    this.plans.forEach((plan, i) => {
      run.push(COMMA_BYTES, plan.prefix);
      if (plan.kind === MemberKind.topic) run.push(topic);
      else if (plan.kind === MemberKind.constant) run.push(plan.constant as Buffer);
      else {
        pieces.push(Buffer.concat(run));
        members.push(i);
        run = [];
      }
    });
    pieces.push(Buffer.concat(run));
    this.program = { pieces, members: Int32Array.from(members) };
    this.programTopic = topic;
    return this.program;
  }

  /** {@link write} member by member: for a record without the timestamp an InsertField member leaves out. */
  private writeEach(record: KafkaRecord, buf: Buffer, pos: number, comma: boolean, limit: number): number {
    const { kinds, plans } = this;
    let first = !comma;
    for (let i = 0; i < kinds.length; i++) {
      const kind = kinds[i] as MemberKind;
      if (kind === MemberKind.insertedTimestamp && record.timestamp === undefined) continue;
      const plan = plans[i] as MemberPlan;
      if (!first) buf[pos++] = COMMA;
      first = false;
      pos = copyShort(plan.prefix, buf, pos);
      if (kind === MemberKind.topic) {
        const topic = this.topicOf(record);
        if (pos + topic.length > limit) return NO_ROOM;
        pos = copyShort(topic, buf, pos);
      } else if (kind === MemberKind.constant) pos = copyShort(plan.constant as Buffer, buf, pos);
      else pos = this.writeValue(kind, i, plan, record, buf, pos, limit);
      if (pos < 0) return pos;
    }
    return pos;
  }

  /** The value of member `i` (not the topic nor a constant) at `pos`, as {@link write} gives it. */
  private writeValue(
    kind: MemberKind,
    i: number,
    plan: MemberPlan,
    record: KafkaRecord,
    buf: Buffer,
    pos: number,
    limit: number,
  ): number {
    switch (kind) {
      case MemberKind.partition:
        return writeNumber(buf, pos, record.partition);
      case MemberKind.offset:
        return writeNumber(buf, pos, record.offset);
      case MemberKind.timestampMs:
      case MemberKind.insertedTimestamp: {
        const timestamp = record.timestamp;
        return timestamp === undefined ? copyShort(NULL_BYTES, buf, pos) : writeNumber(buf, pos, timestamp);
      }
      case MemberKind.timestampText: {
        const timestamp = record.timestamp;
        if (timestamp === undefined) return copyShort(NULL_BYTES, buf, pos);
        buf[pos++] = QUOTE;
        pos += buf.write(formatEpochMillis(timestamp), pos, 'latin1');
        buf[pos++] = QUOTE;
        return pos;
      }
      case MemberKind.timestampType:
        return pos + buf.write(`"${timestampTypeOf(record)}"`, pos, 'latin1');
      case MemberKind.key: {
        const base64 = record.keyBase64;
        return base64 === undefined
          ? writeText(buf, pos, record.key, limit)
          : writeBase64Text(buf, pos, base64, limit);
      }
      case MemberKind.header:
        return writeText(buf, pos, lastHeader(this.headers, plan.header as string), limit);
      case MemberKind.headers: {
        const headers = record.eventHeaders;
        return headers === undefined
          ? this.writeHeaders(buf, pos, record.headers, limit)
          : this.writeEventHeaders(buf, pos, headers, limit);
      }
      case MemberKind.text:
        return pos + buf.write(this.texts[i] as string, pos);
      default:
        throw new Error(`member kind ${kind} is written with its piece`);
    }
  }

  /** A topic's JSON bytes; records come a topic at a time, so the last topic's are kept. */
  private topicOf(record: KafkaRecord): Buffer {
    if (record.topic !== this.topic) {
      this.topic = record.topic;
      this.topicBytes = Buffer.from(JSON.stringify(record.topic));
    }
    return this.topicBytes;
  }

  /** The bytes of one header's value (`name`) or of all headers as an object, at most. */
  private headersSize(name: string | undefined): number {
    if (name !== undefined) return (lastHeader(this.headers, name)?.length ?? 2) + 2;
    let size = 2;
    for (const header of this.headers) size += this.nameBytes(header.key).length + header.value.length + 4;
    return size;
  }

  private nameBytes(name: string): Buffer {
    let bytes = this.headerNames.get(name);
    if (bytes === undefined) {
      bytes = Buffer.from(JSON.stringify(name));
      // Header names come from a small set; records of unusual names do not grow the cache.
      if (this.headerNames.size < 256) this.headerNames.set(name, bytes);
    }
    return bytes;
  }

  /** The bytes the event's headers take as a JSON object, at most. */
  private eventHeadersSize(headers: KafkaEventRecord['headers']): number {
    let size = 2;
    if (!Array.isArray(headers)) return size;
    for (const entry of headers) {
      if (entry === null || typeof entry !== 'object') continue;
      // for-in: no array of names per record (the event's objects come from JSON.parse, own members only).
      for (const name in entry) {
        const bytes = (entry as Record<string, unknown>)[name];
        size += this.nameBytes(name).length + (Array.isArray(bytes) ? bytes.length : 0) + 4;
      }
    }
    return size;
  }

  /**
   * The event's headers (signed bytes) as a JSON object, without a Buffer per header; -1 (the text
   * writer, whose decoding reports what is wrong) for anything but plain byte arrays of text that
   * needs no escapes under names that do not repeat.
   */
  private writeEventHeaders(
    buf: Buffer,
    start: number,
    headers: KafkaEventRecord['headers'],
    limit: number,
  ): number {
    let pos = start;
    if (Array.isArray(headers) && this.sameAsLastHeaders(headers)) {
      const json = this.lastHeadersJson;
      const length = this.lastHeadersLength;
      if (pos + length > limit) return NO_ROOM;
      for (let i = 0; i < length; i++) buf[pos + i] = json[i] as number;
      return pos + length;
    }
    buf[pos++] = OPEN_BRACE;
    const seen = this.seenNames;
    const seenValues = this.seenValues;
    seen.length = 0;
    seenValues.length = 0;
    if (headers !== null && headers !== undefined) {
      if (!Array.isArray(headers)) return NEEDS_TEXT;
      for (const entry of headers) {
        if (entry === null || entry === undefined) continue;
        if (typeof entry !== 'object') return NEEDS_TEXT;
        for (const name in entry) {
          const bytes = (entry as Record<string, unknown>)[name];
          if (!Array.isArray(bytes) || seen.includes(name)) return NEEDS_TEXT;
          const nameBytes = this.nameBytes(name);
          if (pos + nameBytes.length + bytes.length + 5 > limit) return NO_ROOM;
          if (seen.length > 0) buf[pos++] = COMMA;
          seen.push(name);
          seenValues.push(bytes);
          pos = copyShort(nameBytes, buf, pos);
          buf[pos++] = COLON;
          buf[pos++] = QUOTE;
          const from = pos;
          let wide = false;
          for (const b of bytes) {
            if (!Number.isInteger(b) || b < -128 || b > 255) return NEEDS_TEXT;
            const byte = b & 0xff;
            if (byte < 0x20 || byte === QUOTE || byte === BACKSLASH) return NEEDS_TEXT;
            if (byte >= 0x80) wide = true;
            buf[pos++] = byte;
          }
          if (wide && !isUtf8(buf.subarray(from, pos))) return NEEDS_TEXT;
          buf[pos++] = QUOTE;
        }
      }
    }
    if (pos >= limit) return NO_ROOM;
    buf[pos++] = CLOSE_BRACE;
    this.keepHeaders(headers, buf, start, pos);
    return pos;
  }

  /**
   * Keeps the headers just written, for {@link sameAsLastHeaders}: their names and byte arrays in
   * the order they were written, and their JSON bytes.
   */
  private keepHeaders(headers: KafkaEventRecord['headers'], buf: Buffer, start: number, end: number): void {
    if (!Array.isArray(headers)) {
      this.lastHeadersLength = -1;
      return;
    }
    const names = this.lastNames;
    this.lastNames = this.seenNames;
    this.seenNames = names;
    const values = this.lastValues;
    this.lastValues = this.seenValues;
    this.seenValues = values;
    const length = end - start;
    if (this.lastHeadersJson.length < length)
      this.lastHeadersJson = Buffer.allocUnsafe(Math.max(64, length * 2));
    buf.copy(this.lastHeadersJson, 0, start, end);
    this.lastHeadersLength = length;
  }

  /**
   * Whether the event's headers hold the same names with the same bytes, in the same order, as the
   * last ones written (a batch's records mostly carry the same headers): their JSON is then the
   * same, and copied.
   */
  private sameAsLastHeaders(headers: unknown[]): boolean {
    if (this.lastHeadersLength < 0) return false;
    const names = this.lastNames;
    const values = this.lastValues;
    let k = 0;
    for (const entry of headers) {
      if (entry === null || entry === undefined) continue;
      if (typeof entry !== 'object') return false;
      for (const name in entry) {
        if (k >= names.length || names[k] !== name) return false;
        const bytes = (entry as Record<string, unknown>)[name];
        const last = values[k] as unknown[];
        if (!Array.isArray(bytes) || bytes.length !== last.length) return false;
        for (let i = 0; i < bytes.length; i++) if (bytes[i] !== last[i]) return false;
        k++;
      }
    }
    return k === names.length;
  }

  /** Every header as a JSON object; -1 when a name repeats (the last wins) or a value needs escaping. */
  private writeHeaders(buf: Buffer, start: number, headers: readonly KafkaHeader[], limit: number): number {
    let pos = start;
    buf[pos++] = OPEN_BRACE;
    for (let i = 0; i < headers.length; i++) {
      const header = headers[i] as KafkaHeader;
      for (let j = 0; j < i; j++) if ((headers[j] as KafkaHeader).key === header.key) return NEEDS_TEXT;
      const nameBytes = this.nameBytes(header.key);
      if (pos + nameBytes.length + header.value.length + 5 > limit) return NO_ROOM;
      if (i > 0) buf[pos++] = COMMA;
      pos = copyShort(nameBytes, buf, pos);
      buf[pos++] = COLON;
      pos = writeText(buf, pos, header.value, limit);
      if (pos < 0) return pos;
    }
    if (pos >= limit) return NO_ROOM;
    buf[pos++] = CLOSE_BRACE;
    return pos;
  }
}

function lastHeader(headers: readonly KafkaHeader[], name: string): Buffer | null {
  for (let i = headers.length - 1; i >= 0; i--) {
    const header = headers[i] as KafkaHeader;
    if (header.key === name) return header.value;
  }
  return null;
}

/**
 * UTF-8 bytes as a JSON string at `pos` (null as `null`); -1 when JSON would escape a byte or the
 * bytes are not UTF-8.
 */
function writeText(buf: Buffer, pos: number, bytes: Buffer | null, limit: number): number {
  if (bytes === null) return copyShort(NULL_BYTES, buf, pos);
  if (pos + bytes.length + 2 > limit) return NO_ROOM;
  let wide = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b < 0x20 || b === QUOTE || b === BACKSLASH) return NEEDS_TEXT;
    if (b >= 0x80) wide = true;
  }
  if (wide && !isUtf8(bytes)) return NEEDS_TEXT;
  buf[pos++] = QUOTE;
  pos = copyShort(bytes, buf, pos);
  buf[pos++] = QUOTE;
  return pos;
}

/**
 * The UTF-8 text behind base64 as a JSON string at `pos`, decoded into place (null as `null`); -1
 * when JSON would escape a byte, the bytes are not UTF-8, or the text is not base64.
 */
function writeBase64Text(buf: Buffer, pos: number, base64: string | null, limit: number): number {
  if (base64 === null) return copyShort(NULL_BYTES, buf, pos);
  if (pos + (base64.length / 4) * 3 + 2 > limit) return NO_ROOM;
  buf[pos] = QUOTE;
  const start = pos + 1;
  if (base64.length <= SHORT_BASE64) return writeShortBase64Text(buf, start, base64);
  const length = buf.write(base64, start, 'base64');
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  if (length !== (base64.length / 4) * 3 - padding) return NEEDS_TEXT;
  let wide = false;
  for (let i = start; i < start + length; i++) {
    const b = buf[i] as number;
    if (b < 0x20 || b === QUOTE || b === BACKSLASH) return NEEDS_TEXT;
    if (b >= 0x80) wide = true;
  }
  if (wide && !isUtf8(buf.subarray(start, start + length))) return NEEDS_TEXT;
  buf[start + length] = QUOTE;
  return start + length + 1;
}

/** Keys up to this many base64 characters are decoded here: a call into Node costs more. */
const SHORT_BASE64 = 64;

/** Each base64 character's six bits by its code, -1 for any other (padding included). */
const BASE64_BITS = (() => {
  const table = new Int8Array(128).fill(-1);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  return table;
})();

/**
 * {@link writeBase64Text} of padded base64 text, decoded here after the opening quote at `start`;
 * -1 for anything else (the text writer decodes it as Node does) or text JSON would escape.
 */
function writeShortBase64Text(buf: Buffer, start: number, base64: string): number {
  const length = base64.length;
  if ((length & 3) !== 0) return NEEDS_TEXT;
  let pos = start;
  let wide = false;
  for (let i = 0; i < length; i += 4) {
    const a = base64Bits(base64, i);
    const b = base64Bits(base64, i + 1);
    if ((a | b) < 0) return NEEDS_TEXT;
    let c = base64Bits(base64, i + 2);
    let d = base64Bits(base64, i + 3);
    // Padding: only in the last quantum, `xx==` or `xxx=`.
    let bytes = 3;
    if (d < 0) {
      if (i + 4 !== length || base64.charCodeAt(i + 3) !== EQUALS) return NEEDS_TEXT;
      bytes = 2;
      d = 0;
      if (c < 0) {
        if (base64.charCodeAt(i + 2) !== EQUALS) return NEEDS_TEXT;
        bytes = 1;
        c = 0;
      }
    } else if (c < 0) return NEEDS_TEXT;
    const bits = (a << 18) | (b << 12) | (c << 6) | d;
    const first = bits >> 16;
    const second = bytes > 1 ? (bits >> 8) & 0xff : 0x20;
    const third = bytes > 2 ? bits & 0xff : 0x20;
    if (needsEscape(first) || needsEscape(second) || needsEscape(third)) return NEEDS_TEXT;
    if ((first | second | third) >= 0x80) wide = true;
    buf[pos++] = first;
    if (bytes > 1) buf[pos++] = second;
    if (bytes > 2) buf[pos++] = third;
  }
  if (wide && !isUtf8(buf.subarray(start, pos))) return NEEDS_TEXT;
  buf[pos++] = QUOTE;
  return pos;
}

const EQUALS = 0x3d;

/** Whether JSON writes a byte of a string escaped. */
function needsEscape(byte: number): boolean {
  return byte < 0x20 || byte === QUOTE || byte === BACKSLASH;
}

function base64Bits(text: string, i: number): number {
  const code = text.charCodeAt(i);
  return code < 128 ? (BASE64_BITS[code] as number) : -1;
}

/** `n`'s JSON text at `pos`: the position after it. */
function writeNumber(buf: Buffer, pos: number, n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) return pos + buf.write(String(n), pos, 'latin1');
  // Epoch milliseconds pass 2^31: written as two halves of at most eight digits, in int32 arithmetic.
  if (n >= 1e8) {
    const high = Math.floor(n / 1e8);
    return writeDigits(buf, writeDigits(buf, pos, high, 1), n - high * 1e8, 8);
  }
  return writeDigits(buf, pos, n, 1);
}

/** The ASCII digits of 00 to 99, two bytes each. */
const DIGIT_PAIRS = Buffer.from(
  Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0')).join(''),
  'latin1',
);

/** The number of decimal digits of `n` (below 10^8), at least `width`. */
function digitCount(n: number, width: number): number {
  const count =
    n < 1e4 ? (n < 100 ? (n < 10 ? 1 : 2) : n < 1e3 ? 3 : 4) : n < 1e6 ? (n < 1e5 ? 5 : 6) : n < 1e7 ? 7 : 8;
  return Math.max(count, width);
}

/** The decimal digits of `n` (below 10^8), padded with zeros to `width`, two at a time. */
function writeDigits(buf: Buffer, pos: number, n: number, width: number): number {
  const end = pos + digitCount(n, width);
  let i = end;
  let rest = n | 0;
  while (i - pos >= 2) {
    const next = (rest / 100) | 0;
    const pair = (rest - next * 100) * 2;
    buf[--i] = DIGIT_PAIRS[pair + 1] as number;
    buf[--i] = DIGIT_PAIRS[pair] as number;
    rest = next;
  }
  if (i > pos) buf[--i] = 0x30 + rest;
  return end;
}

/** Copies a few bytes: TypedArray#set from 9 bytes, a loop below (both beat Buffer#copy's call). */
function copyShort(from: Uint8Array, to: Buffer, pos: number): number {
  const length = from.length;
  if (length > 8) {
    to.set(from, pos);
    return pos + length;
  }
  for (let i = 0; i < length; i++) to[pos + i] = from[i] as number;
  return pos + length;
}
