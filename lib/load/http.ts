import http from 'node:http';
import https from 'node:https';

/**
 * HTTP to StarRocks below the meaning of any answer: the PUT with `Expect: 100-continue` on
 * `node:http`, the JSON GET and POST on fetch, and {@link redirectTarget}, the one rule that
 * decides whether and where a redirect is followed. Every request goes through {@link exchange}.
 */

/** An answer, read whole (up to {@link MAX_ANSWER_BYTES} for a PUT). */
export interface HttpAnswer {
  readonly statusCode: number;
  /** The `Location` header, when there is one. */
  readonly location: string | undefined;
  readonly body: string;
}

/**
 * One request, sent the same to every hop of its redirects, Authorization included in `headers`
 * (fetch and undici drop it across origins). A PUT goes with `Expect: 100-continue`, its body a
 * Buffer so that every hop, and every attempt, can send it again.
 */
export type HttpRequest =
  | {
      readonly method: 'GET' | 'POST';
      readonly headers: Readonly<Record<string, string>>;
      readonly body?: string;
      /** Absolute time (epoch ms) after which the request is abandoned. */
      readonly deadline: number;
    }
  | ({ readonly method: 'PUT' } & PutOptions);

/** A transport failure: the request may or may not have reached StarRocks. */
export class TransportError extends Error {
  readonly phase: 'connect' | 'request' | 'deadline';
  readonly errno: string | undefined;

  constructor(message: string, phase: TransportError['phase'], errno?: string) {
    super(message);
    this.name = 'TransportError';
    this.phase = phase;
    this.errno = errno;
  }
}

/** What came of a request once its redirects were followed: the last answer, or how it failed. */
export type Exchange =
  | { readonly url: URL; readonly hops: number; readonly answer: HttpAnswer }
  | { readonly url: URL; readonly hops: number; readonly failure: TransportError };

/** Redirects followed for one request (FE follower → leader → BE at most). */
export const MAX_REDIRECTS = 3;

/** The redirects StarRocks answers with; each is followed with the same method, headers and body. */
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

const MAX_ANSWER_BYTES = 1 << 20;

/** Error codes that mean the request never reached the server: another FE may be tried at once. */
const CONNECT_ERRORS: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export function isRedirect(statusCode: number): boolean {
  return REDIRECT_STATUSES.has(statusCode);
}

/**
 * Where a redirect sends the request next, or undefined when it is not followed: not a redirect,
 * no Location or one that is not a URL, or {@link MAX_REDIRECTS} hops already taken. The Location
 * is resolved against the URL that answered. This is the one place that lets a request, with its
 * credentials, go on to another address.
 */
export function redirectTarget(answer: HttpAnswer, from: URL, hops: number): URL | undefined {
  if (!isRedirect(answer.statusCode) || hops >= MAX_REDIRECTS || !answer.location) return undefined;
  try {
    return new URL(answer.location, from);
  } catch {
    return undefined;
  }
}

/**
 * Sends `request` to `url`, following redirects as {@link redirectTarget} decides. A redirect that
 * is not followed comes back as the answer; a transport failure comes back with the hops taken.
 */
export async function exchange(url: URL, request: HttpRequest): Promise<Exchange> {
  let current = url;
  for (let hops = 0; ; hops++) {
    let answer: HttpAnswer;
    try {
      answer = await send(current, request);
    } catch (error) {
      if (!(error instanceof TransportError)) throw error;
      return { url: current, hops, failure: error };
    }
    const next = redirectTarget(answer, current, hops);
    if (next === undefined) return { url: current, hops, answer };
    current = next;
  }
}

function send(url: URL, request: HttpRequest): Promise<HttpAnswer> {
  return request.method === 'PUT' ? putWithContinue(url, request) : fetchAnswer(url, request);
}

/** A GET or POST on fetch, redirects left to {@link exchange}; failures become TransportErrors. */
async function fetchAnswer(
  url: URL,
  request: Extract<HttpRequest, { method: 'GET' | 'POST' }>,
): Promise<HttpAnswer> {
  try {
    const res = await fetch(url, {
      method: request.method,
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
      redirect: 'manual',
      signal: AbortSignal.timeout(Math.max(1, request.deadline - Date.now())),
    });
    const body = await res.text();
    return { statusCode: res.status, location: res.headers.get('location') ?? undefined, body };
  } catch (error) {
    throw fetchFailure(url, error as Error & { cause?: { code?: string } });
  }
}

function fetchFailure(url: URL, error: Error & { cause?: { code?: string } }): TransportError {
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return noAnswerBeforeDeadline(url);
  const code = error.cause?.code;
  const phase = code !== undefined && CONNECT_ERRORS.has(code) ? 'connect' : 'request';
  const detail = error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message;
  return new TransportError(`${code ?? error.name} talking to ${url.host}: ${detail}`, phase, code);
}

export interface PutOptions {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** TCP (and TLS) connect timeout. */
  readonly connectTimeoutMs: number;
  /** How long to wait for `100 Continue` before sending the body anyway. */
  readonly waitForContinueMs: number;
  /** Absolute time (epoch ms) after which the request is abandoned. */
  readonly deadline: number;
}

/**
 * A PUT with `Expect: 100-continue` on `node:http`. undici (and so fetch) refuses the Expect
 * header on HTTP/1.1, and StarRocks' FE requires it so it can redirect before the body is sent.
 */
export function putWithContinue(url: URL, options: PutOptions): Promise<HttpAnswer> {
  return new Promise<HttpAnswer>((resolve, reject) => {
    const transport = url.protocol === 'https:' ? https : http;
    let bodySent = false;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = (error: Error | null, answer?: HttpAnswer) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      if (error) {
        req.destroy();
        reject(error);
      } else resolve(answer as HttpAnswer);
    };
    const sendBody = () => {
      if (bodySent || settled) return;
      bodySent = true;
      req.end(options.body);
    };

    const req = transport.request(url, {
      method: 'PUT',
      agent: false,
      headers: {
        ...options.headers,
        Expect: '100-continue',
        'Content-Length': String(options.body.length),
      },
    });
    const remaining = options.deadline - Date.now();
    if (remaining <= 0) {
      finish(new TransportError(`no time left before the deadline to send to ${url.host}`, 'deadline'));
      return;
    }
    timers.push(setTimeout(() => finish(noAnswerBeforeDeadline(url)), remaining));
    req.on('socket', (socket) => {
      const connectTimer = setTimeout(() => finish(connectTimedOut(url, options)), options.connectTimeoutMs);
      timers.push(connectTimer);
      socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
        clearTimeout(connectTimer);
        timers.push(setTimeout(sendBody, options.waitForContinueMs));
      });
    });
    req.on('continue', sendBody);
    req.on('error', (error: NodeJS.ErrnoException) => finish(requestFailed(url, error)));
    req.on('response', (res) => {
      readAnswer(url, res).then((answer) => {
        // An early answer (redirect, 401) leaves the request unfinished; the socket is not reused.
        if (!bodySent) req.destroy();
        finish(null, answer);
      }, finish);
    });
  });
}

/** The whole answer, its body capped at {@link MAX_ANSWER_BYTES}. */
function readAnswer(url: URL, res: http.IncomingMessage): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
    });
    res.on('error', (error) =>
      reject(new TransportError(`reading the answer from ${url.host}: ${error.message}`, 'request')),
    );
    res.on('end', () =>
      resolve({
        statusCode: res.statusCode ?? 0,
        location: res.headers.location,
        body: Buffer.concat(chunks).toString('utf8'),
      }),
    );
  });
}

function noAnswerBeforeDeadline(url: URL): TransportError {
  return new TransportError(`no answer from ${url.host} before the invocation deadline`, 'deadline');
}

function connectTimedOut(url: URL, options: PutOptions): TransportError {
  return new TransportError(
    `connect to ${url.host} timed out after ${options.connectTimeoutMs} ms`,
    'connect',
    'ETIMEDOUT',
  );
}

function requestFailed(url: URL, error: NodeJS.ErrnoException): TransportError {
  const phase = error.code !== undefined && CONNECT_ERRORS.has(error.code) ? 'connect' : 'request';
  return new TransportError(
    `${error.code ?? error.name} talking to ${url.host}: ${error.message}`,
    phase,
    error.code,
  );
}

/** The `Authorization` header for StarRocks' HTTP API. */
export function basicAuth(credentials: { readonly username: string; readonly password: string }): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

/**
 * The error log behind `ErrorURL` (StarRocks serves it without authentication), or undefined when
 * it cannot be read within `maxMs` and before the deadline.
 */
export async function fetchErrorLogText(
  errorUrl: string,
  deadline: number,
  maxMs = 10_000,
): Promise<string | undefined> {
  const until = Math.min(deadline, Date.now() + maxMs);
  if (until <= Date.now()) return undefined;
  let url: URL;
  try {
    url = new URL(errorUrl);
  } catch {
    return undefined;
  }
  const result = await exchange(url, { method: 'GET', headers: {}, deadline: until });
  return 'answer' in result && result.answer.statusCode === 200 ? result.answer.body : undefined;
}
