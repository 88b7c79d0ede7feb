/**
 * What a Stream Load answer means for the sink. One place decides success, "wait for it", retry
 * and failure; the table test in test/unit/classify.test.ts mirrors it.
 */

/** The BE's JSON answer (FE-level errors use the same `Status`/`Message` names). */
export interface StreamLoadResponse {
  readonly TxnId?: number;
  readonly Label?: string;
  readonly Status?: string;
  readonly Message?: string;
  readonly NumberTotalRows?: number;
  readonly NumberLoadedRows?: number;
  readonly NumberFilteredRows?: number;
  readonly NumberUnselectedRows?: number;
  readonly LoadBytes?: number;
  readonly LoadTimeMs?: number;
  readonly ErrorURL?: string;
  readonly ExistingJobStatus?: string;
}

export type LoadOutcome =
  | { readonly kind: 'loaded' }
  | { readonly kind: 'already-loaded' }
  | { readonly kind: 'running' }
  | {
      readonly kind: 'retry';
      readonly reason: string;
      /** StarRocks is pushing back (versions, transactions, memory): tuning helps, not only waiting. */
      readonly backpressure: boolean;
    }
  | { readonly kind: 'fail'; readonly reason: string };

/** Failures that retrying cannot fix; checked before the retryable patterns. */
const PERMANENT: readonly [RegExp, string][] = [
  [
    /too many filtered rows/i,
    'rows were rejected: fix the data or the table, or allow some with sink.properties.max_filter_ratio',
  ],
  [
    /unknown database|unknown table|no database selected|no table selected|not found/i,
    'the database or table does not exist',
  ],
  [
    /access denied|need auth|no valid basic authorization/i,
    'the user is not allowed to load this table (INSERT privilege)',
  ],
  [/there is no 100-continue header/i, 'the request lacked Expect: 100-continue'],
  [
    /strip_outer_array|should be object type|json document stream/i,
    'the JSON body does not match the load options',
  ],
  [
    /invalid .* format|unknown data format|only one of http header|invalid label|label format error/i,
    'a load option has an invalid value',
  ],
  [/only primary key table support partial update/i, 'partial_update needs a Primary Key table'],
  [/primary key size exceed/i, 'a primary key is too large'],
  [
    /exceed the max size|body size .*exceed limit|receive body don't equal/i,
    'the body is too large or was truncated',
  ],
];

/** Back-pressure: StarRocks is overloaded by the load rate; retried, and counted in a metric. */
const BACKPRESSURE: readonly [RegExp, string][] = [
  [
    /too many versions|too large compaction score/i,
    'too many tablet versions (loads arrive faster than compaction)',
  ],
  [/mem(ory)?[^.]*exceed|exceed[^.]*mem(ory)? limit|memory limit/i, 'memory limit exceeded'],
  [/current running txns on db|too many running (txns|transactions)/i, 'too many running transactions'],
];

/**
 * What to change when back-pressure outlasts the invocation: fewer, larger loads, or merged ones.
 * Appended to the final error so the operator does not have to look it up.
 */
export const BACKPRESSURE_ADVICE =
  'StarRocks is pushing back; send fewer, larger loads: raise the event-source mapping batch size and batching window (BatchSize, MaximumBatchingWindowInSeconds), lower its concurrency, or enable merge commit (sink.properties.enable_merge_commit=true with merge_commit_interval_ms and merge_commit_parallel)';

/** Transient conditions: the same label may be sent again later. */
const TRANSIENT: readonly [RegExp, string][] = [
  [/no backend alive/i, 'no backend alive'],
  [
    /exceed http cu[r]?n?current limit|please try again later|please retry later|shutting down/i,
    'the backend is busy',
  ],
  [/transaction status unknown|retry with same label/i, 'the commit outcome is unknown'],
  [/time(d)? ?out/i, 'the load timed out'],
];

/**
 * Classifies a parsed answer.
 *
 * @example
 * classifyResponse({ Status: 'Label Already Exists', ExistingJobStatus: 'RUNNING' }) // → { kind: 'running' }
 */
export function classifyResponse(response: StreamLoadResponse): LoadOutcome {
  const status = response.Status;
  if (status === 'Success' || status === 'Publish Timeout') return { kind: 'loaded' };
  if (status === 'Label Already Exists') {
    if (response.ExistingJobStatus === 'FINISHED') return { kind: 'already-loaded' };
    return { kind: 'running' };
  }
  const message = response.Message ?? '';
  // A synchronous merge commit whose merged transaction committed but was not yet published: the
  // rows will become visible, as with Publish Timeout; sending again would load them twice.
  if (/has not been published before timeout/i.test(message)) return { kind: 'loaded' };
  if (status === undefined) return { kind: 'fail', reason: 'the answer has no Status field' };
  return classifyMessage(message);
}

/** Classifies a failure message (a `Fail`/`FAILED` answer). */
export function classifyMessage(message: string): LoadOutcome {
  for (const [pattern, reason] of PERMANENT) if (pattern.test(message)) return { kind: 'fail', reason };
  for (const [pattern, reason] of BACKPRESSURE)
    if (pattern.test(message)) return { kind: 'retry', reason, backpressure: true };
  for (const [pattern, reason] of TRANSIENT)
    if (pattern.test(message)) return { kind: 'retry', reason, backpressure: false };
  return { kind: 'fail', reason: 'StarRocks refused the load' };
}
