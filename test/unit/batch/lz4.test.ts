import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { lz4FrameCompress, lz4FrameDecompress, xxh32 } from '../../../lib/batch/lz4.ts';

/**
 * lib/batch/lz4.ts against itself and against the reference implementation (the `lz4` command, from
 * Debian's lz4 package; .ci/run installs it): frames we write must decode there, and frames it
 * writes (with its content checksum, which exercises xxh32 on long inputs) must decode here.
 */

const rows = (n: number) =>
  Buffer.from(
    JSON.stringify(
      Array.from({ length: n }, (_, i) => ({
        id: i,
        city: ['New York', 'Zürich', '東京'][i % 3],
        amount: i * 1.5,
      })),
    ),
  );

const INPUTS: [string, Buffer][] = [
  ['empty', Buffer.alloc(0)],
  ['one byte', Buffer.from('x')],
  ['12 bytes (shorter than any match may be)', Buffer.from('abcabcabcabc')],
  ['13 bytes', Buffer.from('abcabcabcabca')],
  ['one repeated byte (overlapping matches)', Buffer.alloc(100_000, 0x61)],
  [
    'a long match after literals',
    Buffer.concat([randomBytes(300), Buffer.alloc(70_000, 0x7b), randomBytes(300)]),
  ],
  ['random bytes (stored, not compressed)', randomBytes(200_000)],
  ['JSON rows', rows(2_000)],
  ['JSON rows over two 4 MiB blocks', rows(150_000)],
];

function cli(args: string[], input: Buffer): Buffer {
  return execFileSync('lz4', args, { input, maxBuffer: 64 * 1024 * 1024 });
}

describe('xxh32', () => {
  it('gives the published value for the empty input', () => {
    expect(xxh32(Buffer.alloc(0))).toBe(0x02cc5d05);
  });
});

describe('LZ4 frames', () => {
  it.each(INPUTS)('round-trips %s', (_name, input) => {
    expect(lz4FrameDecompress(lz4FrameCompress(input)).equals(input)).toBe(true);
  });

  it.each(INPUTS)('writes a frame the lz4 command decodes: %s', (_name, input) => {
    expect(cli(['-d', '-c'], lz4FrameCompress(input)).equals(input)).toBe(true);
  });

  it.each(INPUTS)('reads a frame the lz4 command writes (content checksum on): %s', (_name, input) => {
    expect(lz4FrameDecompress(cli(['-c', '--content-size'], input)).equals(input)).toBe(true);
  });

  it('compresses JSON rows several times', () => {
    const input = rows(20_000);

    expect(lz4FrameCompress(input).length).toBeLessThan(input.length / 3);
  });

  it('refuses what is not a sound frame', () => {
    const frame = lz4FrameCompress(rows(100));
    const badHeader = Buffer.from(frame);
    badHeader[14] = ((badHeader[14] as number) + 1) % 256;
    const truncated = frame.subarray(0, frame.length - 20);
    const badChecksum = cli(['-c'], rows(100));
    badChecksum[badChecksum.length - 1] = ((badChecksum.at(-1) as number) + 1) % 256;

    expect(() => lz4FrameDecompress(Buffer.from('not lz4 at all'))).toThrow('not an LZ4 frame');
    expect(() => lz4FrameDecompress(badHeader)).toThrow('header checksum mismatch');
    expect(() => lz4FrameDecompress(truncated)).toThrow();
    expect(() => lz4FrameDecompress(badChecksum)).toThrow('content checksum mismatch');
  });
});
