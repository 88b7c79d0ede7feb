import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../../lib/errors.ts';
import { MAX_REDIRECTS, redirectTarget } from '../../../lib/load/http.ts';
import {
  type CredentialsProvider,
  createStreamLoader,
  type LoadRequest,
} from '../../../lib/load/stream-load.ts';
import { loadError } from '../../support/load-errors.ts';
import {
  redirectHostsFor,
  type ScriptedStarRocks,
  startScriptedStarRocks,
} from '../../support/scripted-starrocks.ts';

const PASSWORD = 'secret-pw';
let sr: ScriptedStarRocks;

beforeEach(async () => {
  sr = await startScriptedStarRocks();
});
afterEach(async () => {
  await sr.close();
});

function staticCredentials(password = PASSWORD): CredentialsProvider {
  return { get: async () => ({ username: 'root', password }) };
}

function loader(feUrls = [sr.feUrl], overrides: Partial<Parameters<typeof createStreamLoader>[0]> = {}) {
  return createStreamLoader({
    feUrls,
    database: 'example_db',
    connectTimeoutMs: 500,
    redirectHosts: redirectHostsFor(feUrls),
    retryDelayMs: 10,
    maxRetryDelayMs: 20,
    minAttemptMs: 50,
    ...overrides,
  });
}

function request(overrides: Partial<LoadRequest> = {}): LoadRequest {
  return {
    table: 'test_tbl',
    label: 'kl-test_tbl-0123456789abcdef',
    body: Buffer.from('[{"id":1,"city":"New York"}]'),
    headers: { format: 'json', strip_outer_array: 'true' },
    deadline: Date.now() + 10_000,
    credentials: staticCredentials(),
    ...overrides,
  };
}

/** A loopback port with nothing listening. */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return `http://127.0.0.1:${port}`;
}

describe('createStreamLoader', () => {
  it('sends Expect: 100-continue, follows the 307 to the BE and re-sends Authorization and the body', async () => {
    const result = await loader().load(request());

    const [feRequest, beRequest] = sr.seen;
    expect(feRequest).toMatchObject({
      server: 'fe',
      method: 'PUT',
      url: '/api/example_db/test_tbl/_stream_load',
      body: '',
    });
    expect(feRequest?.headers.expect).toBe('100-continue');
    expect(beRequest).toMatchObject({
      server: 'be',
      method: 'PUT',
      url: '/api/example_db/test_tbl/_stream_load',
    });
    expect(beRequest?.body).toBe('[{"id":1,"city":"New York"}]');
    expect(beRequest?.headers.authorization).toBe(
      `Basic ${Buffer.from(`root:${PASSWORD}`).toString('base64')}`,
    );
    expect(beRequest?.headers).toMatchObject({
      label: 'kl-test_tbl-0123456789abcdef',
      format: 'json',
      strip_outer_array: 'true',
    });
    expect(result).toMatchObject({ outcome: 'loaded', status: 'Success', loadedRows: 3, attempts: 1 });
  });

  it('sends the body after a while when no 100 Continue comes', async () => {
    sr.sendContinue = false;
    const result = await loader([sr.feUrl], { waitForContinueMs: 50 }).load(request());
    expect(result.outcome).toBe('loaded');
    expect(sr.seen.at(-1)?.body).toBe('[{"id":1,"city":"New York"}]');
  });

  it('retries a "too many versions" answer with the same label and succeeds', async () => {
    sr.beReplies.push({
      json: {
        Status: 'Fail',
        Message: 'Failed to load data into tablet 1, because of too many versions, current/limit: 1001/1000.',
      },
    });

    const result = await loader().load(request());

    const labels = sr.seen.filter((s) => s.server === 'be').map((s) => s.headers.label);
    expect(labels).toEqual(['kl-test_tbl-0123456789abcdef', 'kl-test_tbl-0123456789abcdef']);
    expect(result).toMatchObject({ outcome: 'loaded', attempts: 2 });
  });

  it('retries a connection reset with the same label', async () => {
    sr.beReplies.push({ reset: true });
    const result = await loader().load(request());
    expect(result.attempts).toBe(2);
    expect(sr.seen.filter((s) => s.server === 'be')).toHaveLength(2);
  });

  it('retries an FE that answers 503 and one that has no backend alive', async () => {
    sr.feReplies.push(
      { httpStatus: 503, text: 'unavailable' },
      { json: { Status: 'FAILED', Message: 'No backend alive.' } },
    );
    const result = await loader().load(request());
    expect(result.attempts).toBe(3);
  });

  it('sends again after a Success answered before the body was sent, which loaded nothing', async () => {
    sr.feReplies.push({ json: { Status: 'Success', Message: 'OK' } });

    const result = await loader().load(request());

    expect(result).toMatchObject({ outcome: 'loaded', attempts: 2 });
    expect(sr.seen.filter((s) => s.server === 'be')).toHaveLength(1);
  });

  it('fails at once on a redirect without a Location, which it cannot follow', async () => {
    sr.feReplies.push({ httpStatus: 307, text: '' });

    const error = await loadError(loader().load(request()));

    expect(error).toMatchObject({ code: ErrorCode.LOAD_REDIRECT, retryable: false });
    expect(error.message).toContain('came without a Location');
    expect(sr.seen.filter((s) => s.server === 'be')).toHaveLength(0);
  });

  it('fails "too many filtered rows" at once with Status, Message and the first rejected rows', async () => {
    sr.beReplies.push({
      json: {
        Status: 'Fail',
        Message: 'too many filtered rows',
        NumberFilteredRows: 2,
        ErrorURL: `${sr.beUrl}/api/_load_error_log?file=error_log_1`,
      },
    });

    const error = await loadError(loader().load(request()));

    expect(error.code).toBe(ErrorCode.LOAD_FAILED);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('Stream Load into table "test_tbl" (label kl-test_tbl-0123456789abcdef)');
    expect(error.message).toContain('Status: Fail');
    expect(error.message).toContain('Message: too many filtered rows');
    expect(error.message).toContain("Error: NULL value in non-nullable column 'id'");
    expect(sr.seen.filter((s) => s.server === 'be')).toHaveLength(1);
  });

  it('treats "Label Already Exists" with FINISHED as already loaded', async () => {
    sr.beReplies.push({
      json: {
        Status: 'Label Already Exists',
        ExistingJobStatus: 'FINISHED',
        Message: 'Label [x] has already been used.',
      },
    });
    const result = await loader().load(request());
    expect(result).toMatchObject({ outcome: 'already-loaded', attempts: 1 });
  });

  it('waits for a RUNNING label through get_load_state until it is VISIBLE', async () => {
    sr.beReplies.push({ json: { Status: 'Label Already Exists', ExistingJobStatus: 'RUNNING' } });
    sr.loadStates.splice(0, sr.loadStates.length, 'PREPARED', 'COMMITTED', 'VISIBLE');

    const result = await loader().load(request());

    const polls = sr.seen.filter((s) => s.url.includes('get_load_state'));
    expect(polls[0]?.url).toBe('/api/example_db/get_load_state?label=kl-test_tbl-0123456789abcdef');
    expect(polls).toHaveLength(2);
    expect(result).toMatchObject({ outcome: 'already-loaded', status: 'COMMITTED' });
  });

  it('sends again with the same label when the RUNNING label ends ABORTED', async () => {
    sr.beReplies.push({ json: { Status: 'Label Already Exists', ExistingJobStatus: 'RUNNING' } });
    sr.loadStates.splice(0, sr.loadStates.length, 'ABORTED', 'VISIBLE');

    const result = await loader().load(request());

    expect(result).toMatchObject({ outcome: 'loaded', attempts: 2 });
  });

  it('fails over to the next FE when one refuses connections, and round-robins afterwards', async () => {
    const dead = await closedPort();
    const streamLoader = loader([dead, sr.feUrl]);

    const first = await streamLoader.load(request());
    const second = await streamLoader.load(request({ label: 'kl-second' }));

    expect(first.attempts).toBe(2);
    expect(second.attempts).toBe(2);
    expect(sr.seen.filter((s) => s.server === 'fe')).toHaveLength(2);
  });

  it('refetches credentials once on 401 and loads with the rotated password', async () => {
    sr.passwords = new Set(['rotated-pw']);
    const refresh = vi.fn(async () => ({ username: 'root', password: 'rotated-pw' }));

    const result = await loader().load(
      request({ credentials: { get: async () => ({ username: 'root', password: 'old-pw' }), refresh } }),
    );

    expect(refresh).toHaveBeenCalledTimes(1);
    expect(result.outcome).toBe('loaded');
  });

  it('fails a wrong password with LOAD_AUTH and never shows the password', async () => {
    const refresh = vi.fn(async () => ({ username: 'root', password: 'still-wrong-pw' }));
    const error = await loadError(
      loader().load(
        request({ credentials: { get: async () => ({ username: 'root', password: 'wrong-pw' }), refresh } }),
      ),
    );

    expect(error.code).toBe(ErrorCode.LOAD_AUTH);
    expect(error.message).toContain('check the StarRocks user name and password');
    expect(error.message).not.toContain('wrong-pw');
    expect(JSON.stringify(error)).not.toContain('wrong-pw');
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  it('gives up at the deadline when the BE does not answer', async () => {
    sr.beReplies.push({ json: { Status: 'Success' }, delayMs: 2000 });
    const error = await loadError(loader().load(request({ deadline: Date.now() + 400 })));

    // The BE would have answered Success after 2 s; the load gave up before that.
    expect(error.code).toBe(ErrorCode.LOAD_DEADLINE);
  });

  it('does not start a load without enough time left', async () => {
    const error = await loadError(
      loader([sr.feUrl], { minAttemptMs: 1000 }).load(request({ deadline: Date.now() + 500 })),
    );
    expect(error.code).toBe(ErrorCode.LOAD_DEADLINE);
    expect(sr.seen).toHaveLength(0);
  });

  it('stops after maxAttempts and says how many it made', async () => {
    for (let i = 0; i < 3; i++)
      sr.beReplies.push({ json: { Status: 'Fail', Message: 'Memory of process exceed limit.' } });
    const error = await loadError(loader([sr.feUrl], { maxAttempts: 3 }).load(request()));
    expect(error.message).toContain('(gave up after 3 attempts)');
    expect(error.message).toContain('Message: Memory of process exceed limit.');
    expect(error.retryable).toBe(true);
  });
});

describe('redirectTarget', () => {
  const fe = new URL('http://fe.example:8030/api/db/t/_stream_load');
  const anyHost = undefined;
  const redirect = (statusCode: number, location?: string) => ({
    statusCode,
    location,
    body: '',
    truncated: false,
    bodySent: false,
  });

  it.each([
    [307, 'http://be.example:8040/api/db/t/_stream_load', 'http://be.example:8040/api/db/t/_stream_load'],
    [308, '/api/db/t/_stream_load?x=1', 'http://fe.example:8030/api/db/t/_stream_load?x=1'],
    [
      301,
      'https://leader.example:8443/api/db/t/_stream_load',
      'https://leader.example:8443/api/db/t/_stream_load',
    ],
    [302, '//be.example:8040/p', 'http://be.example:8040/p'],
    [303, 'p2', 'http://fe.example:8030/api/db/t/p2'],
  ])('follows %i to %s, resolved against the URL that answered', (status, location, expected) => {
    expect(redirectTarget(redirect(status, location), [fe], anyHost)).toEqual({
      kind: 'follow',
      url: new URL(expected),
    });
  });

  it.each([
    ['a 300, which StarRocks does not send', redirect(300, 'http://be.example:8040/')],
    ['a 200', redirect(200, 'http://be.example:8040/')],
  ])('keeps %s as the answer', (_name, answer) => {
    expect(redirectTarget(answer, [fe], anyHost)).toEqual({ kind: 'answer' });
  });

  const hops = (n: number) => Array.from({ length: n + 1 }, (_, i) => new URL(`http://fe${i}.example:8030/`));
  it.each([
    ['a 307 without Location', redirect(307), [fe], 'came without a Location'],
    ['a 307 with an empty Location', redirect(307, ''), [fe], 'came without a Location'],
    ['a Location that is not a URL', redirect(307, 'http://[be'), [fe], 'not a URL'],
    ['a file: Location', redirect(307, 'file:///etc/passwd'), [fe], 'not file:'],
    ['an ftp: Location', redirect(307, 'ftp://be.example/x'), [fe], 'not ftp:'],
    [
      'https to http',
      redirect(307, 'http://be.example:8040/'),
      [new URL('https://fe.example:8443/')],
      'https to plain http',
    ],
    ['the URL that answered', redirect(307, fe.href), [fe], 'redirect loop'],
    ['a URL visited before', redirect(307, 'http://fe0.example:8030/'), hops(2), 'redirect loop'],
    [
      'a redirect past the last hop allowed',
      redirect(307, 'http://be.example:8040/'),
      hops(MAX_REDIRECTS),
      'more than 3',
    ],
  ])('refuses %s', (_name, answer, visited, reason) => {
    const decision = redirectTarget(answer, visited, anyHost);
    expect(decision).toMatchObject({ kind: 'refuse', refused: { reason: expect.stringContaining(reason) } });
  });

  it('refuses a host starrocks.redirect.hosts does not allow, and follows one it does', () => {
    const hosts = redirectHostsFor(['http://10.0.0.5:8030'], '10.1.0.0/16, be.example:8040, .cluster.local');
    const decide = (location: string) => redirectTarget(redirect(307, location), [fe], hosts).kind;

    expect(decide('http://10.1.200.3:8040/')).toBe('follow');
    expect(decide('http://be.example:8040/')).toBe('follow');
    expect(decide('http://BE3.Cluster.Local:8040/')).toBe('follow');
    expect(decide('http://10.2.0.1:8040/')).toBe('refuse');
    expect(decide('http://be.example:9999/')).toBe('refuse');
    expect(decide('http://cluster.local:8040/')).toBe('refuse');
    expect(decide('http://evil-cluster.local:8040/')).toBe('refuse');
  });

  it('follows an allowed Location without the user:password@ it carries', () => {
    const decision = redirectTarget(redirect(307, 'http://evil:pw@be.example:8040/p'), [fe], anyHost);
    expect(decision).toEqual({ kind: 'follow', url: new URL('http://be.example:8040/p') });
  });

  it('quotes a refused Location without its user:password@ part', () => {
    const decision = redirectTarget(redirect(307, 'ftp://loader:s3cr/et?x@be.example/x'), [fe], anyHost);
    expect(decision).toMatchObject({ kind: 'refuse', refused: { location: 'ftp://be.example/x' } });
  });
});
