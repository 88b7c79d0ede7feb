/**
 * The delivery keys: partial batch responses, `errors.tolerance` with its dead-letter destination
 * (S3 or SQS), and `sink.semantic` with the exactly-once transaction mode and offsets table.
 */
import { type ErrorTolerance, PARTIAL_BATCH_RESPONSE_KEY, SINK_KEYS } from './keys.ts';
import { isMergeCommitEnabled } from './load-headers.ts';
import { hasUserinfo, hideUserinfo } from './shown-values.ts';
import { type ConfigSource, isValidTableName, readBoolean, readChoice } from './values.ts';

export type DeadLetterDestination =
  | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string }
  | { readonly kind: 'sqs'; readonly queueUrl: string };

/** How exactly-once is done: StarRocks ≥ 4.0 multi-table transactions, or the per-table API. */
export type ExactlyOnce =
  | { readonly mode: 'multi'; readonly offsetsTable: string }
  | { readonly mode: 'per-table' };

/** What is committed when, and where records that cannot be loaded go. */
export interface Delivery {
  readonly partialBatchResponse: boolean;
  readonly errorTolerance: ErrorTolerance;
  /** Set exactly when `errorTolerance` is `all`. */
  readonly deadLetter: DeadLetterDestination | undefined;
  /** Undefined for at-least-once (the default). */
  readonly exactlyOnce: ExactlyOnce | undefined;
}

/** Reads partial batch responses, then error handling, then the semantic (which checks the other two). */
export function parseDelivery(source: ConfigSource, loadHeaders: Readonly<Record<string, string>>): Delivery {
  const partialBatchResponse = readBoolean(source, PARTIAL_BATCH_RESPONSE_KEY);
  const { errorTolerance, deadLetter } = parseErrorHandling(source);
  const exactlyOnce = parseSemantic(source, loadHeaders, partialBatchResponse);
  return { partialBatchResponse, errorTolerance, deadLetter, exactlyOnce };
}

const S3_BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * `errors.tolerance` and our dead-letter keys. Kafka Connect may skip bad records with only a log
 * line; here `all` needs a destination, so a skipped record is never lost.
 */
function parseErrorHandling(source: ConfigSource): {
  errorTolerance: ErrorTolerance;
  deadLetter: DeadLetterDestination | undefined;
} {
  const { get, problem } = source;
  const errorTolerance = readChoice(source, 'errors.tolerance') ?? SINK_KEYS['errors.tolerance'].default;
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
    deadLetter = parseS3Destination(bucket, prefix, source);
  } else if (queueUrl !== undefined) {
    deadLetter = parseSqsDestination(queueUrl, source);
  }
  if (prefix !== undefined && bucket === undefined) {
    problem('errors.deadletterqueue.s3.prefix', 'has no effect without errors.deadletterqueue.s3.bucket');
  }
  if (errorTolerance === 'all' && bucket === undefined && queueUrl === undefined) {
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

function parseS3Destination(
  bucket: string,
  prefixText: string | undefined,
  source: ConfigSource,
): DeadLetterDestination {
  if (!S3_BUCKET_PATTERN.test(bucket)) {
    source.problem(
      'errors.deadletterqueue.s3.bucket',
      `"${bucket}" is not an S3 bucket name (3-63 characters: lower-case letters, digits, . and -)`,
    );
  }
  const prefix = prefixText ?? SINK_KEYS['errors.deadletterqueue.s3.prefix'].default;
  if (prefix.startsWith('/'))
    source.problem('errors.deadletterqueue.s3.prefix', `"${prefix}" must not start with /`);
  return { kind: 's3', bucket, prefix };
}

function parseSqsDestination(queueUrl: string, source: ConfigSource): DeadLetterDestination {
  if (hasUserinfo(queueUrl)) {
    source.problem(
      'errors.deadletterqueue.sqs.url',
      `"${hideUserinfo(queueUrl)}" carries credentials in the URL (before an "@", not shown); an SQS queue URL has none: the function's role grants the access`,
    );
    return { kind: 'sqs', queueUrl: '' };
  }
  let ok = false;
  try {
    const url = new URL(queueUrl);
    ok = (url.protocol === 'https:' || url.protocol === 'http:') && url.pathname.split('/').length === 3;
  } catch {
    ok = false;
  }
  if (!ok) {
    source.problem(
      'errors.deadletterqueue.sqs.url',
      `"${queueUrl}" is not an SQS queue URL such as https://sqs.us-east-1.amazonaws.com/123456789012/sink-dead-letters`,
    );
  }
  return { kind: 'sqs', queueUrl };
}

/**
 * `sink.semantic=exactly-once` needs the transaction mode named, not guessed from the server:
 * `multi` (StarRocks ≥ 4.0: one transaction with an offsets table) or `per-table` (< 4.0).
 */
function parseSemantic(
  source: ConfigSource,
  loadHeaders: Readonly<Record<string, string>>,
  partialBatchResponse: boolean,
): ExactlyOnce | undefined {
  const { get, problem } = source;
  const modeText = get('sink.transaction.mode');
  const offsetsText = get('sink.offsets.table');
  const semantic = readChoice(source, 'sink.semantic');
  if (semantic === undefined) return undefined;
  if (semantic === 'at-least-once') {
    if (modeText !== undefined)
      problem('sink.transaction.mode', 'is used only with sink.semantic=exactly-once');
    if (offsetsText !== undefined)
      problem('sink.offsets.table', 'is used only with sink.semantic=exactly-once');
    return undefined;
  }
  if (isMergeCommitEnabled(loadHeaders)) {
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
  const offsetsTable = offsetsText ?? SINK_KEYS['sink.offsets.table'].default;
  if (!isValidTableName(offsetsTable)) {
    problem('sink.offsets.table', `"${offsetsTable}" is not a valid StarRocks table name`);
  }
  return { mode, offsetsTable };
}
