import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

/** A tiny Stream Load client for the stand-in tests: node:http, `Expect: 100-continue`, manual 307. */

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** True once the body was handed to the socket (after `100 Continue` when expecting it). */
  readonly bodySent: boolean;
  /** True when the server answered `100 Continue`. */
  readonly continued: boolean;
}

export interface SendOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  readonly expectContinue?: boolean;
}

export function basicAuth(user = 'root', password = ''): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** One HTTP exchange; never follows redirects. Rejects on a connection error (e.g. a reset). */
export function send(url: string, options: SendOptions = {}): Promise<Reply> {
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  const headers: Record<string, string> = { ...options.headers };
  if (body !== undefined) headers['Content-Length'] = String(body.length);
  if (options.expectContinue) headers.Expect = '100-continue';
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers, agent: false });
    let bodySent = false;
    let continued = false;
    const writeBody = (): void => {
      bodySent = true;
      req.end(body);
    };
    if (options.expectContinue) {
      req.on('continue', () => {
        continued = true;
        writeBody();
      });
    } else {
      writeBody();
    }
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString('utf8'),
          bodySent,
          continued,
        });
        if (!bodySent) req.destroy();
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

export interface LoadReply extends Reply {
  /** The FE's answer when it redirected. */
  readonly redirect: Reply | undefined;
  json(): Record<string, unknown>;
}

function withJson(reply: Reply, redirect: Reply | undefined): LoadReply {
  return { ...reply, redirect, json: () => JSON.parse(reply.text) as Record<string, unknown> };
}

/**
 * PUT to the FE with `Expect: 100-continue`, then follows one 307 re-sending method, headers (including
 * Authorization) and body, as a correct client must.
 */
export async function putFollowingRedirect(url: string, options: SendOptions = {}): Promise<LoadReply> {
  const first = await send(url, { method: 'PUT', expectContinue: true, ...options });
  if (first.status !== 307) return withJson(first, undefined);
  const location = first.headers.location;
  if (location === undefined) throw new Error('307 without Location');
  const second = await send(location, { method: 'PUT', expectContinue: true, ...options });
  return withJson(second, first);
}

export interface StreamLoadOptions {
  readonly headers?: Record<string, string>;
  readonly auth?: string;
}

/** A Stream Load through the FE: `PUT {fe}/api/{db}/{table}/_stream_load`. */
export function streamLoad(
  feUrl: string,
  database: string,
  table: string,
  body: string | Buffer,
  options: StreamLoadOptions = {},
): Promise<LoadReply> {
  return putFollowingRedirect(`${feUrl}/api/${database}/${table}/_stream_load`, {
    body,
    headers: { Authorization: options.auth ?? basicAuth(), ...options.headers },
  });
}

/** JSON rows as the sink sends them: `format: json`, `strip_outer_array: true`. */
export function jsonLoad(
  feUrl: string,
  database: string,
  table: string,
  rows: readonly unknown[],
  headers: Record<string, string> = {},
): Promise<LoadReply> {
  return streamLoad(feUrl, database, table, JSON.stringify(rows), {
    headers: { format: 'json', strip_outer_array: 'true', ...headers },
  });
}

/** A transaction operation (`begin`, `prepare`, `commit`, `rollback`) on the given server. */
export async function transaction(
  url: string,
  operation: string,
  headers: Record<string, string>,
): Promise<Record<string, unknown>> {
  const reply = await send(`${url}/api/transaction/${operation}`, {
    method: 'POST',
    headers: { Authorization: basicAuth(), ...headers },
  });
  return JSON.parse(reply.text) as Record<string, unknown>;
}

export async function getJson(
  url: string,
  auth = basicAuth(),
): Promise<{ status: number; body: Record<string, unknown> }> {
  const reply = await send(url, { headers: { Authorization: auth } });
  return { status: reply.status, body: JSON.parse(reply.text) as Record<string, unknown> };
}
