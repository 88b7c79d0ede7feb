/**
 * One error family for the whole sink. Every error has a stable `code` that tests, logs and
 * alarms can match on, and says whether retrying the same batch can help.
 */

export const ErrorCode = {
  CONFIG_INVALID: 'CONFIG_INVALID',
  DECODE_EVENT: 'DECODE_EVENT',
  DECODE_VALUE: 'DECODE_VALUE',
  CDC_UNSUPPORTED: 'CDC_UNSUPPORTED',
  /** A configured transform (SMT) cannot handle a record: wrong type, missing field, bad format. */
  TRANSFORM_FAILED: 'TRANSFORM_FAILED',
  ROUTE_TOPIC_NOT_ALLOWED: 'ROUTE_TOPIC_NOT_ALLOWED',
  LOAD_FAILED: 'LOAD_FAILED',
  LOAD_AUTH: 'LOAD_AUTH',
  LOAD_TRANSPORT: 'LOAD_TRANSPORT',
  LOAD_DEADLINE: 'LOAD_DEADLINE',
  /** A redirect the sink does not follow (host not allowed, https → http, scheme, loop, bad Location). */
  LOAD_REDIRECT: 'LOAD_REDIRECT',
  /** A value's schema id the registry does not know, or a schema that does not compile. */
  DECODE_SCHEMA: 'DECODE_SCHEMA',
  /** The schema registry cannot be reached, times out or answers 5xx/429: retrying can help. */
  REGISTRY_UNAVAILABLE: 'REGISTRY_UNAVAILABLE',
  /** The schema registry refuses the credentials (401/403). */
  REGISTRY_AUTH: 'REGISTRY_AUTH',
  SECRET_INVALID: 'SECRET_INVALID',
  DEADLETTER_FAILED: 'DEADLETTER_FAILED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface SinkErrorOptions {
  readonly retryable?: boolean;
  readonly cause?: unknown;
}

export class SinkError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: SinkErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SinkError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** A single problem found in `SINK_CONFIG`. */
export interface ConfigProblem {
  readonly key: string;
  readonly message: string;
}

/** Every configuration problem, reported at once. */
export class ConfigError extends SinkError {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    const lines = problems.map((p) => `  - ${p.key}: ${p.message}`);
    super(
      ErrorCode.CONFIG_INVALID,
      `SINK_CONFIG has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${lines.join('\n')}`,
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Where a record sits in Kafka; every record-level error names it. */
export interface RecordPosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

export class RecordError extends SinkError {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;

  constructor(code: ErrorCode, position: RecordPosition, reason: string, options: SinkErrorOptions = {}) {
    super(
      code,
      `record ${position.topic}-${position.partition}@${position.offset} (topic "${position.topic}", partition ${position.partition}, offset ${position.offset}): ${reason}`,
      options,
    );
    this.name = 'RecordError';
    this.topic = position.topic;
    this.partition = position.partition;
    this.offset = position.offset;
  }
}

export interface LoadErrorDetails {
  readonly table: string;
  readonly label: string;
  readonly status?: string | undefined;
  readonly starrocksMessage?: string | undefined;
  readonly errorUrl?: string | undefined;
  readonly errorLog?: string | undefined;
  readonly httpStatus?: number | undefined;
}

/** A Stream Load that did not succeed, with what StarRocks said about it. */
export class LoadError extends SinkError {
  readonly summary: string;
  readonly table: string;
  readonly label: string;
  readonly status: string | undefined;
  readonly starrocksMessage: string | undefined;
  readonly errorUrl: string | undefined;
  readonly errorLog: string | undefined;
  readonly httpStatus: number | undefined;

  constructor(code: ErrorCode, summary: string, details: LoadErrorDetails, options: SinkErrorOptions = {}) {
    const parts = [`Stream Load into table "${details.table}" (label ${details.label}) ${summary}`];
    if (details.status !== undefined) parts.push(`Status: ${details.status}`);
    if (details.starrocksMessage) parts.push(`Message: ${details.starrocksMessage}`);
    if (details.errorUrl) parts.push(`ErrorURL: ${details.errorUrl}`);
    if (details.errorLog) parts.push(`first rejected rows:\n${details.errorLog}`);
    super(code, parts.join('\n'), options);
    this.name = 'LoadError';
    this.summary = summary;
    this.table = details.table;
    this.label = details.label;
    this.status = details.status;
    this.starrocksMessage = details.starrocksMessage;
    this.errorUrl = details.errorUrl;
    this.errorLog = details.errorLog;
    this.httpStatus = details.httpStatus;
  }
}

/** Several tables failed in one invocation; the batch fails as a whole. */
export class BatchLoadError extends SinkError {
  readonly failures: readonly SinkError[];

  constructor(failures: readonly SinkError[], loadedTables: readonly string[]) {
    const loaded =
      loadedTables.length > 0
        ? ` (loaded, and deduplicated on retry by label: ${loadedTables.join(', ')})`
        : '';
    super(
      failures[0]?.code ?? ErrorCode.LOAD_FAILED,
      `${failures.length} of ${failures.length + loadedTables.length} table loads failed${loaded}; the batch will be retried:\n${failures
        .map((f) => f.message)
        .join('\n---\n')}`,
      { retryable: failures.every((f) => f.retryable) },
    );
    this.name = 'BatchLoadError';
    this.failures = failures;
  }
}
