import http from 'node:http';
import https from 'node:https';
import type { RedirectHosts } from '../config/connection.ts';
import { allowsHost } from './redirect-hosts.ts';
import { withoutUserinfo } from './scrub.ts';

/**
 * HTTP to StarRocks below the meaning of any answer: the PUT with `Expect: 100-continue` on
 * `node:http`, the JSON GET and POST on fetch, and {@link redirectTarget}, the one rule that
 * decides whether and where a redirect is followed. Every request goes through {@link exchange}.
 */

/** An answer, read up to {@link MAX_ANSWER_BYTES} (or the request's `maxBytes`) and the deadline. */
export interface HttpAnswer {
  readonly statusCode: number;
  /** The `Location` header, when there is one. */
  readonly location: string | undefined;
  readonly body: string;
  /** Whether the body was cut: longer than the bytes read, or (a `partial` read) the deadline came. */
  readonly truncated: boolean;
  /**
   * Whether the request's body was sent before the answer came (always for GET and POST). A PUT
   * answered before its body went out cannot have loaded it.
   */
  readonly bodySent: boolean;
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
      /** The most of the answer's body read. @default {@link MAX_ANSWER_BYTES} */
      readonly maxBytes?: number;
      /** A body cut by the deadline comes back `truncated` rather than as a failure. */
      readonly partial?: boolean;
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

/** A redirect that was not followed, and why. */
export interface RefusedRedirect {
  /** The host (and port) that answered with the redirect. */
  readonly from: string;
  /** The Location, without any `user:password@`, shortened. */
  readonly location: string;
  /** Why it was not followed, with what to do. */
  readonly reason: string;
}

/**
 * What came of a request once its redirects were followed: the last answer, how it failed, or the
 * redirect that was refused (by {@link redirectTarget}).
 */
export type Exchange =
  | { readonly url: URL; readonly hops: number; readonly answer: HttpAnswer }
  | { readonly url: URL; readonly hops: number; readonly failure: TransportError }
  | { readonly url: URL; readonly hops: number; readonly refused: RefusedRedirect };

/** What to do with an answer: keep it, follow its redirect, or refuse the redirect. */
export type RedirectDecision =
  | { readonly kind: 'answer' }
  | { readonly kind: 'follow'; readonly url: URL }
  | { readonly kind: 'refuse'; readonly refused: RefusedRedirect };

/** Redirects followed for one request (FE follower → leader → BE at most). */
export const MAX_REDIRECTS = 3;

/** The redirects StarRocks answers with; each is followed with the same method, headers and body. */
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** The most of an API answer read: StarRocks' JSON answers are a few hundred bytes. */
export const MAX_ANSWER_BYTES = 1 << 20;

/**
 * The most of an error log (ErrorURL) read. 8 MiB holds a log naming every row of the largest
 * batch the event-source mapping sends (6 MB of payload), yet keeps the sink's memory bounded
 * (the text, its lines and their parse stay in tens of MB) at the smallest function sizes.
 */
export const MAX_ERROR_LOG_BYTES = 8 << 20;

/** Schemes a redirect may go to; and from https, only https. */
const FOLLOWED_SCHEMES: ReadonlySet<string> = new Set(['http:', 'https:']);

/** How much of a Location an error quotes. */
const LOCATION_CHARS = 200;

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
 * What to do with `answer`, the answer to the last of `visited`: the one rule that lets a request,
 * with its credentials, go on to another address. A redirect is followed only with a parseable
 * Location, to http or https, never from https to http, never back to a URL already visited nor
 * beyond {@link MAX_REDIRECTS} hops, and, when the request carries credentials (`allowed` set), only
 * to a host that `starrocks.redirect.hosts` allows. The Location is resolved against the URL that
 * answered.
 */
export function redirectTarget(
  answer: HttpAnswer,
  visited: readonly URL[],
  allowed: RedirectHosts | undefined,
): RedirectDecision {
  if (!isRedirect(answer.statusCode)) return { kind: 'answer' };
  const from = visited[visited.length - 1] as URL;
  const refuse = (reason: string): RedirectDecision => ({
    kind: 'refuse',
    refused: { from: from.host, location: quoteLocation(answer.location ?? ''), reason },
  });
  if (!answer.location) return refuse(`HTTP ${answer.statusCode} came without a Location`);
  let target: URL;
  try {
    target = new URL(answer.location, from);
  } catch {
    return refuse('the Location is not a URL');
  }
  if (!FOLLOWED_SCHEMES.has(target.protocol))
    return refuse(`only http and https redirects are followed, not ${target.protocol.slice(0, 24)}`);
  if (from.protocol === 'https:' && target.protocol === 'http:')
    return refuse('a redirect from https to plain http would send the credentials and the rows unencrypted');
  if (visited.some((url) => url.href === target.href)) return refuse('it is a redirect loop');
  if (visited.length > MAX_REDIRECTS) return refuse(`more than ${MAX_REDIRECTS} redirects in a row`);
  if (allowed !== undefined && !allowsHost(allowed, target)) {
    return refuse(
      `the host ${target.host} is not one starrocks.redirect.hosts allows (${allowed.description}); if it is a StarRocks node, add it or its network to starrocks.redirect.hosts`,
    );
  }
  // Credentials in a Location are the redirecting server's, not the user's: never sent.
  target.username = '';
  target.password = '';
  return { kind: 'follow', url: target };
}

/** A Location as an error may quote it: without credentials, control characters, or its length. */
function quoteLocation(location: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  const text = withoutUserinfo(location).replace(/[\u0000-\u001f\u007f]/g, '?');
  return text.length > LOCATION_CHARS ? `${text.slice(0, LOCATION_CHARS)}…` : text;
}

/**
 * Sends `request` to `url`, following redirects as {@link redirectTarget} decides, `allowed` being
 * the hosts its credentials may go to (undefined for a request without credentials). A refused
 * redirect and a transport failure come back with the hops taken.
 */
export async function exchange(
  url: URL,
  request: HttpRequest,
  allowed: RedirectHosts | undefined,
): Promise<Exchange> {
  const visited = [url];
  for (;;) {
    const current = visited[visited.length - 1] as URL;
    const hops = visited.length - 1;
    let answer: HttpAnswer;
    try {
      answer = await send(current, request);
    } catch (error) {
      if (!(error instanceof TransportError)) throw error;
      return { url: current, hops, failure: error };
    }
    const next = redirectTarget(answer, visited, allowed);
    if (next.kind === 'answer') return { url: current, hops, answer };
    if (next.kind === 'refuse') return { url: current, hops, refused: next.refused };
    visited.push(next.url);
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
    const { body, truncated } = await readBounded(res, request);
    const location = res.headers.get('location') ?? undefined;
    return { statusCode: res.status, location, body, truncated, bodySent: true };
  } catch (error) {
    throw fetchFailure(url, error as Error & { cause?: { code?: string } });
  }
}

/**
 * The body, read up to the request's byte limit (the rest is not read); a `partial` request keeps
 * what came before the deadline. The read sits inside the fetch's try, so a slow body ends as the
 * deadline like a slow answer.
 */
async function readBounded(
  res: Response,
  request: Extract<HttpRequest, { method: 'GET' | 'POST' }>,
): Promise<{ body: string; truncated: boolean }> {
  const maxBytes = request.maxBytes ?? MAX_ANSWER_BYTES;
  const chunks: Uint8Array[] = [];
  let size = 0;
  const text = (truncated: boolean) => ({ body: Buffer.concat(chunks).toString('utf8'), truncated });
  if (res.body === null) return text(false);
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return text(false);
      if (size + value.byteLength > maxBytes) {
        chunks.push(value.subarray(0, maxBytes - size));
        void reader.cancel().catch(() => undefined);
        return text(true);
      }
      chunks.push(value);
      size += value.byteLength;
    }
  } catch (error) {
    const name = (error as Error).name;
    if (request.partial && (name === 'TimeoutError' || name === 'AbortError')) return text(true);
    throw error;
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
        finish(null, { ...answer, bodySent });
      }, finish);
    });
  });
}

/** The answer, its body read up to {@link MAX_ANSWER_BYTES}: the rest is not read. */
function readAnswer(url: URL, res: http.IncomingMessage): Promise<Omit<HttpAnswer, 'bodySent'>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (truncated: boolean) =>
      resolve({
        statusCode: res.statusCode ?? 0,
        location: res.headers.location,
        body: Buffer.concat(chunks).toString('utf8'),
        truncated,
      });
    res.on('data', (chunk: Buffer) => {
      if (size + chunk.length > MAX_ANSWER_BYTES) {
        chunks.push(chunk.subarray(0, MAX_ANSWER_BYTES - size));
        res.destroy();
        done(true);
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
    });
    res.on('error', (error) =>
      reject(new TransportError(`reading the answer from ${url.host}: ${error.message}`, 'request')),
    );
    res.on('end', () => done(false));
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

/** The text of an error log, and whether it was cut (at {@link MAX_ERROR_LOG_BYTES} or the deadline). */
export interface ErrorLogText {
  readonly text: string;
  readonly cut: boolean;
}

/**
 * The error log behind `ErrorURL` (StarRocks serves it without authentication, so none is sent),
 * read up to `maxBytes` and until `maxMs` or the deadline, whichever comes first; what came by then
 * is returned `cut`. Undefined when it cannot be read at all.
 */
export async function fetchErrorLogText(
  errorUrl: string,
  deadline: number,
  maxMs = 10_000,
  maxBytes = MAX_ERROR_LOG_BYTES,
): Promise<ErrorLogText | undefined> {
  const until = Math.min(deadline, Date.now() + maxMs);
  if (until <= Date.now()) return undefined;
  let url: URL;
  try {
    url = new URL(errorUrl);
  } catch {
    return undefined;
  }
  if (!FOLLOWED_SCHEMES.has(url.protocol)) return undefined;
  const request = { method: 'GET', headers: {}, deadline: until, maxBytes, partial: true } as const;
  const result = await exchange(url, request, undefined);
  if (!('answer' in result) || result.answer.statusCode !== 200) return undefined;
  return { text: result.answer.body, cut: result.answer.truncated };
}
