import { request as httpRequest } from 'node:http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type StandIn, startStandIn } from '../../../lib/local/stand-in/index.ts';
import { basicAuth, getJson, jsonLoad, send, streamLoad } from '../../support/http-client.ts';

const QUICKSTART_ROWS = [
  { id: 1, city: 'New York' },
  { id: 2, city: 'Los Angeles' },
  { id: 3, city: 'Chicago' },
];

describe('StarRocks stand-in: FE/BE protocol', () => {
  let starrocks: StandIn;

  beforeEach(async () => {
    starrocks = await startStandIn({ users: { root: '', loader: 'p:ss@word' } });
    starrocks.execute(
      'CREATE DATABASE example_db; USE example_db; CREATE TABLE test_tbl (id INT, city STRING);',
    );
  });

  afterEach(async () => {
    await starrocks.close();
  });

  it('binds both servers to 127.0.0.1 on ephemeral ports', () => {
    expect(starrocks.feUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(starrocks.beUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(starrocks.feUrl).not.toBe(starrocks.beUrl);
  });

  it('loads the quickstart rows and prints them like the MySQL client', async () => {
    const reply = await jsonLoad(starrocks.feUrl, 'example_db', 'test_tbl', QUICKSTART_ROWS, {
      label: 'quickstart_1',
    });

    expect(reply.status).toBe(200);
    expect(reply.json()).toMatchObject({
      Label: 'quickstart_1',
      Status: 'Success',
      Message: 'OK',
      NumberTotalRows: 3,
      NumberLoadedRows: 3,
      NumberFilteredRows: 0,
      NumberUnselectedRows: 0,
    });
    expect(starrocks.formatTable('example_db', 'test_tbl')).toBe(
      [
        '+------+-------------+',
        '| id   | city        |',
        '+------+-------------+',
        '|    1 | New York    |',
        '|    2 | Los Angeles |',
        '|    3 | Chicago     |',
        '+------+-------------+',
        '3 rows in set (0.00 sec)',
      ].join('\n'),
    );
  });

  it('answers a load with every documented response field, in StarRocks order', async () => {
    const reply = await jsonLoad(starrocks.feUrl, 'example_db', 'test_tbl', QUICKSTART_ROWS, {
      label: 'fields',
    });

    expect(Object.keys(reply.json())).toEqual([
      'TxnId',
      'Label',
      'Status',
      'Message',
      'NumberTotalRows',
      'NumberLoadedRows',
      'NumberFilteredRows',
      'NumberUnselectedRows',
      'LoadBytes',
      'LoadTimeMs',
      'BeginTxnTimeMs',
      'StreamLoadPlanTimeMs',
      'ReadDataTimeMs',
      'WriteDataTimeMs',
      'CommitAndPublishTimeMs',
    ]);
    expect(reply.json().TxnId).toEqual(expect.any(Number));
    expect(reply.json().LoadBytes).toBe(Buffer.byteLength(JSON.stringify(QUICKSTART_ROWS)));
  });

  it('records each load that reaches the BE', async () => {
    await jsonLoad(starrocks.feUrl, 'example_db', 'test_tbl', QUICKSTART_ROWS, { label: 'recorded' });

    expect(starrocks.loads).toHaveLength(1);
    expect(starrocks.loads[0]).toMatchObject({
      kind: 'stream',
      database: 'example_db',
      table: 'test_tbl',
      label: 'recorded',
      status: 'Success',
      message: 'OK',
      numberTotalRows: 3,
      numberLoadedRows: 3,
      numberFilteredRows: 0,
      bodyBytes: Buffer.byteLength(JSON.stringify(QUICKSTART_ROWS)),
    });
    expect(starrocks.loads[0]?.headers).toMatchObject({
      format: 'json',
      strip_outer_array: 'true',
      label: 'recorded',
    });
  });

  it('answers 401 with WWW-Authenticate for a wrong password, without reading the body', async () => {
    const reply = await send(`${starrocks.feUrl}/api/example_db/test_tbl/_stream_load`, {
      method: 'PUT',
      expectContinue: true,
      headers: { Authorization: basicAuth('root', 'wrong') },
      body: '[]',
    });

    expect(reply.status).toBe(401);
    expect(reply.headers['www-authenticate']).toBe('Basic realm=""');
    expect(JSON.parse(reply.text)).toEqual({
      Status: 'FAILED',
      Message: 'Access denied for user root@127.0.0.1',
    });
    expect(reply.bodySent).toBe(false);
    expect(starrocks.loads).toHaveLength(0);
  });

  it('answers 401 when credentials are missing', async () => {
    const reply = await send(`${starrocks.feUrl}/api/example_db/test_tbl/_stream_load`, {
      method: 'PUT',
      expectContinue: true,
      body: '[]',
    });

    expect(reply.status).toBe(401);
    expect(JSON.parse(reply.text)).toEqual({ Status: 'FAILED', Message: 'Need auth information.' });
  });

  it('accepts passwords containing colons and drops the @host part of the user', async () => {
    const reply = await streamLoad(starrocks.feUrl, 'example_db', 'test_tbl', '1\tParis\n', {
      auth: basicAuth('loader@10.0.0.1', 'p:ss@word'),
    });

    expect(reply.json().Status).toBe('Success');
  });

  it('accepts only the new password after setPassword', async () => {
    starrocks.setPassword('loader', 'rotated');

    const old = await streamLoad(starrocks.feUrl, 'example_db', 'test_tbl', '1\tParis\n', {
      auth: basicAuth('loader', 'p:ss@word'),
    });
    const rotated = await streamLoad(starrocks.feUrl, 'example_db', 'test_tbl', '1\tParis\n', {
      auth: basicAuth('loader', 'rotated'),
    });

    expect(old.status).toBe(401);
    expect(rotated.json().Status).toBe('Success');
  });

  it('checks the password before the 100-continue header', async () => {
    const reply = await send(`${starrocks.feUrl}/api/example_db/test_tbl/_stream_load`, {
      method: 'PUT',
      headers: { Authorization: basicAuth('root', 'wrong') },
      body: '[]',
    });

    expect(reply.status).toBe(401);
  });

  it('answers FAILED when Expect: 100-continue is missing', async () => {
    const reply = await send(`${starrocks.feUrl}/api/example_db/test_tbl/_stream_load`, {
      method: 'PUT',
      headers: { Authorization: basicAuth() },
      body: '1\tParis\n',
    });

    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.text)).toEqual({
      Status: 'FAILED',
      Message: 'class com.starrocks.common.DdlException: There is no 100-continue header',
    });
    expect(starrocks.rows('example_db', 'test_tbl')).toEqual([]);
  });

  it('redirects with 307 to the BE with the same path and query before the body is sent', async () => {
    const reply = await send(`${starrocks.feUrl}/api/example_db/test_tbl/_stream_load?x=1&y=two`, {
      method: 'PUT',
      expectContinue: true,
      headers: { Authorization: basicAuth(), label: 'redirected' },
      body: '1\tParis\n',
    });

    expect(reply.status).toBe(307);
    expect(reply.headers.location).toBe(`${starrocks.beUrl}/api/example_db/test_tbl/_stream_load?x=1&y=two`);
    expect(reply.headers.connection).toBe('close');
    expect(reply.continued).toBe(false);
    expect(reply.bodySent).toBe(false);
    expect(starrocks.loads).toHaveLength(0);
  });

  it('sends 100 Continue from the BE and loads there', async () => {
    const reply = await send(`${starrocks.beUrl}/api/example_db/test_tbl/_stream_load`, {
      method: 'PUT',
      expectContinue: true,
      headers: { Authorization: basicAuth(), label: 'direct_be' },
      body: '7\tRome\n',
    });

    expect(reply.continued).toBe(true);
    expect(JSON.parse(reply.text)).toMatchObject({ Status: 'Success', NumberLoadedRows: 1 });
    expect(starrocks.rows('example_db', 'test_tbl')).toEqual([{ id: 7, city: 'Rome' }]);
  });

  it('loads on the BE without Expect: 100-continue too', async () => {
    const reply = await send(`${starrocks.beUrl}/api/example_db/test_tbl/_stream_load`, {
      method: 'PUT',
      headers: { Authorization: basicAuth() },
      body: '8\tOslo\n',
    });

    expect(JSON.parse(reply.text)).toMatchObject({ Status: 'Success', NumberLoadedRows: 1 });
  });

  it('answers Fail "no valid Basic authorization" on the BE when the redirect dropped Authorization', async () => {
    const reply = await send(`${starrocks.beUrl}/api/example_db/test_tbl/_stream_load`, {
      method: 'PUT',
      expectContinue: true,
      headers: { label: 'no_auth' },
      body: '1\tParis\n',
    });

    expect(reply.status).toBe(200);
    expect(reply.continued).toBe(false);
    expect(JSON.parse(reply.text)).toMatchObject({ Status: 'Fail', Message: 'no valid Basic authorization' });
    expect(starrocks.labelState('example_db', 'no_auth')).toBe('UNKNOWN');
    expect(starrocks.loads.at(-1)).toMatchObject({ label: 'no_auth', status: 'Fail' });
  });

  it('answers Fail "Access denied" on the BE for a wrong password', async () => {
    const reply = await send(`${starrocks.beUrl}/api/example_db/test_tbl/_stream_load`, {
      method: 'PUT',
      expectContinue: true,
      headers: { Authorization: basicAuth('root', 'nope') },
      body: '1\tParis\n',
    });

    expect(JSON.parse(reply.text)).toMatchObject({
      Status: 'Fail',
      Message: 'Access denied for user root@127.0.0.1',
    });
  });

  it.each([
    ['an unknown database', 'nowhere', 'test_tbl', 'unknown database, database=nowhere'],
    ['an unknown table', 'example_db', 'missing', 'unknown table "example_db.missing"'],
  ])('answers Fail for %s without taking the body', async (_case, database, table, message) => {
    const reply = await streamLoad(starrocks.feUrl, database, table, '1\tParis\n');

    expect(reply.redirect?.status).toBe(307);
    expect(reply.continued).toBe(false);
    expect(reply.json()).toMatchObject({ Status: 'Fail', Message: message });
  });

  it('aborts the label when the client goes away in the middle of the body', async () => {
    const req = httpRequest(`${starrocks.beUrl}/api/example_db/test_tbl/_stream_load`, {
      method: 'PUT',
      agent: false,
      headers: { Authorization: basicAuth(), label: 'half', Expect: '100-continue', 'Content-Length': '100' },
    });
    req.on('error', () => undefined);
    await new Promise((resolve) => req.on('continue', resolve));

    req.write('1\tPar');
    req.destroy();

    await vi.waitFor(() => expect(starrocks.labelState('example_db', 'half')).toBe('ABORTED'));
    expect(starrocks.loads.at(-1)).toMatchObject({ label: 'half', status: 'Fail' });
    expect(starrocks.rows('example_db', 'test_tbl')).toEqual([]);
  });

  it('generates a label when none is sent', async () => {
    const reply = await streamLoad(starrocks.feUrl, 'example_db', 'test_tbl', '1\tParis\n');

    expect(reply.json().Label).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a label outside ^[-\\w]{1,128}$', async () => {
    const reply = await streamLoad(starrocks.feUrl, 'example_db', 'test_tbl', '1\tParis\n', {
      headers: { label: 'topic.with:colon' },
    });

    expect(reply.json()).toMatchObject({
      Status: 'Fail',
      Message: 'Label format error. regex: ^[-\\w]{1,128}$, label: topic.with:colon',
    });
  });

  describe('labels', () => {
    it('answers Label Already Exists with FINISHED for a label already loaded, and loads nothing twice', async () => {
      await jsonLoad(starrocks.feUrl, 'example_db', 'test_tbl', QUICKSTART_ROWS, { label: 'batch_1' });
      const again = await jsonLoad(starrocks.feUrl, 'example_db', 'test_tbl', QUICKSTART_ROWS, {
        label: 'batch_1',
      });

      expect(again.json()).toMatchObject({
        Label: 'batch_1',
        Status: 'Label Already Exists',
        ExistingJobStatus: 'FINISHED',
        Message: 'Label [batch_1] has already been used.',
      });
      expect(Object.keys(again.json()).slice(0, 5)).toEqual([
        'TxnId',
        'Label',
        'Status',
        'ExistingJobStatus',
        'Message',
      ]);
      expect(again.continued).toBe(false);
      expect(starrocks.rows('example_db', 'test_tbl')).toHaveLength(3);
    });

    it('scopes labels to the database, across tables', async () => {
      starrocks.execute(
        'CREATE TABLE example_db.other (id INT); CREATE DATABASE db2; CREATE TABLE db2.test_tbl (id INT, city STRING);',
      );
      await jsonLoad(starrocks.feUrl, 'example_db', 'test_tbl', QUICKSTART_ROWS, { label: 'shared' });

      const sameDatabase = await jsonLoad(starrocks.feUrl, 'example_db', 'other', [{ id: 1 }], {
        label: 'shared',
      });
      const otherDatabase = await jsonLoad(starrocks.feUrl, 'db2', 'test_tbl', QUICKSTART_ROWS, {
        label: 'shared',
      });

      expect(sameDatabase.json().Status).toBe('Label Already Exists');
      expect(otherDatabase.json().Status).toBe('Success');
    });

    it('lets a label be reused after its load failed', async () => {
      const failed = await jsonLoad(starrocks.feUrl, 'example_db', 'test_tbl', [{ id: 'x', city: 'a' }], {
        label: 'retry_me',
        strict_mode: 'true',
      });
      const retried = await jsonLoad(starrocks.feUrl, 'example_db', 'test_tbl', QUICKSTART_ROWS, {
        label: 'retry_me',
      });

      expect(failed.json().Status).toBe('Fail');
      expect(retried.json().Status).toBe('Success');
      expect(starrocks.labelState('example_db', 'retry_me')).toBe('VISIBLE');
    });

    it('forgets the oldest finished labels beyond labelKeepMax', async () => {
      const small = await startStandIn({ labelKeepMax: 2 });
      try {
        small.execute('CREATE DATABASE d; CREATE TABLE d.t (id INT);');
        for (const label of ['l1', 'l2', 'l3']) {
          await jsonLoad(small.feUrl, 'd', 't', [{ id: 1 }], { label });
        }

        expect(['l1', 'l2', 'l3'].map((label) => small.labelState('d', label))).toEqual([
          'UNKNOWN',
          'VISIBLE',
          'VISIBLE',
        ]);
        const reused = await jsonLoad(small.feUrl, 'd', 't', [{ id: 2 }], { label: 'l1' });
        expect(reused.json().Status).toBe('Success');
      } finally {
        await small.close();
      }
    });
  });

  describe('get_load_state', () => {
    it.each([
      ['a loaded label', 'loaded', 'VISIBLE'],
      ['an unknown label', 'never_used', 'UNKNOWN'],
    ])('reports %s', async (_case, label, state) => {
      await jsonLoad(starrocks.feUrl, 'example_db', 'test_tbl', QUICKSTART_ROWS, { label: 'loaded' });

      const reply = await getJson(`${starrocks.feUrl}/api/example_db/get_load_state?label=${label}`);

      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ status: 'OK', code: '0', msg: 'Success', message: 'OK', state });
    });

    it('reports ABORTED with the reason for a failed load', async () => {
      await jsonLoad(starrocks.feUrl, 'example_db', 'test_tbl', [{ id: 'x' }], {
        label: 'bad',
        strict_mode: 'true',
      });

      const reply = await getJson(`${starrocks.feUrl}/api/example_db/get_load_state?label=bad`);

      expect(reply.body).toMatchObject({ state: 'ABORTED', reason: 'too many filtered rows' });
    });

    it('answers FAILED for an unknown database', async () => {
      const reply = await getJson(`${starrocks.feUrl}/api/nowhere/get_load_state?label=x`);

      expect(reply.body).toEqual({
        status: 'FAILED',
        code: '1',
        msg: 'unknown database, database=nowhere',
        message: 'unknown database, database=nowhere',
      });
    });

    it('requires authentication', async () => {
      const reply = await send(`${starrocks.feUrl}/api/example_db/get_load_state?label=x`);

      expect(reply.status).toBe(401);
    });
  });

  describe('read-back endpoints', () => {
    it('serves rows as JSON and the table as MySQL text', async () => {
      await jsonLoad(starrocks.feUrl, 'example_db', 'test_tbl', QUICKSTART_ROWS.slice(0, 1));

      const rows = await getJson(`${starrocks.feUrl}/api/_stand_in/example_db/test_tbl/rows`);
      const table = await send(`${starrocks.feUrl}/api/_stand_in/example_db/test_tbl/table`, {
        headers: { Authorization: basicAuth() },
      });

      expect(rows.body).toEqual({ columns: ['id', 'city'], rows: [{ id: 1, city: 'New York' }] });
      expect(table.text).toBe(`${starrocks.formatTable('example_db', 'test_tbl')}\n`);
    });

    it('requires authentication', async () => {
      const reply = await send(`${starrocks.feUrl}/api/_stand_in/example_db/test_tbl/rows`);

      expect(reply.status).toBe(401);
    });
  });

  it('serves 404 for unknown paths', async () => {
    const fe = await send(`${starrocks.feUrl}/api/nothing/here`, { headers: { Authorization: basicAuth() } });
    const be = await send(`${starrocks.beUrl}/api/nothing/here`);

    expect(fe.status).toBe(404);
    expect(be.status).toBe(404);
  });

  it('closes promptly while a load is still waiting for its answer', async () => {
    starrocks.faults.delayNext({ ms: 60_000 });
    const pending = jsonLoad(starrocks.feUrl, 'example_db', 'test_tbl', QUICKSTART_ROWS, {
      label: 'slow',
    }).then(
      () => 'answered',
      () => 'connection closed',
    );
    await vi.waitFor(() => expect(starrocks.labelState('example_db', 'slow')).toBe('PREPARE'));

    await starrocks.close();

    expect(await pending).toBe('connection closed');
  });
});
