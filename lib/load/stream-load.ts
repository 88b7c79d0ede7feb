import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, LoadError, SinkError } from '../errors.ts';
import { BACKPRESSURE_ADVICE, classifyResponse, type StreamLoadResponse } from './classify.ts';
import {
  basicAuth,
  fetchErrorLogText,
  MAX_REDIRECTS,
  putWithContinue,
  readLabelState,
  TransportError,
} from './http.ts';

/**
 * The Stream Load client: one PUT per table through an FE, following the 307 to a BE itself
 * (re-sending Authorization and the body), failing over across FEs, retrying transient failures
 * with the same label while the invocation has time, and waiting out labels left RUNNING.
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
const LOAD_STATE_DONE = new Set(['VISIBLE', 'COMMITTED']);

/** A failure inside one attempt, with whether a later attempt may succeed. */
class AttemptFailure extends Error {
  readonly error: SinkError;
  readonly retry: boolean;
  readonly failover: boolean;
  readonly backpressure: boolean;

  constructor(error: SinkError, retry: boolean, failover = false, backpressure = false) {
    super(error.message);
    this.error = error;
    this.retry = retry;
    this.failover = failover;
    this.backpressure = backpressure;
  }
}

export function createStreamLoader(options: StreamLoaderOptions): StreamLoader {
  if (options.feUrls.length === 0)
    throw new SinkError(ErrorCode.CONFIG_INVALID, 'no FE address to load through');
  const waitForContinueMs = options.waitForContinueMs ?? 3000;
  const retryDelayMs = options.retryDelayMs ?? 200;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 5000;
  const maxAttempts = options.maxAttempts ?? 8;
  const minAttemptMs = options.minAttemptMs ?? 1000;
  // Round-robin across invocations of a warm function; a failing FE moves the cursor on.
  let cursor = 0;
  const nextFe = () => {
    const fe = options.feUrls[cursor % options.feUrls.length] as string;
    cursor = (cursor + 1) % options.feUrls.length;
    return fe;
  };

  async function load(request: LoadRequest): Promise<LoadResult> {
    const started = Date.now();
    let credentials = await request.credentials.get();
    let refreshed = false;
    let attempts = 0;
    let lastFailure: AttemptFailure | undefined;
    let consecutiveFailovers = 0;
    let backpressure = 0;
    // Set when the loop stops for lack of time rather than for lack of attempts.
    let outOfTime = false;

    while (attempts < maxAttempts) {
      if (request.deadline - Date.now() < minAttemptMs) {
        outOfTime = true;
        break;
      }
      attempts++;
      const fe = nextFe();
      try {
        const result = await attempt(fe, request, credentials);
        return { ...result, attempts, backpressure, durationMs: Date.now() - started };
      } catch (error) {
        if (!(error instanceof AttemptFailure)) throw error;
        lastFailure = error;
        if (error.backpressure) {
          backpressure++;
          request.onBackpressure?.(error.error.message);
        }
        if (error.error.code === ErrorCode.LOAD_AUTH && !refreshed && request.credentials.refresh) {
          // A rotated secret: fetch it once more before giving up.
          refreshed = true;
          credentials = await request.credentials.refresh();
          continue;
        }
        if (!error.retry) throw error.error;
        // Try the other FEs at once; back off when a full round failed or StarRocks pushed back.
        consecutiveFailovers = error.failover ? consecutiveFailovers + 1 : 0;
        if (consecutiveFailovers > 0 && consecutiveFailovers < options.feUrls.length) continue;
        const delay = Math.min(maxRetryDelayMs, retryDelayMs * 2 ** Math.max(0, attempts - 1));
        const jittered = delay / 2 + Math.random() * (delay / 2);
        if (request.deadline - Date.now() - jittered < minAttemptMs) {
          outOfTime = true;
          break;
        }
        await sleep(jittered);
      }
    }
    const details = { table: request.table, label: request.label };
    if (lastFailure === undefined) {
      throw new LoadError(
        ErrorCode.LOAD_DEADLINE,
        'was not started: the invocation has too little time left',
        details,
        {
          retryable: true,
        },
      );
    }
    const last = lastFailure.error;
    if (!(last instanceof LoadError)) throw last;
    const why = outOfTime ? ', the invocation deadline being too near for another' : '';
    const advice =
      backpressure > 0 ? `; ${backpressure} of them refused for back-pressure: ${BACKPRESSURE_ADVICE}` : '';
    throw new LoadError(
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

  async function attempt(
    fe: string,
    request: LoadRequest,
    credentials: Credentials,
  ): Promise<Omit<LoadResult, 'attempts' | 'backpressure' | 'durationMs'>> {
    const headers: Record<string, string> = {
      ...request.headers,
      label: request.label,
      Authorization: basicAuth(credentials),
      'Content-Type': 'application/octet-stream',
    };
    let url = new URL(
      `/api/${encodeURIComponent(options.database)}/${encodeURIComponent(request.table)}/_stream_load`,
      fe,
    );
    const details = { table: request.table, label: request.label };
    for (let hop = 0; ; hop++) {
      let answer: Awaited<ReturnType<typeof putWithContinue>>;
      try {
        answer = await putWithContinue(url, {
          headers,
          body: request.body,
          connectTimeoutMs: options.connectTimeoutMs,
          waitForContinueMs,
          deadline: request.deadline,
        });
      } catch (error) {
        if (!(error instanceof TransportError)) throw error;
        const deadline = error.phase === 'deadline';
        const code = deadline ? ErrorCode.LOAD_DEADLINE : ErrorCode.LOAD_TRANSPORT;
        // Failing here, before the runtime's own timeout, keeps the reason in the logs and lets
        // Lambda retry the batch; the label makes the retry safe if StarRocks finishes this load.
        const hint = deadline
          ? '; the invocation fails now rather than be killed by its timeout: raise the function timeout or lower the batch size'
          : '';
        throw new AttemptFailure(
          new LoadError(code, `failed in transport: ${error.message}${hint}`, details, {
            retryable: true,
            cause: error,
          }),
          error.phase !== 'deadline',
          error.phase === 'connect' && hop === 0,
        );
      }
      if ([301, 302, 303, 307, 308].includes(answer.statusCode)) {
        const location = answer.headers.location;
        if (!location || hop >= MAX_REDIRECTS) {
          throw new AttemptFailure(
            new LoadError(
              ErrorCode.LOAD_TRANSPORT,
              `got redirect ${answer.statusCode} without a usable Location after ${hop + 1} hops`,
              {
                ...details,
                httpStatus: answer.statusCode,
              },
              { retryable: true },
            ),
            true,
          );
        }
        url = new URL(location, url);
        continue;
      }
      if (answer.statusCode === 401 || answer.statusCode === 403) {
        throw new AttemptFailure(
          new LoadError(
            ErrorCode.LOAD_AUTH,
            `was refused by ${url.host} (HTTP ${answer.statusCode}): check the StarRocks user name and password and that the user has INSERT on the table`,
            { ...details, httpStatus: answer.statusCode, starrocksMessage: safeMessage(answer.body) },
          ),
          false,
        );
      }
      if (answer.statusCode >= 500) {
        throw new AttemptFailure(
          new LoadError(
            ErrorCode.LOAD_TRANSPORT,
            `got HTTP ${answer.statusCode} from ${url.host}`,
            {
              ...details,
              httpStatus: answer.statusCode,
              starrocksMessage: safeMessage(answer.body),
            },
            { retryable: true },
          ),
          true,
        );
      }
      if (answer.statusCode !== 200) {
        throw new AttemptFailure(
          new LoadError(ErrorCode.LOAD_FAILED, `got HTTP ${answer.statusCode} from ${url.host}`, {
            ...details,
            httpStatus: answer.statusCode,
            starrocksMessage: safeMessage(answer.body),
          }),
          false,
        );
      }
      const response = parseAnswer(answer.body);
      if (response === undefined) {
        throw new AttemptFailure(
          new LoadError(
            ErrorCode.LOAD_FAILED,
            `got an answer from ${url.host} that is not Stream Load JSON`,
            {
              ...details,
              starrocksMessage: answer.body.slice(0, 300),
            },
            { retryable: true },
          ),
          true,
        );
      }
      return settle(fe, request, response, credentials, url);
    }
  }

  async function settle(
    fe: string,
    request: LoadRequest,
    response: StreamLoadResponse,
    credentials: Credentials,
    url: URL,
  ): Promise<Omit<LoadResult, 'attempts' | 'backpressure' | 'durationMs'>> {
    const outcome = classifyResponse(response);
    const base = {
      table: request.table,
      label: request.label,
      status: response.Status ?? '',
      txnId: response.TxnId,
      totalRows: response.NumberTotalRows,
      loadedRows: response.NumberLoadedRows,
      filteredRows: response.NumberFilteredRows,
      errorUrl: response.ErrorURL,
      loadBytes: request.body.length,
    };
    switch (outcome.kind) {
      case 'loaded': {
        const merged = mergeCommitLabel(request, response);
        if (merged === undefined) return { ...base, outcome: 'loaded' };
        // Asynchronous merge commit: Success only means "in the merge pipe"; the merged
        // transaction's own label tells whether the rows became visible.
        const state = await waitForLabel(fe, request, credentials, merged);
        if (LOAD_STATE_DONE.has(state)) return { ...base, status: state, outcome: 'loaded' };
        throw new AttemptFailure(
          new LoadError(
            ErrorCode.LOAD_FAILED,
            `was merged into transaction ${merged}, which ended ${state}; sending again`,
            { table: request.table, label: request.label, status: response.Status },
            { retryable: true },
          ),
          true,
        );
      }
      case 'already-loaded':
        return { ...base, outcome: 'already-loaded' };
      case 'running': {
        const state = await waitForLabel(fe, request, credentials);
        if (LOAD_STATE_DONE.has(state)) return { ...base, status: state, outcome: 'already-loaded' };
        // ABORTED (or unknown to StarRocks): the label is free again, so the next attempt re-sends.
        throw new AttemptFailure(
          new LoadError(
            ErrorCode.LOAD_FAILED,
            `found its label in state ${state} after a lost answer; sending again`,
            {
              table: request.table,
              label: request.label,
              status: response.Status,
            },
            { retryable: true },
          ),
          true,
        );
      }
      case 'retry':
      case 'fail': {
        const errorLog = response.ErrorURL
          ? await fetchErrorLog(response.ErrorURL, request.deadline)
          : undefined;
        const retry = outcome.kind === 'retry';
        const backpressure = outcome.kind === 'retry' && outcome.backpressure;
        throw new AttemptFailure(
          new LoadError(
            ErrorCode.LOAD_FAILED,
            `failed on ${url.host} (${outcome.reason}${retry ? '; retried with the same label' : ''})`,
            {
              table: request.table,
              label: request.label,
              status: response.Status,
              starrocksMessage: response.Message,
              errorUrl: response.ErrorURL,
              errorLog,
            },
            { retryable: retry },
          ),
          retry,
          false,
          backpressure,
        );
      }
    }
  }

  /** Polls `get_load_state` until the label is final or the deadline nears. */
  async function waitForLabel(
    fe: string,
    request: LoadRequest,
    credentials: Credentials,
    label = request.label,
  ): Promise<string> {
    let delay = 100;
    for (;;) {
      const state = await getLoadState(fe, request, credentials, label);
      if (state !== 'PREPARE' && state !== 'PREPARED') return state;
      if (request.deadline - Date.now() - delay < minAttemptMs) {
        throw new AttemptFailure(
          new LoadError(
            ErrorCode.LOAD_DEADLINE,
            `is still ${state} from an earlier attempt and did not finish before the deadline`,
            {
              table: request.table,
              label: request.label,
              status: 'Label Already Exists',
            },
            { retryable: true },
          ),
          false,
        );
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 2000);
    }
  }

  async function getLoadState(
    fe: string,
    request: LoadRequest,
    credentials: Credentials,
    label: string,
  ): Promise<string> {
    const read = await readLabelState(fe, options.database, label, basicAuth(credentials), request.deadline);
    if ('state' in read) return read.state;
    throw new AttemptFailure(
      new LoadError(
        ErrorCode.LOAD_TRANSPORT,
        `could not read its label state${read.failed}`,
        {
          table: request.table,
          label: request.label,
          ...(read.text !== undefined ? { starrocksMessage: read.text } : {}),
        },
        { retryable: true },
      ),
      true,
    );
  }

  return { load };
}

/** The first lines of the rejected-rows log behind `ErrorURL`; best effort. */
async function fetchErrorLog(errorUrl: string, deadline: number): Promise<string | undefined> {
  const text = await fetchErrorLogText(errorUrl, deadline, 3000);
  return text?.split('\n').slice(0, ERROR_LOG_LINES).join('\n').slice(0, ERROR_LOG_CHARS).trimEnd();
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

function parseAnswer(body: string): StreamLoadResponse | undefined {
  try {
    const parsed = JSON.parse(body) as unknown;
    return parsed !== null && typeof parsed === 'object' ? (parsed as StreamLoadResponse) : undefined;
  } catch {
    return undefined;
  }
}

/** A short message from a non-200 answer; bodies never echo credentials, but cap them anyway. */
function safeMessage(body: string): string | undefined {
  const parsed = parseAnswer(body) as (StreamLoadResponse & { msg?: string; message?: string }) | undefined;
  const text = parsed?.Message ?? parsed?.msg ?? parsed?.message ?? body;
  return text.trim().slice(0, 300) || undefined;
}
