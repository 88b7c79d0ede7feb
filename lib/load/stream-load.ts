import { setTimeout as sleep } from 'node:timers/promises';
import type { RedirectHosts } from '../config/connection.ts';
import { ErrorCode, LoadError, SinkError } from '../errors.ts';
import { AttemptFailure, exponentialDelay, withJitter } from './attempts.ts';
import {
  BACKPRESSURE_ADVICE,
  type Refusal,
  type StreamLoadResponse,
  type StreamLoadVerdict,
} from './classify.ts';
import { basicAuth, fetchErrorLogText, MAX_ERROR_LOG_BYTES } from './http.ts';
import { credentialScrub, type Scrub } from './scrub.ts';
import { readLoadState, roundRobin, type StarRocksCall, sendStreamLoad } from './starrocks-client.ts';

/**
 * The Stream Load loader: one PUT per table through an FE (the StarRocks client follows the 307
 * to a BE, re-sending Authorization and the body), failing over across FEs, retrying transient
 * failures with the same label while the invocation has time, and waiting out labels left
 * RUNNING. Its pieces: the retry policy ({@link goOnAfter}), one attempt ({@link attemptLoad}),
 * what an answer means ({@link outcomeOf}), and the wait for a label ({@link waitForLabel}).
 */

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export interface CredentialsProvider {
  get(): Promise<Credentials>;
  /** Fetches fresh credentials after StarRocks refused the current ones (a rotated secret). */
  refresh?(): Promise<Credentials>;
}

export interface StreamLoaderOptions {
  readonly feUrls: readonly string[];
  readonly database: string;
  readonly connectTimeoutMs: number;
  /** Where a redirect may take a load and its credentials (`starrocks.redirect.hosts`). */
  readonly redirectHosts: RedirectHosts;
  /** Wait for `100 Continue` this long before sending the body anyway. @default 3000 */
  readonly waitForContinueMs?: number;
  /** First retry delay; doubles up to `maxRetryDelayMs`. @default 200 */
  readonly retryDelayMs?: number;
  /** @default 5000 */
  readonly maxRetryDelayMs?: number;
  /** Attempts per table, the first included. @default 8 */
  readonly maxAttempts?: number;
  /** A load is not (re)started with less time than this before the deadline. @default 1000 */
  readonly minAttemptMs?: number;
}

export interface LoadRequest {
  readonly table: string;
  readonly label: string;
  readonly body: Buffer;
  /** Stream Load headers (`format`, `columns`, ...), without label/auth/expect. */
  readonly headers: Readonly<Record<string, string>>;
  /** Absolute time (epoch ms) by which the load must be done. */
  readonly deadline: number;
  readonly credentials: CredentialsProvider;
  /** Called once per attempt that StarRocks refused for back-pressure (for a metric). */
  readonly onBackpressure?: (reason: string) => void;
}

export interface LoadResult {
  readonly table: string;
  readonly label: string;
  /** `loaded` now, or `already-loaded` by an earlier attempt with the same label. */
  readonly outcome: 'loaded' | 'already-loaded';
  readonly status: string;
  readonly txnId: number | undefined;
  readonly totalRows: number | undefined;
  readonly loadedRows: number | undefined;
  readonly filteredRows: number | undefined;
  /** Where StarRocks lists the rows it filtered (a load with `max_filter_ratio` above 0). */
  readonly errorUrl: string | undefined;
  readonly loadBytes: number;
  readonly attempts: number;
  /** Attempts refused for back-pressure before this one succeeded. */
  readonly backpressure: number;
  readonly durationMs: number;
}

export interface StreamLoader {
  load(request: LoadRequest): Promise<LoadResult>;
}

const ERROR_LOG_LINES = 10;
const ERROR_LOG_CHARS = 3000;
/** An error shows the first lines of a log; lines of rows longer than this are cut anyway. */
const ERROR_LOG_READ_BYTES = Math.min(64 << 10, MAX_ERROR_LOG_BYTES);
const LOAD_STATE_DONE = new Set(['VISIBLE', 'COMMITTED']);

/** How a loader retries: attempts, the time one needs, and the back-off between them. */
interface RetryPolicy {
  readonly maxAttempts: number;
  readonly minAttemptMs: number;
  readonly retryDelayMs: number;
  readonly maxRetryDelayMs: number;
}

/** What a loader keeps across loads: where they go, how they are sent and retried. */
interface Loader {
  readonly options: StreamLoaderOptions;
  readonly waitForContinueMs: number;
  readonly policy: RetryPolicy;
  readonly nextFe: () => string;
}

/** One load's progress across its attempts. */
interface Progress {
  attempts: number;
  /** Attempts refused for back-pressure. */
  backpressure: number;
  consecutiveFailovers: number;
  credentials: Credentials;
  refreshed: boolean;
  lastFailure: AttemptFailure | undefined;
  /** Set when the attempts stop for lack of time rather than for lack of attempts. */
  outOfTime: boolean;
}

/** What one attempt gives; the load adds its attempt counts and duration. */
type AttemptResult = Omit<LoadResult, 'attempts' | 'backpressure' | 'durationMs'>;

/**
 * A loader whose FE rotation lasts as long as the loader: keep one per warm function, so that its
 * invocations spread over the FEs.
 *
 * @example
 * const loader = createStreamLoader({ feUrls: ['http://fe:8030'], database: 'db', connectTimeoutMs: 5000 });
 * const result = await loader.load({ table: 'orders', label, body, headers, deadline, credentials });
 */
export function createStreamLoader(options: StreamLoaderOptions): StreamLoader {
  if (options.feUrls.length === 0)
    throw new SinkError(ErrorCode.CONFIG_INVALID, 'no FE address to load through');
  const loader: Loader = {
    options,
    waitForContinueMs: options.waitForContinueMs ?? 3000,
    policy: retryPolicyOf(options),
    // Round-robin across invocations of a warm function; a failing FE moves the cursor on.
    nextFe: roundRobin(options.feUrls),
  };
  return { load: (request) => loadWithRetries(loader, request) };
}

function retryPolicyOf(options: StreamLoaderOptions): RetryPolicy {
  return {
    maxAttempts: options.maxAttempts ?? 8,
    minAttemptMs: options.minAttemptMs ?? 1000,
    retryDelayMs: options.retryDelayMs ?? 200,
    maxRetryDelayMs: options.maxRetryDelayMs ?? 5000,
  };
}

/** Attempts the load until it succeeds, fails for good, or runs out of attempts or time. */
async function loadWithRetries(loader: Loader, request: LoadRequest): Promise<LoadResult> {
  const started = Date.now();
  const progress: Progress = {
    attempts: 0,
    backpressure: 0,
    consecutiveFailovers: 0,
    credentials: await request.credentials.get(),
    refreshed: false,
    lastFailure: undefined,
    outOfTime: false,
  };
  while (progress.attempts < loader.policy.maxAttempts) {
    if (request.deadline - Date.now() < loader.policy.minAttemptMs) {
      progress.outOfTime = true;
      break;
    }
    progress.attempts++;
    try {
      const result = await attemptLoad(loader, request, loader.nextFe(), progress.credentials);
      const { attempts, backpressure } = progress;
      return { ...result, attempts, backpressure, durationMs: Date.now() - started };
    } catch (error) {
      if (!(error instanceof AttemptFailure)) throw error;
      if (!(await goOnAfter(loader, request, progress, error))) break;
    }
  }
  throw givenUp(request, progress);
}

/**
 * Whether to attempt again after `failure`, waiting first when that helps: at once with a
 * refreshed secret or at the next FE, after a back-off otherwise; false when the deadline is too
 * near for another. Throws the error of a failure that another attempt cannot fix.
 */
async function goOnAfter(
  loader: Loader,
  request: LoadRequest,
  progress: Progress,
  failure: AttemptFailure,
): Promise<boolean> {
  progress.lastFailure = failure;
  if (failure.backpressure) {
    progress.backpressure++;
    request.onBackpressure?.(failure.toLoadError(request.table, request.label).message);
  }
  if (failure.code === ErrorCode.LOAD_AUTH && !progress.refreshed && request.credentials.refresh) {
    // A rotated secret: fetch it once more before giving up.
    progress.refreshed = true;
    progress.credentials = await request.credentials.refresh();
    return true;
  }
  if (!failure.retry) throw failure.toLoadError(request.table, request.label);
  // Try the other FEs at once; back off when a full round failed or StarRocks pushed back.
  progress.consecutiveFailovers = failure.failover ? progress.consecutiveFailovers + 1 : 0;
  if (progress.consecutiveFailovers > 0 && progress.consecutiveFailovers < loader.options.feUrls.length)
    return true;
  const { policy } = loader;
  const step = Math.max(0, progress.attempts - 1);
  const delay = withJitter(exponentialDelay(policy.retryDelayMs, policy.maxRetryDelayMs, step));
  if (request.deadline - Date.now() - delay < policy.minAttemptMs) {
    progress.outOfTime = true;
    return false;
  }
  await sleep(delay);
  return true;
}

/** The error of a load that ran out of attempts or time: the last failure, and how it came to stop. */
function givenUp(request: LoadRequest, progress: Progress): LoadError {
  const details = { table: request.table, label: request.label };
  if (progress.lastFailure === undefined) {
    return new LoadError(
      ErrorCode.LOAD_DEADLINE,
      'was not started: the invocation has too little time left',
      details,
      { retryable: true },
    );
  }
  const last = progress.lastFailure.toLoadError(request.table, request.label);
  const { attempts, backpressure } = progress;
  const why = progress.outOfTime ? ', the invocation deadline being too near for another' : '';
  const advice =
    backpressure > 0 ? `; ${backpressure} of them refused for back-pressure: ${BACKPRESSURE_ADVICE}` : '';
  return new LoadError(
    last.code,
    `${last.summary} (gave up after ${attempts} attempt${attempts === 1 ? '' : 's'})${why}${advice}`,
    {
      ...details,
      status: last.status,
      starrocksMessage: last.starrocksMessage,
      errorUrl: last.errorUrl,
      errorLog: last.errorLog,
      httpStatus: last.httpStatus,
    },
    { retryable: true, cause: last },
  );
}

/** One attempt: the PUT through `fe` (the client follows the 307 to a BE), and what it means. */
async function attemptLoad(
  loader: Loader,
  request: LoadRequest,
  fe: string,
  credentials: Credentials,
): Promise<AttemptResult> {
  const call: StarRocksCall = {
    fe,
    database: loader.options.database,
    authorization: basicAuth(credentials),
    redirectHosts: loader.options.redirectHosts,
    deadline: request.deadline,
    connectTimeoutMs: loader.options.connectTimeoutMs,
    waitForContinueMs: loader.waitForContinueMs,
  };
  const headers = { ...request.headers, label: request.label, 'Content-Type': 'application/octet-stream' };
  const verdict = await sendStreamLoad(call, request.table, headers, request.body);
  return outcomeOf(loader, request, call, verdict);
}

/**
 * What a Stream Load answer means for this load: its result (once an asynchronous merge commit or
 * a label left RUNNING is VISIBLE), or the failure to retry or report.
 */
async function outcomeOf(
  loader: Loader,
  request: LoadRequest,
  call: StarRocksCall,
  verdict: StreamLoadVerdict,
): Promise<AttemptResult> {
  switch (verdict.kind) {
    case 'loaded': {
      const { response } = verdict;
      const merged = mergeCommitLabel(request, response);
      if (merged === undefined) return resultOf(request, response, 'loaded');
      // Asynchronous merge commit: Success only means "in the merge pipe"; the merged
      // transaction's own label tells whether the rows became visible.
      const state = await waitForLabel(loader, request, call, merged);
      if (LOAD_STATE_DONE.has(state)) return resultOf(request, response, 'loaded', state);
      throw sendAgain(`was merged into transaction ${merged}, which ended ${state}; sending again`, response);
    }
    case 'already-loaded':
      return resultOf(request, verdict.response, 'already-loaded');
    case 'running': {
      const state = await waitForLabel(loader, request, call, request.label);
      if (LOAD_STATE_DONE.has(state)) return resultOf(request, verdict.response, 'already-loaded', state);
      // ABORTED (or unknown to StarRocks): the label is free again, so the next attempt re-sends.
      throw sendAgain(
        `found its label in state ${state} after a lost answer; sending again`,
        verdict.response,
      );
    }
    default:
      throw await withErrorLog(verdict, request.deadline, credentialScrub(call.authorization));
  }
}

function resultOf(
  request: LoadRequest,
  response: StreamLoadResponse,
  outcome: LoadResult['outcome'],
  status = response.Status ?? '',
): AttemptResult {
  return {
    table: request.table,
    label: request.label,
    outcome,
    status,
    txnId: response.TxnId,
    totalRows: response.NumberTotalRows,
    loadedRows: response.NumberLoadedRows,
    filteredRows: response.NumberFilteredRows,
    errorUrl: response.ErrorURL,
    loadBytes: request.body.length,
  };
}

function sendAgain(summary: string, response: StreamLoadResponse): AttemptFailure {
  return new AttemptFailure({
    kind: 'retry',
    code: ErrorCode.LOAD_FAILED,
    summary,
    details: { status: response.Status },
  });
}

/** A refused load, with the first lines of the rejected rows behind its ErrorURL. */
async function withErrorLog(refusal: Refusal, deadline: number, scrub: Scrub): Promise<AttemptFailure> {
  const failure = new AttemptFailure(refusal);
  const errorUrl = refusal.details.errorUrl;
  return errorUrl
    ? failure.withDetails({ errorLog: await fetchErrorLog(errorUrl, deadline, scrub) })
    : failure;
}

/** Polls `get_load_state` until the label is final or the deadline nears. */
async function waitForLabel(
  loader: Loader,
  request: LoadRequest,
  call: StarRocksCall,
  label: string,
): Promise<string> {
  let delay = 100;
  for (;;) {
    const state = await labelState(call, label);
    if (state !== 'PREPARE' && state !== 'PREPARED') return state;
    if (request.deadline - Date.now() - delay < loader.policy.minAttemptMs) {
      throw new AttemptFailure({
        kind: 'fail',
        code: ErrorCode.LOAD_DEADLINE,
        summary: `is still ${state} from an earlier attempt and did not finish before the deadline`,
        details: { status: 'Label Already Exists' },
        retryable: true,
      });
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 2000);
  }
}

async function labelState(call: StarRocksCall, label: string): Promise<string> {
  const verdict = await readLoadState(call, label);
  if (verdict.kind === 'state') return verdict.state;
  throw new AttemptFailure(verdict).during('could not read its label state:');
}

/**
 * The first lines of the rejected-rows log behind `ErrorURL`, scrubbed; best effort. Only the first
 * lines are shown, so only {@link ERROR_LOG_READ_BYTES} are read; a log cut there (or by the
 * deadline) says so.
 */
async function fetchErrorLog(errorUrl: string, deadline: number, scrub: Scrub): Promise<string | undefined> {
  const log = await fetchErrorLogText(errorUrl, deadline, 3000, ERROR_LOG_READ_BYTES);
  if (log === undefined) return undefined;
  const shown = log.text.split('\n').slice(0, ERROR_LOG_LINES).join('\n').slice(0, ERROR_LOG_CHARS).trimEnd();
  const cut = log.cut ? `\n(the log was cut after ${log.text.length} characters: ErrorURL has the rest)` : '';
  return scrub(`${shown}${cut}`);
}

/**
 * The server-made label of an asynchronous merge commit, which must be polled; undefined for a
 * normal load or a synchronous merge commit (its Success already means VISIBLE).
 */
function mergeCommitLabel(request: LoadRequest, response: StreamLoadResponse): string | undefined {
  const h = request.headers;
  if (h.enable_merge_commit?.toLowerCase() !== 'true' || h.merge_commit_async?.toLowerCase() !== 'true')
    return undefined;
  const label = response.Label;
  return label !== undefined && label !== request.label ? label : undefined;
}
