import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { basicAuth, getJson, send, streamLoad } from '../support/http-client.ts';
import { openTarget, REAL_STARROCKS, type StarRocksTarget } from '../support/starrocks-target.ts';

/**
 * The Stream Load behaviour the sink relies on, checked over HTTP against the stand-in, or against a
 * real StarRocks when STARROCKS_HTTP_URL/STARROCKS_USER/STARROCKS_PASSWORD are set. Only what a
 * real cluster shows is asserted here; fault injection lives in the stand-in's own tests.
 */

let target: StarRocksTarget;
let auth: string;
let table = '';
let counter = 0;

beforeAll(async () => {
  target = await openTarget({ standInUsers: { root: 'conformance-pw' } });
  auth = basicAuth(target.user, target.password);
  console.log(`conformance suite runs against ${target.description}`);
});
afterAll(async () => {
  await target.close();
});
beforeEach(async () => {
  counter++;
  table = `t${counter}`;
  await target.execute(
    `CREATE TABLE ${table} (id INT NOT NULL, city VARCHAR(20)) DUPLICATE KEY(id) DISTRIBUTED BY HASH(id) BUCKETS 1`,
  );
});

const uniqueLabel = (name: string) => `conf_${name}_${Date.now()}_${counter}`;
const loadUrl = () => `${target.feUrl}/api/${target.database}/${table}/_stream_load`;
const load = (rows: unknown[], headers: Record<string, string> = {}) =>
  streamLoad(target.feUrl, target.database, table, JSON.stringify(rows), {
    auth,
    headers: { format: 'json', strip_outer_array: 'true', ...headers },
  });

describe(`Stream Load conformance (${REAL_STARROCKS ? 'real StarRocks from STARROCKS_HTTP_URL' : 'StarRocks stand-in'})`, () => {
  it('answers 401 with WWW-Authenticate: Basic for a wrong password', async () => {
    const reply = await send(loadUrl(), {
      method: 'PUT',
      expectContinue: true,
      body: '[]',
      headers: { Authorization: basicAuth(target.user, `${target.password}-wrong`) },
    });
    expect(reply.status).toBe(401);
    expect(reply.headers['www-authenticate']).toMatch(/^Basic realm=/);
    expect(reply.bodySent).toBe(false);
  });

  it('answers FAILED "There is no 100-continue header" to a PUT without Expect', async () => {
    const reply = await send(loadUrl(), {
      method: 'PUT',
      body: '[]',
      headers: { Authorization: auth, format: 'json' },
    });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.text)).toMatchObject({ Status: 'FAILED' });
    expect(reply.text).toContain('There is no 100-continue header');
  });

  it('redirects with 307 to a BE on the same path and query, before the body is sent', async () => {
    const reply = await send(`${loadUrl()}?probe=1`, {
      method: 'PUT',
      expectContinue: true,
      body: '[{"id":1}]',
      headers: { Authorization: auth, label: uniqueLabel('redirect') },
    });
    expect(reply.status).toBe(307);
    expect(reply.bodySent).toBe(false);
    const location = new URL(reply.headers.location ?? '');
    expect(location.pathname).toBe(`/api/${target.database}/${table}/_stream_load`);
    expect(location.search).toBe('?probe=1');
  });

  it('loads through the redirect and answers with the documented fields', async () => {
    const label = uniqueLabel('fields');
    const reply = await load(
      [
        { id: 1, city: 'New York' },
        { id: 2, city: 'Los Angeles' },
      ],
      { label },
    );
    const body = reply.json();
    expect(reply.status).toBe(200);
    expect(body).toMatchObject({
      Label: label,
      Status: 'Success',
      NumberTotalRows: 2,
      NumberLoadedRows: 2,
      NumberFilteredRows: 0,
    });
    for (const field of ['TxnId', 'Message', 'NumberUnselectedRows', 'LoadBytes', 'LoadTimeMs'])
      expect(body).toHaveProperty(field);
    expect(await target.rows(table)).toEqual([
      { id: 1, city: 'New York' },
      { id: 2, city: 'Los Angeles' },
    ]);
  });

  it('answers Label Already Exists with ExistingJobStatus FINISHED for a used label and loads nothing twice', async () => {
    const label = uniqueLabel('dup');
    await load([{ id: 1, city: 'a' }], { label });
    const again = (await load([{ id: 1, city: 'a' }], { label })).json();
    expect(again).toMatchObject({ Status: 'Label Already Exists', ExistingJobStatus: 'FINISHED' });
    expect(await target.rows(table)).toHaveLength(1);
  });

  it('reports a loaded label VISIBLE through get_load_state, and an unknown one UNKNOWN', async () => {
    const label = uniqueLabel('state');
    await load([{ id: 1, city: 'a' }], { label });
    const seen = await getJson(`${target.feUrl}/api/${target.database}/get_load_state?label=${label}`, auth);
    expect(seen.body.state).toBe('VISIBLE');
    const unknown = await getJson(
      `${target.feUrl}/api/${target.database}/get_load_state?label=${uniqueLabel('never')}`,
      auth,
    );
    expect(unknown.body.state).toBe('UNKNOWN');
  });

  it('fails with "too many filtered rows", applies nothing, serves ErrorURL, and frees the label', async () => {
    const label = uniqueLabel('filtered');
    const failed = (
      await load(
        [
          { id: 1, city: 'ok' },
          { id: null, city: 'null id' },
        ],
        { label },
      )
    ).json();
    expect(failed.Status).toBe('Fail');
    expect(String(failed.Message)).toContain('too many filtered rows');
    expect(typeof failed.ErrorURL).toBe('string');
    const log = await send(String(failed.ErrorURL));
    expect(log.status).toBe(200);
    expect(log.text.length).toBeGreaterThan(0);
    expect(await target.rows(table)).toEqual([]);

    const retried = (await load([{ id: 1, city: 'ok' }], { label })).json();
    expect(retried.Status).toBe('Success');
  });

  it('loads the good rows when max_filter_ratio allows the rejected ones', async () => {
    const reply = (
      await load(
        [
          { id: 1, city: 'ok' },
          { id: null, city: 'null id' },
        ],
        { max_filter_ratio: '0.5' },
      )
    ).json();
    expect(reply).toMatchObject({ Status: 'Success', NumberLoadedRows: 1, NumberFilteredRows: 1 });
  });

  it('ignores unknown JSON keys and loads NULL for missing ones', async () => {
    await load([{ id: 1, extra: true }]);
    expect(await target.rows(table)).toEqual([{ id: 1, city: null }]);
  });

  it('fails a JSON array body without strip_outer_array', async () => {
    const reply = (await load([{ id: 1, city: 'a' }], { strip_outer_array: 'false' })).json();
    expect(reply.Status).toBe('Fail');
    expect(String(reply.Message)).toMatch(/strip_outer_array/);
  });

  it('refuses a label with a dot', async () => {
    const reply = (await load([{ id: 1, city: 'a' }], { label: 'has.dot' })).json();
    expect(reply.Status).not.toBe('Success');
    expect(String(reply.Message)).toMatch(/label/i);
  });

  it('fails a load into a table that does not exist', async () => {
    const reply = await streamLoad(target.feUrl, target.database, 'no_such_table', '[{"id":1}]', {
      auth,
      headers: { format: 'json', strip_outer_array: 'true' },
    });
    const body = reply.json();
    expect(body.Status === 'Fail' || body.Status === 'FAILED').toBe(true);
    expect(String(body.Message)).toMatch(/unknown table|no_such_table/i);
  });

  it('loads a gzip-compressed JSON body announced with compression: gzip', async () => {
    const body = gzipSync(Buffer.from(JSON.stringify([{ id: 7, city: 'Zipped' }])));
    const reply = await streamLoad(target.feUrl, target.database, table, body, {
      auth,
      headers: { format: 'json', strip_outer_array: 'true', compression: 'gzip' },
    });
    expect(reply.json().Status).toBe('Success');
    expect(await target.rows(table)).toEqual([{ id: 7, city: 'Zipped' }]);
  });

  it('loads CSV with column_separator and \\N as NULL', async () => {
    const reply = await streamLoad(target.feUrl, target.database, table, '1,New York\n2,\\N\n', {
      auth,
      headers: { format: 'csv', column_separator: ',' },
    });
    expect(reply.json().Status).toBe('Success');
    expect(await target.rows(table)).toEqual([
      { id: 1, city: 'New York' },
      { id: 2, city: null },
    ]);
  });

  it('upserts and deletes by key in a Primary Key table with __op', async () => {
    await target.execute(
      `CREATE TABLE pk${counter} (id INT NOT NULL, city VARCHAR(20)) PRIMARY KEY(id) DISTRIBUTED BY HASH(id) BUCKETS 1`,
    );
    const pk = `pk${counter}`;
    const loadPk = (rows: unknown[]) =>
      streamLoad(target.feUrl, target.database, pk, JSON.stringify(rows), {
        auth,
        headers: { format: 'json', strip_outer_array: 'true' },
      });
    await loadPk([
      { id: 1, city: 'a' },
      { id: 2, city: 'b' },
    ]);
    const reply = (
      await loadPk([
        { id: 1, city: 'a2', __op: 0 },
        { id: 2, __op: 1 },
      ])
    ).json();
    expect(reply.Status).toBe('Success');
    expect(await target.rows(pk)).toEqual([{ id: 1, city: 'a2' }]);
  });
});
