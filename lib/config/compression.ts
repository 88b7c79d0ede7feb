/**
 * Body compression: `sink.properties.compression` (or its alias `content-encoding`) and
 * `sink.compression.level`. Forwarding the header alone would announce a compression the body does
 * not have, and StarRocks would fail every load; so the sink compresses the body itself, with the
 * codecs Node has built in (and its own LZ4 frame encoder).
 */
import * as zlib from 'node:zlib';
import {
  COMPRESSION_CODECS,
  COMPRESSION_LEVEL_KEY,
  COMPRESSION_LEVELS,
  type CompressionCodec,
  SINK_KEYS,
  SINK_PROPERTIES_PREFIX,
} from './keys.ts';
import type { LoadHeaders } from './load-headers.ts';
import type { ConfigSource, Report } from './values.ts';

/** How each Stream Load body is compressed before it is sent. */
export interface BodyCompression {
  readonly codec: CompressionCodec;
  readonly level: number;
}

const VALID_CODECS = `valid values: ${COMPRESSION_CODECS.join(', ')}`;

/**
 * The compression of JSON bodies, or undefined for none. Rewrites `headers` to carry exactly one
 * `compression` header, as StarRocks refuses both.
 */
export function parseCompression(
  { headers, keyOf }: LoadHeaders,
  format: 'json' | 'csv',
  source: ConfigSource,
): BodyCompression | undefined {
  const { problem } = source;
  const levelText = source.get(COMPRESSION_LEVEL_KEY);
  const named = (['compression', 'content-encoding'] as const).filter((h) => headers[h] !== undefined);
  const header = named[0];
  if (header === undefined) {
    if (levelText !== undefined)
      problem(
        COMPRESSION_LEVEL_KEY,
        `has no effect without ${SINK_PROPERTIES_PREFIX}compression; set ${SINK_PROPERTIES_PREFIX}compression=gzip, zstd or lz4_frame, or remove it`,
      );
    return undefined;
  }
  const key = keyOf.get(header) ?? `${SINK_PROPERTIES_PREFIX}${header}`;
  if (named.length > 1) {
    problem(
      keyOf.get('content-encoding') ?? `${SINK_PROPERTIES_PREFIX}content-encoding`,
      `set either ${key} or this key, not both: StarRocks refuses a load carrying both headers ("Only one of http header content-encoding and compression can be set")`,
    );
    return undefined;
  }
  const value = headers[header] as string;
  delete headers[header];
  const codec = parseCodec(key, value, format, problem);
  if (codec === undefined) return undefined;
  const level = parseLevel(codec, levelText, problem);
  headers.compression = codec;
  return { codec, level };
}

/** The codec `value` names, or undefined after reporting why this sink cannot write it here. */
function parseCodec(
  key: string,
  value: string,
  format: 'json' | 'csv',
  problem: Report,
): CompressionCodec | undefined {
  const name = value.trim().toLowerCase();
  const codec = COMPRESSION_CODECS.find((c) => c === name);
  if (codec === undefined) {
    if (name === 'lz4') {
      problem(
        key,
        `"${value}" is LZ4's block format, which StarRocks does not read for JSON; use lz4_frame (${VALID_CODECS})`,
      );
    } else if (name === 'bzip2') {
      problem(
        key,
        `"${value}" is not supported by this sink (Node has no bzip2 encoder built in, and bzip2 is tens of times slower to compress than gzip or zstd); ${VALID_CODECS}`,
      );
    } else {
      problem(key, `"${value}" is not a body compression this sink can write; ${VALID_CODECS}`);
    }
    return undefined;
  }
  if (format !== 'json') {
    problem(
      key,
      `compresses JSON bodies only: StarRocks reads compressed CSV only when the format header names it (format=gzip, ...), which this sink does not send; remove ${key}, or load JSON`,
    );
    return undefined;
  }
  if (codec === 'zstd' && typeof zlib.zstdCompressSync !== 'function') {
    problem(
      key,
      `"${value}" needs Node 22.15 or later (this is ${process.version}); use gzip, or a newer runtime`,
    );
    return undefined;
  }
  return codec;
}

/** `sink.compression.level` within the codec's levels; the catalogue default when unset or wrong. */
function parseLevel(codec: CompressionCodec, levelText: string | undefined, problem: Report): number {
  const fallback = SINK_KEYS[COMPRESSION_LEVEL_KEY].default;
  if (levelText === undefined) return fallback;
  const [low, high] = COMPRESSION_LEVELS[codec];
  const n = Number(levelText);
  if (levelText.trim() === '' || !Number.isInteger(n) || n < low || n > high) {
    problem(
      COMPRESSION_LEVEL_KEY,
      `"${levelText}" is not an integer in [${low}, ${high}] (the ${codec} levels)`,
    );
    return fallback;
  }
  return n;
}
