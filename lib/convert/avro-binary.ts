/**
 * The Avro binary encoding read from a value's bytes: zig-zag varints, little-endian floats,
 * length-prefixed bytes and strings, and array/map blocks, each checked against the bytes left
 * (the JSON writers of avro-json.ts read with these, and so does avro.ts's exact long).
 */

/**
 * Where a reader is in a value's bytes. The reads are bounded by the buffer's end; `end` is where
 * the value ends, which is before the buffer's end when the value is read in place in a buffer of
 * several values (registry-values.ts): a reader that ends anywhere but at `end` then takes the
 * value again alone, for its error.
 */
export class Cursor {
  readonly buf: Buffer;
  pos: number;
  readonly end: number;
  constructor(buf: Buffer, pos: number, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }
}

/** The bytes end before the value does. */
export class AvroTruncatedError extends Error {}

/** The bytes cannot be a value of the schema (a union or enum index out of range, a negative length). */
export class AvroInvalidError extends Error {}

/** Items of a block that may take no bytes at all (nulls, empty records) are counted up to this. */
const MAX_ZERO_WIDTH_ITEMS = 1_000_000;
const MAX_SAFE = 9_007_199_254_740_991n;

/** One byte (a boolean's). */
export function readByte(c: Cursor): number {
  const b = c.buf[c.pos];
  if (b === undefined) throw new AvroTruncatedError();
  c.pos++;
  return b;
}

/** An Avro int: a zig-zag varint of at most 5 bytes. */
export function readInt(c: Cursor): number {
  const buf = c.buf;
  let pos = c.pos;
  let b = buf[pos++];
  if (b === undefined) throw new AvroTruncatedError();
  if (b < 0x80) {
    c.pos = pos;
    return (b >>> 1) ^ -(b & 1);
  }
  let n = b & 0x7f;
  let shift = 7;
  do {
    b = buf[pos++];
    if (b === undefined) throw new AvroTruncatedError();
    if (shift === 28 && b > 0x0f) throw new AvroInvalidError('an int is longer than 32 bits');
    n |= (b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  c.pos = pos;
  return (n >>> 1) ^ -(n & 1);
}

/** An Avro long as a number when a double holds it exactly, else as a bigint. */
export function readLong(c: Cursor): number | bigint {
  // Up to three bytes (21 bits: lengths, counts, small ids) in int arithmetic; longer, the loop.
  const buf = c.buf;
  const start = c.pos;
  let b = buf[start];
  if (b === undefined) throw new AvroTruncatedError();
  if (b < 0x80) {
    c.pos = start + 1;
    return (b >>> 1) ^ -(b & 1);
  }
  let n = b & 0x7f;
  b = buf[start + 1];
  if (b === undefined) throw new AvroTruncatedError();
  if (b < 0x80) {
    c.pos = start + 2;
    n |= b << 7;
    return (n >>> 1) ^ -(n & 1);
  }
  n |= (b & 0x7f) << 7;
  b = buf[start + 2];
  if (b === undefined) throw new AvroTruncatedError();
  if (b < 0x80) {
    c.pos = start + 3;
    n |= b << 14;
    return (n >>> 1) ^ -(n & 1);
  }
  return readLongBytes(c);
}

/** A long of any length, a byte at a time. */
function readLongBytes(c: Cursor): number | bigint {
  const buf = c.buf;
  const start = c.pos;
  let pos = start;
  let n = 0;
  let scale = 1;
  let b: number | undefined;
  do {
    b = buf[pos++];
    if (b === undefined) throw new AvroTruncatedError();
    n += (b & 0x7f) * scale;
    scale *= 128;
  } while (b & 0x80 && pos - start < 10);
  if (b & 0x80) throw new AvroInvalidError('a long is longer than 64 bits');
  c.pos = pos;
  // Every partial sum is exact below 2^53; a larger sum may have rounded, so it is read again exactly.
  if (n < 9_007_199_254_740_992) return n % 2 === 1 ? -(n + 1) / 2 : n / 2;
  let big = 0n;
  for (let i = pos - 1; i >= start; i--) big = (big << 7n) | BigInt((buf[i] as number) & 0x7f);
  const unsigned = BigInt.asUintN(64, big);
  const value = (unsigned >> 1n) ^ -(unsigned & 1n);
  return value >= -MAX_SAFE && value <= MAX_SAFE ? Number(value) : value;
}

export function readFloat(c: Cursor): number {
  const pos = c.pos;
  if (pos + 4 > c.buf.length) throw new AvroTruncatedError();
  c.pos = pos + 4;
  return c.buf.readFloatLE(pos);
}

/** A length prefix (of bytes or a string): a long, not negative, within the bytes left. */
export function readLength(c: Cursor): number {
  const length = readLong(c);
  if (typeof length !== 'number' || length < 0) throw new AvroInvalidError(`a length of ${length} bytes`);
  if (c.pos + length > c.buf.length) throw new AvroTruncatedError();
  return length;
}

export function readString(c: Cursor): string {
  const length = readLength(c);
  const start = c.pos;
  c.pos = start + length;
  return c.buf.toString('utf8', start, start + length);
}

export function readBase64(c: Cursor, length: number): string {
  const start = c.pos;
  if (start + length > c.buf.length) throw new AvroTruncatedError();
  c.pos = start + length;
  return c.buf.toString('base64', start, start + length);
}

/**
 * The item count of an array or map block (0 ends it). A negative count is followed by the
 * block's size in bytes, which is skipped. A count is bounded by the bytes left, since each item
 * takes at least one, unless items can take none.
 */
export function readBlockCount(c: Cursor, zeroWidth: boolean): number {
  const count = readLong(c);
  if (typeof count !== 'number') throw new AvroInvalidError(`a block of ${count} items`);
  const items = count < 0 ? -count : count;
  if (count < 0) readLong(c);
  const bound = zeroWidth ? MAX_ZERO_WIDTH_ITEMS : c.buf.length - c.pos;
  if (items > bound) {
    if (zeroWidth) throw new AvroInvalidError(`a block of ${items} items`);
    throw new AvroTruncatedError();
  }
  return items;
}
