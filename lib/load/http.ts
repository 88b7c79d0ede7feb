import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';

/**
 * A PUT with `Expect: 100-continue` on `node:http`. undici (and so fetch) refuses the Expect
 * header on HTTP/1.1, and StarRocks' FE requires it so it can redirect before the body is sent.
 */

export interface HttpAnswer {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** Whether the body was written before the answer came (false after an early 307 or 401). */
  readonly bodySent: boolean;
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

const MAX_ANSWER_BYTES = 1 << 20;

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
    timers.push(
      setTimeout(
        () =>
          finish(new TransportError(`no answer from ${url.host} before the invocation deadline`, 'deadline')),
        remaining,
      ),
    );
    req.on('socket', (socket) => {
      const connectTimer = setTimeout(
        () =>
          finish(
            new TransportError(
              `connect to ${url.host} timed out after ${options.connectTimeoutMs} ms`,
              'connect',
              'ETIMEDOUT',
            ),
          ),
        options.connectTimeoutMs,
      );
      timers.push(connectTimer);
      socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
        clearTimeout(connectTimer);
        timers.push(setTimeout(sendBody, options.waitForContinueMs));
      });
    });
    req.on('continue', sendBody);
    req.on('error', (error: NodeJS.ErrnoException) => {
      const phase =
        error.code === 'ECONNREFUSED' || error.code === 'ENOTFOUND' || error.code === 'EHOSTUNREACH'
          ? 'connect'
          : 'request';
      finish(
        new TransportError(
          `${error.code ?? error.name} talking to ${url.host}: ${error.message}`,
          phase,
          error.code,
        ),
      );
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
      });
      res.on('error', (error) =>
        finish(new TransportError(`reading the answer from ${url.host}: ${error.message}`, 'request')),
      );
      res.on('end', () => {
        const answer = {
          statusCode: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          bodySent,
        };
        // An early answer (redirect, 401) leaves the request unfinished; the socket is not reused.
        if (!bodySent) req.destroy();
        finish(null, answer);
      });
    });
  });
}

/** The `Authorization` header for StarRocks' HTTP API. */
export function basicAuth(credentials: { readonly username: string; readonly password: string }): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

/** Redirects followed for one request (FE follower → leader → BE at most). */
export const MAX_REDIRECTS = 3;

/**
 * The state of a label (`get_load_state`), following redirects itself so that Authorization goes
 * along (Node's fetch is undici). A failure says why as the end of a sentence (`: <reason>` or
 * ` (HTTP <status>)`), with the answer's text when there was one.
 */
export async function readLabelState(
  feUrl: string,
  database: string,
  label: string,
  authorization: string,
  deadline: number,
): Promise<{ readonly state: string } | { readonly failed: string; readonly text?: string }> {
  let url = new URL(`/api/${encodeURIComponent(database)}/get_load_state`, feUrl);
  url.searchParams.set('label', label);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        headers: { Authorization: authorization },
        redirect: 'manual',
        signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
      });
      text = await res.text();
    } catch (error) {
      return { failed: `: ${(error as Error).message}` };
    }
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location !== null) {
      url = new URL(location, url);
      continue;
    }
    let parsed: { state?: unknown } | undefined;
    try {
      parsed = JSON.parse(text) as { state?: unknown };
    } catch {
      parsed = undefined;
    }
    if (res.status !== 200 || typeof parsed?.state !== 'string') {
      return { failed: ` (HTTP ${res.status})`, text: text.slice(0, 300) };
    }
    return { state: parsed.state };
  }
  return { failed: ': too many redirects' };
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
  const timeout = Math.min(maxMs, deadline - Date.now());
  if (timeout <= 0) return undefined;
  try {
    const res = await fetch(errorUrl, { signal: AbortSignal.timeout(timeout) });
    const text = await res.text();
    return res.status === 200 ? text : undefined;
  } catch {
    return undefined;
  }
}
