import { describe, expect, it } from 'vitest';
import { parseSinkConfig, parseSinkConfigJson } from '../../../lib/config/sink-config.ts';
import { seedConfig } from '../../fixtures/events.ts';
import { problemsOf } from '../../support/config-problems.ts';

describe('parseSinkConfig', () => {
  it('accepts the seed quickstart config verbatim and reports the Connect-only keys as ignored', () => {
    const config = parseSinkConfig(seedConfig());

    expect(config.feUrls).toEqual(['http://127.0.0.1:8030']);
    expect(config.database).toBe('example_db');
    expect(config.topicToTable.get('test')).toBe('test_tbl');
    expect(config.credentials).toEqual({ kind: 'static', username: 'user1', password: '123456' });
    expect(config.valueConverter).toEqual({
      kind: 'json',
      schemasEnable: false,
      replaceNullWithDefault: true,
    });
    expect(config.format).toBe('json');
    expect(config.loadHeaders).toEqual({ strip_outer_array: 'true', format: 'json' });
    expect(config.connectTimeoutMs).toBe(1000);
    expect(config.ignoredKeys).toEqual(['name', 'connector.class']);
  });

  it('accepts the seed Debezium sink config verbatim', () => {
    const config = parseSinkConfig({
      'connector.class': 'com.starrocks.connector.kafka.StarRocksSinkConnector',
      'tasks.max': '1',
      topics: 'test.public.customers',
      'starrocks.http.url': '172.26.195.69:28030',
      'starrocks.database.name': 'test',
      'starrocks.username': 'root',
      'starrocks.password': 'StarRocks@123',
      'sink.properties.strip_outer_array': 'true',
      'connect.timeoutms': '3000',
      'starrocks.topic2table.map': 'test.public.customers:customers',
      transforms: 'addfield,unwrap',
      'transforms.addfield.type': 'com.starrocks.connector.kafka.transforms.AddOpFieldForDebeziumRecord',
      'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
      'transforms.unwrap.drop.tombstones': 'true',
      'transforms.unwrap.delete.handling.mode': 'rewrite',
    });

    expect(config.transforms).toEqual([
      {
        name: 'addfield',
        kind: 'addOpField',
        className: 'com.starrocks.connector.kafka.transforms.AddOpFieldForDebeziumRecord',
        negate: false,
        predicate: undefined,
      },
      {
        name: 'unwrap',
        kind: 'extractNewRecordState',
        className: 'io.debezium.transforms.ExtractNewRecordState',
        dropTombstones: true,
        deleteHandlingMode: 'rewrite',
        negate: false,
        predicate: undefined,
      },
    ]);
    expect(config.connectTimeoutMs).toBe(3000);
    expect(config.valueConverter).toEqual({
      kind: 'json',
      schemasEnable: true,
      replaceNullWithDefault: true,
    });
    expect(config.ignoredKeys).toEqual(['connector.class', 'tasks.max']);
  });

  it('normalises FE addresses with and without a scheme', () => {
    const config = parseSinkConfig(
      seedConfig({ 'starrocks.http.url': 'fe1:8030, http://fe2:8030 ,https://fe3.example.com:8443' }),
    );
    expect(config.feUrls).toEqual(['http://fe1:8030', 'http://fe2:8030', 'https://fe3.example.com:8443']);
  });

  it('reports every problem at once, each naming its key', () => {
    const problems = problemsOf({
      'starrocks.topic2table.map': 'test:test_tbl,broken',
      'starrocks.http.url': 'fe1',
      'sink.properties.format': 'avro',
      'starrocks.usernme': 'root',
      'connect.timeoutms': '5',
    });
    const keys = problems.map((p) => p.key);

    expect(keys).toEqual(
      expect.arrayContaining([
        'starrocks.usernme',
        'starrocks.http.url',
        'starrocks.database.name',
        'starrocks.username',
        'starrocks.password',
        'starrocks.topic2table.map',
        'sink.properties.format',
        'connect.timeoutms',
      ]),
    );
    expect(problems.find((p) => p.key === 'starrocks.usernme')?.message).toContain(
      'Valid keys: starrocks.http.url',
    );
  });

  it.each([
    ['an entry without a colon', 'test', 'entry "test" is not "topic:table"'],
    ['an entry with two colons', 'a:b:c', 'entry "a:b:c" is not "topic:table"'],
    ['a blank table', 'test:', 'entry "test:" is not "topic:table"'],
    ['an empty entry', 'a:t1,,b:t2', 'entry "" is not "topic:table"'],
    ['a table StarRocks refuses', 'test:bad-name', '"bad-name" is not a valid StarRocks table name'],
    ['a qualified table', 'test:db.tbl', 'give the table name alone'],
    ['a duplicate topic', 'a:t1,a:t2', 'topic "a" is mapped twice'],
    ['an invalid topic', 'a b:t1', 'is not a valid Kafka topic name'],
  ])('rejects a topic2table map with %s', (_case, value, message) => {
    const problems = problemsOf(seedConfig({ topics: 'a,b,test', 'starrocks.topic2table.map': value }));
    expect(problems.find((p) => p.key === 'starrocks.topic2table.map')?.message).toContain(message);
  });

  it('rejects a listed topic that would load into a table StarRocks refuses', () => {
    const problems = problemsOf(
      seedConfig({ topics: 'test,orders.v1', 'starrocks.topic2table.map': 'test:test_tbl' }),
    );
    expect(problems).toEqual([
      {
        key: 'topics',
        message:
          'topic "orders.v1" has no entry in starrocks.topic2table.map and is not a valid StarRocks table name; add "orders.v1:<table>" to starrocks.topic2table.map',
      },
    ]);
  });

  it.each([
    ['starrocks.http.url', 'ftp://fe:21', 'only http and https are valid'],
    ['starrocks.http.url', 'fe1:8030,,fe2:8030', 'has an empty entry'],
    ['starrocks.http.url', 'http://fe1:8030/api', 'has a path or query'],
    ['starrocks.http.url', 'http://root:pw@fe1:8030', 'carries credentials in the URL'],
    ['starrocks.database.name', 'my-db', 'is not a valid StarRocks database name'],
    ['connect.timeoutms', '99', 'is not an integer in [100, 60000]'],
    ['connect.timeoutms', '60001', 'is not an integer in [100, 60000]'],
    ['connect.timeoutms', 'soon', 'is not an integer in [100, 60000]'],
    [
      'value.converter',
      'io.apicurio.registry.utils.converter.AvroConverter',
      'is not supported; valid values',
    ],
    ['value.converter.schemas.enable', 'yes', 'is not a boolean'],
    ['sink.properties.strip_outer_array', 'maybe', 'is not a boolean'],
    ['sink.properties.label', 'mine', 'is set by the sink'],
    ['sink.properties.row_delimiter', '\\x0', 'is not a delimiter'],
    ['topics.regex', '(unclosed', 'is not a valid regular expression'],
    ['errors.tolerance', 'all', 'needs a dead-letter destination'],
    ['errors.tolerance', 'some', 'valid values: none, all'],
    ['errors.deadletterqueue.topic.name', 'dlq', 'does not produce to Kafka'],
    ['errors.deadletterqueue.s3.bucket', 'Bad_Bucket', 'is not an S3 bucket name'],
    ['errors.deadletterqueue.sqs.url', 'not a url', 'is not an SQS queue URL'],
  ])('rejects %s=%s', (key, value, message) => {
    const problems = problemsOf(seedConfig({ [key]: value }));
    expect(problems.find((p) => p.key === key)?.message).toContain(message);
  });

  it('names the bad value in the message', () => {
    const problems = problemsOf(seedConfig({ 'sink.properties.format': 'parquet' }));
    expect(problems).toEqual([
      { key: 'sink.properties.format', message: '"parquet" is not supported; valid values: json, csv' },
    ]);
  });

  it('rejects topics and topics.regex together', () => {
    const problems = problemsOf(seedConfig({ 'topics.regex': 'te.*' }));
    expect(problems.map((p) => p.key)).toContain('topics');
  });

  it('rejects a map entry for a topic outside topics.regex', () => {
    const input = seedConfig({ 'topics.regex': 'orders\\..*' });
    delete (input as Record<string, string>).topics;
    const problems = problemsOf(input);
    expect(problems).toEqual([
      {
        key: 'starrocks.topic2table.map',
        message: 'maps topic "test", which does not match topics.regex "orders\\..*"',
      },
    ]);
  });

  it('anchors topics.regex to the whole topic name', () => {
    const input = seedConfig({ 'topics.regex': 'te.t' });
    delete (input as Record<string, string>).topics;
    const config = parseSinkConfig(input);
    expect(config.topicsRegex?.test('test')).toBe(true);
    expect(config.topicsRegex?.test('test2')).toBe(false);
  });

  it('reads credentials from a secret and refuses a password next to it', () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:starrocks-AbCdEf';
    const input = seedConfig({ 'starrocks.secret.arn': arn });
    expect(problemsOf(input).map((p) => p.key)).toEqual(['starrocks.secret.arn']);

    const { 'starrocks.username': _u, 'starrocks.password': _p, ...withoutPassword } = input;
    expect(parseSinkConfig(withoutPassword).credentials).toEqual({ kind: 'secret', secretArn: arn });
  });

  it('accepts an empty password, as StarRocks does', () => {
    expect(parseSinkConfig(seedConfig({ 'starrocks.password': '' })).credentials).toMatchObject({
      password: '',
    });
  });

  it('never puts the password into an error message', () => {
    const secret = 'S3cr3t-Pa55word!';
    const problems = problemsOf(
      seedConfig({ 'starrocks.password': secret, 'starrocks.http.url': '', 'sink.properties.format': 'x' }),
    );
    expect(JSON.stringify(problems)).not.toContain(secret);
  });

  it('lower-cases sink.properties.* names into Stream Load headers and keeps values', () => {
    const config = parseSinkConfig(
      seedConfig({
        'sink.properties.Partial_Update': 'true',
        'sink.properties.columns': 'id,City',
        'sink.properties.timeout': '600',
      }),
    );
    expect(config.loadHeaders).toMatchObject({ partial_update: 'true', columns: 'id,City', timeout: '600' });
  });

  it('configures CSV with StringConverter and decodes a hex row delimiter', () => {
    const config = parseSinkConfig(
      seedConfig({
        'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
        'sink.properties.format': 'CSV',
        'sink.properties.row_delimiter': '\\x02',
        'sink.properties.column_separator': ',',
      }),
    );
    expect(config.format).toBe('csv');
    expect(config.rowDelimiter).toBe('\u0002');
    expect(config.loadHeaders).toMatchObject({
      format: 'csv',
      row_delimiter: '\\x02',
      column_separator: ',',
    });
    expect(config.loadHeaders.strip_outer_array).toBe('true');
  });

  it('rejects CSV with a JSON value converter', () => {
    const problems = problemsOf(seedConfig({ 'sink.properties.format': 'csv' }));
    expect(problems[0]?.key).toBe('value.converter');
  });

  it('rejects options a transform does not have and transforms keys of unlisted transforms', () => {
    const problems = problemsOf(
      seedConfig({
        transforms: 'unwrap',
        'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
        'transforms.unwrap.add.field': 'op',
        'transforms.unwrap.delete.handling.mode': 'soft',
        'transforms.other.type': 'x',
      }),
    );
    expect(problems.map((p) => p.key)).toEqual([
      'transforms.unwrap.add.field',
      'transforms.unwrap.delete.handling.mode',
      'transforms.other.type',
    ]);
  });

  it('rejects a transform class it does not implement', () => {
    const problems = problemsOf(
      seedConfig({
        transforms: 'x',
        'transforms.x.type': 'org.apache.kafka.connect.transforms.InsertField$Value',
      }),
    );
    expect(problems[0]).toMatchObject({ key: 'transforms.x.type' });
  });

  it('rejects values that are not strings, numbers or booleans', () => {
    expect(problemsOf(seedConfig({ topics: null as unknown as string }))[0]).toMatchObject({ key: 'topics' });
  });
});

describe('parseSinkConfig: body compression', () => {
  const csv = {
    'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'sink.properties.format': 'csv',
  };

  it.each([
    ['sink.properties.compression', 'gzip', 'gzip'],
    ['sink.properties.compression', 'ZSTD', 'zstd'],
    ['sink.properties.Compression', ' Gzip ', 'gzip'],
    ['sink.properties.content-encoding', 'zstd', 'zstd'],
    ['sink.properties.compression', 'lz4_frame', 'lz4_frame'],
    ['sink.properties.content-encoding', 'LZ4_FRAME', 'lz4_frame'],
  ])('reads %s=%j as %s at level 1, sent as one compression header', (key, value, codec) => {
    const config = parseSinkConfig(seedConfig({ [key]: value }));

    expect(config.compression).toEqual({ codec, level: 1 });
    expect(config.loadHeaders).toEqual({ format: 'json', strip_outer_array: 'true', compression: codec });
  });

  it('sends bodies uncompressed by default', () => {
    const config = parseSinkConfig(seedConfig());

    expect(config.compression).toBeUndefined();
    expect(config.loadHeaders.compression).toBeUndefined();
  });

  it.each([
    ['gzip', '9', 9],
    ['zstd', '19', 19],
  ])('takes sink.compression.level for %s', (codec, level, expected) => {
    const config = parseSinkConfig(
      seedConfig({ 'sink.properties.compression': codec, 'sink.compression.level': level }),
    );

    expect(config.compression).toEqual({ codec, level: expected });
  });

  it.each([
    [
      'lz4',
      'sink.properties.compression',
      /"lz4" is LZ4's block format, which StarRocks does not read for JSON; use lz4_frame \(valid values: gzip, zstd, lz4_frame\)/,
    ],
    [
      'bzip2',
      'sink.properties.compression',
      /"bzip2" is not supported by this sink.*valid values: gzip, zstd, lz4_frame/,
    ],
    [
      'snappy',
      'sink.properties.compression',
      /"snappy" is not a body compression this sink can write; valid values: gzip, zstd, lz4_frame/,
    ],
    ['', 'sink.properties.compression', /"" is not a body compression this sink can write/],
  ])('refuses %j in %s, naming the key, the value and the valid values', (value, key, message) => {
    const problems = problemsOf(seedConfig({ [key]: value }));

    expect(problems).toHaveLength(1);
    expect(problems[0]?.key).toBe(key);
    expect(problems[0]?.message).toMatch(message);
  });

  it('refuses compression and content-encoding together, as StarRocks does', () => {
    const problems = problemsOf(
      seedConfig({ 'sink.properties.compression': 'gzip', 'sink.properties.content-encoding': 'gzip' }),
    );

    expect(problems).toEqual([
      {
        key: 'sink.properties.content-encoding',
        message: expect.stringContaining('set either sink.properties.compression or this key, not both'),
      },
    ]);
  });

  it('refuses compression with format=csv, pointing at JSON', () => {
    const problems = problemsOf(seedConfig({ ...csv, 'sink.properties.compression': 'gzip' }));

    expect(problems).toEqual([
      {
        key: 'sink.properties.compression',
        message: expect.stringContaining('compresses JSON bodies only'),
      },
    ]);
  });

  it.each([
    ['gzip', '0', '"0" is not an integer in [1, 9] (the gzip levels)'],
    ['gzip', '10', '"10" is not an integer in [1, 9] (the gzip levels)'],
    ['zstd', '20', '"20" is not an integer in [1, 19] (the zstd levels)'],
    ['zstd', 'fast', '"fast" is not an integer in [1, 19] (the zstd levels)'],
  ])('refuses a %s level of %j', (codec, level, message) => {
    const problems = problemsOf(
      seedConfig({ 'sink.properties.compression': codec, 'sink.compression.level': level }),
    );

    expect(problems).toEqual([{ key: 'sink.compression.level', message }]);
  });

  it('refuses sink.compression.level without a compression', () => {
    const problems = problemsOf(seedConfig({ 'sink.compression.level': '3' }));

    expect(problems).toEqual([
      { key: 'sink.compression.level', message: expect.stringContaining('has no effect without') },
    ]);
  });
});

describe('parseSinkConfigJson', () => {
  it('explains an unset SINK_CONFIG', () => {
    expect(() => parseSinkConfigJson(undefined)).toThrow(/SINK_CONFIG: is not set/);
  });

  it('explains text that is not JSON', () => {
    expect(() => parseSinkConfigJson('starrocks.http.url=fe:8030')).toThrow(/SINK_CONFIG: is not valid JSON/);
  });

  it('explains JSON that is not an object', () => {
    expect(() => parseSinkConfigJson('["a"]')).toThrow(/must be a JSON object/);
  });
});
