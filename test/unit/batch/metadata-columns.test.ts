import { afterEach, describe, expect, it } from 'vitest';
import { BodyRow } from '../../../lib/batch/metadata-rows.ts';
import { serializeBody } from '../../../lib/batch/serialize.ts';
import { type BatchSummary, buildTableBatches, sourceOf } from '../../../lib/batch/table-batches.ts';
import { CONVERTER_CLASSES } from '../../../lib/config/keys.ts';
import { parseSinkConfig, type SinkConfig } from '../../../lib/config/sink-config.ts';
import { registryValuesFor } from '../../../lib/convert/registry-values.ts';
import { decodeEvent, type KafkaEventRecord } from '../../../lib/decode/event.ts';
import { RecordError } from '../../../lib/errors.ts';
import { seedDebeziumSettings } from '../../../lib/local/seed.ts';
import { encoderOf, framed } from '../../fixtures/avro/avro-values.ts';
import { kafkaRecord, mskEvent, type RecordSpec, seedConfig } from '../../fixtures/events.ts';
import { type ScriptedRegistry, startScriptedRegistry } from '../../support/scripted-registry.ts';

/** The timestamp the fixtures give a record at offset 0: 2025-06-21 23:11:02.087 UTC. */
const TIMESTAMP_MS = 1_750_547_462_087;

/** A JsonConverter key envelope (key.converter.schemas.enable=true, the seed's setting). */
function keyEnvelope(payload: unknown): string {
  return JSON.stringify({
    schema: { type: 'struct', fields: [{ field: 'id', type: 'int64' }], optional: false },
    payload,
  });
}

function configWith(overrides: Record<string, string>): SinkConfig {
  return parseSinkConfig(seedConfig(overrides));
}

function summaryOf(config: SinkConfig, records: readonly KafkaEventRecord[]): BatchSummary {
  return buildTableBatches(decodeEvent(mskEvent([...records])), config);
}

/** The one table's body, as text. */
function bodyText(config: SinkConfig, records: readonly KafkaEventRecord[]): string {
  const summary = summaryOf(config, records);
  expect(summary.tables).toHaveLength(1);
  return serializeBody(summary.tables[0]!, config).toString('utf8');
}

/** The rows of the one table's JSON body. */
function rowsOf(config: SinkConfig, records: readonly KafkaEventRecord[]): Record<string, unknown>[] {
  return JSON.parse(bodyText(config, records)) as Record<string, unknown>[];
}

function rowOf(
  columns: string,
  spec: RecordSpec,
  overrides: Record<string, string> = {},
): Record<string, unknown> {
  const [row] = rowsOf(configWith({ 'sink.metadata.columns': columns, ...overrides }), [kafkaRecord(spec)]);
  return row as Record<string, unknown>;
}

function errorOf(run: () => unknown): RecordError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(RecordError);
    return error as RecordError;
  }
  throw new Error('expected a RecordError');
}

describe('metadata columns: the values', () => {
  const spec: RecordSpec = {
    topic: 'test',
    partition: 3,
    offset: 41,
    value: { a: 1 },
    key: keyEnvelope({ id: 7, region: 'eu' }),
    headers: [{ trace: 'first' }, { trace: 'second', 'content-type': 'application/json' }],
  };

  it.each([
    ['topic', 'test'],
    ['partition', 3],
    ['offset', 41],
    ['timestamp', '2025-06-21 23:11:02.128'],
    ['timestamp.ms', TIMESTAMP_MS + 41],
    ['timestamp.type', 'CreateTime'],
    ['key', keyEnvelope({ id: 7, region: 'eu' })],
    ['key.json', { id: 7, region: 'eu' }],
    ['key.id', 7],
    ['key.region', 'eu'],
    ['key.missing', null],
    ['header.trace', 'second'],
    ['header.content-type', 'application/json'],
    ['header.absent', null],
    ['headers', { trace: 'second', 'content-type': 'application/json' }],
  ])('loads %s as %j, beside the value', (source, expected) => {
    expect(rowOf(`m:${source}`, spec)).toEqual({ a: 1, m: expected });
  });

  it.each(['key', 'key.json', 'key.id'])('loads NULL for %s when the record has no key', (source) => {
    expect(rowOf(`m:${source}`, { value: { a: 1 }, key: null })).toEqual({ a: 1, m: null });
  });

  it('loads an empty object for headers when the record has none', () => {
    expect(rowOf('m:headers', { value: { a: 1 } })).toEqual({ a: 1, m: {} });
  });

  it('reads a plain JSON key with key.converter.schemas.enable=false', () => {
    const row = rowOf(
      'k:key.json,id:key.id',
      { value: { a: 1 }, key: '{"id":12345678901234567890}' },
      {
        'key.converter.schemas.enable': 'false',
      },
    );
    expect(row).toEqual({ a: 1, k: { id: 12345678901234567000 }, id: 12345678901234567000 });
    // Every digit of a long id is kept.
    expect(
      bodyText(
        configWith({ 'sink.metadata.columns': 'id:key.id', 'key.converter.schemas.enable': 'false' }),
        [kafkaRecord({ value: { a: 1 }, key: '{"id":12345678901234567890}' })],
      ),
    ).toBe('[{"a":1,"id":12345678901234567890}]');
  });

  it('reads a StringConverter key as text, and as JSON for key.json', () => {
    const row = rowOf(
      'k:key,j:key.json',
      { value: { a: 1 }, key: '[1,2]' },
      {
        'key.converter': CONVERTER_CLASSES.string,
      },
    );
    expect(row).toEqual({ a: 1, k: '[1,2]', j: [1, 2] });
  });

  it('gives the metadata value to a column the value also has', () => {
    expect(rowOf('a:offset', { offset: 5, value: { a: 'from the value', b: 2 } })).toEqual({ a: 5, b: 2 });
  });

  it('writes the metadata members at the end of the value, unparsed, in the listed order', () => {
    const config = configWith({ 'sink.metadata.columns': 'o:offset,t:topic,p:partition' });
    const records = [kafkaRecord({ offset: 9, partition: 1, value: '{ "b" : 1.50 , "n": {"x": [1, {}]} }' })];
    expect(bodyText(config, records)).toBe('[{ "b" : 1.50 , "n": {"x": [1, {}]} ,"o":9,"t":"test","p":1}]');
  });

  it('fails the record naming the column when key.<field> meets a key that is not an object', () => {
    const config = configWith({
      'sink.metadata.columns': 'id:key.id',
      'key.converter.schemas.enable': 'false',
    });
    const error = errorOf(() =>
      summaryOf(config, [kafkaRecord({ offset: 4, value: { a: 1 }, key: '"abc"' })]),
    );
    expect(error.message).toContain('record test-0@4');
    expect(error.message).toContain('metadata column "id" (key.id): the key is a string, not a JSON object');
  });

  it('fails the record when key.json meets a key without the envelope schemas.enable=true needs', () => {
    const config = configWith({ 'sink.metadata.columns': 'k:key.json' });
    const error = errorOf(() =>
      summaryOf(config, [kafkaRecord({ offset: 2, value: { a: 1 }, key: '{"id":1}' })]),
    );
    expect(error.message).toContain('the key has no {"schema": ..., "payload": ...} envelope');
  });

  it('fails the record when the key is not UTF-8 text for the key source', () => {
    const config = configWith({ 'sink.metadata.columns': 'k:key' });
    const record = { ...kafkaRecord({ value: { a: 1 } }), key: Buffer.from([0xff, 0xfe]).toString('base64') };
    const error = errorOf(() => summaryOf(config, [record as KafkaEventRecord]));
    expect(error.message).toContain('metadata column "k" (key): the key is not valid UTF-8 text');
  });

  it('sets a record with a bad key aside with errors.tolerance=all, and loads the others', () => {
    const config = configWith({
      'sink.metadata.columns': 'id:key.id',
      'key.converter.schemas.enable': 'false',
    });
    const bad: string[] = [];
    const summary = buildTableBatches(
      decodeEvent(
        mskEvent([
          kafkaRecord({ offset: 0, value: { a: 1 }, key: '{"id":1}' }),
          kafkaRecord({ offset: 1, value: { a: 2 }, key: 'not json' }),
        ]),
      ),
      config,
      (record) => bad.push(`${record.offset}`),
    );
    expect(bad).toEqual(['1']);
    expect(JSON.parse(serializeBody(summary.tables[0]!, config).toString('utf8'))).toEqual([{ a: 1, id: 1 }]);
  });

  it('keeps skipping tombstones', () => {
    const config = configWith({ 'sink.metadata.columns': 'o:offset' });
    const summary = summaryOf(config, [
      kafkaRecord({ value: null }),
      kafkaRecord({ offset: 1, value: 'null' }),
    ]);
    expect(summary.tables).toEqual([]);
    expect(summary.skipped).toEqual({ tombstone: 2 });
  });

  it("refuses a value that is not an object with the converter's error", () => {
    const config = configWith({ 'sink.metadata.columns': 'o:offset' });
    const error = errorOf(() => summaryOf(config, [kafkaRecord({ offset: 3, value: '[1,2]' })]));
    expect(error.message).toContain('record test-0@3');
    expect(error.message).toContain('an array, not a JSON object');
  });
});

describe('metadata columns: other formats and paths', () => {
  it('adds the columns to the payload of a JsonConverter envelope', () => {
    const config = configWith({
      'value.converter.schemas.enable': 'true',
      'sink.metadata.columns': 'o:offset,t:timestamp',
    });
    const value = { schema: { type: 'struct', fields: [{ field: 'a', type: 'int32' }] }, payload: { a: 1 } };
    expect(rowsOf(config, [kafkaRecord({ offset: 1, value })])).toEqual([
      { a: 1, o: 1, t: '2025-06-21 23:11:02.088' },
    ]);
  });

  it('adds the columns to a StringConverter JSON text loaded verbatim', () => {
    const config = configWith({
      'value.converter': CONVERTER_CLASSES.string,
      'sink.metadata.columns': 'o:offset',
    });
    expect(bodyText(config, [kafkaRecord({ offset: 6, value: '{"a":1}' })])).toBe('[{"a":1,"o":6}]');
  });

  it("takes the consumed record's values after the Debezium unwrap, whatever the chain changed", () => {
    const config = parseSinkConfig({
      ...seedConfig(),
      ...seedDebeziumSettings('test', 'customers'),
      'sink.metadata.columns': 'src_topic:topic,src_offset:offset,id:key.id',
    });
    const change = {
      schema: { type: 'struct', fields: [] },
      payload: { op: 'c', before: null, after: { id: 1, name: 'a' }, source: { ts_ms: 1 } },
    };
    const rows = rowsOf(config, [kafkaRecord({ offset: 8, value: change, key: keyEnvelope({ id: 1 }) })]);
    expect(rows).toEqual([expect.objectContaining({ id: 1, name: 'a', src_topic: 'test', src_offset: 8 })]);
  });

  it('appends the values to a CSV line in the listed order, NULL as \\N, with the column separator', () => {
    const config = configWith({
      'value.converter': CONVERTER_CLASSES.string,
      'key.converter': CONVERTER_CLASSES.string,
      'sink.properties.format': 'csv',
      'sink.properties.column_separator': '|',
      'sink.metadata.columns': 'o:offset,k:key,h:headers,x:header.x',
    });
    const body = bodyText(config, [
      kafkaRecord({ offset: 1, value: '1|a', key: 'k1', headers: [{ x: 'y' }] }),
      kafkaRecord({ offset: 2, value: '2|b\n', key: null }),
    ]);
    expect(body).toBe('1|a|1|k1|{"x":"y"}|y\n2|b|2|\\N|{}|\\N\n');
  });

  it('writes the CSV columns with the default tab separator, and with a hex one', () => {
    const csv = { 'value.converter': CONVERTER_CLASSES.string, 'sink.properties.format': 'csv' };
    expect(
      bodyText(configWith({ ...csv, 'sink.metadata.columns': 'o:offset' }), [kafkaRecord({ value: 'a' })]),
    ).toBe('a\t0\n');
    const hex = configWith({
      ...csv,
      'sink.properties.column_separator': '\\x01',
      'sink.metadata.columns': 'o:offset',
    });
    expect(bodyText(hex, [kafkaRecord({ value: 'a' })])).toBe('a\u00010\n');
  });

  it.each([
    ['the column separator', 'a,b', 'contains the column separator ","'],
    ['the row delimiter', 'a\nb', 'contains the row delimiter "\\n"'],
  ])('refuses a CSV metadata value holding %s, naming the record and the column', (_what, key, message) => {
    const config = configWith({
      'value.converter': CONVERTER_CLASSES.string,
      'key.converter': CONVERTER_CLASSES.string,
      'sink.properties.format': 'csv',
      'sink.properties.column_separator': ',',
      'sink.metadata.columns': 'k:key',
    });
    const error = errorOf(() => summaryOf(config, [kafkaRecord({ offset: 5, value: 'x', key })]));
    expect(error.message).toContain('record test-0@5');
    expect(error.message).toContain(`metadata column "k" (key): the value ${JSON.stringify(key)} ${message}`);
  });
});

describe('the splice fast path: schemaless JSON with metadata columns and InsertField$Value', () => {
  const INSERT = 'org.apache.kafka.connect.transforms.InsertField$Value';
  const insertKeys = (predicate?: string): Record<string, string> => ({
    transforms: 'meta,constant',
    'transforms.meta.type': INSERT,
    'transforms.meta.topic.field': 't',
    'transforms.meta.partition.field': 'p!',
    'transforms.meta.offset.field': 'offset',
    'transforms.meta.timestamp.field': 'ts',
    'transforms.constant.type': INSERT,
    'transforms.constant.static.field': 'source',
    'transforms.constant.static.value': 'kafka "eu" ü',
    // A name both the chain and the metadata columns add: the metadata value wins.
    'transforms.constant.offset.field': 'kafka_key',
    ...(predicate === undefined
      ? {}
      : {
          'transforms.meta.predicate': predicate,
          'transforms.constant.predicate': predicate,
          predicates: predicate,
          [`predicates.${predicate}.type`]: 'org.apache.kafka.connect.transforms.predicates.TopicNameMatches',
          [`predicates.${predicate}.pattern`]: predicate === 'always' ? '.*' : 'no-such-topic',
        }),
  });
  const METADATA = {
    'sink.metadata.columns': 'kafka_key:key,kafka_headers:headers,kafka_ts:timestamp,id:key.id',
    'key.converter.schemas.enable': 'false',
  };

  /** Values as their bytes: spacing, unicode, nesting and names the splice must look at. */
  const VALUES = [
    '{"a":1}',
    '{}',
    ' \n{ }\t ',
    '  { "a" : [1, {"b": "}"}] , "c" : null }  ',
    '{"é":"ü","日本語":{"キー":[1,2,{"y":"}{"}]},"emoji":"😀"}',
    '{"n":12345678901234567890,"d":1.50,"e":-0.0e+1}',
    '{"s":"a\\"b\\\\","u":"\\u00e9"}',
    '{"t":"the value\'s own t"}',
    '{"offset":"already here","x":1}',
    '{"kafka_key":"the value\'s"}',
    '{"ts":null}',
    '{"a\\u0074":"an escaped name, which might be an added one"}',
    '{"nested":{"t":"not top level","offset":{"kafka_key":1}}}',
  ];

  const records = (): KafkaEventRecord[] =>
    VALUES.flatMap((value, i) => {
      const base = kafkaRecord({
        partition: i % 3,
        offset: 100 + i,
        value,
        key: i % 4 === 0 ? null : JSON.stringify({ id: i, name: `k${i}` }),
        headers: i % 2 === 0 ? [] : [{ traceparent: `00-${i}` }, { 'x-ü': 'ä' }],
      });
      // Every third record without a timestamp: InsertField leaves ts out, the metadata column loads NULL.
      if (i % 3 === 2) {
        const { timestamp: _t, ...without } = base as unknown as Record<string, unknown>;
        return [without as unknown as KafkaEventRecord];
      }
      return [base];
    });

  function bodyAndRows(overrides: Record<string, string>) {
    const config = configWith(overrides);
    const summary = summaryOf(config, records());
    expect(summary.tables).toHaveLength(1);
    const table = summary.tables[0]!;
    // The splice copies number text as it is (`-0.0e+1`), the chain writes the number again (`0`):
    // StarRocks reads both as the same value, which JSON.parse gives apart only for negative zero.
    const body = JSON.parse(serializeBody(table, config).toString('utf8'), (_k, v) =>
      Object.is(v, -0) ? 0 : v,
    );
    // Rows come in partition order: each row's value, by its record's offset.
    const values = table.rows.map((_row, i) => VALUES[sourceOf(table, i).offset - 100]);
    return { rows: table.rows, body: body as unknown[], values };
  }

  it('writes the same rows as the chain, for every value', () => {
    const fast = bodyAndRows({ ...insertKeys(), ...METADATA });
    const general = bodyAndRows({ ...insertKeys('always'), ...METADATA });
    expect(fast.body).toEqual(general.body);
    expect(fast.body).toHaveLength(VALUES.length);
    // The general path parsed and wrote every row; the fast path spliced all but the values with an
    // added name at their top level (or written with an escape), which it left to the chain.
    expect(general.rows.every((row) => typeof row === 'string')).toBe(true);
    expect(fast.rows.map((row) => row instanceof BodyRow)).toEqual(
      fast.values.map((v) => !/^\{"(t|offset|kafka_key|ts|a\\u0074)"/.test(v ?? '')),
    );
  });

  it('writes the same rows as the chain with the InsertField transforms alone', () => {
    const fast = bodyAndRows({ ...insertKeys(), 'key.converter.schemas.enable': 'false' });
    const general = bodyAndRows({ ...insertKeys('always'), 'key.converter.schemas.enable': 'false' });
    expect(fast.body).toEqual(general.body);
    expect(fast.body[fast.values.indexOf('{"a":1}')]).toEqual({
      a: 1,
      t: 'test',
      p: 0,
      offset: 100,
      ts: TIMESTAMP_MS + 100,
      source: 'kafka "eu" ü',
      kafka_key: 100,
    });
  });

  it('writes the same rows with the metadata columns alone as through a chain that changes nothing', () => {
    const fast = bodyAndRows(METADATA);
    const general = bodyAndRows({ ...insertKeys('never'), ...METADATA });
    expect(fast.body).toEqual(general.body);
    expect(fast.body[fast.values.indexOf('{}')]).toEqual({
      kafka_key: '{"id":1,"name":"k1"}',
      kafka_headers: { traceparent: '00-1', 'x-ü': 'ä' },
      kafka_ts: '2025-06-21 23:11:02.188',
      id: 1,
    });
  });

  it('keeps every digit and the spacing of a spliced value', () => {
    const config = configWith({ ...insertKeys(), ...METADATA });
    const summary = summaryOf(config, [
      kafkaRecord({ offset: 7, value: ' { "n" : 12345678901234567890 } ' }),
    ]);
    expect(serializeBody(summary.tables[0]!, config).toString('utf8')).toBe(
      `[ { "n" : 12345678901234567890 ,"t":"test","p":0,"offset":7,"ts":${TIMESTAMP_MS + 7},"kafka_key":null,"source":"kafka \\"eu\\" ü","kafka_headers":{},"kafka_ts":"2025-06-21 23:11:02.094","id":null}]`,
    );
  });

  it("refuses a value that is not an object with the chain's error", () => {
    const config = configWith({ ...insertKeys(), ...METADATA });
    const error = errorOf(() => summaryOf(config, [kafkaRecord({ offset: 2, value: '[1]' })]));
    expect(error.message).toContain('record test-0@2');
    expect(error.message).toContain('transform "meta"');
  });

  it('fails a value that is not base64 by its offset', () => {
    const config = configWith({ ...insertKeys(), ...METADATA });
    // Longer than a tombstone could be, so only the splice decodes it.
    const record = { ...kafkaRecord({ offset: 3 }), value: 'eyJhIjoxMjM0NTY3ODkwMTIzfQ==!!!!' };
    const error = errorOf(() => summaryOf(config, [record as KafkaEventRecord]));
    expect(error.message).toContain('record test-0@3');
    expect(error.message).toContain('not base64');
  });

  it('skips tombstones as the chain does', () => {
    const config = configWith({ ...insertKeys(), ...METADATA });
    const summary = summaryOf(config, [
      kafkaRecord({ value: null }),
      kafkaRecord({ offset: 1, value: ' null ' }),
    ]);
    expect(summary.skipped).toEqual({ tombstone: 2 });
  });
});

describe('the splice fast path: numbers, keys and headers written as bytes', () => {
  const config = () =>
    configWith({
      transforms: 'meta',
      'transforms.meta.type': 'org.apache.kafka.connect.transforms.InsertField$Value',
      'transforms.meta.partition.field': 'p',
      'transforms.meta.offset.field': 'o',
      'transforms.meta.timestamp.field': 'ts',
      'sink.metadata.columns': 'ms:timestamp.ms,k:key,h:headers,one:header.x,type:timestamp.type',
      'key.converter': CONVERTER_CLASSES.string,
    });

  it.each([0, 7, 9, 10, 99, 100, 1000, 99_999_999, 100_000_000, 100_000_005, 1_750_547_462_087, 2 ** 53 - 1])(
    'writes the offset %d and the timestamp after it digit for digit',
    (offset) => {
      const record = { ...kafkaRecord({ partition: 12, value: { a: 1 } }), offset, timestamp: offset };
      const [row] = rowsOf(config(), [record as KafkaEventRecord]);
      expect(row).toMatchObject({ a: 1, p: 12, o: offset, ts: offset, ms: offset });
      const text = bodyText(config(), [record as KafkaEventRecord]);
      expect(text).toContain(`"o":${offset},"ts":${offset},`);
    },
  );

  it.each([
    ['plain text', 'k-1', { x: 'y' }],
    ['a quote and a backslash', 'say "hi" \\ bye', { x: 'a"b\\c' }],
    ['control characters', 'tab\there', { x: 'line\nbreak' }],
    ['non-ASCII text', 'zürich 東京 😀', { x: 'ä' }],
  ])('writes a key and headers of %s as JSON.stringify would', (_what, key, header) => {
    const record = kafkaRecord({ value: { a: 1 }, key, headers: [header, { other: 'v' }] });
    const [row] = rowsOf(config(), [record]);
    expect(row).toMatchObject({ k: key, h: { ...header, other: 'v' }, one: header.x });
    expect(bodyText(config(), [record])).toContain(`"k":${JSON.stringify(key)}`);
  });

  it('writes a repeated header name once, with its last value', () => {
    const record = kafkaRecord({ value: { a: 1 }, headers: [{ x: 'first' }, { y: '2' }, { x: 'last' }] });
    expect(rowsOf(config(), [record])[0]).toMatchObject({ h: { x: 'last', y: '2' }, one: 'last' });
  });

  it('writes header bytes that are not UTF-8 as replacement characters, as the transforms read them', () => {
    const record = { ...kafkaRecord({ value: { a: 1 } }), headers: [{ x: [-1, 65] }] };
    expect(rowsOf(config(), [record as KafkaEventRecord])[0]).toMatchObject({
      h: { x: '\uFFFDA' },
      one: '\uFFFDA',
    });
  });

  it('fails a record whose header is not an array of bytes, naming it', () => {
    const record = { ...kafkaRecord({ offset: 4, value: { a: 1 } }), headers: [{ x: [1, 300] }] };
    expect(() => summaryOf(config(), [record as KafkaEventRecord])).toThrow(
      'header "x" is not an array of bytes',
    );
  });

  it('writes LogAppendTime and a record without a timestamp', () => {
    const appended = { ...kafkaRecord({ value: { a: 1 } }), timestampType: 'LOG_APPEND_TIME' };
    const { timestamp: _t, ...none } = kafkaRecord({ offset: 1, value: { a: 1 } }) as unknown as Record<
      string,
      unknown
    >;
    const rows = rowsOf(config(), [appended as KafkaEventRecord, none as unknown as KafkaEventRecord]);
    expect(rows[0]).toMatchObject({ type: 'LogAppendTime' });
    expect(rows[1]).toEqual({
      a: 1,
      p: 0,
      o: 1,
      ms: null,
      k: null,
      h: {},
      one: null,
      type: 'NoTimestampType',
    });
  });
});

describe('metadata columns: registry formats', () => {
  const registries: ScriptedRegistry[] = [];
  afterEach(async () => {
    await Promise.all(registries.splice(0).map((r) => r.close()));
  });

  it('adds the columns to Avro values read through the registry, over a field of the same name', async () => {
    const schema = {
      type: 'record',
      name: 'Order',
      fields: [
        { name: 'id', type: 'long' },
        { name: 'note', type: 'string' },
      ],
    };
    const registry = await startScriptedRegistry({ schemas: { '7': { schema: JSON.stringify(schema) } } });
    registries.push(registry);
    const config = configWith({
      'value.converter': CONVERTER_CLASSES.confluentAvro,
      'value.converter.schema.registry.url': registry.url,
      'sink.metadata.columns': 'kafka_offset:offset,note:header.note',
    });
    const encoder = encoderOf(schema);
    const records = decodeEvent(
      mskEvent([
        {
          ...kafkaRecord({ offset: 3, headers: [{ note: 'from the header' }] }),
          value: framed(7, encoder.toBuffer({ id: 1, note: 'a' })).toString('base64'),
        },
        {
          ...kafkaRecord({ offset: 4 }),
          value: framed(7, encoder.toBuffer({ id: 2, note: 'b' })).toString('base64'),
        },
      ] as KafkaEventRecord[]),
    );
    const prepared = await registryValuesFor(config.valueConverter as never).prepare(
      records,
      Date.now() + 5_000,
    );
    const summary = buildTableBatches(records, config, undefined, undefined, prepared);
    const body = JSON.parse(serializeBody(summary.tables[0]!, config).toString('utf8'));
    expect(body).toEqual([
      { id: 1, note: 'from the header', kafka_offset: 3 },
      { id: 2, note: null, kafka_offset: 4 },
    ]);
  });
});

describe('the splice fast path: room', () => {
  const config = () =>
    configWith({
      transforms: 'meta',
      'transforms.meta.type': 'org.apache.kafka.connect.transforms.InsertField$Value',
      'transforms.meta.offset.field': 'o',
      'sink.metadata.columns': 'k:key,h:headers,t:topic',
      'key.converter': CONVERTER_CLASSES.string,
    });

  it('writes a key and headers longer than the room a row starts with', () => {
    const key = 'k'.repeat(3000);
    const headers = [{ big: 'h'.repeat(5000) }, { small: 's' }];
    const records = [
      kafkaRecord({ offset: 0, value: { a: 1 } }),
      kafkaRecord({ offset: 1, value: { a: 2 }, key, headers }),
      kafkaRecord({ offset: 2, value: { a: 3 } }),
    ];
    // Spliced, not left to the chain: the long row is measured and written again.
    expect(summaryOf(config(), records).tables[0]?.rows.every((row) => row instanceof BodyRow)).toBe(true);
    const rows = rowsOf(config(), records);
    expect(rows).toEqual([
      { a: 1, o: 0, k: null, h: {}, t: 'test' },
      { a: 2, o: 1, k: key, h: { big: 'h'.repeat(5000), small: 's' }, t: 'test' },
      { a: 3, o: 2, k: null, h: {}, t: 'test' },
    ]);
  });

  it('writes the rows of a batch larger than one arena chunk, each whole', () => {
    const records = Array.from({ length: 6000 }, (_, i) =>
      kafkaRecord({ partition: i % 3, offset: i, value: { i, pad: 'x'.repeat(i % 97) }, key: `key-${i}` }),
    );
    const rows = rowsOf(config(), records);
    expect(rows).toHaveLength(6000);
    for (const row of rows) {
      const i = row.i as number;
      expect(row).toEqual({ i, pad: 'x'.repeat(i % 97), o: i, k: `key-${i}`, h: {}, t: 'test' });
    }
  });
});
