// StarRocks' own clients for the e2e suite: the Stream Load SDK (through test/e2e/java/StarRocksSdkDriver.java,
// compiled here with javac) and the documented `curl --location-trusted` commands, each bounded in time.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ensureStarRocksSdkJars } from './maven.ts';
import { CLASSES_DIR, logFile, ROOT, STARROCKS_SDK_LIB } from './paths.ts';

const run = promisify(execFile);

const DRIVER_SOURCE = resolve(ROOT, 'test/e2e/java/StarRocksSdkDriver.java');
const DRIVER_CLASSES = resolve(CLASSES_DIR, 'starrocks-sdk');
const DRIVER_CLASS = 'StarRocksSdkDriver';

/** What the driver was asked to do: `--key=value` arguments of StarRocksSdkDriver.java. */
export interface SdkRun {
  /** `stream`: `_stream_load` (DefaultStreamLoader); `transaction`: begin/load/prepare/commit (TransactionStreamLoader). */
  readonly mode: 'stream' | 'transaction';
  readonly url: string;
  readonly user: string;
  /** Handed over in the environment, never on the command line. */
  readonly password: string;
  readonly db: string;
  readonly table: string;
  readonly format: 'csv' | 'json';
  readonly rows: number;
  readonly firstId?: number;
  /** The id of a row written with a non-numeric id. */
  readonly badRow?: number;
  /** Bytes per HTTP body; a smaller value makes one transaction send several `/api/transaction/load` calls. */
  readonly chunkLimit?: number;
  readonly labelPrefix?: string;
  /** One fixed label for every load, as a client with deterministic labels sends on a retry. */
  readonly label?: string;
  /** `lz4_frame`: the SDK compresses each body (an LZ4 frame, sent chunked), as the Kafka connector's `sink.properties.compression`. */
  readonly compression?: 'lz4_frame';
  /** Extra Stream Load headers (`max_filter_ratio`, ...). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** One load answer as the SDK parsed it (its `StreamLoadResponseBody`). */
export interface SdkResponse {
  readonly status: string | null;
  readonly message: string | null;
  readonly existingJobStatus: string | null;
  readonly numberTotalRows: number | null;
  readonly numberLoadedRows: number | null;
  readonly numberFilteredRows: number | null;
  readonly flushRows: number | null;
}

/** The driver's verdict: `ok` when the SDK's flush returned, else the message of what it threw. */
export interface SdkResult {
  readonly ok: boolean;
  readonly error?: string;
  readonly responses: readonly SdkResponse[];
  /** The SDK's own log (slf4j-simple), for a failed assertion. */
  readonly logFile: string;
}

/** Fetches the SDK jars (cached) and compiles the driver when its class is missing or older than its source. */
export async function prepareSdkDriver(log: (line: string) => void = () => {}): Promise<void> {
  await ensureStarRocksSdkJars(log);
  const compiled = join(DRIVER_CLASSES, `${DRIVER_CLASS}.class`);
  if (existsSync(compiled) && statSync(compiled).mtimeMs >= statSync(DRIVER_SOURCE).mtimeMs) return;
  mkdirSync(DRIVER_CLASSES, { recursive: true });
  await run('javac', ['-d', DRIVER_CLASSES, '-cp', join(STARROCKS_SDK_LIB, '*'), DRIVER_SOURCE], {
    timeout: 120_000,
  });
}

function driverArgs(spec: SdkRun): string[] {
  const args = [
    `--mode=${spec.mode}`,
    `--url=${spec.url}`,
    `--user=${spec.user}`,
    `--db=${spec.db}`,
    `--table=${spec.table}`,
    `--format=${spec.format}`,
    `--rows=${spec.rows}`,
  ];
  if (spec.firstId !== undefined) args.push(`--first-id=${spec.firstId}`);
  if (spec.badRow !== undefined) args.push(`--bad-row=${spec.badRow}`);
  if (spec.chunkLimit !== undefined) args.push(`--chunk-limit=${spec.chunkLimit}`);
  if (spec.labelPrefix !== undefined) args.push(`--label-prefix=${spec.labelPrefix}`);
  if (spec.label !== undefined) args.push(`--label=${spec.label}`);
  if (spec.compression !== undefined) args.push(`--compression=${spec.compression}`);
  for (const [name, value] of Object.entries(spec.headers ?? {})) args.push(`--header=${name}:${value}`);
  return args;
}

/**
 * Runs the SDK once (one JVM): writes `rows` rows, flushes, closes. Resolves with the driver's verdict
 * whether the SDK succeeded or threw; rejects only when the driver itself could not run.
 */
export async function runSdk(name: string, spec: SdkRun): Promise<SdkResult> {
  const log = logFile(`starrocks-sdk-${name}`);
  const jvm = [
    '-Xms64m',
    '-Xmx512m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    `-Dorg.slf4j.simpleLogger.logFile=${log}`,
    '-Dorg.slf4j.simpleLogger.defaultLogLevel=info',
    '-Dorg.slf4j.simpleLogger.showDateTime=true',
    // DefaultStreamLoader logs its default headers at start, Authorization (Basic user:password) included.
    '-Dorg.slf4j.simpleLogger.log.com.starrocks.data.load.stream.DefaultStreamLoader=warn',
    '-cp',
    [DRIVER_CLASSES, join(STARROCKS_SDK_LIB, '*')].join(delimiter),
    DRIVER_CLASS,
  ];
  let stdout: string;
  try {
    ({ stdout } = await run('java', [...jvm, ...driverArgs(spec)], {
      env: { ...process.env, STARROCKS_PASSWORD: spec.password },
      timeout: 120_000,
      maxBuffer: 4 * 1024 * 1024,
    }));
  } catch (error) {
    const failed = error as Error & { code?: number; stdout?: string; stderr?: string };
    if (failed.code !== 1 || failed.stdout === undefined) {
      throw new Error(`${DRIVER_CLASS} did not run (${failed.message}); see ${log}\n${failed.stderr ?? ''}`);
    }
    stdout = failed.stdout;
  }
  const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Omit<SdkResult, 'logFile'>;
  return { ...result, logFile: log };
}

/** The body and HTTP status of one curl run. */
export interface CurlReply {
  readonly status: number;
  readonly text: string;
  json(): Record<string, unknown>;
}

/**
 * Runs curl with the given arguments plus `-sS` and a 20 s cap, and returns the last answer's status and
 * body: a documented StarRocks command line, exactly as a user types it.
 */
export async function curl(args: readonly string[]): Promise<CurlReply> {
  const marker = '\n--http-status:';
  const { stdout } = await run('curl', ['-sS', '--max-time', '20', '-w', `${marker}%{http_code}`, ...args], {
    timeout: 30_000,
    maxBuffer: 4 * 1024 * 1024,
  });
  const at = stdout.lastIndexOf(marker);
  const text = stdout.slice(0, at);
  return {
    status: Number(stdout.slice(at + marker.length)),
    text,
    json: () => JSON.parse(text) as Record<string, unknown>,
  };
}
