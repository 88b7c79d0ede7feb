/**
 * `SINK_CONFIG`: the `config` object of a StarRocks Kafka connector, pasted as JSON. Parsed and
 * validated once at cold start; every problem is collected and reported together. This file holds
 * the `SinkConfig` type and the parse in outline; each area of keys has its own parser beside it,
 * and keys.ts is the catalogue of every key.
 */
import { ConfigError, type ConfigProblem } from '../errors.ts';
import { type BodyCompression, parseCompression } from './compression.ts';
import {
  type CredentialsSource,
  parseConnection,
  parseConnectTimeout,
  type RedirectHosts,
} from './connection.ts';
import { type ConverterConfig, jsonOptionsIgnored, parseConverter, registrySecrets } from './converters.ts';
import { type DeadLetterDestination, type ExactlyOnce, parseDelivery } from './delivery.ts';
import { checkKeyNames } from './key-names.ts';
import type { ErrorTolerance } from './keys.ts';
import { checkCsvInputs, checkMergeCommit, parseBodyFormat, parseLoadHeaders } from './load-headers.ts';
import { type MetadataColumn, parseMetadataColumns } from './metadata-columns.ts';
import { parseRouting } from './routing.ts';
import { hasUserinfo, hideSecrets, isUrlShaped, jsonErrorText, userinfoSecrets } from './shown-values.ts';
import { mergeTableHeaders, parseTableLoadSettings } from './table-load-settings.ts';
import { changesTopics, type PredicateConfig, parseTransforms, type TransformConfig } from './transforms.ts';
import { type ConfigSource, readInteger } from './values.ts';

export interface SinkConfig {
  /** FE base URLs (`http://host:port`), in the configured order. */
  readonly feUrls: readonly string[];
  /**
   * Where a redirect from an FE may take a request with its credentials (`starrocks.redirect.hosts`;
   * by default each FE host and, for an FE given as an IP literal, its /24 or /64).
   */
  readonly redirectHosts: RedirectHosts;
  readonly database: string;
  readonly credentials: CredentialsSource;
  readonly topicToTable: ReadonlyMap<string, string>;
  readonly topics: ReadonlySet<string> | undefined;
  readonly topicsRegex: RegExp | undefined;
  readonly keyConverter: ConverterConfig;
  readonly valueConverter: ConverterConfig;
  readonly transforms: readonly TransformConfig[];
  /** `predicates`: by name, for the transforms that name one. */
  readonly predicates: ReadonlyMap<string, PredicateConfig>;
  readonly format: 'json' | 'csv';
  /** JSON bodies: `[r1,r2]` when true, newline-delimited objects when the user turned it off. */
  readonly stripOuterArray: boolean;
  /** CSV row delimiter as bytes to write (the `\x0A` hex form decoded). */
  readonly rowDelimiter: string;
  /**
   * Every `sink.properties.*` key, lower-cased, plus the defaults the body needs. A load takes its
   * table's headers through `loadHeadersFor` (table-load-settings.ts), never this alone.
   */
  readonly loadHeaders: Readonly<Record<string, string>>;
  /** Tables with `sink.table.<table>.properties.*` keys: `loadHeaders` with the table's own over them. */
  readonly tableLoadHeaders: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** `sink.metadata.columns`: columns loaded from the Kafka record rather than its value, in order. */
  readonly metadataColumns: readonly MetadataColumn[];
  /**
   * `sink.properties.compression` (or `content-encoding`): bodies are compressed with this and
   * announced with the `compression` header. Undefined: bodies are sent as they are.
   */
  readonly compression: BodyCompression | undefined;
  readonly connectTimeoutMs: number;
  /** `sink.max.concurrent.loads`: at most this many table loads run at once in one invocation. */
  readonly maxConcurrentLoads: number;
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
        message: `is not valid JSON (${jsonErrorText(error)}); expected a JSON object of strings`,
      },
    ]);
  }
  return parseSinkConfig(parsed);
}

/**
 * Validates a connector config object and returns the sink's view of it, or throws one
 * {@link ConfigError} listing every problem (key, bad value, what is valid). The areas are read in
 * a fixed order, which is the order their problems are listed in.
 *
 * @example
 * parseSinkConfig({ 'starrocks.http.url': '127.0.0.1:8030', 'starrocks.database.name': 'example_db',
 *   'starrocks.username': 'root', 'starrocks.password': '', 'starrocks.topic2table.map': 'test:test_tbl' });
 */
export function parseSinkConfig(input: unknown): SinkConfig {
  const problems: ConfigProblem[] = [];
  const source = readSource(input, problems);

  // Unknown keys first, so a typo is reported next to what it was probably meant to be.
  const ignoredKeys = checkKeyNames(source);
  const { feUrls, redirectHosts, database, credentials } = parseConnection(source);
  const { transforms, predicates } = parseTransforms(source);
  const routed = changesTopics(transforms);
  const { topicToTable, topics, topicsRegex } = parseRouting(source, routed);
  const keyConverter = parseConverter('key', source);
  const valueConverter = parseConverter('value', source);

  const loadHeaders = parseLoadHeaders(source);
  const { format, stripOuterArray, rowDelimiter } = parseBodyFormat(loadHeaders.headers, source.problem);
  checkCsvInputs(format, valueConverter, transforms, source);
  checkMergeCommit(loadHeaders.headers, source.problem);
  const compression = parseCompression(loadHeaders, format, source);
  const tableLoadHeaders = mergeTableHeaders(loadHeaders.headers, parseTableLoadSettings(source));
  const metadataColumns = parseMetadataColumns(source, keyConverter);

  const connectTimeoutMs = parseConnectTimeout(source);
  const maxConcurrentLoads = readInteger(source, 'sink.max.concurrent.loads');
  const delivery = parseDelivery(source, loadHeaders.headers);
  if (routed && delivery.exactlyOnce?.mode === 'multi') {
    source.problem(
      'sink.transaction.mode',
      'multi keeps its offsets by topic, partition and the table a topic routes to before the transforms, and a transform here routes records elsewhere (RegexRouter, TimestampRouter or route.by.field); use sink.transaction.mode=per-table, or route with starrocks.topic2table.map',
    );
  }

  if (problems.length > 0) throw new ConfigError(withUserinfoHidden(problems, source));
  return {
    feUrls,
    redirectHosts,
    database,
    credentials,
    topicToTable,
    topics,
    topicsRegex,
    keyConverter,
    valueConverter,
    transforms,
    predicates,
    format,
    stripOuterArray,
    rowDelimiter,
    loadHeaders: loadHeaders.headers,
    tableLoadHeaders,
    metadataColumns,
    compression,
    connectTimeoutMs,
    maxConcurrentLoads,
    partialBatchResponse: delivery.partialBatchResponse,
    errorTolerance: delivery.errorTolerance,
    deadLetter: delivery.deadLetter,
    exactlyOnce: delivery.exactlyOnce,
    ignoredKeys: [
      ...ignoredKeys,
      ...jsonOptionsIgnored(source, { key: keyConverter, value: valueConverter }),
    ],
  };
}

/**
 * The config object as text values by key; a value that is not a string, number or boolean is a
 * problem. Anything but an object is refused at once: there is nothing else to check.
 */
function readSource(input: unknown, problems: ConfigProblem[]): ConfigSource {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigError([
      { key: 'SINK_CONFIG', message: 'must be a JSON object whose values are strings' },
    ]);
  }
  const problem = (key: string, message: string) => {
    problems.push({ key, message });
  };
  const raw = new Map<string, string>();
  for (const [key, value] of Object.entries(input)) {
    if (typeof value === 'string') raw.set(key, value);
    else if (typeof value === 'number' || typeof value === 'boolean') raw.set(key, String(value));
    else problem(key, `must be a string, got ${value === null ? 'null' : typeof value}`);
  }
  return { raw, get: (key) => raw.get(key), problem };
}

/** The keys whose values are URLs or hosts, where an `@` can only be user info. */
const URL_KEYS: ReadonlySet<string> = new Set([
  'starrocks.http.url',
  'starrocks.redirect.hosts',
  'errors.deadletterqueue.sqs.url',
]);

/**
 * The problems with the user info of every URL-shaped value, and the registry credentials, hidden. The URL parsers never show it;
 * this is the net under every other message that quotes a value, whatever its key.
 */
function withUserinfoHidden(problems: readonly ConfigProblem[], source: ConfigSource): ConfigProblem[] {
  const urlValues = [...source.raw]
    .filter(([key, value]) => hasUserinfo(value) && (URL_KEYS.has(key) || isUrlShaped(value)))
    .map(([, value]) => value);
  const secrets = [...userinfoSecrets(urlValues), ...registrySecrets(source)].sort(
    (a, b) => b.length - a.length,
  );
  if (secrets.length === 0) return [...problems];
  return problems.map(({ key, message }) => ({ key, message: hideSecrets(message, secrets) }));
}
