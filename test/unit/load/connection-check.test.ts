import { describe, expect, it } from 'vitest';
import { parseSinkConfig } from '../../../lib/config/sink-config.ts';
import { compareSample, sampleRows } from '../../../lib/load/connection-check-event.ts';
import {
  type CheckLine,
  type CheckStatus,
  checkExitCode,
  formatCheckReport,
} from '../../../lib/load/connection-check-report.ts';
import { atLeast, parseVersion, versionLines } from '../../../lib/load/connection-check-version.ts';
import { columnOf, columnsQuery, type TableColumn, tableKind } from '../../../lib/load/table-columns.ts';
import { kafkaRecord, mskEvent } from '../../fixtures/events.ts';

/** A minimal valid connector config, with `extra` keys over it. */
function config(extra: Record<string, string> = {}) {
  return parseSinkConfig({
    'starrocks.http.url': '127.0.0.1:8030',
    'starrocks.database.name': 'example_db',
    'starrocks.username': 'root',
    'starrocks.password': '',
    'starrocks.topic2table.map': 'test:test_tbl',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.schemas.enable': 'false',
    ...extra,
  });
}

function column(name: string, extra: Partial<TableColumn> = {}): TableColumn {
  return { name, dataType: 'int', nullable: true, key: '', defaultValue: undefined, ...extra };
}

const statuses = (lines: readonly CheckLine[]) => lines.map((l) => l.status);

describe('parseVersion', () => {
  it.each([
    ['3.3.5-5d2fb5b', [3, 3, 5]],
    ['4.0.1 ab12cd3', [4, 0, 1]],
    ['3.2', [3, 2, 0]],
    ['v3.4.0', [3, 4, 0]],
    ['main-ab12cd3', undefined],
  ])('reads %s as %j', (text, expected) => {
    expect(parseVersion(text)).toEqual(expected);
  });

  it.each([
    [[3, 2, 7], [3, 2, 7], true],
    [[3, 2, 6], [3, 2, 7], false],
    [[3, 10, 0], [3, 4, 0], true],
    [[4, 0, 0], [3, 4, 0], true],
    [[3, 3, 9], [4, 0, 0], false],
  ] as const)('compares %j at least %j: %s', (version, since, expected) => {
    expect(atLeast(version, since)).toBe(expected);
  });
});

describe('versionLines', () => {
  it.each([
    [
      '3.2.6',
      { 'sink.properties.compression': 'gzip' },
      'sink.properties.compression=gzip needs compressed JSON loads',
    ],
    [
      '3.3.9',
      {
        'sink.properties.enable_merge_commit': 'true',
        'sink.properties.merge_commit_interval_ms': '1000',
        'sink.properties.merge_commit_parallel': '2',
      },
      'sink.properties.enable_merge_commit=true needs merge commit, which came with StarRocks 3.4.0',
    ],
    [
      '3.5.2',
      { 'sink.semantic': 'exactly-once', 'sink.transaction.mode': 'multi' },
      'sink.transaction.mode=multi needs multi-table transactions, which came with StarRocks 4.0.0',
    ],
  ])('fails StarRocks %s for what the config asks (%j)', (version, extra, message) => {
    const lines = versionLines(version, config(extra), false);
    expect(statuses(lines)).toEqual(['ok', 'fail']);
    expect(lines[1]?.message).toContain(message);
    expect(lines[1]?.message).toContain(`this cluster runs ${version}`);
  });

  it('passes a version that enables everything the config asks for', () => {
    const lines = versionLines('3.2.7-abc', config({ 'sink.properties.compression': 'lz4_frame' }), false);
    expect(statuses(lines)).toEqual(['ok']);
    expect(lines[0]?.message).toBe(
      'StarRocks 3.2.7: enables the HTTP SQL API, compressed JSON loads, the transaction API; not merge commit (3.4.0), multi-table transactions (4.0.0)',
    );
  });

  it('says a cluster without the SQL API is older than 3.2, what was not checked, and fails what needs more', () => {
    const lines = versionLines(undefined, config({ 'sink.properties.compression': 'zstd' }), true);
    expect(statuses(lines)).toEqual(['warn', 'fail']);
    expect(lines[0]?.message).toContain('not checked: the version, the tables and their columns');
    expect(lines[1]?.message).toContain('this cluster is older than 3.2.0');
  });

  it('warns for a version without a release number', () => {
    expect(statuses(versionLines('main-abc', config(), false))).toEqual(['warn']);
  });

  it('skips the features when the version was not read, naming why', () => {
    const [line] = versionLines(undefined, config(), false, 'no FE accepted the credentials');
    expect(line).toMatchObject({ status: 'skip', subject: 'version' });
    expect(line?.message).toContain('no FE accepted the credentials');
  });
});

describe('information_schema.columns', () => {
  it('reads one table by schema and name, in column order, quoting the names', () => {
    expect(columnsQuery('example_db', "o'dd")).toBe(
      "SELECT COLUMN_NAME, DATA_TYPE, IS_NULLABLE, COLUMN_KEY, COLUMN_DEFAULT FROM information_schema.columns WHERE TABLE_SCHEMA = 'example_db' AND TABLE_NAME = 'o\\'dd' ORDER BY ORDINAL_POSITION",
    );
  });

  it.each([
    [['id', 'INT', 'NO', 'PRI', null], { name: 'id', dataType: 'int', nullable: false, key: 'PRI' }],
    [['v', 'varchar', 'YES', '', "'x'"], { name: 'v', nullable: true, key: '', defaultValue: "'x'" }],
    [
      ['t', 'datetime', 'NO', '', 'CURRENT_TIMESTAMP'],
      { nullable: false, defaultValue: 'CURRENT_TIMESTAMP' },
    ],
  ])('reads the row %j as a column', (row, expected) => {
    expect(columnOf(row)).toMatchObject(expected);
  });

  it.each([
    [['PRI', ''], 'primary'],
    [['UNI', ''], 'unique'],
    [['DUP', ''], 'duplicate'],
    [['AGG', ''], 'aggregate'],
    [['', ''], 'none'],
  ] as const)('tells a table with keys %j is %s', (keys, kind) => {
    expect(tableKind(keys.map((key, i) => column(`c${i}`, { key })))).toBe(kind);
  });
});

describe('compareSample', () => {
  const plain = [column('id', { nullable: false }), column('city')];
  const primary = [
    column('id', { nullable: false, key: 'PRI' }),
    column('city'),
    column('zip', { nullable: false }),
  ];
  const sample = (rows: Record<string, unknown>[] | undefined) => ({ table: 't', rows });

  it('passes rows whose fields all have columns', () => {
    const lines = compareSample(sample([{ id: 1, city: 'a' }, { id: 2 }]), plain, {});
    expect(lines).toEqual([
      { status: 'ok', subject: 'table t', message: "the sample's 2 rows fit its columns (fields id, city)" },
    ]);
  });

  it('warns for fields with no column, naming a column that differs only in case', () => {
    const [line] = compareSample(sample([{ id: 1, City: 'a', email: 'x' }]), plain, {});
    expect(line?.status).toBe('warn');
    expect(line?.message).toContain('"City" (column "city" differs in case), "email" have no column');
  });

  it.each([
    ['absent', { id: 1 }],
    ['null', { id: 1, zip: null }],
  ])('fails a NOT NULL column without default that a row leaves %s', (_case, row) => {
    const lines = compareSample(sample([row, { id: 2, zip: 7, __op: 0 }]), primary, {});
    const fail = lines.find((l) => l.status === 'fail');
    expect(fail?.message).toContain(
      'column "zip" is NOT NULL without a default, and 1 of the sample\'s 2 rows',
    );
  });

  it('passes a NOT NULL column with a default, and a delete row without the value columns', () => {
    const columns = [...primary.slice(0, 2), column('zip', { nullable: false, defaultValue: '0' })];
    expect(statuses(compareSample(sample([{ id: 1, __op: 0 }]), columns, {}))).toEqual(['ok', 'ok']);
    expect(statuses(compareSample(sample([{ id: 1, __op: 1 }]), primary, {}))).toEqual(['ok', 'ok']);
  });

  it('says whether a Primary Key table gets __op, and does not count __op as a field without column', () => {
    const withOp = compareSample(
      sample([
        { id: 1, zip: 1, __op: 0 },
        { id: 2, __op: 1 },
      ]),
      primary,
      {},
    );
    expect(withOp).toEqual([
      expect.objectContaining({
        status: 'ok',
        message: expect.stringContaining('fit its columns (fields id, zip, __op)'),
      }),
      expect.objectContaining({ status: 'ok', message: expect.stringContaining('1 upserts, 1 deletes') }),
    ]);
    const without = compareSample(sample([{ id: 1, zip: 1 }]), primary, {});
    expect(without[0]).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('produces no __op'),
    });
  });

  it('warns that a table other than Primary Key loads delete rows as rows', () => {
    const lines = compareSample(sample([{ id: 1, __op: 1 }]), plain, {});
    expect(lines.map((l) => l.message).join('\n')).toContain('only a Primary Key table applies __op');
  });

  it('compares the columns header instead of the rows when one is set', () => {
    const lines = compareSample(sample([{ id: 1, extra: 2 }]), plain, { columns: 'id, nope, city=upper(x)' });
    expect(lines).toEqual([
      expect.objectContaining({ status: 'fail', message: expect.stringContaining('names "nope"') }),
      expect.objectContaining({ status: 'warn', message: expect.stringContaining('"extra" are not named') }),
      expect.objectContaining({ status: 'warn', message: expect.stringContaining('reads "nope"') }),
    ]);
  });

  it.each([
    ['jsonpaths', sample([{ id: 1 }]), { jsonpaths: '["$.id"]' }],
    ['CSV rows', sample(undefined), {}],
  ])('skips the field comparison for %s', (_case, rows, headers) => {
    expect(statuses(compareSample(rows, plain, headers))).toEqual(['skip']);
  });
});

describe('sampleRows', () => {
  it('routes the sample as the sink does and reads back each table’s rows', async () => {
    const event = mskEvent([
      kafkaRecord({ topic: 'test', offset: 0, value: { id: 1, city: 'a' } }),
      kafkaRecord({ topic: 'test', offset: 1, value: null }),
      kafkaRecord({ topic: 'other', offset: 0, value: { id: 2 } }),
    ]);
    const result = await sampleRows(event, config(), Date.now() + 1000);
    expect(result.tables).toEqual([
      { table: 'other', rows: [{ id: 2 }] },
      { table: 'test_tbl', rows: [{ id: 1, city: 'a' }] },
    ]);
    expect(result.lines).toEqual([
      {
        status: 'ok',
        subject: 'sample event',
        message: '3 records; rows for other (1 rows), test_tbl (1 rows); skipped: 1 tombstone',
      },
    ]);
  });

  it('applies the transforms before routing', async () => {
    const event = mskEvent([kafkaRecord({ value: { id: 1, secret: 'x' } })]);
    const transforms = {
      transforms: 'drop',
      'transforms.drop.type': 'org.apache.kafka.connect.transforms.ReplaceField$Value',
      'transforms.drop.exclude': 'secret',
    };
    const result = await sampleRows(event, config(transforms), Date.now() + 1000);
    expect(result.tables).toEqual([{ table: 'test_tbl', rows: [{ id: 1 }] }]);
  });

  it('fails each record a stage refuses, naming it', async () => {
    const event = mskEvent([kafkaRecord({ value: '{"id": ' }), kafkaRecord({ offset: 1, value: { id: 1 } })]);
    const result = await sampleRows(
      event,
      config({
        transforms: 'x',
        'transforms.x.type': 'org.apache.kafka.connect.transforms.InsertField$Value',
        'transforms.x.static.field': 's',
        'transforms.x.static.value': 'v',
      }),
      Date.now() + 1000,
    );
    expect(statuses(result.lines)).toEqual(['ok', 'fail']);
    expect(result.lines[1]?.message).toMatch(/record test-0@0 .*a batch holding this record fails/);
    expect(result.tables).toEqual([{ table: 'test_tbl', rows: [{ id: 1, s: 'v' }] }]);
  });

  it('fails what is not an event-source mapping event', async () => {
    const result = await sampleRows({ hello: 1 }, config(), Date.now() + 1000);
    expect(result.tables).toEqual([]);
    expect(result.lines[0]).toMatchObject({ status: 'fail', subject: 'sample event' });
  });
});

describe('the report', () => {
  const line = (status: CheckStatus): CheckLine => ({ status, subject: 's', message: 'm' });

  it.each([
    [['ok', 'ok'], false, false, 0],
    [['ok', 'warn', 'skip'], false, false, 0],
    [['ok', 'warn'], false, true, 1],
    [['ok', 'skip'], false, true, 1],
    [['ok', 'fail', 'warn'], false, false, 1],
    [['fail'], true, false, 2],
  ] as const)('exits for %j (could not run: %s, strict: %s) with %i', (found, couldNotRun, strict, code) => {
    expect(checkExitCode({ lines: found.map(line), couldNotRun }, strict)).toBe(code);
  });

  it('prints one line per check with its status, and a sum', () => {
    const report = { lines: [line('ok'), line('fail'), line('warn'), line('skip')], couldNotRun: false };
    expect(formatCheckReport(report)).toBe(
      ['ok   s: m', 'FAIL s: m', 'warn s: m', 'skip s: m', '1 FAIL, 1 warn, 1 skip, 1 ok'].join('\n'),
    );
  });

  it('says when the check could not run', () => {
    expect(formatCheckReport({ lines: [line('fail')], couldNotRun: true })).toBe(
      'FAIL s: m\nthe check could not run (exit code 2)',
    );
  });
});
