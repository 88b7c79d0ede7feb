import { gzipSync, zstdCompressSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type StandIn, startStandIn } from '../../../lib/local/stand-in/index.ts';
import { jsonLoad, send, streamLoad } from '../../support/http-client.ts';

const CUSTOMERS_DDL = `
CREATE TABLE \`customers\` (
  \`id\` int(11) COMMENT "",
  \`first_name\` varchar(65533) NULL COMMENT "",
  \`last_name\` varchar(65533) NULL COMMENT "",
  \`email\` varchar(65533) NULL COMMENT ""
) ENGINE=OLAP
PRIMARY KEY(\`id\`)
DISTRIBUTED BY hash(id) buckets 1
PROPERTIES ("bucket_size" = "4294967296", "in_memory" = "false", "enable_persistent_index" = "true", "replicated_storage" = "true", "fast_schema_evolution" = "true");
`;

describe('StarRocks stand-in: loads', () => {
  let starrocks: StandIn;

  beforeEach(async () => {
    starrocks = await startStandIn();
    starrocks.execute(`CREATE DATABASE test; USE test; ${CUSTOMERS_DDL}`);
    starrocks.execute(
      'CREATE TABLE test.people (id INT NOT NULL, name VARCHAR(5), age TINYINT, born DATE) DUPLICATE KEY(id) DISTRIBUTED BY HASH(id) BUCKETS 1;',
    );
  });

  afterEach(async () => {
    await starrocks.close();
  });

  describe('filtered rows', () => {
    const rows = [
      { id: 1, name: 'Ann', age: 30, born: '1994-05-01' },
      { id: null, name: 'Bob', age: 40 },
      { id: 3, name: 'Charlotte', age: 50 },
      { id: 4, name: 'Dan', age: 300 },
    ];

    it('fails with "too many filtered rows", applies nothing, and serves the reasons at ErrorURL', async () => {
      const reply = await jsonLoad(starrocks.feUrl, 'test', 'people', rows, { label: 'strict_ratio' });

      const body = reply.json();
      expect(body).toMatchObject({
        Status: 'Fail',
        Message: 'too many filtered rows',
        NumberTotalRows: 4,
        NumberLoadedRows: 2,
        NumberFilteredRows: 2,
      });
      expect(body.ErrorURL).toMatch(
        new RegExp(`^${starrocks.beUrl}/api/_load_error_log\\?file=error_log_[0-9a-f]+$`),
      );
      expect(starrocks.rows('test', 'people')).toEqual([]);
      expect(starrocks.labelState('test', 'strict_ratio')).toBe('ABORTED');

      const log = await send(String(body.ErrorURL));
      expect(log.status).toBe(200);
      expect(log.text.trimEnd().split('\n')).toEqual([
        `Error: NULL value in non-nullable column 'id'. Row: {"id":null,"name":"Bob","age":40}`,
        `Error: Value length is beyond the capacity. column=name, capacity=5. Row: {"id":3,"name":"Charlotte","age":50}`,
      ]);
    });

    it('loads the good rows when max_filter_ratio allows the filtered ones', async () => {
      const reply = await jsonLoad(starrocks.feUrl, 'test', 'people', rows, { max_filter_ratio: '0.5' });

      expect(reply.json()).toMatchObject({ Status: 'Success', NumberLoadedRows: 2, NumberFilteredRows: 2 });
      expect(reply.json().ErrorURL).toEqual(expect.any(String));
      // Non-strict mode: 300 does not fit TINYINT and becomes NULL; the nullable column keeps the row.
      expect(starrocks.rows('test', 'people')).toEqual([
        { id: 1, name: 'Ann', age: 30, born: '1994-05-01' },
        { id: 4, name: 'Dan', age: null, born: null },
      ]);
    });

    it('filters failed conversions in strict mode', async () => {
      const reply = await jsonLoad(starrocks.feUrl, 'test', 'people', rows, {
        max_filter_ratio: '1',
        strict_mode: 'true',
      });

      expect(reply.json()).toMatchObject({ Status: 'Success', NumberLoadedRows: 1, NumberFilteredRows: 3 });
    });

    it('fails at once when max_filter_ratio is exceeded by a single row of one', async () => {
      const reply = await jsonLoad(starrocks.feUrl, 'test', 'people', [{ name: 'no id' }]);

      expect(reply.json()).toMatchObject({
        Status: 'Fail',
        Message: 'too many filtered rows',
        NumberFilteredRows: 1,
      });
    });

    it('answers 404 for an unknown error log', async () => {
      const reply = await send(`${starrocks.beUrl}/api/_load_error_log?file=error_log_nope`);

      expect(reply.status).toBe(404);
    });
  });

  describe('conversions', () => {
    beforeEach(() => {
      starrocks.execute(`CREATE TABLE test.typed (
        k INT NOT NULL, ti TINYINT, si SMALLINT, i INT, bi BIGINT, li LARGEINT, f FLOAT, d DOUBLE,
        dec DECIMAL(10,2), b BOOLEAN, c CHAR(3), vc VARCHAR(4), s STRING, dt DATE, dtm DATETIME, j JSON
      ) DUPLICATE KEY(k)`);
    });

    it.each([
      ['ti', 127, 127],
      ['ti', '-128', -128],
      ['ti', 128, null],
      ['si', 32767, 32767],
      ['i', '42', 42],
      ['i', 1.5, null],
      ['i', 'abc', null],
      ['bi', '9007199254740993', '9007199254740993'],
      ['bi', 12, 12],
      ['li', '170141183460469231731687303715884105727', '170141183460469231731687303715884105727'],
      ['f', 1.5, 1.5],
      ['d', '2.25', 2.25],
      ['dec', 12.345, '12.35'],
      ['dec', '-1', '-1.00'],
      ['dec', 123456789, null],
      ['b', true, true],
      ['b', 0, false],
      ['b', 'false', false],
      ['b', 'maybe', null],
      ['c', 'abc', 'abc'],
      ['vc', 7, '7'],
      ['s', 'héllo', 'héllo'],
      ['dt', '2024-02-29', '2024-02-29'],
      ['dt', '2023-02-29', null],
      ['dt', 1714283798790, null],
      ['dtm', '2024-04-28 05:56:38', '2024-04-28 05:56:38'],
      ['dtm', '2024-04-28T05:56:38.790Z', '2024-04-28 05:56:38.790000'],
      ['dtm', '2024-04-28', '2024-04-28 00:00:00'],
      ['j', { a: [1, 2] }, '{"a":[1,2]}'],
      ['j', '{"b":true}', '{"b":true}'],
    ])('converts %s = %j to %j', async (column, value, stored) => {
      const reply = await jsonLoad(starrocks.feUrl, 'test', 'typed', [{ k: 1, [column]: value }]);

      expect(reply.json().Status).toBe('Success');
      expect(starrocks.rows('test', 'typed')[0]?.[column]).toEqual(stored);
    });

    it('keeps BIGINT digits exactly from JSON numbers', async () => {
      await streamLoad(starrocks.feUrl, 'test', 'typed', '{"k":1,"bi":9223372036854775807}', {
        headers: { format: 'json' },
      });

      expect(starrocks.rows('test', 'typed')[0]?.bi).toBe('9223372036854775807');
    });

    it('filters a string longer than VARCHAR(n) bytes even in non-strict mode', async () => {
      const reply = await jsonLoad(starrocks.feUrl, 'test', 'typed', [{ k: 1, vc: 'ééé' }], {
        max_filter_ratio: '1',
      });

      expect(reply.json()).toMatchObject({ NumberFilteredRows: 1, NumberLoadedRows: 0 });
    });
  });

  describe('JSON', () => {
    it('fails an array body without strip_outer_array', async () => {
      const reply = await streamLoad(starrocks.feUrl, 'test', 'customers', '[{"id":1}]', {
        headers: { format: 'json' },
      });

      expect(reply.json()).toMatchObject({
        Status: 'Fail',
        Message:
          'The value is array type in json document stream, you can set strip_outer_array=true to parse each element of the array as individual rows',
      });
    });

    it('fails a scalar document', async () => {
      const reply = await streamLoad(starrocks.feUrl, 'test', 'customers', '42', {
        headers: { format: 'json' },
      });

      expect(reply.json()).toMatchObject({
        Status: 'Fail',
        Message: 'The value should be object type in json document stream',
      });
    });

    it('filters a non-object element of a stripped array', async () => {
      const reply = await jsonLoad(starrocks.feUrl, 'test', 'customers', [{ id: 1 }, 'oops'], {
        max_filter_ratio: '1',
      });

      expect(reply.json()).toMatchObject({ Status: 'Success', NumberLoadedRows: 1, NumberFilteredRows: 1 });
    });

    it('reads concatenated and newline-separated objects', async () => {
      const body = '{"id":1,"email":"a@a.com"}\n{"id":2,"email":"b@b.com"}{"id":3}';
      const reply = await streamLoad(starrocks.feUrl, 'test', 'customers', body, {
        headers: { format: 'json' },
      });

      expect(reply.json()).toMatchObject({ Status: 'Success', NumberLoadedRows: 3 });
    });

    it('ignores unknown keys, loads NULL for missing keys, and keeps the first of duplicated keys', async () => {
      const body = '[{"id":1,"first_name":"a","first_name":"b","extra":true}]';
      await streamLoad(starrocks.feUrl, 'test', 'customers', body, {
        headers: { format: 'json', strip_outer_array: 'true' },
      });

      expect(starrocks.rows('test', 'customers')).toEqual([
        { id: 1, first_name: 'a', last_name: null, email: null },
      ]);
    });

    it('maps jsonpaths to the columns header in order, under json_root', async () => {
      const body = JSON.stringify({ data: [{ user: { id: 5, name: ['Ada', 'Lovelace'] } }] });
      const reply = await streamLoad(starrocks.feUrl, 'test', 'customers', body, {
        headers: {
          format: 'json',
          json_root: '$.data',
          strip_outer_array: 'true',
          jsonpaths: '["$.user.id", "$.user.name[0]", "$.user.name[1]"]',
          columns: 'id, first_name, last_name',
        },
      });

      expect(reply.json().Status).toBe('Success');
      expect(starrocks.rows('test', 'customers')).toEqual([
        { id: 5, first_name: 'Ada', last_name: 'Lovelace', email: null },
      ]);
    });

    it('fails malformed JSON', async () => {
      const reply = await streamLoad(starrocks.feUrl, 'test', 'customers', '[{"id":1,}]', {
        headers: { format: 'json', strip_outer_array: 'true' },
      });

      expect(reply.json().Status).toBe('Fail');
      expect(String(reply.json().Message)).toMatch(/^Failed to parse json data/);
    });

    it('loads a gzip body announced with compression: gzip', async () => {
      const body = gzipSync(JSON.stringify([{ id: 9, email: 'z@z.com' }]));
      const reply = await streamLoad(starrocks.feUrl, 'test', 'customers', body, {
        headers: { format: 'json', strip_outer_array: 'true', compression: 'gzip' },
      });

      expect(reply.json()).toMatchObject({ Status: 'Success', NumberLoadedRows: 1, LoadBytes: body.length });
      expect(starrocks.rows('test', 'customers')).toEqual([
        { id: 9, first_name: null, last_name: null, email: 'z@z.com' },
      ]);
    });

    it.each([
      ['Content-Encoding: zstd', { 'Content-Encoding': 'zstd' }],
      ['compression: ZSTD', { compression: 'ZSTD' }],
    ])('loads a zstd body announced with %s', async (_case, announce) => {
      const body = zstdCompressSync(JSON.stringify([{ id: 8, email: 'y@y.com' }]));
      const reply = await streamLoad(starrocks.feUrl, 'test', 'customers', body, {
        headers: { format: 'json', strip_outer_array: 'true', ...announce },
      });

      expect(reply.json()).toMatchObject({ Status: 'Success', NumberLoadedRows: 1, LoadBytes: body.length });
      expect(starrocks.rows('test', 'customers')).toEqual([
        { id: 8, first_name: null, last_name: null, email: 'y@y.com' },
      ]);
    });

    it('fails a body that is not the announced compression', async () => {
      const reply = await jsonLoad(starrocks.feUrl, 'test', 'customers', [{ id: 1 }], {
        compression: 'gzip',
      });

      expect(reply.json().Status).toBe('Fail');
      expect(String(reply.json().Message)).toMatch(/^Failed to decompress/);
    });

    it('refuses both compression and Content-Encoding', async () => {
      const reply = await jsonLoad(starrocks.feUrl, 'test', 'customers', [{ id: 1 }], {
        compression: 'gzip',
        'Content-Encoding': 'gzip',
      });

      expect(reply.json()).toMatchObject({
        Status: 'Fail',
        Message: 'Only one of http header content-encoding and compression can be set',
      });
    });
  });

  describe('CSV', () => {
    it('splits on tab and newline by default and reads \\N as NULL', async () => {
      const reply = await streamLoad(
        starrocks.feUrl,
        'test',
        'people',
        '1\tAnn\t30\t\\N\n2\tBob\t\\N\t2001-01-02\n',
      );

      expect(reply.json()).toMatchObject({ Status: 'Success', NumberLoadedRows: 2 });
      expect(starrocks.rows('test', 'people')).toEqual([
        { id: 1, name: 'Ann', age: 30, born: null },
        { id: 2, name: 'Bob', age: null, born: '2001-01-02' },
      ]);
    });

    it.each([
      [',', '|', '1,Ann,30,2000-01-01|2,Bob,31,2000-01-02'],
      ['\\x01', '\\x02', '1\u0001Ann\u000130\u00012000-01-01\u00022\u0001Bob\u000131\u00012000-01-02\u0002'],
      ['||', '\\r\\n', '1||Ann||30||2000-01-01\r\n2||Bob||31||2000-01-02\r\n'],
    ])('honours column_separator %j and row_delimiter %j', async (column_separator, row_delimiter, body) => {
      const reply = await streamLoad(starrocks.feUrl, 'test', 'people', body, {
        headers: { column_separator, row_delimiter },
      });

      expect(reply.json()).toMatchObject({ Status: 'Success', NumberLoadedRows: 2 });
      expect(starrocks.rows('test', 'people').map((row) => row.name)).toEqual(['Ann', 'Bob']);
    });

    it('filters a row whose value count does not match the columns', async () => {
      const reply = await streamLoad(starrocks.feUrl, 'test', 'people', '1\tAnn\n2\tBob\t3\t\\N\n', {
        headers: { max_filter_ratio: '0.5' },
      });

      expect(reply.json()).toMatchObject({ Status: 'Success', NumberLoadedRows: 1, NumberFilteredRows: 1 });
      const log = await send(String(reply.json().ErrorURL));
      expect(log.text).toBe(
        'Error: Value count does not match column count. Expect 4, but got 2. Row: 1\tAnn\n',
      );
    });

    it('maps fields through the columns header, filling unnamed columns with their DEFAULT', async () => {
      starrocks.execute(
        'CREATE TABLE test.scores (id INT, score INT DEFAULT "7", note STRING DEFAULT "none")',
      );
      const reply = await streamLoad(starrocks.feUrl, 'test', 'scores', 'x,1\ny,2\n', {
        headers: { column_separator: ',', columns: 'ignored, id' },
      });

      expect(reply.json().Status).toBe('Success');
      expect(starrocks.rows('test', 'scores')).toEqual([
        { id: 1, score: 7, note: 'none' },
        { id: 2, score: 7, note: 'none' },
      ]);
    });

    it('reads enclosed fields with separators inside and skips header lines', async () => {
      const body = 'id,name,age,born\n1,"A, B",3,\\N\n';
      const reply = await streamLoad(starrocks.feUrl, 'test', 'people', body, {
        headers: { column_separator: ',', enclose: '"', skip_header: '1' },
      });

      expect(reply.json().Status).toBe('Success');
      expect(starrocks.rows('test', 'people')).toEqual([{ id: 1, name: 'A, B', age: 3, born: null }]);
    });
  });

  describe('Primary Key tables', () => {
    const seed = [
      { id: 1, first_name: 'a', last_name: 'a', email: 'a@a.com' },
      { id: 2, first_name: 'b', last_name: 'b', email: 'b@b.com' },
    ];

    it('upserts by key and deletes with __op 1, showing rows ordered by key', async () => {
      await jsonLoad(starrocks.feUrl, 'test', 'customers', [seed[1], seed[0]]);
      await jsonLoad(starrocks.feUrl, 'test', 'customers', [
        { id: 1, first_name: 'a', last_name: 'a', email: 'c@c.com', __op: 0 },
        { id: 2, first_name: 'b', last_name: 'b', email: 'c@c.com' },
        { id: 3, first_name: 'x', __op: '0' },
        { id: 3, __op: 1 },
      ]);
      await jsonLoad(starrocks.feUrl, 'test', 'customers', [{ id: 1, first_name: 'a', __op: 1 }]);

      expect(starrocks.formatTable('test', 'customers')).toBe(
        [
          '+------+------------+-----------+---------+',
          '| id   | first_name | last_name | email   |',
          '+------+------------+-----------+---------+',
          '|    2 | b          | b         | c@c.com |',
          '+------+------------+-----------+---------+',
          '1 row in set (0.00 sec)',
        ].join('\n'),
      );
    });

    it('filters a row with an __op other than 0 or 1', async () => {
      const reply = await jsonLoad(starrocks.feUrl, 'test', 'customers', [{ id: 1, __op: 'delete' }]);

      expect(reply.json()).toMatchObject({ Status: 'Fail', NumberFilteredRows: 1 });
    });

    it.each([
      ["__op='delete'", 'delete'],
      ["__op='UPSERT'", 'upsert'],
      ['__op=1', 'delete'],
    ])('applies the constant mapping %s from the columns header', async (mapping, effect) => {
      await jsonLoad(starrocks.feUrl, 'test', 'customers', seed);

      const reply = await jsonLoad(starrocks.feUrl, 'test', 'customers', [{ id: 1, email: 'new@x' }], {
        columns: `id, email, ${mapping}`,
      });

      expect(reply.json().Status).toBe('Success');
      const ids = starrocks.rows('test', 'customers').map((row) => row.id);
      expect(ids).toEqual(effect === 'delete' ? [2] : [1, 2]);
    });

    it('maps __op from a CSV field', async () => {
      await jsonLoad(starrocks.feUrl, 'test', 'customers', seed);

      await streamLoad(starrocks.feUrl, 'test', 'customers', '1,x,y,z,1\n5,e,f,g,0\n', {
        headers: { column_separator: ',', columns: 'id,first_name,last_name,email,op,__op=op' },
      });

      expect(starrocks.rows('test', 'customers').map((row) => row.id)).toEqual([2, 5]);
    });

    it("refuses an __op string constant other than 'upsert' or 'delete'", async () => {
      const reply = await jsonLoad(starrocks.feUrl, 'test', 'customers', [{ id: 1 }], {
        columns: "id, __op='merge'",
      });

      expect(reply.json()).toMatchObject({
        Status: 'Fail',
        Message: 'load op type string not supported: merge',
      });
    });

    it('updates only the named columns with partial_update, inserting new keys with defaults', async () => {
      await jsonLoad(starrocks.feUrl, 'test', 'customers', seed);

      const reply = await jsonLoad(
        starrocks.feUrl,
        'test',
        'customers',
        [
          { id: 1, email: 'new@a.com', first_name: 'ignored' },
          { id: 7, email: 'seven@x.com' },
        ],
        { partial_update: 'true', partial_update_mode: 'row', columns: 'id,email' },
      );

      expect(reply.json().Status).toBe('Success');
      expect(starrocks.rows('test', 'customers')).toEqual([
        { id: 1, first_name: 'a', last_name: 'a', email: 'new@a.com' },
        seed[1],
        { id: 7, first_name: null, last_name: null, email: 'seven@x.com' },
      ]);
    });

    it.each([
      [{ partial_update: 'true' }, 'partial update needs the columns header to name the updated columns'],
      [{ partial_update: 'true', columns: 'email' }, 'key column id is not specified in partial update'],
      [{ partial_update: 'yes' }, 'Invalid partial update flag format. Must be bool type'],
    ])('refuses partial update headers %j', async (headers, message) => {
      const reply = await jsonLoad(starrocks.feUrl, 'test', 'customers', seed, headers);

      expect(reply.json()).toMatchObject({ Status: 'Fail', Message: message });
    });

    it('refuses partial update on a duplicate key table', async () => {
      const reply = await jsonLoad(starrocks.feUrl, 'test', 'people', [{ id: 1 }], {
        partial_update: 'true',
        columns: 'id',
      });

      expect(reply.json()).toMatchObject({
        Status: 'Fail',
        Message: 'Only primary key table support partial update',
      });
    });

    it('applies an update only when the merge_condition column is not smaller', async () => {
      starrocks.execute(
        'CREATE TABLE test.versions (id INT NOT NULL, v INT, payload STRING) PRIMARY KEY(id)',
      );
      await jsonLoad(starrocks.feUrl, 'test', 'versions', [
        { id: 1, v: 5, payload: 'five' },
        { id: 2, v: 5, payload: 'five' },
      ]);

      await jsonLoad(
        starrocks.feUrl,
        'test',
        'versions',
        [
          { id: 1, v: 4, payload: 'older' },
          { id: 2, v: 5, payload: 'same' },
          { id: 3, v: 1, payload: 'new' },
        ],
        { merge_condition: 'v' },
      );

      expect(starrocks.rows('test', 'versions')).toEqual([
        { id: 1, v: 5, payload: 'five' },
        { id: 2, v: 5, payload: 'same' },
        { id: 3, v: 1, payload: 'new' },
      ]);
    });

    it.each([
      ['nope', 'Merge condition column nope does not exist'],
      ['id', 'Merge condition column id can not be a key'],
      ['email', 'Merge condition column email can not be CHAR/VARCHAR/JSON'],
    ])('refuses merge_condition %s', async (column, message) => {
      const reply = await jsonLoad(starrocks.feUrl, 'test', 'customers', seed, { merge_condition: column });

      expect(reply.json()).toMatchObject({ Status: 'Fail', Message: message });
    });

    it('appends rows with the same key to a duplicate key table', async () => {
      await jsonLoad(starrocks.feUrl, 'test', 'people', [{ id: 1, name: 'a' }]);
      await jsonLoad(starrocks.feUrl, 'test', 'people', [{ id: 1, name: 'b' }]);

      expect(starrocks.rows('test', 'people').map((row) => row.name)).toEqual(['a', 'b']);
    });
  });

  it.each([
    [{ format: 'xml' }, 'unknown data format, format=xml'],
    [{ strict_mode: 'maybe' }, 'Invalid strict mode format. Must be bool type'],
    [{ timeout: 'soon' }, 'Invalid timeout format'],
    [{ columns: 'id, nope=other' }, "Unknown column 'nope' in 'customers'"],
    [
      { columns: 'id, email=concat(a, b)' },
      'The stand-in does not support the column expression: email=concat(a, b)',
    ],
  ])('answers Fail for the header %j', async (headers, message) => {
    const reply = await streamLoad(starrocks.feUrl, 'test', 'customers', '1\n', { headers });

    expect(reply.continued).toBe(false);
    expect(reply.json()).toMatchObject({ Status: 'Fail', Message: message });
  });
});
