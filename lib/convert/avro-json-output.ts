import { AvroTruncatedError, type Cursor, readBase64, readLength, readLong } from './avro-binary.ts';
import { isRawJson } from './exact-json.ts';
import { civilDate, MIN_CIVIL_DAYS } from './logical-types.ts';

/**
 * JSON values written as UTF-8 bytes: the output the Avro JSON writers (avro-json.ts) fill, and
 * the writers of the values that are not records, arrays, maps or unions: strings with the
 * escapes JSON.stringify writes, numbers, base64 and logical types' renderings.
 */

/** Node's Buffer string slicers, which skip `toString`'s encoding dispatch (what avsc uses too). */
export interface SlicingBuffer extends Buffer {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

/**
 * JSON text being written as UTF-8 bytes (and whether all of them are ASCII so far): a row's
 * scratch, or a whole load body that rows are appended to (`appendJson`), which spares each row a
 * string of its own, the join of the rows and the body's encoding.
 */
export class JsonOutput {
  buf: SlicingBuffer;
  len = 0;
  ascii = true;

  /** `bytes`: the room to start with; the output grows as it is written. */
  constructor(bytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(bytes) as SlicingBuffer;
  }

  reserve(bytes: number): void {
    if (this.len + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + bytes)) as SlicingBuffer;
    this.buf.copy(grown, 0, 0, this.len);
    this.buf = grown;
  }

  /** Appends text made of ASCII characters only (numbers, base64, punctuation). */
  ascii1(text: string): void {
    const length = text.length;
    this.reserve(length);
    const buf = this.buf;
    let len = this.len;
    for (let i = 0; i < length; i++) buf[len++] = text.charCodeAt(i);
    this.len = len;
  }

  /** Appends any text, as UTF-8. */
  text(text: string): void {
    this.reserve(text.length * 3);
    const written = this.buf.write(text, this.len, 'utf8');
    if (written !== text.length) this.ascii = false;
    this.len += written;
  }

  bytes(bytes: Uint8Array): void {
    const length = bytes.length;
    this.reserve(length);
    const buf = this.buf;
    let len = this.len;
    for (let i = 0; i < length; i++) buf[len++] = bytes[i] as number;
    this.len = len;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.len++] = b;
  }

  /** The bytes written (a view of the buffer: valid until the next write). */
  written(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  /** The text written since `start`, as a string. */
  slice(start: number): string {
    return this.ascii ? this.buf.latin1Slice(start, this.len) : this.buf.utf8Slice(start, this.len);
  }
}

export const COMMA = 0x2c;
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const NULL_BYTES = Buffer.from('null');
export const TRUE_BYTES = Buffer.from('true');
export const FALSE_BYTES = Buffer.from('false');

/** A logical type's rendering: text (dates, times, JSON documents), exact digits, or a number. */
export function writeRendered(o: JsonOutput, value: unknown): void {
  if (typeof value === 'string') writeText(o, value);
  else if (isRawJson(value)) o.ascii1(value.rawJSON);
  else o.text(JSON.stringify(value));
}

/** A JS string as a JSON string: copied when it is ASCII needing no escape, else JSON.stringify. */
export function writeText(o: JsonOutput, text: string): void {
  const length = text.length;
  o.reserve(length + 2);
  const buf = o.buf;
  let len = o.len;
  buf[len++] = QUOTE;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code >= 0x80 || code === QUOTE || code === BACKSLASH) {
      o.text(JSON.stringify(text));
      return;
    }
    buf[len++] = code;
  }
  buf[len++] = QUOTE;
  o.len = len;
}

export function writeLong(c: Cursor, o: JsonOutput): void {
  const value = readLong(c);
  if (typeof value === 'number') writeInteger(o, value);
  else o.ascii1(`${value}`);
}

/**
 * The digits of a safe integer (what `${n}` gives), put into the output without a string: a
 * string per number cost the garbage collector more than the digit loop costs.
 */
export function writeInteger(o: JsonOutput, n: number): void {
  o.reserve(17);
  const buf = o.buf;
  let len = o.len;
  let rest = n;
  if (rest < 0) {
    buf[len++] = 0x2d;
    rest = -rest;
  }
  let end = len + 1;
  for (let bound = 10; bound <= rest && end - len < 16; bound *= 10) end++;
  o.len = end;
  putDigitsBefore(buf, end, rest);
}

/**
 * The digits of a non-negative safe integer written backwards so that they end just before `end`,
 * two at a time; the position of the first digit.
 */
function putDigitsBefore(buf: Buffer, end: number, value: number): number {
  let pos = end;
  let rest = value;
  while (rest >= 100) {
    const next = Math.floor(rest / 100);
    const pair = 2 * (rest - next * 100);
    buf[--pos] = DIGIT_PAIRS[pair + 1] as number;
    buf[--pos] = DIGIT_PAIRS[pair] as number;
    rest = next;
  }
  if (rest >= 10) {
    buf[--pos] = DIGIT_PAIRS[2 * rest + 1] as number;
    buf[--pos] = DIGIT_PAIRS[2 * rest] as number;
  } else buf[--pos] = 48 + rest;
  return pos;
}

export function writeDouble(c: Cursor, o: JsonOutput): void {
  const pos = c.pos;
  if (pos + 8 > c.buf.length) throw new AvroTruncatedError();
  c.pos = pos + 8;
  const value = c.buf.readDoubleLE(pos);
  if (Number.isFinite(value)) o.ascii1(`${value}`);
  else o.ascii1(Number.isNaN(value) ? '"NaN"' : value > 0 ? '"Infinity"' : '"-Infinity"');
}

export function writeNumberOrText(o: JsonOutput, value: number | string): void {
  o.ascii1(typeof value === 'number' ? `${value}` : JSON.stringify(value));
}

/** The escape JSON.stringify writes for each byte below 0x20, `"` and `\\`; 0 for none. */
const ESCAPES: readonly (string | undefined)[] = Array.from({ length: 0x80 }, (_, b) => {
  const escaped = JSON.stringify(String.fromCharCode(b)).slice(1, -1);
  return escaped.length > 1 ? escaped : undefined;
});

/**
 * A string: its UTF-8 bytes copied between quotes, with the escapes JSON.stringify writes for
 * control characters, `"` and `\\`. Bytes that are not valid UTF-8 become U+FFFD when the row is
 * decoded, as they do when the string alone is (the quotes around it end any broken sequence).
 */
export function writeString(c: Cursor, o: JsonOutput): void {
  const length = readLength(c);
  const start = c.pos;
  const end = start + length;
  c.pos = end;
  const source = c.buf;
  o.reserve(length + 2);
  let buf = o.buf;
  let len = o.len;
  buf[len++] = QUOTE;
  let ascii = true;
  for (let i = start; i < end; i++) {
    const b = source[i] as number;
    if (b < 0x20 || b === QUOTE || b === BACKSLASH) {
      const escaped = ESCAPES[b] as string;
      o.len = len;
      // Room for this escape and the rest of the string.
      o.reserve(escaped.length + (end - i) + 1);
      buf = o.buf;
      for (let k = 0; k < escaped.length; k++) buf[len++] = escaped.charCodeAt(k);
      continue;
    }
    if (b >= 0x80) ascii = false;
    buf[len++] = b;
  }
  buf[len++] = QUOTE;
  o.len = len;
  if (!ascii) o.ascii = false;
}

export function writeBase64(c: Cursor, o: JsonOutput, length: number): void {
  o.byte(QUOTE);
  o.ascii1(readBase64(c, length));
  o.byte(QUOTE);
}

/** The ASCII codes of `00` to `99`, two per number. */
const DIGIT_PAIRS = Uint8Array.from(
  Array.from({ length: 100 }, (_, n) => [48 + Math.floor(n / 10), 48 + (n % 10)]).flat(),
);

/** Puts the two digits of `n` (0 to 99) at `buf[pos]`. */
function putTwoDigits(buf: Buffer, pos: number, n: number): void {
  buf[pos] = DIGIT_PAIRS[2 * n] as number;
  buf[pos + 1] = DIGIT_PAIRS[2 * n + 1] as number;
}

/** Days per block of kept date digits. */
const DAYS_PER_BLOCK = 1024;
/** Blocks kept at most (8 KiB each): about 180 years of dates. */
const MAX_DATE_BLOCKS = 64;
/**
 * The `YYYYMMDD` digits of each day, built a block of days at a time when a day of the block is
 * first written: a batch's dates and timestamps fall in few blocks, and copying 8 bytes is several
 * times faster than the calendar arithmetic.
 */
const dateBlocks: (Uint8Array | undefined)[] = [];
let dateBlockCount = 0;

/** Puts `YYYY-MM-DD` of a day count in years 0 to 9999 (civilDate's range) at `buf[pos]`. */
function putDate(buf: Buffer, pos: number, days: number): void {
  const index = days - MIN_CIVIL_DAYS;
  const blockIndex = Math.floor(index / DAYS_PER_BLOCK);
  let block = dateBlocks[blockIndex];
  if (block === undefined) {
    if (dateBlockCount >= MAX_DATE_BLOCKS) {
      putComputedDate(buf, pos, days);
      return;
    }
    block = dateDigitsBlock(MIN_CIVIL_DAYS + blockIndex * DAYS_PER_BLOCK);
    dateBlocks[blockIndex] = block;
    dateBlockCount++;
  }
  const at = (index - blockIndex * DAYS_PER_BLOCK) * 8;
  buf[pos] = block[at] as number;
  buf[pos + 1] = block[at + 1] as number;
  buf[pos + 2] = block[at + 2] as number;
  buf[pos + 3] = block[at + 3] as number;
  buf[pos + 4] = 0x2d;
  buf[pos + 5] = block[at + 4] as number;
  buf[pos + 6] = block[at + 5] as number;
  buf[pos + 7] = 0x2d;
  buf[pos + 8] = block[at + 6] as number;
  buf[pos + 9] = block[at + 7] as number;
}

/** The `YYYYMMDD` digits of the block of days starting at `first`. */
function dateDigitsBlock(first: number): Uint8Array {
  const block = new Uint8Array(DAYS_PER_BLOCK * 8);
  const scratch = Buffer.allocUnsafe(10);
  for (let i = 0; i < DAYS_PER_BLOCK; i++) {
    putComputedDate(scratch, 0, first + i);
    block.set(scratch.subarray(0, 4), i * 8);
    block.set(scratch.subarray(5, 7), i * 8 + 4);
    block.set(scratch.subarray(8, 10), i * 8 + 6);
  }
  return block;
}

/** Puts `YYYY-MM-DD` of a day count in years 0 to 9999, computed. */
function putComputedDate(buf: Buffer, pos: number, days: number): void {
  const date = civilDate(days);
  const year = Math.floor(date / 10_000);
  const monthDay = date - year * 10_000;
  const month = Math.floor(monthDay / 100);
  putTwoDigits(buf, pos, Math.floor(year / 100));
  putTwoDigits(buf, pos + 2, year % 100);
  buf[pos + 4] = 0x2d;
  putTwoDigits(buf, pos + 5, month);
  buf[pos + 7] = 0x2d;
  putTwoDigits(buf, pos + 8, monthDay - month * 100);
}

/**
 * `"YYYY-MM-DD"` of a day count in years 0 to 9999 (MIN_CIVIL_DAYS to MAX_CIVIL_DAYS): the text
 * logical-types.ts renders for a Date, put into the row without a string.
 */
export function writeDate(o: JsonOutput, days: number): void {
  o.reserve(12);
  const buf = o.buf;
  const len = o.len;
  buf[len] = QUOTE;
  putDate(buf, len + 1, days);
  buf[len + 11] = QUOTE;
  o.len = len + 12;
}

/**
 * The second last written and its `YYYY-MM-DD HH:MM:SS`: a batch's instants cluster (many rows a
 * second), and copying 19 bytes spares the calendar and clock arithmetic.
 */
let lastSecond = Number.NaN;
const lastSecondText = Buffer.alloc(19);

/** `.f`, `.ff` or `.fff` of each millisecond count, trailing zeros trimmed (empty for 0), as bytes. */
const MILLI_FRACTIONS: readonly Uint8Array[] = Array.from({ length: 1000 }, (_, n) =>
  Buffer.from(n === 0 ? '' : `.${String(n).padStart(3, '0').replace(/0+$/, '')}`),
);

/**
 * `"YYYY-MM-DD HH:MM:SS[.ffffff]"` (UTC, fraction without its trailing zeros) of epoch
 * microseconds that are a safe integer (years 1684 to 2255): the text logical-types.ts renders for
 * a Timestamp or MicroTimestamp, put into the row without a string (the hottest logical type of
 * Avro rows).
 */
export function writeEpochMicros(o: JsonOutput, micros: number): void {
  o.reserve(28);
  let second = Math.floor(micros / 1_000_000);
  let fraction = micros - second * 1_000_000;
  // Near ±2^53 the quotient may round up to the next second.
  if (fraction < 0) {
    second--;
    fraction += 1_000_000;
  }
  if (second !== lastSecond) {
    putSecond(lastSecondText, second);
    lastSecond = second;
  }
  const buf = o.buf;
  let len = o.len;
  buf[len++] = QUOTE;
  for (let i = 0; i < 19; i++) buf[len++] = lastSecondText[i] as number;
  if (fraction !== 0) {
    const millis = fraction / 1000;
    if (Number.isInteger(millis)) {
      const text = MILLI_FRACTIONS[millis] as Uint8Array;
      for (let i = 0; i < text.length; i++) buf[len++] = text[i] as number;
    } else len = putMicroFraction(buf, len, fraction);
  }
  buf[len] = QUOTE;
  o.len = len + 1;
}

/** Puts `YYYY-MM-DD HH:MM:SS` of an epoch second (in civilDate's years) at `buf[0]`. */
function putSecond(buf: Buffer, second: number): void {
  const days = Math.floor(second / 86_400);
  const ofDay = second - days * 86_400;
  putDate(buf, 0, days);
  buf[10] = 0x20;
  const minutes = Math.floor(ofDay / 60);
  putTwoDigits(buf, 11, Math.floor(minutes / 60));
  buf[13] = 0x3a;
  putTwoDigits(buf, 14, minutes % 60);
  buf[16] = 0x3a;
  putTwoDigits(buf, 17, ofDay - minutes * 60);
}

/** Puts `.ffffff` of a microsecond count (1 to 999999), trailing zeros trimmed; answers the end. */
function putMicroFraction(buf: Buffer, pos: number, micros: number): number {
  let digits = micros;
  let width = 6;
  while (digits % 10 === 0) {
    digits /= 10;
    width--;
  }
  buf[pos] = 0x2e;
  for (let i = width; i > 0; i--) {
    buf[pos + i] = 48 + (digits % 10);
    digits = Math.floor(digits / 10);
  }
  return pos + width + 1;
}

/**
 * The digits of a decimal whose unscaled value is a safe integer, `scale` digits after the point
 * (zeros appended for a negative scale): formatUnscaled's text, without a BigInt or a string.
 */
export function writeScaledDigits(o: JsonOutput, unscaled: number, scale: number): void {
  if (scale <= 0) {
    writeInteger(o, unscaled);
    o.reserve(-scale);
    for (let i = scale; i < 0; i++) o.buf[o.len++] = 0x30;
    return;
  }
  let rest = unscaled < 0 ? -unscaled : unscaled;
  let digits = 1;
  for (let bound = 10; bound <= rest && digits < 16; bound *= 10) digits++;
  // At least one digit before the point: `0.05`, not `.05`.
  const total = (unscaled < 0 ? 1 : 0) + Math.max(digits - scale, 1) + 1 + scale;
  o.reserve(total);
  const buf = o.buf;
  let pos = o.len + total;
  o.len = pos;
  // The fraction two digits at a time, then the whole part (at least its one digit).
  let fraction = scale;
  for (; fraction >= 2; fraction -= 2) {
    const next = Math.floor(rest / 100);
    const pair = 2 * (rest - next * 100);
    buf[--pos] = DIGIT_PAIRS[pair + 1] as number;
    buf[--pos] = DIGIT_PAIRS[pair] as number;
    rest = next;
  }
  if (fraction === 1) {
    const next = Math.floor(rest / 10);
    buf[--pos] = 48 + (rest - next * 10);
    rest = next;
  }
  buf[--pos] = 0x2e;
  pos = putDigitsBefore(buf, pos, rest);
  if (unscaled < 0) buf[--pos] = 0x2d;
}
