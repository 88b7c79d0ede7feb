import * as zlib from 'node:zlib';
import { ConfigError, type ConfigProblem } from '../errors.ts';

/**
 * `SINK_CONFIG`: the `config` object of a StarRocks Kafka connector, pasted as JSON. Parsed and
 * validated once at cold start; every problem is collected and reported together.
 */

export const CONVERTER_CLASSES = {
  json: 'org.apache.kafka.connect.json.JsonConverter',
  string: 'org.apache.kafka.connect.storage.StringConverter',
} as const;

export const TRANSFORM_CLASSES = {
  addOpField: 'com.starrocks.connector.kafka.transforms.AddOpFieldForDebeziumRecord',
  extractNewRecordState: 'io.debezium.transforms.ExtractNewRecordState',
} as const;

export const DELETE_HANDLING_MODES = ['drop', 'rewrite', 'none'] as const;
export type DeleteHandlingMode = (typeof DELETE_HANDLING_MODES)[number];

/** Ours, not the connector's: report failed partitions instead of failing the whole batch. */
export const PARTIAL_BATCH_RESPONSE_KEY = 'sink.partial.batch.response';

/** Ours: the level of `sink.properties.compression`. */
export const COMPRESSION_LEVEL_KEY = 'sink.compression.level';

/** Body compressions the sink can write (StarRocks ≥ 3.2.7 reads them for JSON). */
export const COMPRESSION_CODECS = ['gzip', 'zstd', 'lz4_frame'] as const;
export type CompressionCodec = (typeof COMPRESSION_CODECS)[number];
/** Levels accepted per codec; 1 is the default and, for JSON bodies, the best time per byte saved. */
export const COMPRESSION_LEVELS: Readonly<Record<CompressionCodec, readonly [number, number]>> = {
  gzip: [1, 9],
  // 20–22 are zstd's "ultra" levels: far slower, and sized for inputs much larger than a batch.
  zstd: [1, 19],
  // The fast mode only (lib/lz4.ts).
  lz4_frame: [1, 1],
};

/** Keys the sink reads. */
export const SINK_KEYS = [
  'starrocks.http.url',
  'starrocks.database.name',
  'starrocks.username',
  'starrocks.password',
  'starrocks.secret.arn',
  'starrocks.topic2table.map',
  'topics',
  'topics.regex',
  'key.converter',
  'value.converter',
  'key.converter.schemas.enable',
  'value.converter.schemas.enable',
  'value.converter.replace.null.with.default',
  'transforms',
  'connect.timeoutms',
  PARTIAL_BATCH_RESPONSE_KEY,
  'errors.tolerance',
  'errors.deadletterqueue.s3.bucket',
  'errors.deadletterqueue.s3.prefix',
  'errors.deadletterqueue.sqs.url',
  'sink.semantic',
  'sink.transaction.mode',
  'sink.offsets.table',
  COMPRESSION_LEVEL_KEY,
] as const;

/**
 * Kafka Connect keys that mean nothing in Lambda: batching belongs to the event-source mapping and
 * retries to Lambda. Accepted so a connector config can be pasted, and reported once.
 */
export const IGNORED_KEYS = [
  'name',
  'connector.class',
  'tasks.max',
  'bufferflush.maxbytes',
  'bufferflush.intervalms',
  'sink.maxretries',
  'header.converter',
  'offset.flush.interval.ms',
  'key.converter.schema.registry.url',
  'value.converter.schema.registry.url',
  'key.converter.decimal.format',
  'value.converter.decimal.format',
  'key.converter.replace.null.with.default',
  'errors.log.enable',
  'errors.log.include.messages',
  'errors.retry.timeout',
  'errors.retry.delay.max.ms',
  'errors.deadletterqueue.context.headers.enable',
  'errors.deadletterqueue.topic.replication.factor',
  'config.action.reload',
] as const;
const IGNORED_PREFIXES = ['consumer.override.', 'producer.override.', 'predicates'] as const;

export const SINK_PROPERTIES_PREFIX = 'sink.properties.';

/** Stream Load headers the sink owns: a user value would break deduplication or the body. */
const RESERVED_LOAD_HEADERS = new Set([
  'label',
  'expect',
  'authorization',
  'content-length',
  'transfer-encoding',
  'host',
]);

export const DEFAULT_CONNECT_TIMEOUT_MS = 1000;
const CONNECT_TIMEOUT_RANGE = [100, 60_000] as const;

const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TABLE_NAME_MAX = 1024;
const DATABASE_NAME_MAX = 256;
const TOPIC_PATTERN = /^[A-Za-z0-9._-]{1,249}$/;

export type ConverterConfig =
  | { readonly kind: 'json'; readonly schemasEnable: boolean; readonly replaceNullWithDefault: boolean }
  | { readonly kind: 'string' };

export type TransformConfig =
  | { readonly name: string; readonly kind: 'addOpField' }
  | {
      readonly name: string;
      readonly kind: 'extractNewRecordState';
      readonly dropTombstones: boolean;
      readonly deleteHandlingMode: DeleteHandlingMode;
    };

export type CredentialsSource =
  | { readonly kind: 'static'; readonly username: string; readonly password: string }
  | { readonly kind: 'secret'; readonly secretArn: string };

/** How exactly-once is done: StarRocks ≥ 4.0 multi-table transactions, or the per-table API. */
export type ExactlyOnce =
  | { readonly mode: 'multi'; readonly offsetsTable: string }
  | { readonly mode: 'per-table' };

export const DEFAULT_OFFSETS_TABLE = 'kafka_offsets';

export const ERROR_TOLERANCES = ['none', 'all'] as const;
export type ErrorTolerance = (typeof ERROR_TOLERANCES)[number];

export const DEFAULT_DEAD_LETTER_PREFIX = 'dead-letters/';

export type DeadLetterDestination =
  | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string }
  | { readonly kind: 'sqs'; readonly queueUrl: string };

/** How each Stream Load body is compressed before it is sent. */
export interface BodyCompression {
  readonly codec: CompressionCodec;
  readonly level: number;
}

export interface SinkConfig {
  /** FE base URLs (`http://host:port`), in the configured order. */
  readonly feUrls: readonly string[];
  readonly database: string;
  readonly credentials: CredentialsSource;
  readonly topicToTable: ReadonlyMap<string, string>;
  readonly topics: ReadonlySet<string> | undefined;
  readonly topicsRegex: RegExp | undefined;
  readonly keyConverter: ConverterConfig;
  readonly valueConverter: ConverterConfig;
  readonly transforms: readonly TransformConfig[];
  readonly format: 'json' | 'csv';
  /** JSON bodies: `[r1,r2]` when true, newline-delimited objects when the user turned it off. */
  readonly stripOuterArray: boolean;
  /** CSV row delimiter as bytes to write (the `\x0A` hex form decoded). */
  readonly rowDelimiter: string;
  /** Every `sink.properties.*` key, lower-cased, plus the defaults the body needs. */
  readonly loadHeaders: Readonly<Record<string, string>>;
  /**
   * `sink.properties.compression` (or `content-encoding`): bodies are compressed with this and
   * announced with the `compression` header. Undefined: bodies are sent as they are.
   */
  readonly compression: BodyCompression | undefined;
  readonly connectTimeoutMs: number;
  /**
   * Return `{ batchItemFailures }` naming only the partitions that failed, so the rest commit.
   * Needs `ReportBatchItemFailures` on the event-source mapping (provisioned mode).
   */
  readonly partialBatchResponse: boolean;
  /** `errors.tolerance`: `all` sends bad records and rejected rows to `deadLetter`, loads the rest. */
  readonly errorTolerance: ErrorTolerance;
  /** Where dead letters go; set exactly when `errorTolerance` is `all`. */
  readonly deadLetter: DeadLetterDestination | undefined;
  /** `sink.semantic=exactly-once`: how; undefined for at-least-once (the default). */
  readonly exactlyOnce: ExactlyOnce | undefined;
  /** Connect-only keys that were present and are ignored. */
  readonly ignoredKeys: readonly string[];
}

/** Parses `SINK_CONFIG` text (a JSON object). */
export function parseSinkConfigJson(text: string | undefined): SinkConfig {
  if (text === undefined || text.trim() === '') {
    throw new ConfigError([
      {
        key: 'SINK_CONFIG',
        message:
          'is not set; set it to the JSON object of your connector config, e.g. {"starrocks.http.url":"fe:8030","starrocks.database.name":"example_db",...}',
      },
    ]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError([
      {
        key: 'SINK_CONFIG',
        message: `is not valid JSON (${(error as Error).message}); expected a JSON object of strings`,
      },
    ]);
  }
  return parseSinkConfig(parsed);
}

/**
 * Validates a connector config object and returns the sink's view of it, or throws one
 * {@link ConfigError} listing every problem (key, bad value, what is valid).
 *
 * @example
 * parseSinkConfig({ 'starrocks.http.url': '127.0.0.1:8030', 'starrocks.database.name': 'example_db',
 *   'starrocks.username': 'root', 'starrocks.password': '', 'starrocks.topic2table.map': 'test:test_tbl' });
 */
export function parseSinkConfig(input: unknown): SinkConfig {
  const problems: ConfigProblem[] = [];
  const problem = (key: string, message: string) => problems.push({ key, message });

  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigError([
      { key: 'SINK_CONFIG', message: 'must be a JSON object whose values are strings' },
    ]);
  }
  const raw = new Map<string, string>();
  for (const [key, value] of Object.entries(input)) {
    if (typeof value === 'string') raw.set(key, value);
    else if (typeof value === 'number' || typeof value === 'boolean') raw.set(key, String(value));
    else problem(key, `must be a string, got ${value === null ? 'null' : typeof value}`);
  }
  const get = (key: string): string | undefined => raw.get(key);

  // Unknown keys first, so a typo is reported next to what it was probably meant to be.
  const transformNames = splitList(get('transforms'));
  const ignoredKeys: string[] = [];
  for (const key of raw.keys()) {
    if ((SINK_KEYS as readonly string[]).includes(key)) continue;
    if (key.startsWith(SINK_PROPERTIES_PREFIX)) continue;
    if (key.startsWith('transforms.')) continue; // checked with the transforms
    if (
      (IGNORED_KEYS as readonly string[]).includes(key) ||
      IGNORED_PREFIXES.some((p) => key.startsWith(p))
    ) {
      ignoredKeys.push(key);
      continue;
    }
    if (key === 'errors.deadletterqueue.topic.name') {
      problem(
        key,
        'a Lambda function does not produce to Kafka; send dead letters to S3 (errors.deadletterqueue.s3.bucket) or SQS (errors.deadletterqueue.sqs.url) instead',
      );
      continue;
    }
    problem(key, `is not a known key. ${describeValidKeys()}`);
  }

  const feUrls = parseFeUrls(get('starrocks.http.url'), problem);

  const database = get('starrocks.database.name');
  if (database === undefined || database.trim() === '') {
    problem('starrocks.database.name', 'is required: the StarRocks database every table is loaded into');
  } else if (!NAME_PATTERN.test(database) || database.length > DATABASE_NAME_MAX) {
    problem(
      'starrocks.database.name',
      `"${database}" is not a valid StarRocks database name (letters, digits and _; starting with a letter or _; at most ${DATABASE_NAME_MAX} characters)`,
    );
  }

  const credentials = parseCredentials(get, problem);
  const topicToTable = parseTopicToTableMap(get('starrocks.topic2table.map'), problem);

  const topicsText = get('topics');
  const regexText = get('topics.regex');
  let topics: Set<string> | undefined;
  let topicsRegex: RegExp | undefined;
  if (topicsText !== undefined && regexText !== undefined) {
    problem('topics', 'set either "topics" or "topics.regex", not both (Kafka Connect accepts only one)');
  }
  if (topicsText !== undefined) {
    const list = splitList(topicsText);
    if (list.length === 0)
      problem('topics', 'is empty; list the topics to accept, e.g. "orders,customers", or remove it');
    for (const topic of list) {
      if (!TOPIC_PATTERN.test(topic))
        problem('topics', `"${topic}" is not a valid Kafka topic name ([A-Za-z0-9._-], 1-249 characters)`);
    }
    topics = new Set(list);
  }
  if (regexText !== undefined) {
    try {
      // Kafka Connect matches the whole topic name (Java Matcher.matches()).
      topicsRegex = new RegExp(`^(?:${regexText})$`);
    } catch (error) {
      problem(
        'topics.regex',
        `"${regexText}" is not a valid regular expression: ${(error as Error).message}`,
      );
    }
  }
  for (const topic of topics ?? []) {
    if (!topicToTable.has(topic) && !isValidTableName(topic)) {
      problem(
        'topics',
        `topic "${topic}" has no entry in starrocks.topic2table.map and is not a valid StarRocks table name; add "${topic}:<table>" to starrocks.topic2table.map`,
      );
    }
  }
  for (const topic of topicToTable.keys()) {
    if (topics !== undefined && !topics.has(topic)) {
      problem(
        'starrocks.topic2table.map',
        `maps topic "${topic}", which is not listed in "topics" (${[...topics].join(',')})`,
      );
    }
    if (topicsRegex !== undefined && !topicsRegex.test(topic)) {
      problem(
        'starrocks.topic2table.map',
        `maps topic "${topic}", which does not match topics.regex "${regexText}"`,
      );
    }
  }

  const keyConverter = parseConverter('key', get, problem);
  const valueConverter = parseConverter('value', get, problem);
  const transforms = parseTransforms(transformNames, raw, problem);

  const loadHeaders: Record<string, string> = {};
  /** The key as written, per header, so a problem names what the user wrote. */
  const headerKeys = new Map<string, string>();
  for (const [key, value] of raw) {
    if (!key.startsWith(SINK_PROPERTIES_PREFIX)) continue;
    const header = key.slice(SINK_PROPERTIES_PREFIX.length).toLowerCase();
    headerKeys.set(header, key);
    if (!/^[a-z0-9_.-]+$/.test(header)) {
      problem(key, `"${header}" is not a valid Stream Load header name (letters, digits, _ . -)`);
    } else if (RESERVED_LOAD_HEADERS.has(header)) {
      problem(
        key,
        `"${header}" is set by the sink for every load (labels are derived from Kafka offsets); remove "${key}"`,
      );
    } else if (/[\r\n\0]/.test(value)) {
      problem(key, 'contains a line break or NUL, which an HTTP header cannot carry');
    } else {
      loadHeaders[header] = value;
    }
  }
  const formatText = (loadHeaders.format ?? 'json').toLowerCase();
  let format: 'json' | 'csv' = 'json';
  if (formatText === 'json' || formatText === 'csv') format = formatText;
  else problem('sink.properties.format', `"${loadHeaders.format}" is not supported; valid values: json, csv`);
  loadHeaders.format = format;

  let stripOuterArray = true;
  if (format === 'json') {
    const strip = loadHeaders.strip_outer_array;
    if (strip === undefined) loadHeaders.strip_outer_array = 'true';
    else {
      const parsed = parseBoolean(strip);
      if (parsed === undefined)
        problem(
          'sink.properties.strip_outer_array',
          `"${strip}" is not a boolean; valid values: true, false`,
        );
      else stripOuterArray = parsed;
    }
  }
  let rowDelimiter = '\n';
  if (loadHeaders.row_delimiter !== undefined) {
    const decoded = decodeDelimiter(loadHeaders.row_delimiter);
    if (decoded === undefined || decoded === '') {
      problem(
        'sink.properties.row_delimiter',
        `"${loadHeaders.row_delimiter}" is not a delimiter; use characters or hex such as \\x0A`,
      );
    } else rowDelimiter = decoded;
  }
  if (format === 'csv' && valueConverter.kind !== 'string') {
    problem(
      'value.converter',
      `sink.properties.format=csv loads each record value as one CSV line, which needs ${CONVERTER_CLASSES.string}; got ${get('value.converter') ?? `${CONVERTER_CLASSES.json} (the default)`}`,
    );
  }
  if (format === 'csv' && transforms.length > 0) {
    problem('transforms', 'Debezium transforms produce JSON rows; use sink.properties.format=json with them');
  }

  checkMergeCommit(loadHeaders, problem);
  const compression = parseCompression(loadHeaders, headerKeys, format, get, problem);

  let connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS;
  const timeoutText = get('connect.timeoutms');
  if (timeoutText !== undefined) {
    const n = Number(timeoutText);
    if (!Number.isInteger(n) || n < CONNECT_TIMEOUT_RANGE[0] || n > CONNECT_TIMEOUT_RANGE[1]) {
      problem(
        'connect.timeoutms',
        `"${timeoutText}" is not an integer in [${CONNECT_TIMEOUT_RANGE.join(', ')}] (milliseconds)`,
      );
    } else connectTimeoutMs = n;
  }

  let partialBatchResponse = false;
  const partialText = get(PARTIAL_BATCH_RESPONSE_KEY);
  if (partialText !== undefined) {
    const parsed = parseBoolean(partialText);
    if (parsed === undefined)
      problem(PARTIAL_BATCH_RESPONSE_KEY, `"${partialText}" is not a boolean; valid values: true, false`);
    else partialBatchResponse = parsed;
  }

  const { errorTolerance, deadLetter } = parseErrorHandling(get, problem);
  const exactlyOnce = parseSemantic(get, problem, loadHeaders, partialBatchResponse);

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    feUrls,
    database: database as string,
    credentials: credentials as CredentialsSource,
    topicToTable,
    topics,
    topicsRegex,
    keyConverter,
    valueConverter,
    transforms,
    format,
    stripOuterArray,
    rowDelimiter,
    loadHeaders,
    compression,
    connectTimeoutMs,
    partialBatchResponse,
    errorTolerance,
    deadLetter,
    exactlyOnce,
    ignoredKeys,
  };
}

/**
 * `sink.semantic=exactly-once` needs the transaction mode named, not guessed from the server:
 * `multi` (StarRocks ≥ 4.0: one transaction with an offsets table) or `per-table` (< 4.0).
 */
function parseSemantic(
  get: (key: string) => string | undefined,
  problem: Report,
  loadHeaders: Readonly<Record<string, string>>,
  partialBatchResponse: boolean,
): ExactlyOnce | undefined {
  const semantic = get('sink.semantic')?.trim().toLowerCase() ?? 'at-least-once';
  const modeText = get('sink.transaction.mode');
  const offsetsText = get('sink.offsets.table');
  if (semantic !== 'at-least-once' && semantic !== 'exactly-once') {
    problem(
      'sink.semantic',
      `"${get('sink.semantic')}" is not supported; valid values: at-least-once, exactly-once`,
    );
    return undefined;
  }
  if (semantic === 'at-least-once') {
    if (modeText !== undefined)
      problem('sink.transaction.mode', 'is used only with sink.semantic=exactly-once');
    if (offsetsText !== undefined)
      problem('sink.offsets.table', 'is used only with sink.semantic=exactly-once');
    return undefined;
  }
  if (parseBoolean(loadHeaders.enable_merge_commit ?? 'false') === true) {
    problem(
      'sink.properties.enable_merge_commit',
      'merge commit ignores labels and commits on its own schedule, so it cannot be exactly-once; turn one of them off',
    );
  }
  if (partialBatchResponse) {
    problem(
      PARTIAL_BATCH_RESPONSE_KEY,
      'an exactly-once batch commits in one transaction (or fails whole); turn partial batch responses off',
    );
  }
  const mode = modeText?.trim().toLowerCase();
  if (mode !== 'multi' && mode !== 'per-table') {
    problem(
      'sink.transaction.mode',
      `${modeText === undefined ? 'is required' : `"${modeText}" is not supported`} with sink.semantic=exactly-once; valid values: multi (StarRocks ≥ 4.0, one transaction with an offsets table), per-table (StarRocks < 4.0, transaction API per table)`,
    );
    return undefined;
  }
  if (mode === 'per-table') {
    if (offsetsText !== undefined)
      problem('sink.offsets.table', 'is used only with sink.transaction.mode=multi');
    return { mode };
  }
  const offsetsTable = offsetsText ?? DEFAULT_OFFSETS_TABLE;
  if (!isValidTableName(offsetsTable)) {
    problem('sink.offsets.table', `"${offsetsTable}" is not a valid StarRocks table name`);
  }
  return { mode, offsetsTable };
}

const S3_BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * `errors.tolerance` and our dead-letter keys. Kafka Connect may skip bad records with only a log
 * line; here `all` needs a destination, so a skipped record is never lost.
 */
function parseErrorHandling(
  get: (key: string) => string | undefined,
  problem: Report,
): { errorTolerance: ErrorTolerance; deadLetter: DeadLetterDestination | undefined } {
  const toleranceText = get('errors.tolerance');
  let errorTolerance: ErrorTolerance = 'none';
  if (toleranceText !== undefined) {
    const t = toleranceText.trim().toLowerCase();
    if ((ERROR_TOLERANCES as readonly string[]).includes(t)) errorTolerance = t as ErrorTolerance;
    else
      problem(
        'errors.tolerance',
        `"${toleranceText}" is not supported; valid values: ${ERROR_TOLERANCES.join(', ')}`,
      );
  }
  const bucket = get('errors.deadletterqueue.s3.bucket');
  const prefix = get('errors.deadletterqueue.s3.prefix');
  const queueUrl = get('errors.deadletterqueue.sqs.url');
  let deadLetter: DeadLetterDestination | undefined;
  if (bucket !== undefined && queueUrl !== undefined) {
    problem(
      'errors.deadletterqueue.s3.bucket',
      'set either errors.deadletterqueue.s3.bucket or errors.deadletterqueue.sqs.url, not both',
    );
  } else if (bucket !== undefined) {
    if (!S3_BUCKET_PATTERN.test(bucket)) {
      problem(
        'errors.deadletterqueue.s3.bucket',
        `"${bucket}" is not an S3 bucket name (3-63 characters: lower-case letters, digits, . and -)`,
      );
    }
    const p = prefix ?? DEFAULT_DEAD_LETTER_PREFIX;
    if (p.startsWith('/')) problem('errors.deadletterqueue.s3.prefix', `"${p}" must not start with /`);
    deadLetter = { kind: 's3', bucket, prefix: p };
  } else if (queueUrl !== undefined) {
    let ok = false;
    try {
      const url = new URL(queueUrl);
      ok = (url.protocol === 'https:' || url.protocol === 'http:') && url.pathname.split('/').length === 3;
    } catch {
      ok = false;
    }
    if (!ok) {
      problem(
        'errors.deadletterqueue.sqs.url',
        `"${queueUrl}" is not an SQS queue URL such as https://sqs.us-east-1.amazonaws.com/123456789012/sink-dead-letters`,
      );
    }
    deadLetter = { kind: 'sqs', queueUrl };
  }
  if (prefix !== undefined && bucket === undefined) {
    problem('errors.deadletterqueue.s3.prefix', 'has no effect without errors.deadletterqueue.s3.bucket');
  }
  if (
    errorTolerance === 'all' &&
    deadLetter === undefined &&
    bucket === undefined &&
    queueUrl === undefined
  ) {
    problem(
      'errors.tolerance',
      '"all" needs a dead-letter destination, so that skipped records are kept: set errors.deadletterqueue.s3.bucket or errors.deadletterqueue.sqs.url',
    );
  }
  if (errorTolerance === 'none' && (bucket !== undefined || queueUrl !== undefined)) {
    problem(
      bucket !== undefined ? 'errors.deadletterqueue.s3.bucket' : 'errors.deadletterqueue.sqs.url',
      'is used only with errors.tolerance=all (with none, a bad record fails the batch); set errors.tolerance=all or remove it',
    );
  }
  return { errorTolerance, deadLetter };
}

/**
 * Merge commit (StarRocks 3.4+) refuses a load without its interval and parallelism, and a typo in
 * them would fail every load; checking at cold start names the key instead.
 */
function checkMergeCommit(
  headers: Readonly<Record<string, string>>,
  problem: (key: string, message: string) => void,
): void {
  const enabled = headers.enable_merge_commit;
  if (enabled === undefined) return;
  const on = parseBoolean(enabled);
  if (on === undefined) {
    problem(
      'sink.properties.enable_merge_commit',
      `"${enabled}" is not a boolean; valid values: true, false`,
    );
    return;
  }
  if (!on) return;
  for (const name of ['merge_commit_interval_ms', 'merge_commit_parallel']) {
    const value = headers[name];
    const n = Number(value);
    if (value === undefined || !Number.isInteger(n) || n <= 0) {
      problem(
        `${SINK_PROPERTIES_PREFIX}${name}`,
        `${value === undefined ? 'is required' : `"${value}" is not a positive integer`} with sink.properties.enable_merge_commit=true (StarRocks refuses every load without it)`,
      );
    }
  }
  const asyncText = headers.merge_commit_async;
  if (asyncText !== undefined && parseBoolean(asyncText) === undefined) {
    problem(
      'sink.properties.merge_commit_async',
      `"${asyncText}" is not a boolean; valid values: true, false`,
    );
  }
}

/**
 * `sink.properties.compression` (or its alias `content-encoding`) and `sink.compression.level`.
 * Forwarding the header alone would announce a compression the body does not have, and StarRocks
 * would fail every load; so the sink compresses the body itself, with the codecs Node has built in.
 * Rewrites `headers` to carry exactly one `compression` header, as StarRocks refuses both.
 */
function parseCompression(
  headers: Record<string, string>,
  headerKeys: ReadonlyMap<string, string>,
  format: 'json' | 'csv',
  get: (key: string) => string | undefined,
  problem: Report,
): BodyCompression | undefined {
  const levelText = get(COMPRESSION_LEVEL_KEY);
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
  const key = headerKeys.get(header) ?? `${SINK_PROPERTIES_PREFIX}${header}`;
  if (named.length > 1) {
    problem(
      headerKeys.get('content-encoding') ?? `${SINK_PROPERTIES_PREFIX}content-encoding`,
      `set either ${key} or this key, not both: StarRocks refuses a load carrying both headers ("Only one of http header content-encoding and compression can be set")`,
    );
    return undefined;
  }
  const value = headers[header] as string;
  delete headers[header];
  const valid = `valid values: ${COMPRESSION_CODECS.join(', ')}`;
  const name = value.trim().toLowerCase();
  const codec = COMPRESSION_CODECS.find((c) => c === name);
  if (codec === undefined) {
    if (name === 'lz4') {
      problem(
        key,
        `"${value}" is LZ4's block format, which StarRocks does not read for JSON; use lz4_frame (${valid})`,
      );
    } else if (name === 'bzip2') {
      problem(
        key,
        `"${value}" is not supported by this sink (Node has no bzip2 encoder built in, and bzip2 is tens of times slower to compress than gzip or zstd); ${valid}`,
      );
    } else {
      problem(key, `"${value}" is not a body compression this sink can write; ${valid}`);
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
  const [low, high] = COMPRESSION_LEVELS[codec];
  let level = 1;
  if (levelText !== undefined) {
    const n = Number(levelText);
    if (levelText.trim() === '' || !Number.isInteger(n) || n < low || n > high) {
      problem(
        COMPRESSION_LEVEL_KEY,
        `"${levelText}" is not an integer in [${low}, ${high}] (the ${codec} levels)`,
      );
    } else level = n;
  }
  headers.compression = codec;
  return { codec, level };
}

/** Whether StarRocks would accept `name` as a table name. */
export function isValidTableName(name: string): boolean {
  return NAME_PATTERN.test(name) && name.length <= TABLE_NAME_MAX;
}

type Report = (key: string, message: string) => void;

function splitList(text: string | undefined): string[] {
  if (text === undefined) return [];
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function parseBoolean(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'true') return true;
  if (t === 'false') return false;
  return undefined;
}

function parseFeUrls(text: string | undefined, problem: Report): string[] {
  const key = 'starrocks.http.url';
  if (text === undefined || text.trim() === '') {
    problem(
      key,
      'is required: a comma list of FE HTTP addresses, e.g. "fe1:8030,fe2:8030" or "https://fe.example.com:8030"',
    );
    return [];
  }
  const urls: string[] = [];
  for (const entry of text.split(',').map((s) => s.trim())) {
    if (entry === '') {
      problem(key, `"${text}" has an empty entry; separate FE addresses with single commas`);
      continue;
    }
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ? entry : `http://${entry}`;
    let url: URL;
    try {
      url = new URL(withScheme);
    } catch {
      problem(key, `"${entry}" is not a host:port or http(s)://host:port address`);
      continue;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      problem(key, `"${entry}" uses ${url.protocol.slice(0, -1)}; only http and https are valid`);
    } else if (url.username || url.password) {
      problem(
        key,
        `"${url.host}" carries credentials in the URL; use starrocks.username/starrocks.password or starrocks.secret.arn`,
      );
    } else if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
      problem(
        key,
        `"${entry}" has a path or query; give only scheme, host and port (the FE HTTP port, default 8030)`,
      );
    } else if (url.port === '' && !/:\d+$/.test(entry)) {
      problem(key, `"${entry}" has no port; add the FE HTTP port, e.g. "${url.hostname}:8030"`);
    } else {
      urls.push(url.origin);
    }
  }
  return urls;
}

function parseCredentials(
  get: (key: string) => string | undefined,
  problem: Report,
): CredentialsSource | undefined {
  const username = get('starrocks.username');
  const password = get('starrocks.password');
  const secretArn = get('starrocks.secret.arn');
  if (secretArn !== undefined) {
    if (username !== undefined || password !== undefined) {
      problem(
        'starrocks.secret.arn',
        'is set together with starrocks.username/starrocks.password; use one source of credentials (the secret holds {"username","password"})',
      );
    }
    if (
      !/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/.test(secretArn) &&
      !/^[\w/+=.@-]{1,512}$/.test(secretArn)
    ) {
      problem('starrocks.secret.arn', `"${secretArn}" is not a Secrets Manager secret ARN or name`);
    }
    return { kind: 'secret', secretArn };
  }
  if (username === undefined || username.trim() === '') {
    problem(
      'starrocks.username',
      'is required (a StarRocks user with INSERT on the tables), unless starrocks.secret.arn names a secret holding {"username","password"}',
    );
  }
  if (password === undefined) {
    problem(
      'starrocks.password',
      'is required (it may be empty); or use starrocks.secret.arn instead of username and password',
    );
  }
  return { kind: 'static', username: username ?? '', password: password ?? '' };
}

/**
 * `topic1:table1,topic2:table2`. Unlike the Java connector, a malformed entry is an error rather
 * than a silent fallback to topic-named tables.
 */
function parseTopicToTableMap(text: string | undefined, problem: Report): Map<string, string> {
  const key = 'starrocks.topic2table.map';
  const map = new Map<string, string>();
  if (text === undefined) return map;
  if (text.trim() === '') {
    problem(key, 'is empty; give "topic:table" pairs separated by commas, or remove the key');
    return map;
  }
  for (const entry of text.split(',')) {
    const parts = entry.split(':').map((s) => s.trim());
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      problem(
        key,
        `entry "${entry.trim()}" is not "topic:table"; the value must look like "orders:orders_tbl,users:users_tbl"`,
      );
      continue;
    }
    const [topic, table] = parts as [string, string];
    if (!TOPIC_PATTERN.test(topic)) {
      problem(
        key,
        `entry "${entry.trim()}": "${topic}" is not a valid Kafka topic name ([A-Za-z0-9._-], 1-249 characters)`,
      );
    }
    if (!isValidTableName(table)) {
      const hint = table.includes('.')
        ? '; the database comes from starrocks.database.name, give the table name alone'
        : '';
      problem(
        key,
        `entry "${entry.trim()}": "${table}" is not a valid StarRocks table name (letters, digits and _, starting with a letter or _)${hint}`,
      );
    }
    if (map.has(topic)) problem(key, `topic "${topic}" is mapped twice ("${map.get(topic)}" and "${table}")`);
    map.set(topic, table);
  }
  return map;
}

function parseConverter(
  which: 'key' | 'value',
  get: (key: string) => string | undefined,
  problem: Report,
): ConverterConfig {
  const key = `${which}.converter`;
  const cls = get(key) ?? CONVERTER_CLASSES.json;
  const schemasKey = `${which}.converter.schemas.enable`;
  const schemasText = get(schemasKey);
  if (cls === CONVERTER_CLASSES.string) {
    return { kind: 'string' };
  }
  if (cls !== CONVERTER_CLASSES.json) {
    problem(
      key,
      `"${cls}" is not supported; valid values: ${CONVERTER_CLASSES.json}, ${CONVERTER_CLASSES.string}`,
    );
  }
  let schemasEnable = true; // Kafka's JsonConverter default
  if (schemasText !== undefined) {
    const parsed = parseBoolean(schemasText);
    if (parsed === undefined)
      problem(schemasKey, `"${schemasText}" is not a boolean; valid values: true, false`);
    else schemasEnable = parsed;
  }
  let replaceNullWithDefault = true; // Kafka >= 3.5 default
  const replaceKey = `${which}.converter.replace.null.with.default`;
  const replaceText = get(replaceKey);
  if (which === 'value' && replaceText !== undefined) {
    const parsed = parseBoolean(replaceText);
    if (parsed === undefined)
      problem(replaceKey, `"${replaceText}" is not a boolean; valid values: true, false`);
    else replaceNullWithDefault = parsed;
  }
  return { kind: 'json', schemasEnable, replaceNullWithDefault };
}

const UNWRAP_OPTIONS = ['type', 'drop.tombstones', 'delete.handling.mode'] as const;

function parseTransforms(
  names: string[],
  raw: ReadonlyMap<string, string>,
  problem: Report,
): TransformConfig[] {
  const transforms: TransformConfig[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) {
      problem('transforms', `"${name}" is listed twice`);
      continue;
    }
    seen.add(name);
    const prefix = `transforms.${name}.`;
    const type = raw.get(`${prefix}type`);
    const options = [...raw.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
    if (type === undefined) {
      problem(
        `${prefix}type`,
        `is required for transform "${name}"; valid values: ${Object.values(TRANSFORM_CLASSES).join(', ')}`,
      );
      continue;
    }
    if (type === TRANSFORM_CLASSES.addOpField) {
      for (const option of options) {
        if (option !== 'type') problem(`${prefix}${option}`, `is not an option of ${type} (it takes none)`);
      }
      transforms.push({ name, kind: 'addOpField' });
    } else if (type === TRANSFORM_CLASSES.extractNewRecordState) {
      for (const option of options) {
        if (!(UNWRAP_OPTIONS as readonly string[]).includes(option)) {
          problem(
            `${prefix}${option}`,
            `is not a supported option of ${type}; supported: ${UNWRAP_OPTIONS.slice(1).join(', ')}`,
          );
        }
      }
      let dropTombstones = true;
      const dropText = raw.get(`${prefix}drop.tombstones`);
      if (dropText !== undefined) {
        const parsed = parseBoolean(dropText);
        if (parsed === undefined)
          problem(`${prefix}drop.tombstones`, `"${dropText}" is not a boolean; valid values: true, false`);
        else dropTombstones = parsed;
      }
      const modeText = raw.get(`${prefix}delete.handling.mode`) ?? 'drop';
      const mode = DELETE_HANDLING_MODES.find((m) => m === modeText.trim().toLowerCase());
      if (mode === undefined) {
        problem(
          `${prefix}delete.handling.mode`,
          `"${modeText}" is not valid; valid values: ${DELETE_HANDLING_MODES.join(', ')}`,
        );
      }
      transforms.push({
        name,
        kind: 'extractNewRecordState',
        dropTombstones,
        deleteHandlingMode: mode ?? 'drop',
      });
    } else {
      problem(
        `${prefix}type`,
        `"${type}" is not supported; valid values: ${Object.values(TRANSFORM_CLASSES).join(', ')}`,
      );
    }
  }
  for (const key of raw.keys()) {
    if (key.startsWith('transforms.') && !names.some((n) => key.startsWith(`transforms.${n}.`))) {
      problem(key, `belongs to no transform listed in "transforms" (${names.join(',') || 'none listed'})`);
    }
  }
  return transforms;
}

/** `\x0A`/`\X0a` style hex as the Java connector parses it; anything else is taken literally. */
function decodeDelimiter(text: string): string | undefined {
  if (/^\\x/i.test(text)) {
    const hex = text.slice(2);
    if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-f]+$/i.test(hex)) return undefined;
    return Buffer.from(hex, 'hex').toString('latin1');
  }
  return text;
}

function describeValidKeys(): string {
  return `Valid keys: ${SINK_KEYS.join(', ')}, sink.properties.<stream load header>, transforms.<name>.<option>; ignored Kafka Connect keys: ${IGNORED_KEYS.join(', ')}`;
}
