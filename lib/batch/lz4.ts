/**
 * The LZ4 frame format (`compression: lz4_frame`, the one connector configs name most), written
 * from the LZ4 block and frame specifications: Node has no LZ4 built in. The encoder is the
 * greedy single-probe matcher (LZ4's "fast" mode): independent 4 MiB blocks, the content size in
 * the frame header, no checksums beyond the header's. The decoder reads any frame without a
 * dictionary (the stand-in and the tests use it) and verifies the checksums it finds.
 */

const MAGIC = 0x184d2204;
const MIN_MATCH = 4;
/** The last 5 bytes of a block are literals, and the last match starts 12 bytes before its end. */
const LAST_LITERALS = 5;
const MF_LIMIT = 12;
const MAX_OFFSET = 65_535;
const HASH_LOG = 16;
const BLOCK_MAX = 4 * 1024 * 1024;
/** FLG: version 01, independent blocks, content size present. BD: 4 MiB blocks. */
const FLG = 0b0110_1000;
const BD = 7 << 4;
const BLOCK_SIZES: Record<number, number> = { 4: 64 * 1024, 5: 256 * 1024, 6: 1024 * 1024, 7: BLOCK_MAX };

const PRIME1 = 0x9e3779b1;
const PRIME2 = 0x85ebca77;
const PRIME3 = 0xc2b2ae3d;
const PRIME4 = 0x27d4eb2f;
const PRIME5 = 0x165667b1;

function rotl(x: number, r: number): number {
  return ((x << r) | (x >>> (32 - r))) >>> 0;
}

function read32(buf: Uint8Array, i: number): number {
  return (
    ((buf[i] as number) |
      ((buf[i + 1] as number) << 8) |
      ((buf[i + 2] as number) << 16) |
      ((buf[i + 3] as number) << 24)) >>>
    0
  );
}

/** xxHash32 of `buf[start, end)`: the frame's header and content checksums. */
export function xxh32(buf: Uint8Array, start = 0, end = buf.length, seed = 0): number {
  let i = start;
  let h: number;
  if (end - start >= 16) {
    let v1 = (seed + PRIME1 + PRIME2) >>> 0;
    let v2 = (seed + PRIME2) >>> 0;
    let v3 = seed >>> 0;
    let v4 = (seed - PRIME1) >>> 0;
    const round = (acc: number, lane: number) =>
      Math.imul(rotl((acc + Math.imul(lane, PRIME2)) >>> 0, 13), PRIME1) >>> 0;
    for (; i <= end - 16; i += 16) {
      v1 = round(v1, read32(buf, i));
      v2 = round(v2, read32(buf, i + 4));
      v3 = round(v3, read32(buf, i + 8));
      v4 = round(v4, read32(buf, i + 12));
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) >>> 0;
  } else h = (seed + PRIME5) >>> 0;
  h = (h + (end - start)) >>> 0;
  for (; i + 4 <= end; i += 4)
    h = Math.imul(rotl((h + Math.imul(read32(buf, i), PRIME3)) >>> 0, 17), PRIME4) >>> 0;
  for (; i < end; i++) h = Math.imul(rotl((h + Math.imul(buf[i] as number, PRIME5)) >>> 0, 11), PRIME1) >>> 0;
  h = Math.imul(h ^ (h >>> 15), PRIME2) >>> 0;
  h = Math.imul(h ^ (h >>> 13), PRIME3) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Writes a length beyond 15 as LZ4 does: 255s, then the rest. */
function writeLength(dst: Uint8Array, op: number, length: number): number {
  let rest = length;
  while (rest >= 255) {
    dst[op++] = 255;
    rest -= 255;
  }
  dst[op++] = rest;
  return op;
}

/** One sequence: literals `src[start, start+literals)`, then (unless last) a match. */
function writeSequence(
  dst: Buffer,
  op: number,
  src: Buffer,
  start: number,
  literals: number,
  offset: number,
  matchLength: number,
): number {
  const token = op++;
  let bits = literals >= 15 ? 0xf0 : literals << 4;
  if (literals >= 15) op = writeLength(dst, op, literals - 15);
  op += src.copy(dst, op, start, start + literals);
  if (offset === 0) {
    dst[token] = bits;
    return op;
  }
  dst[op++] = offset & 0xff;
  dst[op++] = offset >>> 8;
  const extra = matchLength - MIN_MATCH;
  bits |= Math.min(extra, 15);
  if (extra >= 15) op = writeLength(dst, op, extra - 15);
  dst[token] = bits;
  return op;
}

/** Compresses `src[start, end)` into `dst` at `op` as one independent block; returns the new `op`. */
function compressBlock(
  src: Buffer,
  start: number,
  end: number,
  dst: Buffer,
  op: number,
  table: Int32Array,
): number {
  let anchor = start;
  if (end - start > MF_LIMIT) {
    const matchLimit = end - LAST_LITERALS;
    const lastStart = end - MF_LIMIT;
    let ip = start;
    let misses = 0;
    while (ip <= lastStart) {
      const sequence = read32(src, ip);
      const hash = Math.imul(sequence, 2654435761) >>> (32 - HASH_LOG);
      const ref = table[hash] as number;
      table[hash] = ip;
      // Positions of an earlier block (or none yet, -1) are out of reach: blocks are independent.
      if (ref < start || ip - ref > MAX_OFFSET || read32(src, ref) !== sequence) {
        ip += 1 + (misses++ >> 6);
        continue;
      }
      let matchStart = ip;
      let refStart = ref;
      while (matchStart > anchor && refStart > start && src[matchStart - 1] === src[refStart - 1]) {
        matchStart--;
        refStart--;
      }
      let matchEnd = ip + MIN_MATCH;
      let refEnd = ref + MIN_MATCH;
      while (matchEnd < matchLimit && src[matchEnd] === src[refEnd]) {
        matchEnd++;
        refEnd++;
      }
      op = writeSequence(
        dst,
        op,
        src,
        anchor,
        matchStart - anchor,
        matchStart - refStart,
        matchEnd - matchStart,
      );
      anchor = ip = matchEnd;
      misses = 0;
    }
  }
  return writeSequence(dst, op, src, anchor, end - anchor, 0, 0);
}

/**
 * `input` as one LZ4 frame.
 *
 * @example
 * lz4FrameDecompress(lz4FrameCompress(Buffer.from('[{"id":1},{"id":1}]'))); // the same bytes
 */
export function lz4FrameCompress(input: Buffer): Buffer {
  const blocks = Math.max(1, Math.ceil(input.length / BLOCK_MAX));
  const out = Buffer.allocUnsafe(15 + input.length + Math.ceil(input.length / 255) + blocks * 20 + 4);
  out.writeUInt32LE(MAGIC, 0);
  out[4] = FLG;
  out[5] = BD;
  out.writeBigUInt64LE(BigInt(input.length), 6);
  out[14] = (xxh32(out, 4, 14) >>> 8) & 0xff;
  let op = 15;
  const table = new Int32Array(1 << HASH_LOG).fill(-1);
  for (let start = 0; start < input.length; start += BLOCK_MAX) {
    const end = Math.min(input.length, start + BLOCK_MAX);
    const written = compressBlock(input, start, end, out, op + 4, table) - (op + 4);
    if (written < end - start) {
      out.writeUInt32LE(written, op);
      op += 4 + written;
    } else {
      // Incompressible: stored as it is, flagged by the size's high bit.
      out.writeUInt32LE((0x80000000 | (end - start)) >>> 0, op);
      op += 4 + input.copy(out, op + 4, start, end);
    }
  }
  out.writeUInt32LE(0, op);
  return out.subarray(0, op + 4);
}

/** Decodes one block into `out` at `op`; returns the new `op`. */
function decompressBlock(src: Buffer, start: number, end: number, out: Buffer, op: number): number {
  let ip = start;
  for (;;) {
    const token = src[ip++] as number;
    let literals = token >>> 4;
    if (literals === 15) {
      let b: number;
      do {
        b = src[ip++] as number;
        literals += b;
      } while (b === 255 && ip < end);
    }
    if (ip + literals > end || op + literals > out.length)
      throw new Error('lz4: literals run past the block');
    op += src.copy(out, op, ip, ip + literals);
    ip += literals;
    if (ip >= end) return op;
    const offset = (src[ip] as number) | ((src[ip + 1] as number) << 8);
    ip += 2;
    if (offset === 0 || offset > op) throw new Error('lz4: a match points before the start of the output');
    let length = token & 15;
    if (length === 15) {
      let b: number;
      do {
        b = src[ip++] as number;
        length += b;
      } while (b === 255 && ip < end);
    }
    length += MIN_MATCH;
    if (op + length > out.length) throw new Error('lz4: a match runs past the output');
    // Byte by byte: a match may overlap what it copies (offset < length).
    for (let from = op - offset, n = 0; n < length; n++) out[op++] = out[from + n] as number;
  }
}

/** Decodes one LZ4 frame (no dictionary); throws on anything malformed or a checksum mismatch. */
export function lz4FrameDecompress(frame: Buffer): Buffer {
  if (frame.length < 7 || frame.readUInt32LE(0) !== MAGIC) throw new Error('lz4: not an LZ4 frame');
  const flg = frame[4] as number;
  if (flg >>> 6 !== 1) throw new Error('lz4: unknown frame version');
  if (flg & 1) throw new Error('lz4: frames with a dictionary are not supported');
  const blockChecksums = (flg & 0x10) !== 0;
  const hasSize = (flg & 0x08) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  const blockMax = BLOCK_SIZES[((frame[5] as number) >>> 4) & 7];
  if (blockMax === undefined) throw new Error('lz4: unknown block size');
  let ip = 6;
  const size = hasSize ? Number(frame.readBigUInt64LE(ip)) : undefined;
  if (hasSize) ip += 8;
  if ((xxh32(frame, 4, ip) >>> 8) % 256 !== frame[ip]) throw new Error('lz4: header checksum mismatch');
  ip++;
  const parts: Buffer[] = [];
  let total = 0;
  for (;;) {
    const word = frame.readUInt32LE(ip);
    ip += 4;
    if (word === 0) break;
    const length = word & 0x7fffffff;
    if (ip + length > frame.length) throw new Error('lz4: a block runs past the frame');
    let block: Buffer;
    if (word & 0x80000000) block = frame.subarray(ip, ip + length);
    else {
      const out = Buffer.allocUnsafe(blockMax);
      block = out.subarray(0, decompressBlock(frame, ip, ip + length, out, 0));
    }
    ip += length;
    if (blockChecksums) {
      if (xxh32(frame, ip - length, ip) !== frame.readUInt32LE(ip))
        throw new Error('lz4: block checksum mismatch');
      ip += 4;
    }
    parts.push(block);
    total += block.length;
  }
  const content = Buffer.concat(parts, total);
  if (size !== undefined && size !== content.length) throw new Error('lz4: content size mismatch');
  if (contentChecksum && xxh32(content) !== frame.readUInt32LE(ip))
    throw new Error('lz4: content checksum mismatch');
  return content;
}
