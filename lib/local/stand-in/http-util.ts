import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

export type AuthResult =
  | { readonly ok: true; readonly user: string }
  | { readonly ok: false; readonly missing: boolean; readonly user: string };

/**
 * Checks HTTP Basic credentials as the FE does: the split is at the first `:` (passwords may contain
 * `:`), and a `user@host` name loses its `@host` part.
 */
export function authenticate(headers: IncomingHttpHeaders, users: ReadonlyMap<string, string>): AuthResult {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(headers.authorization ?? '');
  if (match === null) return { ok: false, missing: true, user: '' };
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { ok: false, missing: true, user: '' };
  const user = decoded.slice(0, colon).split('@')[0] as string;
  const password = decoded.slice(colon + 1);
  const expected = users.get(user);
  return expected !== undefined && expected === password
    ? { ok: true, user }
    : { ok: false, missing: false, user };
}

/**
 * The `Message` for credentials that failed {@link authenticate}. `missing` is the text for absent or
 * unreadable ones: the FE's REST layer and the load handlers word it differently.
 */
export function authFailureMessage(
  auth: Extract<AuthResult, { ok: false }>,
  req: IncomingMessage,
  missing = 'no valid Basic authorization',
): string {
  return auth.missing ? missing : `Access denied for user ${auth.user}@${clientAddress(req)}`;
}

export function clientAddress(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, '');
}

/** Sends JSON; `close` asks Node to drop the connection afterwards (the request body may be unread). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  options: { indent?: number; close?: boolean; headers?: Record<string, string> } = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body, null, options.indent ?? 4);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    ...(options.close ? { Connection: 'close' } : {}),
    ...options.headers,
  });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string, close = false): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    ...(close ? { Connection: 'close' } : {}),
  });
  res.end(text);
}

export class ClientGoneError extends Error {
  override readonly name = 'ClientGoneError';
}

/** Reads the whole request body; rejects with {@link ClientGoneError} if the client goes away first. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onClose = (): void => {
      if (!req.complete)
        reject(new ClientGoneError('client closed the connection before the body was complete'));
    };
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', (error) => reject(new ClientGoneError(error.message)));
    req.on('close', onClose);
  });
}

/** Lower-cased header names, repeated values joined with `, `. */
export function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) result[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return result;
}
