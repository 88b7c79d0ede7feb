import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { RedirectHosts } from '../../lib/config/connection.ts';
import { parseSinkConfig } from '../../lib/config/sink-config.ts';
import { seedConfig } from '../fixtures/events.ts';

/**
 * A scripted FE/BE pair on loopback for unit tests of the Stream Load client: the FE checks Basic
 * auth and Expect, then redirects with 307; the BE sends 100 Continue, reads the body and answers
 * with the next scripted reply. Every request is recorded.
 */

export interface SeenRequest {
  readonly server: 'fe' | 'be';
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export type BeReply =
  | { readonly json: Record<string, unknown>; readonly delayMs?: number }
  | { readonly reset: true }
  | { readonly httpStatus: number; readonly text: string };

export type FeReply =
  | { readonly httpStatus: number; readonly text: string }
  | { readonly json: Record<string, unknown> };

export interface ScriptedStarRocks {
  readonly feUrl: string;
  readonly beUrl: string;
  readonly seen: SeenRequest[];
  /** Replies the BE gives, in order; after they run out it answers Success. */
  readonly beReplies: BeReply[];
  /** Replies the FE gives instead of the redirect, in order. */
  readonly feReplies: FeReply[];
  /** States `get_load_state` reports, in order; the last one repeats. */
  readonly loadStates: string[];
  /** Passwords the FE accepts for user `root`; change to simulate a rotation. */
  passwords: Set<string>;
  /** When false the BE does not send 100 Continue and waits for the body anyway. */
  sendContinue: boolean;
  close(): Promise<void>;
}

/** The default `starrocks.redirect.hosts` rule for these FE URLs, as the config parser derives it. */
export function redirectHostsFor(feUrls: readonly string[], setting?: string): RedirectHosts {
  const overrides: Record<string, string> = { 'starrocks.http.url': feUrls.join(',') };
  if (setting !== undefined) overrides['starrocks.redirect.hosts'] = setting;
  return parseSinkConfig(seedConfig(overrides)).redirectHosts;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    );
  });
}

function checkAuth(req: IncomingMessage, passwords: Set<string>): boolean {
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Basic ')) return false;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return decoded.slice(0, colon) === 'root' && passwords.has(decoded.slice(colon + 1));
}

export async function startScriptedStarRocks(): Promise<ScriptedStarRocks> {
  const sockets = new Set<Socket>();
  const state: ScriptedStarRocks = {
    feUrl: '',
    beUrl: '',
    seen: [],
    beReplies: [],
    feReplies: [],
    loadStates: ['VISIBLE'],
    passwords: new Set(['secret-pw']),
    sendContinue: true,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([new Promise((r) => fe.close(r)), new Promise((r) => be.close(r))]);
    },
  };

  const fe = http.createServer();
  fe.on('checkContinue', (req, res) => void handleFe(req, res));
  fe.on('request', (req, res) => void handleFe(req, res));
  async function handleFe(req: IncomingMessage, res: ServerResponse) {
    if (req.method === 'GET' && req.url?.includes('/get_load_state')) {
      state.seen.push({ server: 'fe', method: 'GET', url: req.url, headers: req.headers, body: '' });
      const current = state.loadStates.length > 1 ? state.loadStates.shift() : state.loadStates[0];
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ status: 'OK', code: '0', msg: 'Success', message: 'OK', state: current }));
      return;
    }
    state.seen.push({
      server: 'fe',
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: '',
    });
    if (!checkAuth(req, state.passwords)) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm=""', Connection: 'close' });
      res.end(JSON.stringify({ Status: 'FAILED', Message: 'Access denied for user root@127.0.0.1' }));
      return;
    }
    if (req.headers.expect !== '100-continue') {
      res.writeHead(200, { Connection: 'close' });
      res.end(JSON.stringify({ Status: 'FAILED', Message: 'There is no 100-continue header' }));
      return;
    }
    const scripted = state.feReplies.shift();
    if (scripted !== undefined) {
      if ('json' in scripted) {
        res.writeHead(200, { Connection: 'close' });
        res.end(JSON.stringify(scripted.json));
      } else {
        res.writeHead(scripted.httpStatus, { Connection: 'close' });
        res.end(scripted.text);
      }
      return;
    }
    res.writeHead(307, { Location: `${state.beUrl}${req.url}`, Connection: 'close' });
    res.end();
  }

  const be = http.createServer();
  be.on('checkContinue', (req, res) => {
    if (state.sendContinue) res.writeContinue();
    void handleBe(req, res);
  });
  be.on('request', (req, res) => void handleBe(req, res));
  async function handleBe(req: IncomingMessage, res: ServerResponse) {
    if (req.method === 'GET' && req.url?.startsWith('/api/_load_error_log')) {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(
        'Error: NULL value in non-nullable column \'id\'. Row: {"id":null}\nError: Value too long. Row: {"id":2}\n',
      );
      return;
    }
    const body = await readBody(req);
    state.seen.push({
      server: 'be',
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body,
    });
    const reply = state.beReplies.shift();
    if (reply !== undefined && 'reset' in reply) {
      req.socket.destroy();
      return;
    }
    if (reply !== undefined && 'httpStatus' in reply) {
      res.writeHead(reply.httpStatus);
      res.end(reply.text);
      return;
    }
    if (reply?.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    const label = String(req.headers.label ?? '');
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify(
        reply?.json ?? {
          TxnId: state.seen.length,
          Label: label,
          Status: 'Success',
          Message: 'OK',
          NumberTotalRows: 3,
          NumberLoadedRows: 3,
          NumberFilteredRows: 0,
          NumberUnselectedRows: 0,
          LoadBytes: body.length,
          LoadTimeMs: 5,
        },
      ),
    );
  }
  for (const server of [fe, be])
    server.on('connection', (s: Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
  const [feUrl, beUrl] = await Promise.all([listen(fe), listen(be)]);
  return Object.assign(state, { feUrl, beUrl });
}
