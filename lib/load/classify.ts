import { ErrorCode } from '../errors.ts';
import type { Exchange, HttpAnswer, RefusedRedirect } from './http.ts';
import { noScrub, type Scrub } from './scrub.ts';

/**
 * What an answer of StarRocks means for the sink. {@link classifyExchange} is the one place that
 * decides, for every API the sink calls: success, "wait for it", retry (now, at another FE, or
 * only when the batch is retried) and failure, from the transport error, the HTTP status and the
 * body. The table tests in test/unit/load/classify.test.ts mirror it.
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
  // A synchronous merge commit left COMMITTED answers Status::PublishTimeout("Load has not been
  // published before timeout") (BE isomorphic_batch_write.cpp), i.e. `Publish Timeout`, taken above;
  // the same words under any other Status are a failure like any other.
  const message = response.Message ?? '';
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

/** The APIs the sink calls; each answers with JSON of its own shape. */
export type StarRocksApi = 'stream-load' | 'transaction' | 'load-state' | 'sql';

const API_NAMES: Readonly<Record<StarRocksApi, string>> = {
  'stream-load': 'Stream Load',
  transaction: 'transaction API',
  'load-state': 'get_load_state',
  sql: 'SQL API',
};

/** The answer of `/api/transaction/*` (begin, load, prepare, commit, rollback). */
export interface TransactionAnswer {
  readonly Status?: string;
  readonly Message?: string;
  readonly ExistingJobStatus?: string;
  readonly ErrorURL?: string;
}

/** What StarRocks said about a failure, for the error that reports it. */
export interface FailureDetails {
  readonly status?: string | undefined;
  readonly starrocksMessage?: string | undefined;
  readonly errorUrl?: string | undefined;
  readonly errorLog?: string | undefined;
  readonly httpStatus?: number | undefined;
}

/** A failed exchange: what to tell the operator, and what may help. */
export interface Refusal {
  /** `retry`: another attempt within this invocation may succeed; `fail`: it will not. */
  readonly kind: 'retry' | 'fail';
  readonly code: ErrorCode;
  /** What happened, as the end of "Stream Load into table … (label …) <summary>". */
  readonly summary: string;
  /** Whether the batch may load when it is retried later (a deadline: not now, but then). */
  readonly retryable: boolean;
  /** The FE was not reached: the next one is tried at once. */
  readonly failover: boolean;
  /** StarRocks is pushing back (versions, transactions, memory): tuning helps, not only waiting. */
  readonly backpressure: boolean;
  /** StarRocks answered in its own JSON, rather than failing in transport or HTTP. */
  readonly answered: boolean;
  readonly details: FailureDetails;
  readonly cause?: unknown;
}

export type StreamLoadVerdict =
  | { readonly kind: 'loaded' | 'already-loaded' | 'running'; readonly response: StreamLoadResponse }
  | Refusal;

export type TransactionVerdict =
  | {
      /** `published-later`: committed, visible after publishing (PUBLISH_TIMEOUT). */
      readonly kind: 'ok' | 'label-exists' | 'published-later';
      readonly answer: TransactionAnswer;
    }
  | Refusal;

export type LabelStateVerdict = { readonly kind: 'state'; readonly state: string } | Refusal;

export type SqlVerdict = { readonly kind: 'rows'; readonly rows: unknown[][] } | Refusal;

type Verdict = StreamLoadVerdict | TransactionVerdict | LabelStateVerdict | SqlVerdict;

/** Whether a verdict is a failure (to retry or not) rather than an answer to act on. */
export function isRefusal(verdict: { readonly kind: string }): verdict is Refusal {
  return verdict.kind === 'retry' || verdict.kind === 'fail';
}

/**
 * Decides what one exchange with StarRocks means: a transport failure (connect: retry at the next
 * FE; request: retry; deadline: not retried now), a refused redirect (fail: the configuration or
 * the cluster must change), 401/403 (the credentials), 5xx (retry), any other status but 200
 * (fail), a body that is not the API's JSON (retry), a success to a PUT whose body was never sent
 * (retry: nothing was loaded), and then the API's own answer. Every text taken from the answer
 * goes through `scrub` (the sink's credentials, should a server echo them) before it reaches the
 * verdict.
 *
 * @example
 * classifyExchange('transaction', { url, hops: 0, answer: { statusCode: 503, location: undefined, body: '', truncated: false, bodySent: true } })
 * // → { kind: 'retry', code: 'LOAD_TRANSPORT', summary: 'got HTTP 503 from fe:8030', ... }
 */
export function classifyExchange(api: 'stream-load', exchange: Exchange, scrub?: Scrub): StreamLoadVerdict;
export function classifyExchange(api: 'transaction', exchange: Exchange, scrub?: Scrub): TransactionVerdict;
export function classifyExchange(api: 'load-state', exchange: Exchange, scrub?: Scrub): LabelStateVerdict;
export function classifyExchange(api: 'sql', exchange: Exchange, scrub?: Scrub): SqlVerdict;
export function classifyExchange(api: StarRocksApi, exchange: Exchange, scrub?: Scrub): Verdict;
export function classifyExchange(api: StarRocksApi, exchange: Exchange, scrub: Scrub = noScrub): Verdict {
  return scrubVerdict(verdictOf(api, exchange), scrub);
}

function verdictOf(api: StarRocksApi, exchange: Exchange): Verdict {
  if ('failure' in exchange) return transportRefusal(exchange);
  if ('refused' in exchange) return redirectRefusal(api, exchange.refused);
  const { statusCode: status, body } = exchange.answer;
  const host = exchange.url.host;
  if (status === 401 || status === 403) {
    return refusal(
      'fail',
      ErrorCode.LOAD_AUTH,
      `was refused by ${host} (HTTP ${status}): check the StarRocks user name and password and that the user has INSERT on the table`,
      { httpStatus: status, starrocksMessage: safeMessage(body) },
    );
  }
  if (status !== 200) {
    const summary = `got HTTP ${status} from ${host}`;
    const details = { httpStatus: status, starrocksMessage: safeMessage(body) };
    // 5xx: an FE or BE restarting or overloaded. Any other status: a request it will not take.
    return status >= 500
      ? refusal('retry', ErrorCode.LOAD_TRANSPORT, summary, details)
      : refusal('fail', ErrorCode.LOAD_FAILED, summary, details);
  }
  const json = exchange.answer.truncated
    ? undefined
    : api === 'sql'
      ? parseJsonLines(body)
      : parseJsonObject(body);
  if (json === undefined) {
    const cut = exchange.answer.truncated ? ' (cut: it is longer than any answer of that API)' : '';
    return refusal(
      'retry',
      ErrorCode.LOAD_FAILED,
      `got an answer from ${host} that is not ${API_NAMES[api]} JSON${cut}`,
      { starrocksMessage: body.slice(0, 300) },
    );
  }
  return unsentBodyRefusal(readAnswer(api, json, host), exchange.answer, host);
}

/**
 * A success to a PUT whose body was never sent (no `100 Continue`, no redirect, and an answer
 * before the body went out): whatever it says, these rows were not loaded.
 */
function unsentBodyRefusal(verdict: Verdict, answer: HttpAnswer, host: string): Verdict {
  if (answer.bodySent || (verdict.kind !== 'loaded' && verdict.kind !== 'ok')) return verdict;
  return refusal(
    'retry',
    ErrorCode.LOAD_TRANSPORT,
    `got a success from ${host} before the body was sent, so nothing was loaded; sending again`,
    {},
  );
}

/** A redirect not followed: not retried now (the same FE would redirect the same way). */
function redirectRefusal(api: StarRocksApi, refused: RefusedRedirect): Refusal {
  return refusal(
    'fail',
    ErrorCode.LOAD_REDIRECT,
    `was redirected by ${refused.from} (${API_NAMES[api]}) to "${refused.location}", which the sink does not follow: ${refused.reason}`,
    {},
  );
}

/** The verdict with every text taken from the answer scrubbed of the sink's credentials. */
function scrubVerdict(verdict: Verdict, scrub: Scrub): Verdict {
  if (scrub === noScrub) return verdict;
  if (isRefusal(verdict)) {
    const { details } = verdict;
    return {
      ...verdict,
      summary: scrub(verdict.summary),
      details: {
        ...details,
        status: optional(details.status, scrub),
        starrocksMessage: optional(details.starrocksMessage, scrub),
        errorUrl: optional(details.errorUrl, scrub),
        errorLog: optional(details.errorLog, scrub),
      },
    };
  }
  if ('response' in verdict) return { ...verdict, response: scrubTexts(verdict.response, scrub) };
  if ('answer' in verdict) return { ...verdict, answer: scrubTexts(verdict.answer, scrub) };
  // A state the sink knows is StarRocks' word; any other may end up in an error.
  if (verdict.kind === 'state' && !LABEL_STATES.has(verdict.state))
    return { ...verdict, state: scrub(verdict.state) };
  return verdict;
}

/** The states `get_load_state` answers (GetStreamLoadState.java). */
const LABEL_STATES: ReadonlySet<string> = new Set([
  'PREPARE',
  'PREPARED',
  'COMMITTED',
  'VISIBLE',
  'ABORTED',
  'UNKNOWN',
]);

/** The answer with each of its text fields scrubbed (after it was classified, so never to change its meaning). */
function scrubTexts<T extends object>(answer: T, scrub: Scrub): T {
  const scrubbed: Record<string, unknown> = { ...(answer as Record<string, unknown>) };
  for (const [key, value] of Object.entries(scrubbed))
    if (typeof value === 'string') scrubbed[key] = scrub(value);
  return scrubbed as T;
}

function optional(text: string | undefined, scrub: Scrub): string | undefined {
  return text === undefined ? undefined : scrub(text);
}

function readAnswer(api: StarRocksApi, json: object, host: string): Verdict {
  switch (api) {
    case 'stream-load':
      return readStreamLoadAnswer(json as StreamLoadResponse, host);
    case 'transaction':
      return readTransactionAnswer(json as TransactionAnswer);
    case 'load-state':
      return readLabelState(json as { state?: unknown; msg?: unknown }, host);
    case 'sql':
      return readSqlRows(json as readonly SqlLine[]);
  }
}

/**
 * Why a request got no answer. Failing at the deadline, before the runtime's own timeout, keeps
 * the reason in the logs and lets Lambda retry the batch; the label makes that retry safe should
 * StarRocks finish this load.
 */
function transportRefusal(exchange: Extract<Exchange, { failure: unknown }>): Refusal {
  const { failure, hops } = exchange;
  const deadline = failure.phase === 'deadline';
  const hint = deadline
    ? '; the invocation fails now rather than be killed by its timeout: raise the function timeout or lower the batch size'
    : '';
  return refusal(
    deadline ? 'fail' : 'retry',
    deadline ? ErrorCode.LOAD_DEADLINE : ErrorCode.LOAD_TRANSPORT,
    `failed in transport: ${failure.message}${hint}`,
    {},
    { retryable: true, failover: failure.phase === 'connect' && hops === 0, answered: false, cause: failure },
  );
}

/** A Stream Load answer: {@link classifyResponse}, its failures worded for the error. */
function readStreamLoadAnswer(response: StreamLoadResponse, host: string): StreamLoadVerdict {
  const outcome = classifyResponse(response);
  if (outcome.kind !== 'retry' && outcome.kind !== 'fail') return { kind: outcome.kind, response };
  const retry = outcome.kind === 'retry';
  return refusal(
    outcome.kind,
    ErrorCode.LOAD_FAILED,
    `failed on ${host} (${outcome.reason}${retry ? '; retried with the same label' : ''})`,
    { status: response.Status, starrocksMessage: response.Message, errorUrl: response.ErrorURL },
    { backpressure: retry && outcome.backpressure, answered: true },
  );
}

function readTransactionAnswer(answer: TransactionAnswer): TransactionVerdict {
  switch (answer.Status) {
    case 'OK':
      return { kind: 'ok', answer };
    case 'LABEL_ALREADY_EXISTS':
      return { kind: 'label-exists', answer };
    case 'PUBLISH_TIMEOUT':
      return { kind: 'published-later', answer };
    default:
      return transactionRefusal(answer);
  }
}

/**
 * A transaction answer taken as a failure: retried while another request of the transaction is
 * in process, or when its message says so. Also for an answer the operation did not expect (a
 * LABEL_ALREADY_EXISTS to a commit).
 */
export function transactionRefusal(answer: TransactionAnswer): Refusal {
  const message = answer.Message ?? '';
  const outcome: LoadOutcome =
    answer.Status === 'TXN_IN_PROCESSING'
      ? { kind: 'retry', reason: 'another request of the transaction is in process', backpressure: false }
      : classifyMessage(message);
  const retry = outcome.kind === 'retry';
  return refusal(
    retry ? 'retry' : 'fail',
    ErrorCode.LOAD_FAILED,
    `answered ${answer.Status}: ${message}`,
    { status: answer.Status, starrocksMessage: answer.Message, errorUrl: answer.ErrorURL },
    { backpressure: retry && outcome.backpressure, answered: true },
  );
}

function readLabelState(answer: { state?: unknown; msg?: unknown }, host: string): LabelStateVerdict {
  if (typeof answer.state === 'string') return { kind: 'state', state: answer.state };
  return refusal(
    'retry',
    ErrorCode.LOAD_TRANSPORT,
    `got no label state from ${host}`,
    { starrocksMessage: typeof answer.msg === 'string' ? answer.msg : JSON.stringify(answer).slice(0, 300) },
    { answered: true },
  );
}

/** One line of the SQL API's newline-delimited answer. */
interface SqlLine {
  readonly data?: unknown;
  readonly status?: unknown;
  readonly msg?: unknown;
}

/** The `data` lines as rows; a `FAILED` line (no such table or column, no privilege) fails. */
function readSqlRows(lines: readonly SqlLine[]): SqlVerdict {
  const rows: unknown[][] = [];
  for (const line of lines) {
    if (line.status === 'FAILED') {
      return refusal(
        'fail',
        ErrorCode.LOAD_FAILED,
        `answered FAILED: ${String(line.msg)}`,
        { status: 'FAILED', starrocksMessage: String(line.msg) },
        { answered: true },
      );
    }
    if (Array.isArray(line.data)) rows.push(line.data);
  }
  return { kind: 'rows', rows };
}

function refusal(
  kind: Refusal['kind'],
  code: ErrorCode,
  summary: string,
  details: FailureDetails,
  more: Partial<Pick<Refusal, 'retryable' | 'failover' | 'backpressure' | 'answered' | 'cause'>> = {},
): Refusal {
  return {
    kind,
    code,
    summary,
    retryable: more.retryable ?? kind === 'retry',
    failover: more.failover ?? false,
    backpressure: more.backpressure ?? false,
    answered: more.answered ?? false,
    details,
    ...(more.cause === undefined ? {} : { cause: more.cause }),
  };
}

function parseJsonObject(body: string): object | undefined {
  try {
    const parsed = JSON.parse(body) as unknown;
    return parsed !== null && typeof parsed === 'object' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Newline-delimited JSON objects (the SQL API), or undefined when a line is not one. */
function parseJsonLines(body: string): SqlLine[] | undefined {
  // An error comes as one object, which may be spread over several lines.
  const whole = parseJsonObject(body);
  if (whole !== undefined) return [whole];
  const lines: SqlLine[] = [];
  for (const line of body.split('\n')) {
    if (line.trim() === '') continue;
    const parsed = parseJsonObject(line);
    if (parsed === undefined) return undefined;
    lines.push(parsed);
  }
  return lines;
}

/** A short message from a non-200 answer (scrubbed with the rest of the verdict). */
function safeMessage(body: string): string | undefined {
  const parsed = parseJsonObject(body) as { Message?: string; msg?: string; message?: string } | undefined;
  const text = parsed?.Message ?? parsed?.msg ?? parsed?.message ?? body;
  return String(text).trim().slice(0, 300) || undefined;
}
