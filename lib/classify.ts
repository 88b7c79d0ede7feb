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
  | { readonly kind: 'retry'; readonly reason: string }
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

/** StarRocks back-pressure and transient conditions: the same label may be sent again later. */
const TRANSIENT: readonly [RegExp, string][] = [
  [
    /too many versions|too large compaction score/i,
    'too many tablet versions (loads arrive faster than compaction)',
  ],
  [/mem(ory)?[^.]*exceed|exceed[^.]*mem(ory)? limit|memory limit/i, 'memory limit exceeded'],
  [/no backend alive/i, 'no backend alive'],
  [/current running txns on db/i, 'too many running transactions'],
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
  if (status === undefined) return { kind: 'fail', reason: 'the answer has no Status field' };
  return classifyMessage(message);
}

/** Classifies a failure message (a `Fail`/`FAILED` answer). */
export function classifyMessage(message: string): LoadOutcome {
  for (const [pattern, reason] of PERMANENT) if (pattern.test(message)) return { kind: 'fail', reason };
  for (const [pattern, reason] of TRANSIENT) if (pattern.test(message)) return { kind: 'retry', reason };
  return { kind: 'fail', reason: 'StarRocks refused the load' };
}
