/**
 * The configuration key catalogue, one declarative table: every `SINK_CONFIG` key the sink reads
 * (its default, how its value is read, whose key it is, one line saying what it does), the Stream
 * Load headers and transform options the sink reads itself, the key families under a prefix, and
 * the Kafka Connect keys that are accepted and ignored or refused. The parser's unknown-key check,
 * the valid keys its message lists and its defaults come from here; test/unit/config/config-doc.test.ts
 * holds docs/configuration.md to it.
 */

/**
 * Whose key it is: the StarRocks Kafka connector's or Kafka Connect's own (`connector`), so a pasted
 * connector config keeps its meaning, or one this sink adds (`ours`).
 */
export type KeyGroup = 'connector' | 'ours';

/**
 * How a value is read. `boolean`, `integer` and `choice` are read the same way for every key (the
 * values of a `choice` are in `values`); the others name what their area parser accepts.
 */
export type KeyKind =
  | 'boolean'
  | 'integer'
  | 'choice'
  | 'text'
  | 'list'
  | 'fe-urls'
  | 'hosts'
  | 'name'
  | 'topic-map'
  | 'regex'
  | 'secret'
  | 's3-bucket'
  | 'sqs-url';

/** The default of a key that must be set (some only with another key: its doc says when). */
export const REQUIRED = Symbol('required');

/** One key of the catalogue. */
export interface KeySpec {
  readonly group: KeyGroup;
  readonly kind: KeyKind;
  /** The value taken when the key is absent; {@link REQUIRED}; or undefined: absent means none or off. */
  readonly default: string | number | boolean | typeof REQUIRED | undefined;
  /** The valid values of a `choice` key. */
  readonly values?: readonly string[];
  /** The valid range of an `integer` key, when it does not depend on another key. */
  readonly range?: readonly [number, number];
  /** What the key does, in one line. */
  readonly doc: string;
}

export const CONVERTER_CLASSES = {
  json: 'org.apache.kafka.connect.json.JsonConverter',
  string: 'org.apache.kafka.connect.storage.StringConverter',
  confluentAvro: 'io.confluent.connect.avro.AvroConverter',
  confluentProtobuf: 'io.confluent.connect.protobuf.ProtobufConverter',
  confluentJsonSchema: 'io.confluent.connect.json.JsonSchemaConverter',
  glueAvro: 'com.amazonaws.services.schemaregistry.kafkaconnect.AWSKafkaAvroConverter',
  glueProtobuf: 'com.amazonaws.services.schemaregistry.kafkaconnect.protobuf.ProtobufSchemaConverter',
  glueJsonSchema: 'com.amazonaws.services.schemaregistry.kafkaconnect.jsonschema.JsonSchemaConverter',
} as const;

/** The schema-registry converters: which registry frames the values and which format they carry. */
export const REGISTRY_CONVERTERS: Readonly<
  Record<string, { readonly registry: 'confluent' | 'glue'; readonly format: 'avro' | 'protobuf' | 'json' }>
> = {
  [CONVERTER_CLASSES.confluentAvro]: { registry: 'confluent', format: 'avro' },
  [CONVERTER_CLASSES.confluentProtobuf]: { registry: 'confluent', format: 'protobuf' },
  [CONVERTER_CLASSES.confluentJsonSchema]: { registry: 'confluent', format: 'json' },
  [CONVERTER_CLASSES.glueAvro]: { registry: 'glue', format: 'avro' },
  [CONVERTER_CLASSES.glueProtobuf]: { registry: 'glue', format: 'protobuf' },
  [CONVERTER_CLASSES.glueJsonSchema]: { registry: 'glue', format: 'json' },
};

/**
 * The options of the schema-registry converters the sink reads, each under `key.converter.` and
 * `value.converter.`; `registry` says which converters take it. Confluent's names are those of its
 * serde config, Glue's those of its converters.
 */
export const CONVERTER_OPTIONS = {
  'schema.registry.url': {
    group: 'connector',
    kind: 'list',
    default: undefined,
    registry: 'confluent',
    doc: 'Confluent-compatible registry base URLs, comma separated, tried in order (required for the Confluent converters).',
  },
  'basic.auth.credentials.source': {
    group: 'connector',
    kind: 'choice',
    values: ['URL', 'USER_INFO'],
    default: 'URL',
    registry: 'confluent',
    doc: 'URL: user info of the registry URL; USER_INFO: basic.auth.user.info or the secret.',
  },
  'basic.auth.user.info': {
    group: 'connector',
    kind: 'text',
    default: undefined,
    registry: 'confluent',
    doc: '"user:password" (a Confluent Cloud API key and secret); local use only, deployed stacks use the secret.',
  },
  'bearer.auth.credentials.source': {
    group: 'connector',
    kind: 'choice',
    values: ['STATIC_TOKEN'],
    default: undefined,
    registry: 'confluent',
    doc: "STATIC_TOKEN: send bearer.auth.token (or the secret's token) as a bearer token.",
  },
  'bearer.auth.token': {
    group: 'connector',
    kind: 'text',
    default: undefined,
    registry: 'confluent',
    doc: 'The bearer token; local use only, deployed stacks use the secret.',
  },
  'bearer.auth.logical.cluster': {
    group: 'connector',
    kind: 'text',
    default: undefined,
    registry: 'confluent',
    doc: 'Confluent Cloud: the schema registry cluster id (lsrc-…), sent as target-sr-cluster.',
  },
  'bearer.auth.identity.pool.id': {
    group: 'connector',
    kind: 'text',
    default: undefined,
    registry: 'confluent',
    doc: 'Confluent Cloud: the identity pool, sent as Confluent-Identity-Pool-Id.',
  },
  'schema.registry.secret.arn': {
    group: 'ours',
    kind: 'secret',
    default: undefined,
    registry: 'confluent',
    doc: 'A Secrets Manager secret holding {"username","password"} (basic) or {"token"} (bearer) for the registry.',
  },
  'wrapper.for.nullables': {
    group: 'connector',
    kind: 'boolean',
    default: false,
    registry: 'confluent',
    format: 'protobuf',
    doc: 'ProtobufConverter: a google.protobuf wrapper field is its inner value or null (off: a {"value"} struct).',
  },
  'int.for.enums': {
    group: 'connector',
    kind: 'boolean',
    default: false,
    registry: 'confluent',
    format: 'protobuf',
    doc: 'ProtobufConverter: enums load as their numbers instead of their names.',
  },
  'generate.index.for.unions': {
    group: 'connector',
    kind: 'boolean',
    default: true,
    registry: 'confluent',
    format: 'protobuf',
    doc: 'ProtobufConverter: a oneof is a field named <oneof>_<index> (off: named <oneof>).',
  },
  'flatten.unions': {
    group: 'connector',
    kind: 'boolean',
    default: false,
    registry: 'confluent',
    format: 'protobuf',
    doc: 'ProtobufConverter: the members of a oneof are fields of the message itself.',
  },
  region: {
    group: 'connector',
    kind: 'text',
    default: undefined,
    registry: 'glue',
    doc: "The Glue Schema Registry's region; default the function's region.",
  },
  endpoint: {
    group: 'connector',
    kind: 'text',
    default: undefined,
    registry: 'glue',
    doc: "A Glue endpoint URL other than the region's (a VPC endpoint, or a local stand-in).",
  },
} as const satisfies Readonly<
  Record<string, KeySpec & { readonly registry: 'confluent' | 'glue'; readonly format?: 'protobuf' }>
>;

export type ConverterOption = keyof typeof CONVERTER_OPTIONS;

/**
 * Options of the registry converters that only a producer or Connect's own side uses (registering
 * schemas, subject naming, caches): accepted under `key.converter.` and `value.converter.` and ignored.
 */
export const IGNORED_CONVERTER_OPTIONS = [
  'auto.register.schemas',
  'use.latest.version',
  'latest.compatibility.strict',
  'normalize.schemas',
  'key.subject.name.strategy',
  'value.subject.name.strategy',
  'schemas.cache.config',
  'connect.meta.data',
  'enhanced.avro.schema.support',
  'schemaAutoRegistrationEnabled',
  'registry.name',
  'schemaName',
  'dataFormat',
  'compatibility',
  'avroRecordType',
  'protobufMessageType',
  'cacheSize',
  'timeToLiveMillis',
] as const;

export const ERROR_TOLERANCES = ['none', 'all'] as const;
export type ErrorTolerance = (typeof ERROR_TOLERANCES)[number];

/** Body compressions the sink can write (StarRocks ≥ 3.2.7 reads them for JSON). */
export const COMPRESSION_CODECS = ['gzip', 'zstd', 'lz4_frame'] as const;
export type CompressionCodec = (typeof COMPRESSION_CODECS)[number];

/** Levels accepted per codec; 1 is the default and, for JSON bodies, the best time per byte saved. */
export const COMPRESSION_LEVELS: Readonly<Record<CompressionCodec, readonly [number, number]>> = {
  gzip: [1, 9],
  // 20–22 are zstd's "ultra" levels: far slower, and sized for inputs much larger than a batch.
  zstd: [1, 19],
  // The fast mode only (lib/batch/lz4.ts).
  lz4_frame: [1, 1],
};

/** Ours, not the connector's: report failed partitions instead of failing the whole batch. */
export const PARTIAL_BATCH_RESPONSE_KEY = 'sink.partial.batch.response';

/** Ours: where a redirect from an FE may take a request with its credentials. */
export const REDIRECT_HOSTS_KEY = 'starrocks.redirect.hosts';

/** Ours: the level of `sink.properties.compression`. */
export const COMPRESSION_LEVEL_KEY = 'sink.compression.level';

/** Ours: columns filled from the Kafka record's topic, partition, offset, timestamp, key and headers. */
export const METADATA_COLUMNS_KEY = 'sink.metadata.columns';

/** Ours: the prefix of per-table Stream Load headers, `sink.table.<table>.properties.<header>`. */
export const TABLE_PROPERTIES_PREFIX = 'sink.table.';

/**
 * Every key the sink reads, in the order the unknown-key message lists them. Keys under a prefix
 * (`sink.properties.*`, `transforms.<name>.*`) are in {@link SINK_PROPERTIES}, {@link TRANSFORM_OPTIONS}
 * and {@link KEY_FAMILIES}.
 */
export const SINK_KEYS = {
  'starrocks.http.url': {
    group: 'connector',
    kind: 'fe-urls',
    default: REQUIRED,
    doc: 'FE HTTP addresses, comma separated: host:port or http(s)://host:port.',
  },
  [REDIRECT_HOSTS_KEY]: {
    group: 'ours',
    kind: 'hosts',
    default: undefined,
    doc: 'Where an FE redirect may take the credentials: host, host:port, CIDR or .domain entries; default the FE hosts and their /24 or /64.',
  },
  'starrocks.database.name': {
    group: 'connector',
    kind: 'name',
    default: REQUIRED,
    doc: 'The StarRocks database every table is loaded into.',
  },
  'starrocks.username': {
    group: 'connector',
    kind: 'text',
    default: REQUIRED,
    doc: 'A StarRocks user with INSERT on the tables; required unless starrocks.secret.arn is set.',
  },
  'starrocks.password': {
    group: 'connector',
    kind: 'text',
    default: REQUIRED,
    doc: "That user's password, which may be empty; required unless starrocks.secret.arn is set.",
  },
  'starrocks.secret.arn': {
    group: 'ours',
    kind: 'secret',
    default: undefined,
    doc: 'A Secrets Manager secret (ARN or name) holding {"username","password"}, instead of the two keys above.',
  },
  'starrocks.topic2table.map': {
    group: 'connector',
    kind: 'topic-map',
    default: undefined,
    doc: '"topic:table" pairs; a topic without one loads into the table of its own name.',
  },
  topics: {
    group: 'connector',
    kind: 'list',
    default: undefined,
    doc: 'The topics accepted; a record of any other topic fails the batch.',
  },
  'topics.regex': {
    group: 'connector',
    kind: 'regex',
    default: undefined,
    doc: 'A regular expression the whole name of an accepted topic matches; instead of topics.',
  },
  'key.converter': {
    group: 'connector',
    kind: 'choice',
    values: Object.values(CONVERTER_CLASSES),
    default: CONVERTER_CLASSES.json,
    doc: 'How record keys are read (loaded only by transforms and key metadata columns).',
  },
  'value.converter': {
    group: 'connector',
    kind: 'choice',
    values: Object.values(CONVERTER_CLASSES),
    default: CONVERTER_CLASSES.json,
    doc: 'How record values are read: JSON, text, or Avro/Protobuf/JSON Schema through a schema registry.',
  },
  'key.converter.schemas.enable': {
    group: 'connector',
    kind: 'boolean',
    default: true,
    doc: 'JsonConverter keys are {"schema","payload"} envelopes (Kafka\'s default).',
  },
  'value.converter.schemas.enable': {
    group: 'connector',
    kind: 'boolean',
    default: true,
    doc: 'JsonConverter values are {"schema","payload"} envelopes (Kafka\'s default).',
  },
  'value.converter.replace.null.with.default': {
    group: 'connector',
    kind: 'boolean',
    default: true,
    doc: "With a schema, a null field takes the schema's default (Kafka ≥ 3.5).",
  },
  transforms: {
    group: 'connector',
    kind: 'list',
    default: undefined,
    doc: 'Transform names, applied in order, each configured by transforms.<name>.*.',
  },
  predicates: {
    group: 'connector',
    kind: 'list',
    default: undefined,
    doc: 'Predicate names, each configured by predicates.<name>.*; a transform names one in transforms.<name>.predicate.',
  },
  'connect.timeoutms': {
    group: 'connector',
    kind: 'integer',
    range: [100, 60_000],
    default: 1000,
    doc: 'TCP connect timeout to an FE or BE, in milliseconds.',
  },
  [PARTIAL_BATCH_RESPONSE_KEY]: {
    group: 'ours',
    kind: 'boolean',
    default: false,
    doc: 'Return the partitions that failed as a partial batch response, so the others commit.',
  },
  'errors.tolerance': {
    group: 'connector',
    kind: 'choice',
    values: ERROR_TOLERANCES,
    default: 'none',
    doc: 'none: a bad record fails the batch; all: bad records and rejected rows go to the dead letters.',
  },
  'errors.deadletterqueue.s3.bucket': {
    group: 'ours',
    kind: 's3-bucket',
    default: undefined,
    doc: 'Dead letters as S3 objects in this bucket.',
  },
  'errors.deadletterqueue.s3.prefix': {
    group: 'ours',
    kind: 'text',
    default: 'dead-letters/',
    doc: 'The key prefix of those objects.',
  },
  'errors.deadletterqueue.sqs.url': {
    group: 'ours',
    kind: 'sqs-url',
    default: undefined,
    doc: 'Dead letters as messages to this SQS queue.',
  },
  'sink.semantic': {
    group: 'ours',
    kind: 'choice',
    values: ['at-least-once', 'exactly-once'],
    default: 'at-least-once',
    doc: 'exactly-once loads through the transaction API.',
  },
  'sink.transaction.mode': {
    group: 'ours',
    kind: 'choice',
    values: ['multi', 'per-table'],
    default: REQUIRED,
    doc: 'How exactly-once is done: one multi-table transaction or one per table; required with exactly-once.',
  },
  'sink.offsets.table': {
    group: 'ours',
    kind: 'name',
    default: 'kafka_offsets',
    doc: 'With sink.transaction.mode=multi: the table the committed offsets are kept in.',
  },
  'sink.max.concurrent.loads': {
    group: 'ours',
    kind: 'integer',
    range: [1, 256],
    default: 8,
    doc: 'At most this many Stream Loads (one per table) run at once in one invocation.',
  },
  [COMPRESSION_LEVEL_KEY]: {
    group: 'ours',
    kind: 'integer',
    default: 1,
    doc: 'The level of sink.properties.compression; its range depends on the codec.',
  },
  [METADATA_COLUMNS_KEY]: {
    group: 'ours',
    kind: 'text',
    default: undefined,
    doc: '"column:source" pairs: columns loaded from the record\'s topic, partition, offset, timestamp, key or headers.',
  },
} as const satisfies Readonly<Record<string, KeySpec>>;

export type SinkKey = keyof typeof SINK_KEYS;

/** The keys of one kind, so a reader of that kind takes only them. */
export type SinkKeyOfKind<K extends KeyKind> = {
  [P in SinkKey]: (typeof SINK_KEYS)[P]['kind'] extends K ? P : never;
}[SinkKey];

export const DEFAULT_DEAD_LETTER_PREFIX = SINK_KEYS['errors.deadletterqueue.s3.prefix'].default;

export const SINK_PROPERTIES_PREFIX = 'sink.properties.';

/**
 * The `sink.properties.*` Stream Load headers the sink reads itself, by header name (lower-case).
 * Every other one is sent as it is.
 */
export const SINK_PROPERTIES = {
  format: {
    group: 'connector',
    kind: 'choice',
    values: ['json', 'csv'],
    default: 'json',
    doc: 'The body format: JSON rows, or CSV lines (with StringConverter).',
  },
  strip_outer_array: {
    group: 'connector',
    kind: 'boolean',
    default: true,
    doc: 'JSON bodies are one array [row,row]; false: newline-delimited objects.',
  },
  row_delimiter: {
    group: 'connector',
    kind: 'text',
    default: '\n',
    doc: 'CSV: the end of every line, as characters or hex (\\x0A).',
  },
  compression: {
    group: 'connector',
    kind: 'choice',
    values: COMPRESSION_CODECS,
    default: undefined,
    doc: 'The sink compresses each JSON body with this codec and says so in one compression header.',
  },
  'content-encoding': {
    group: 'connector',
    kind: 'choice',
    values: COMPRESSION_CODECS,
    default: undefined,
    doc: 'Another name for compression; set one of the two.',
  },
  enable_merge_commit: {
    group: 'connector',
    kind: 'boolean',
    default: false,
    doc: 'Merge commit (StarRocks ≥ 3.4): concurrent loads of a table share one transaction.',
  },
  merge_commit_interval_ms: {
    group: 'connector',
    kind: 'integer',
    default: REQUIRED,
    doc: 'The merge window in milliseconds; required with enable_merge_commit=true.',
  },
  merge_commit_parallel: {
    group: 'connector',
    kind: 'integer',
    default: REQUIRED,
    doc: 'How many BEs a merged load spreads over; required with enable_merge_commit=true.',
  },
  merge_commit_async: {
    group: 'connector',
    kind: 'boolean',
    default: undefined,
    doc: 'StarRocks answers before the merged transaction commits; the sink then waits on its label.',
  },
} as const satisfies Readonly<Record<string, KeySpec>>;

/** Stream Load headers the sink sets for every load: a user value would break deduplication or the body. */
export const RESERVED_LOAD_HEADERS = [
  'label',
  'expect',
  'authorization',
  'content-length',
  'transfer-encoding',
  'host',
] as const;

/** Key families: every key under the prefix belongs to the family and is checked by its parser. */
export const KEY_FAMILIES = [
  {
    prefix: SINK_PROPERTIES_PREFIX,
    shown: `${SINK_PROPERTIES_PREFIX}<stream load header>`,
    doc: 'Stream Load headers, sent lower-cased with the value unchanged.',
  },
  {
    prefix: TABLE_PROPERTIES_PREFIX,
    shown: `${TABLE_PROPERTIES_PREFIX}<table>.properties.<stream load header>`,
    doc: "One table's Stream Load headers, over sink.properties.* for that table's loads.",
  },
  {
    prefix: 'transforms.',
    shown: 'transforms.<name>.<option>',
    doc: 'The options of the transforms listed in transforms.',
  },
  {
    prefix: 'predicates.',
    shown: 'predicates.<name>.<option>',
    doc: 'The options of the predicates listed in predicates.',
  },
  {
    prefix: 'value.converter.',
    shown: 'value.converter.<option>',
    doc: 'The options of a schema-registry value converter.',
  },
  {
    prefix: 'key.converter.',
    shown: 'key.converter.<option>',
    doc: 'The options of a schema-registry key converter.',
  },
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
  ...(['key', 'value'] as const).flatMap((which) =>
    IGNORED_CONVERTER_OPTIONS.map((option) => `${which}.converter.${option}` as const),
  ),
] as const;

/** Prefixes of ignored Kafka Connect keys. */
export const IGNORED_PREFIXES = ['consumer.override.', 'producer.override.'] as const;

/** Kafka Connect keys the sink refuses, with what to do instead. */
export const REFUSED_KEYS: Readonly<Record<string, string>> = {
  'errors.deadletterqueue.topic.name':
    'a Lambda function does not produce to Kafka; send dead letters to S3 (errors.deadletterqueue.s3.bucket) or SQS (errors.deadletterqueue.sqs.url) instead',
};
