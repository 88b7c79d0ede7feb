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
