import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseSinkConfig } from '../../lib/config/sink-config.ts';
import { ErrorCode, LoadError } from '../../lib/errors.ts';
import { fetchErrorLogText, MAX_ERROR_LOG_BYTES } from '../../lib/load/http.ts';
import { readSettledOffsets } from '../../lib/load/offsets-table.ts';
import {
  dropRejectedRows,
  type RejectedRowsContext,
  readRejectedRows,
} from '../../lib/load/rejected-rows.ts';
import { createStreamLoader, type LoadRequest } from '../../lib/load/stream-load.ts';
import { seedConfig } from '../fixtures/events.ts';
import { loadError } from '../support/load-errors.ts';
import { redirectHostsFor } from '../support/scripted-starrocks.ts';

/**
 * The StarRocks client against hostile servers on loopback: FEs that redirect credentials to
 * plain http, to another network, to other schemes or in a loop; servers that echo the
 * Authorization header back; an error log that never ends; an SQL answer that never finishes.
 * Each server records what reached it, so a test can show what did not.
 */

const USER = 'loader';
/** A password with characters that URL-encoding, JSON and base64 each write differently. */
const PASSWORD = 'pa ss/w0rd?"é+&';
const TABLE = 'orders';
const LABEL = 'kl-orders-0123456789abcdef';
const OTHER_NETWORK = '127.0.1.1';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
  bodyBytes: number;
}

interface Hostile {
  readonly url: string;
  readonly host: string;
  readonly seen: Seen[];
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean) => void;

const servers: Hostile[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A server on `host`, port 0, calling `handler` for each request (a PUT before its body is read). */
async function hostile(handler: Handler, options: { host?: string; tls?: TlsFiles } = {}): Promise<Hostile> {
  const host = options.host ?? '127.0.0.1';
  const server = options.tls ? https.createServer(options.tls) : http.createServer();
  const sockets = new Set<Socket>();
  const seen: Seen[] = [];
  const serve = (expectsContinue: boolean) => (req: IncomingMessage, res: ServerResponse) => {
    const entry: Seen = {
      method: req.method ?? '',
      url: req.url ?? '',
      authorization: req.headers.authorization,
      bodyBytes: 0,
    };
    seen.push(entry);
    req.on('data', (chunk: Buffer) => {
      entry.bodyBytes += chunk.length;
    });
    handler(req, res, expectsContinue);
  };
  server.on('checkContinue', serve(true));
  server.on('request', serve(false));
  server.on(options.tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const scheme = options.tls ? 'https' : 'http';
  const entry: Hostile = {
    url: `${scheme}://${host}:${port}`,
    host: `${host}:${port}`,
    seen,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  servers.push(entry);
  return entry;
}

/** Answers JSON, closing the connection (as StarRocks does after a load). */
function answer(res: ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', Connection: 'close', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/** An FE that redirects every request to `location(req)`, before any body is sent. */
function redirectingFe(location: (req: IncomingMessage) => string): Handler {
  return (req, res) => answer(res, 307, '', { Location: location(req) });
}

/** A BE that takes the body and answers `reply` (Success by default). */
function be(
  reply: (req: IncomingMessage) => unknown = () => ({ Status: 'Success', Message: 'OK' }),
): Handler {
  return (req, res, expectsContinue) => {
    if (expectsContinue) res.writeContinue();
    req.resume();
    req.on('end', () => answer(res, 200, reply(req)));
  };
}

function loader(feUrl: string, options: { redirectHosts?: string; maxAttempts?: number } = {}) {
  return createStreamLoader({
    feUrls: [feUrl],
    database: 'example_db',
    connectTimeoutMs: 1000,
    redirectHosts: redirectHostsFor([feUrl], options.redirectHosts),
    retryDelayMs: 5,
    maxRetryDelayMs: 10,
    minAttemptMs: 50,
    maxAttempts: options.maxAttempts ?? 3,
  });
}

function request(overrides: Partial<LoadRequest> = {}): LoadRequest {
  return {
    table: TABLE,
    label: LABEL,
    body: Buffer.from('[{"id":1}]'),
    headers: { format: 'json', strip_outer_array: 'true' },
    deadline: Date.now() + 10_000,
    credentials: { get: async () => ({ username: USER, password: PASSWORD }) },
    ...overrides,
  };
}

interface TlsFiles {
  readonly key: Buffer;
  readonly cert: Buffer;
}

/** A self-signed certificate for 127.0.0.1, made for this run. */
function selfSignedCertificate(): TlsFiles {
  const dir = mkdtempSync(join(tmpdir(), 'hostile-tls-'));
  try {
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(key), cert: readFileSync(cert) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('redirects with credentials', () => {
  let certificate: TlsFiles;
  let defaultCas: string[];
  beforeAll(() => {
    certificate = selfSignedCertificate();
    // The test's CA joins the process's default trust store, as NODE_EXTRA_CA_CERTS would; the
    // sink itself has no switch that weakens certificate checks.
    defaultCas = tls.getCACertificates('default');
    tls.setDefaultCACertificates([...defaultCas, certificate.cert.toString()]);
  });
  afterAll(() => {
    tls.setDefaultCACertificates(defaultCas);
  });

  it('follows an https FE to an https BE it trusts (the control for the next test)', async () => {
    const beServer = await hostile(be(), { tls: certificate });
    const fe = await hostile(
      redirectingFe((req) => `${beServer.url}${req.url}`),
      { tls: certificate },
    );

    const result = await loader(fe.url).load(request());

    expect(result.outcome).toBe('loaded');
    expect(beServer.seen).toHaveLength(1);
  });

  it('refuses an https FE redirecting to plain http: nothing reaches the BE, not retried', async () => {
    const plainBe = await hostile(be());
    const fe = await hostile(
      redirectingFe((req) => `${plainBe.url}${req.url}`),
      { tls: certificate },
    );

    const error = await loadError(loader(fe.url).load(request()));

    expect(error).toMatchObject({
      code: ErrorCode.LOAD_REDIRECT,
      retryable: false,
      table: TABLE,
      label: LABEL,
    });
    expect(error.message).toContain(`redirected by ${fe.host}`);
    expect(error.message).toContain(`"${plainBe.url}/api/example_db/orders/_stream_load"`);
    expect(error.message).toContain('https to plain http');
    expect(fe.seen).toHaveLength(1);
    expect(plainBe.seen).toHaveLength(0);
  });

  it('refuses a redirect to another network than the default rule allows, naming the key', async () => {
    const farBe = await hostile(be(), { host: OTHER_NETWORK });
    const fe = await hostile(redirectingFe((req) => `${farBe.url}${req.url}`));

    const error = await loadError(loader(fe.url).load(request()));

    expect(error).toMatchObject({ code: ErrorCode.LOAD_REDIRECT, retryable: false });
    expect(error.message).toContain(`the host ${farBe.host} is not one starrocks.redirect.hosts allows`);
    expect(error.message).toContain('127.0.0.0/24');
    expect(fe.seen).toHaveLength(1);
    expect(farBe.seen).toHaveLength(0);
  });

  it('follows a redirect to a network starrocks.redirect.hosts names, with the credentials', async () => {
    const farBe = await hostile(be(), { host: OTHER_NETWORK });
    const fe = await hostile(redirectingFe((req) => `${farBe.url}${req.url}`));

    const result = await loader(fe.url, { redirectHosts: '127.0.0.1, 127.0.1.0/24' }).load(request());

    expect(result.outcome).toBe('loaded');
    expect(farBe.seen[0]?.authorization).toMatch(/^Basic /);
    expect(farBe.seen[0]?.bodyBytes).toBe(request().body.length);
  });

  it('does not take VISIBLE from a get_load_state answer redirected to a host not allowed', async () => {
    const evil = await hostile((_req, res) => answer(res, 200, { status: 'OK', state: 'VISIBLE' }), {
      host: OTHER_NETWORK,
    });
    const running = { Status: 'Label Already Exists', ExistingJobStatus: 'RUNNING', Message: 'used' };
    const beServer = await hostile(be(() => running));
    const fe = await hostile((req, res) => {
      const target = req.url?.includes('get_load_state') ? evil.url : beServer.url;
      answer(res, 307, '', { Location: `${target}${req.url}` });
    });

    const error = await loadError(loader(fe.url).load(request()));

    expect(error.code).toBe(ErrorCode.LOAD_REDIRECT);
    expect(error.message).toContain('could not read its label state');
    expect(error.message).toContain('get_load_state');
    expect(evil.seen).toHaveLength(0);
  });

  it('quotes a refused Location without the user:password@ in it', async () => {
    const fe = await hostile(redirectingFe(() => `http://admin:hunter2@${OTHER_NETWORK}:9/x`));

    const error = await loadError(loader(fe.url).load(request()));

    expect(error.message).toContain(`"http://${OTHER_NETWORK}:9/x"`);
    expect(error.message).not.toContain('hunter2');
  });

  it.each([
    ['a file: URL', () => 'file:///etc/passwd', 'not file:'],
    ['an ftp: URL', () => 'ftp://127.0.0.1/data', 'not ftp:'],
    ['a Location that is not a URL', () => 'http://[be:8040/x', 'not a URL'],
    ['the same URL again (a loop)', (req: IncomingMessage) => String(req.url), 'redirect loop'],
  ])('fails at once, naming host and Location, on a redirect to %s', async (_name, location, reason) => {
    const fe = await hostile(redirectingFe(location));

    const error = await loadError(loader(fe.url).load(request()));

    expect(error).toMatchObject({
      code: ErrorCode.LOAD_REDIRECT,
      retryable: false,
      table: TABLE,
      label: LABEL,
    });
    expect(error.message).toContain(`redirected by ${fe.host}`);
    expect(error.message).toContain(reason);
    expect(error.message).not.toMatch(/TypeError/);
    expect(fe.seen).toHaveLength(1);
  });

  it('fails at once after more than MAX_REDIRECTS hops', async () => {
    let hop = 0;
    const fe = await hostile(redirectingFe(() => `/api/example_db/orders/_stream_load?hop=${++hop}`));

    const error = await loadError(loader(fe.url).load(request()));

    expect(error.code).toBe(ErrorCode.LOAD_REDIRECT);
    expect(error.message).toContain('more than 3 redirects');
    expect(fe.seen).toHaveLength(4);
  });
});

describe('answers that echo the credentials', () => {
  /** Every form of the password a server could send back, from the Authorization it received. */
  function echo(req: IncomingMessage): string {
    const authorization = req.headers.authorization ?? '';
    const decoded = Buffer.from(authorization.replace(/^Basic /, ''), 'base64').toString('utf8');
    const password = decoded.slice(decoded.indexOf(':') + 1);
    const base64 = Buffer.from(password).toString('base64');
    return `you sent ${authorization}; password ${password}, ${encodeURIComponent(password)}, ${base64}`;
  }

  function expectScrubbed(error: LoadError) {
    const secrets = [
      PASSWORD,
      encodeURIComponent(PASSWORD),
      Buffer.from(PASSWORD).toString('base64'),
      Buffer.from(`${USER}:${PASSWORD}`).toString('base64'),
    ];
    for (const secret of secrets) expect(error.message).not.toContain(secret);
    for (const text of [error.starrocksMessage, error.errorLog, error.summary])
      for (const secret of secrets) expect(text ?? '').not.toContain(secret);
    expect(error.message).toContain('you sent ***; password ***, ***, ***');
  }

  it.each<[string, Handler]>([
    ['a 401 body', (req, res) => answer(res, 401, { Status: 'FAILED', Message: echo(req) })],
    ['a 500 body', (req, res) => answer(res, 500, echo(req))],
    ['a 200 body that is not JSON', (req, res) => answer(res, 200, `<html>${echo(req)}</html>`)],
    ['a Status: Fail message', (req, res) => answer(res, 200, { Status: 'Fail', Message: echo(req) })],
  ])('scrubs them from %s', async (_name, handler) => {
    const fe = await hostile(handler);

    expectScrubbed(await loadError(loader(fe.url, { maxAttempts: 1 }).load(request())));
  });

  it('scrubs them from the error log behind ErrorURL', async () => {
    let lastEcho = '';
    const log = await hostile((_req, res) => {
      res.writeHead(200);
      res.end(`Error: ${lastEcho}. Row: {"id":1}\n`);
    });
    const beServer = await hostile(
      be((req) => {
        lastEcho = echo(req);
        return {
          Status: 'Fail',
          Message: 'too many filtered rows',
          ErrorURL: `${log.url}/api/_load_error_log`,
        };
      }),
    );
    const fe = await hostile(redirectingFe((req) => `${beServer.url}${req.url}`));

    const error = await loadError(loader(fe.url).load(request()));

    expect(error.errorLog).toContain('Row: {"id":1}');
    expectScrubbed(error);
  });
});

describe('a success before the body was sent', () => {
  it('is a transport failure, retried, not a load', async () => {
    const fe = await hostile((_req, res) => answer(res, 200, { Status: 'Success', Message: 'OK' }));

    const error = await loadError(loader(fe.url, { maxAttempts: 1 }).load(request()));

    expect(error).toMatchObject({ code: ErrorCode.LOAD_TRANSPORT, retryable: true });
    expect(error.message).toContain('before the body was sent');
    expect(fe.seen[0]?.bodyBytes).toBe(0);
  });
});

describe('an error log that never ends', () => {
  /** A server writing error-log lines as fast as the client reads them, until it hangs up. */
  async function endlessLog(): Promise<Hostile & { written(): number }> {
    let written = 0;
    const line = Buffer.from(`Error: Value too long. Row: {"id":1,"name":"${'x'.repeat(200)}"}\n`);
    const server = await hostile((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      const pump = () => {
        while (!res.destroyed) {
          written += line.length;
          if (!res.write(line)) return void res.once('drain', pump);
        }
      };
      res.on('close', () => res.destroy());
      pump();
    });
    return Object.assign(server, { written: () => written });
  }

  it(`reads at most ${MAX_ERROR_LOG_BYTES >> 20} MiB of it and says it was cut`, async () => {
    const log = await endlessLog();

    const text = await fetchErrorLogText(`${log.url}/api/_load_error_log`, Date.now() + 20_000, 20_000);

    expect(text?.cut).toBe(true);
    expect(Buffer.byteLength(text?.text ?? '')).toBeLessThanOrEqual(MAX_ERROR_LOG_BYTES);
    // What the server managed to write: the bytes read plus what the sockets buffered.
    expect(log.written()).toBeLessThan(2 * MAX_ERROR_LOG_BYTES);
  });

  it('ends the load with its error, the first rows and a note that the log was cut', async () => {
    const log = await endlessLog();
    const failed = {
      Status: 'Fail',
      Message: 'too many filtered rows',
      ErrorURL: `${log.url}/api/_load_error_log`,
    };
    const beServer = await hostile(be(() => failed));
    const fe = await hostile(redirectingFe((req) => `${beServer.url}${req.url}`));

    const error = await loadError(loader(fe.url).load(request()));

    expect(error.message).toContain('Message: too many filtered rows');
    expect(error.errorLog).toContain('Error: Value too long');
    expect(error.errorLog).toContain('the log was cut');
    expect(log.written()).toBeLessThan(MAX_ERROR_LOG_BYTES);
  });

  it('fails the batch rather than dead-letter a guess when errors.tolerance=all meets a cut log', async () => {
    const log = await endlessLog();
    const config = parseSinkConfig(seedConfig());
    const sent: unknown[] = [];
    const context = {
      config,
      deadline: Date.now() + 20_000,
      raw: new Map(),
      deadLetters: { send: async (letters: unknown[]) => void sent.push(...letters) },
    } as unknown as RejectedRowsContext;
    const filtered = new LoadError(ErrorCode.LOAD_FAILED, 'failed', {
      table: TABLE,
      label: LABEL,
      status: 'Fail',
      starrocksMessage: 'too many filtered rows',
      errorUrl: `${log.url}/api/_load_error_log`,
    });

    const error = await loadError(dropRejectedRows([], filtered, context));

    expect(error.message).toContain('its error log at ErrorURL was cut');
    expect(error.message).toContain('none was dead-lettered');
    expect(sent).toHaveLength(0);
  });

  it('reads the rows a max_filter_ratio load dropped as cut, so none is dead-lettered as a guess', async () => {
    const log = await endlessLog();

    const rows = await readRejectedRows(`${log.url}/api/_load_error_log`, Date.now() + 20_000);

    expect(rows).toBe('cut');
  });

  it('gives back what came before the deadline of a log that trickles, marked cut', async () => {
    const trickle = await hostile((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('Error: first. Row: {"id":1}\n');
      const timer = setInterval(() => res.write('Error: more. Row: {"id":2}\n'), 50);
      res.on('close', () => clearInterval(timer));
    });

    const text = await fetchErrorLogText(`${trickle.url}/log`, Date.now() + 400);

    expect(text).toMatchObject({ cut: true, text: expect.stringContaining('Error: first.') });
  });
});

describe('the exactly-once offsets read', () => {
  it('ends a slow SQL answer as LOAD_DEADLINE', async () => {
    const fe = await hostile((_req, res) => {
      // Headers and the first line at once; the rest never comes.
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"connectionId":1,"meta":[]}\n');
    });
    const config = parseSinkConfig(
      seedConfig({ 'starrocks.http.url': fe.host, 'starrocks.password': PASSWORD }),
    );
    const credentials = { get: async () => ({ username: USER, password: PASSWORD }) };

    const error = await loadError(
      readSettledOffsets({ config, credentials, deadline: Date.now() + 1500 }, 'kafka_offsets', new Set()),
    );

    expect(error.code).toBe(ErrorCode.LOAD_DEADLINE);
    expect(error.message).toContain('kafka_offsets');
    expect(error.message).not.toMatch(/TimeoutError/);
  });
});
