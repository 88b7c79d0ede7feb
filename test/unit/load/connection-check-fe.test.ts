import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type CheckLine, checkConnection, checkExitCode } from '../../../lib/load/connection-check.ts';

/**
 * The connection check against FEs the stand-in does not play: one older than 3.2 (no HTTP SQL
 * API), one that refuses the user's privilege, one that redirects where credentials may not go;
 * and the credentials of a secret. Real servers on port 0, scripted per path.
 */

type Answer = { readonly status: number; readonly body: unknown; readonly headers?: Record<string, string> };
type Script = (req: IncomingMessage) => Answer;

const servers: Server[] = [];
const seen: IncomingMessage[] = [];

afterEach(async () => {
  seen.length = 0;
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function fe(script: Script): Promise<string> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push(req);
    req.resume();
    req.on('end', () => {
      const answer = script(req);
      res.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers });
      res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** An FE older than 3.2: `get_load_state` answers, the SQL API path is unknown (404). */
const olderThanSqlApi: Script = (req) =>
  req.url?.includes('/get_load_state')
    ? { status: 200, body: { status: 'OK', msg: 'Success', state: 'UNKNOWN' } }
    : { status: 404, body: 'Not Found' };

function connectorConfig(feUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'starrocks.http.url': feUrl,
    'starrocks.database.name': 'example_db',
    'starrocks.username': 'root',
    'starrocks.password': 'S3cret-pw',
    'starrocks.topic2table.map': 'test:test_tbl',
    ...extra,
  };
}

/** The config with its credentials in a secret instead of a user and password. */
function secretConfig(feUrl: string, arn: string): Record<string, string> {
  const { 'starrocks.username': _user, 'starrocks.password': _password, ...rest } = connectorConfig(feUrl);
  return { ...rest, 'starrocks.secret.arn': arn };
}

const byStatus = (lines: readonly CheckLine[], status: CheckLine['status']) =>
  lines.filter((l) => l.status === status).map((l) => `${l.subject}: ${l.message}`);

describe('checkConnection with FEs of other kinds', () => {
  it('on an FE without the SQL API, says StarRocks is older than 3.2, what it did not check, and fails compression', async () => {
    const url = await fe(olderThanSqlApi);

    const report = await checkConnection({
      connectorConfig: connectorConfig(url, { 'sink.properties.compression': 'gzip' }),
    });

    expect(byStatus(report.lines, 'ok')).toEqual([
      'config: valid: 1 FE, database example_db',
      `FE ${url}: reachable, no HTTP SQL API (StarRocks < 3.2)`,
      'credentials: user "root" accepted',
      'database example_db: exists',
    ]);
    expect(byStatus(report.lines, 'warn')).toEqual([
      expect.stringContaining('version: the FE has no HTTP SQL API'),
    ]);
    expect(byStatus(report.lines, 'fail')).toEqual([
      'version: sink.properties.compression=gzip needs compressed JSON loads, which came with StarRocks 3.2.7; this cluster is older than 3.2.0: upgrade StarRocks or remove the setting',
    ]);
    expect(byStatus(report.lines, 'skip')).toEqual([
      'tables: test_tbl not checked: the FEs have no HTTP SQL API (StarRocks < 3.2); their existence and columns are unknown',
    ]);
    expect(checkExitCode(report)).toBe(1);
  });

  it('sends the load-state probe and the version query with the credentials to the FE', async () => {
    const url = await fe(olderThanSqlApi);
    await checkConnection({ connectorConfig: connectorConfig(url) });
    expect(seen.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /api/example_db/get_load_state?label=starrocks_lambda_sink_connection_check',
      'POST /api/v1/catalogs/default_catalog/databases/information_schema/sql',
    ]);
    expect(seen[0]?.headers.authorization).toBe(`Basic ${Buffer.from('root:S3cret-pw').toString('base64')}`);
  });

  it('warns when the SQL API fails, scrubbing the password from what the FE echoed', async () => {
    const url = await fe((req) =>
      req.url?.includes('/get_load_state')
        ? { status: 200, body: { status: 'OK', state: 'UNKNOWN' } }
        : { status: 500, body: { status: 'FAILED', msg: 'bad request from root:S3cret-pw' } },
    );

    const report = await checkConnection({ connectorConfig: connectorConfig(url) });

    expect(byStatus(report.lines, 'warn')).toEqual([
      `FE ${url}: reachable; the SQL API got HTTP 500 from ${url.slice(7)} (bad request from root:***)`,
    ]);
    expect(JSON.stringify(report)).not.toContain('S3cret-pw');
  });

  it('fails a user without the privilege to load, naming the grant', async () => {
    const url = await fe(() => ({ status: 403, body: { status: 'FAILED', msg: 'Access denied' } }));

    const report = await checkConnection({ connectorConfig: connectorConfig(url) });

    expect(byStatus(report.lines, 'fail')).toEqual([
      'credentials: user "root" may not load into database example_db: GRANT INSERT ON ALL TABLES IN DATABASE example_db TO USER \'root\'',
    ]);
  });

  it('fails an FE that redirects where the credentials may not go, without following it', async () => {
    const url = await fe(() => ({
      status: 307,
      body: '',
      headers: { Location: 'http://elsewhere.example.com:8030/x' },
    }));

    const report = await checkConnection({ connectorConfig: connectorConfig(url) });

    expect(byStatus(report.lines, 'fail')).toEqual([
      expect.stringMatching(
        /^FE .*: answered, but not as an FE should: was redirected .* starrocks\.redirect\.hosts/,
      ),
    ]);
    expect(seen).toHaveLength(1);
  });

  it('reads the credentials of starrocks.secret.arn through the reader, and never prints them', async () => {
    const url = await fe(olderThanSqlApi);
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sr-AbCdEf';
    const config = secretConfig(url, arn);
    const asked: string[] = [];

    const report = await checkConnection({
      connectorConfig: config,
      readSecret: async (secretArn) => {
        asked.push(secretArn);
        return { username: 'sink_user', password: 'Fr0m-Secret' };
      },
    });

    expect(asked).toEqual([arn]);
    expect(seen[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from('sink_user:Fr0m-Secret').toString('base64')}`,
    );
    expect(byStatus(report.lines, 'ok')).toContain('credentials: user "sink_user" accepted');
    expect(JSON.stringify(report)).not.toContain('Fr0m-Secret');
  });

  it.each([
    ['no reader', undefined, 'the check was given no way to read it'],
    [
      'a reader that fails',
      async () => {
        throw new Error('AccessDeniedException');
      },
      'could not be read: AccessDeniedException',
    ],
    [
      'a secret of another shape',
      async () => ({ user: 'x' }),
      'must hold JSON {"username": "...", "password": "..."}',
    ],
  ])('could not run with a secret and %s', async (_case, readSecret, message) => {
    const config = secretConfig('127.0.0.1:8030', 'sr-secret');

    const report = await checkConnection({ connectorConfig: config, ...(readSecret ? { readSecret } : {}) });

    expect(report.couldNotRun).toBe(true);
    expect(byStatus(report.lines, 'fail')).toEqual([expect.stringContaining(message)]);
  });

  it('could not run with an invalid config, listing every problem', async () => {
    const report = await checkConnection({ connectorConfig: { 'starrocks.http.url': 'fe' } });
    expect(report.couldNotRun).toBe(true);
    expect(byStatus(report.lines, 'fail')).toEqual([
      expect.stringContaining('starrocks.http.url'),
      expect.stringContaining('starrocks.database.name is required'),
      expect.stringContaining('starrocks.username is required'),
      expect.stringContaining('starrocks.password is required'),
    ]);
  });

  it('says a router transform makes the tables known only per record, and leaves the topics unrouted', async () => {
    const url = await fe(olderThanSqlApi);
    const router = {
      transforms: 'route',
      'transforms.route.type': 'org.apache.kafka.connect.transforms.RegexRouter',
      'transforms.route.regex': '(.*)',
      'transforms.route.replacement': '$1_tbl',
    };

    const report = await checkConnection({ connectorConfig: connectorConfig(url, router), topics: ['a'] });

    expect(byStatus(report.lines, 'warn')).toContainEqual(
      expect.stringContaining('tables: a transform routes records (RegexRouter'),
    );
    expect(byStatus(report.lines, 'skip')).toEqual([expect.stringMatching(/^tables: test_tbl not checked/)]);
  });
});
