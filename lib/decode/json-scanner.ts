/**
 * Structural scanning of JSON bytes, for the fast paths that copy values into the Stream Load body
 * instead of parsing and re-serialising them. The scanner checks what could make one Kafka record
 * load as a different number of rows (one top-level object, balanced, strings closed); StarRocks'
 * own parser rejects any other syntax error, and the sink then finds the record by offset.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

export function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

export function skipSpace(buf: Uint8Array, i: number, end: number): number {
  while (i < end && isSpace(buf[i])) i++;
  return i;
}

/** Index just past the string starting at `i` (a quote), or -1 when it never closes. */
export function skipString(buf: Uint8Array, i: number, end: number): number {
  let j = i + 1;
  while (j < end) {
    const c = buf[j++];
    if (c === QUOTE) return j;
    if (c === BACKSLASH) j++;
  }
  return -1;
}

/**
 * Index just past the JSON value starting at `i`, or -1 when it is not a complete value. Objects and
 * arrays are matched bracket by bracket, skipping strings; scalars run to the next delimiter. One
 * tight loop over the bytes: this runs on every byte of a 6 MB batch.
 */
export function skipValue(buf: Uint8Array, i: number, end: number): number {
  const first = buf[i];
  if (first === QUOTE) return skipString(buf, i, end);
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
    let j = i;
    while (j < end) {
      const c = buf[j];
      if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || isSpace(c)) break;
      j++;
    }
    return j > i ? j : -1;
  }
  let depth = 0;
  let j = i;
  while (j < end) {
    const c = buf[j++];
    if (c === QUOTE) {
      for (;;) {
        if (j >= end) return -1;
        const d = buf[j++];
        if (d === QUOTE) break;
        if (d === BACKSLASH) j++;
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (--depth === 0) return j;
    }
  }
  return -1;
}

/**
 * Why `buf[start, end)` is not a single JSON object, or undefined when it is one (structurally).
 */
export function checkObjectSpan(buf: Buffer, start: number, end: number): string | undefined {
  const i = skipSpace(buf, start, end);
  if (i >= end) return 'the value is empty';
  if (buf[i] !== OPEN_BRACE) {
    const kind = describeStart(buf[i] as number);
    return kind === undefined ? 'the value is not valid JSON' : `the value is ${kind}, not a JSON object`;
  }
  const next = skipValue(buf, i, end);
  if (next < 0) return 'the value is not valid JSON (an object, string or array is not closed)';
  if (skipSpace(buf, next, end) !== end) return 'the value is not valid JSON (more text follows the object)';
  return undefined;
}

function describeStart(c: number): string | undefined {
  if (c === OPEN_BRACKET) return 'an array';
  if (c === QUOTE) return 'a string';
  if ((c >= 0x30 && c <= 0x39) || c === 0x2d) return 'a number';
  if (c === 0x74 || c === 0x66) return 'a boolean';
  return undefined;
}

/**
 * How deep StarRocks reads JSON: it parses with simdjson, whose parsers stop at this many nested
 * arrays and objects by default. A deeper value fails its load with only a byte offset.
 */
export const STARROCKS_MAX_JSON_DEPTH = 1024;

/** The deepest nesting of arrays and objects in `buf[start, end)`, strings skipped. */
export function nestingDepth(buf: Uint8Array, start: number, end: number): number {
  let depth = 0;
  let deepest = 0;
  for (let j = start; j < end; j++) {
    const c = buf[j];
    if (c === QUOTE) {
      const next = skipString(buf, j, end);
      if (next < 0) break;
      j = next - 1;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > deepest) deepest = depth;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return deepest;
}

export interface MemberSpan {
  readonly start: number;
  readonly end: number;
}

/**
 * Walks the top-level members of an object, one per {@link next} call: the positions of the
 * member's name (between its quotes) and value. When `next` answers false the walk is over, and
 * `wellFormed` says whether the bytes were one object of that shape, closing at `closeAt`.
 * Names are not unescaped (Kafka Connect writes them plain).
 */
export class MemberCursor {
  nameStart = 0;
  nameEnd = 0;
  valueStart = 0;
  valueEnd = 0;
  wellFormed = false;
  /** The index of the object's closing brace, once `wellFormed`. */
  closeAt = -1;
  private readonly buf: Buffer;
  private readonly end: number;
  private at: number;
  private started = false;

  constructor(buf: Buffer, start: number, end: number) {
    this.buf = buf;
    this.at = start;
    this.end = end;
  }

  next(): boolean {
    const { buf, end } = this;
    let i: number;
    if (!this.started) {
      this.started = true;
      i = skipSpace(buf, this.at, end);
      if (buf[i] !== OPEN_BRACE) return false;
      i = skipSpace(buf, i + 1, end);
      if (buf[i] === CLOSE_BRACE) return this.close(i);
    } else {
      i = skipSpace(buf, this.valueEnd, end);
      if (buf[i] === CLOSE_BRACE) return this.close(i);
      if (buf[i] !== COMMA) return false;
      i = skipSpace(buf, i + 1, end);
    }
    if (buf[i] !== QUOTE) return false;
    const nameEnd = skipString(buf, i, end);
    if (nameEnd < 0) return false;
    this.nameStart = i + 1;
    this.nameEnd = nameEnd - 1;
    i = skipSpace(buf, nameEnd, end);
    if (buf[i] !== COLON) return false;
    i = skipSpace(buf, i + 1, end);
    const valueEnd = skipValue(buf, i, end);
    if (valueEnd < 0) return false;
    this.valueStart = i;
    this.valueEnd = valueEnd;
    return true;
  }

  private close(brace: number): false {
    this.wellFormed = skipSpace(this.buf, brace + 1, this.end) === this.end;
    this.closeAt = brace;
    return false;
  }
}

/**
 * The top-level members of an object, name → value span, or undefined when the bytes are not an
 * object of that shape.
 */
export function scanMembers(buf: Buffer, start: number, end: number): Map<string, MemberSpan> | undefined {
  const members = new Map<string, MemberSpan>();
  const cursor = new MemberCursor(buf, start, end);
  while (cursor.next()) {
    members.set(memberName(buf, cursor.nameStart, cursor.nameEnd), {
      start: cursor.valueStart,
      end: cursor.valueEnd,
    });
  }
  return cursor.wellFormed ? members : undefined;
}

/**
 * A member name's text. Short ASCII names (all of Connect's and Debezium's) repeat on every record
 * of a batch: each is made once and found again by a hash of its bytes, so reading a name costs
 * no allocation (and a Map lookup by it finds its hash already computed).
 */
export function memberName(buf: Buffer, start: number, end: number): string {
  const length = end - start;
  if (length > 24) return buf.toString('utf8', start, end);
  let hash = length;
  for (let j = start; j < end; j++) {
    const c = buf[j] as number;
    if (c >= 0x80) return buf.toString('utf8', start, end);
    hash = (Math.imul(hash, 31) + c) | 0;
  }
  const slot = hash & (NAME_SLOTS - 1);
  const known = names[slot];
  if (known !== undefined && known.length === length && sameAscii(known, buf, start)) return known;
  const name = buf.toString('latin1', start, end);
  names[slot] = name;
  return name;
}

const NAME_SLOTS = 512;
const names: (string | undefined)[] = new Array<string | undefined>(NAME_SLOTS).fill(undefined);

function sameAscii(text: string, buf: Buffer, start: number): boolean {
  for (let k = 0; k < text.length; k++) if (text.charCodeAt(k) !== buf[start + k]) return false;
  return true;
}

/** Whether the span holds exactly the literal `null`. */
export function isNullLiteral(buf: Buffer, span: MemberSpan): boolean {
  return span.end - span.start === 4 && buf.toString('latin1', span.start, span.end) === 'null';
}
