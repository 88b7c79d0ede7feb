import { gunzipSync, gzipSync, zstdDecompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildLabel } from '../../../lib/batch/label.ts';
import { resolveTable } from '../../../lib/batch/route.ts';
import { findInvalidRow, serializeBody, writeBody } from '../../../lib/batch/serialize.ts';
import { type BatchSummary, buildTableBatches, withoutRows } from '../../../lib/batch/table-batches.ts';
import { parseSinkConfig, type SinkConfig } from '../../../lib/config/sink-config.ts';
import { convertValue, toJsonText } from '../../../lib/convert/json-converter.ts';
import { decodeEvent, decodeKafkaEvent, type KafkaRecord } from '../../../lib/decode/event.ts';
import { RecordError } from '../../../lib/errors.ts';
import { seededRandom } from '../../../lib/local/soak.ts';
import { kafkaRecord, mskEvent, seedConfig, seedQuickstartEvent } from '../../fixtures/events.ts';

const LABEL_PATTERN = /^[-\w]{1,128}$/;

function bodyOf(summary: BatchSummary, config: SinkConfig): string {
  expect(summary.tables).toHaveLength(1);
  return serializeBody(summary.tables[0]!, config).toString('utf8');
}

describe('resolveTable', () => {
  const config = parseSinkConfig(seedConfig({ topics: 'test,orders' }));
  const [testRecord] = decodeEvent(mskEvent([kafkaRecord({ topic: 'test' })]));
  const [ordersRecord] = decodeEvent(mskEvent([kafkaRecord({ topic: 'orders' })]));
  const [otherRecord] = decodeEvent(mskEvent([kafkaRecord({ topic: 'other', partition: 4, offset: 9 })]));

  it('maps a topic through starrocks.topic2table.map', () => {
    expect(resolveTable(testRecord!, config)).toBe('test_tbl');
  });

  it('loads an unmapped topic into the table of the same name', () => {
    expect(resolveTable(ordersRecord!, config)).toBe('orders');
  });

  it('rejects a topic outside "topics", naming its position', () => {
    expect(() => resolveTable(otherRecord!, config)).toThrow(
      'record other-4@9 (topic "other", partition 4, offset 9): topic "other" is not in "topics"',
    );
  });

  it('rejects an unmapped topic whose name is not a valid table name', () => {
    const { topics: _topics, ...withoutTopics } = seedConfig();
    const open = parseSinkConfig(withoutTopics);
    const [dotted] = decodeEvent(mskEvent([kafkaRecord({ topic: 'test.public.customers' })]));
    expect(() => resolveTable(dotted!, open)).toThrow(
      'add "test.public.customers:<table>" to starrocks.topic2table.map',
    );
  });

  it('rejects a topic that does not match topics.regex', () => {
    const { topics: _t, ...rest } = seedConfig({ 'topics.regex': 'te.*' });
    const regexConfig = parseSinkConfig(rest);
    expect(() => resolveTable(ordersRecord!, regexConfig)).toThrow('does not match topics.regex');
    expect(resolveTable(testRecord!, regexConfig)).toBe('test_tbl');
  });

  it('names a long topics.regex by its first characters and length, not whole, for every record it refuses', () => {
    const long = `(te.*|${Array.from({ length: 2000 }, (_, i) => `x${i}`).join('|')})`;
    const { topics: _t, ...rest } = seedConfig({ 'topics.regex': long });
    const regexConfig = parseSinkConfig(rest);
    let message = '';
    try {
      resolveTable(ordersRecord!, regexConfig);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('does not match topics.regex');
    expect(message).toMatch(/… \(\d+ characters\)/);
    expect(message.length).toBeLessThan(500);
  });
});

describe('buildTableBatches', () => {
  it('builds one table batch from the seed quickstart, rows in offset order', () => {
    const config = parseSinkConfig(seedConfig());
    const summary = buildTableBatches(decodeEvent(seedQuickstartEvent()), config);

    expect(summary.tables).toHaveLength(1);
    expect(summary.tables[0]?.table).toBe('test_tbl');
    expect(bodyOf(summary, config)).toBe(
      '[{"id":1,"city":"New York"},{"id":2,"city":"Los Angeles"},{"id":3,"city":"Chicago"}]',
    );
    expect(summary.tables[0]?.ranges).toEqual([{ topic: 'test', partition: 0, first: 0, last: 2, count: 3 }]);
  });

  it('groups several topics and partitions into one batch per table', () => {
    const config = parseSinkConfig(
      seedConfig({
        topics: 'test,orders,orders-eu',
        'starrocks.topic2table.map': 'test:test_tbl,orders-eu:orders',
      }),
    );
    const records = decodeEvent(
      mskEvent([
        kafkaRecord({ topic: 'orders', partition: 1, offset: 10, value: { id: 1 } }),
        kafkaRecord({ topic: 'orders', partition: 0, offset: 5, value: { id: 2 } }),
        kafkaRecord({ topic: 'orders-eu', partition: 0, offset: 3, value: { id: 3 } }),
        kafkaRecord({ topic: 'test', partition: 2, offset: 0, value: { id: 4 } }),
      ]),
    );

    const summary = buildTableBatches(records, config);

    expect(summary.tables.map((t) => [t.table, t.rows.length])).toEqual([
      ['orders', 3],
      ['test_tbl', 1],
    ]);
    expect(summary.tables[0]?.ranges.map((r) => `${r.topic}-${r.partition}@${r.first}..${r.last}`)).toEqual([
      'orders-0@5..5',
      'orders-1@10..10',
      'orders-eu-0@3..3',
    ]);
  });

  it('skips tombstones and counts them', () => {
    const records = decodeEvent(
      mskEvent([
        kafkaRecord({ offset: 0, value: { id: 1 } }),
        kafkaRecord({ offset: 1, value: null }),
        kafkaRecord({ offset: 2, omitValue: true }),
      ]),
    );
    const summary = buildTableBatches(records, parseSinkConfig(seedConfig()));
    expect(summary.tables[0]?.rows).toHaveLength(1);
    expect(summary.skipped.tombstone).toBe(2);
  });

  it('returns no table when every record is a tombstone', () => {
    const records = decodeEvent(mskEvent([kafkaRecord({ value: null })]));
    expect(buildTableBatches(records, parseSinkConfig(seedConfig())).tables).toEqual([]);
  });

  it.each([
    ['text that is not JSON', 'id=2', 'the value is not valid JSON'],
    [
      'an unclosed object',
      '{"id":2',
      'the value is not valid JSON (an object, string or array is not closed)',
    ],
    [
      'two objects in one value',
      '{"id":2},{"id":3}',
      'the value is not valid JSON (more text follows the object)',
    ],
    [
      'an unclosed string',
      '{"id":"2}',
      'the value is not valid JSON (an object, string or array is not closed)',
    ],
    ['an array', '[{"id":2}]', 'the value is an array, not a JSON object'],
  ])('fails the whole batch on %s, naming its offset, before the body is sent', (_case, value, message) => {
    const config = parseSinkConfig(seedConfig());
    const records = decodeEvent(
      mskEvent([kafkaRecord({ offset: 0, value: { id: 1 } }), kafkaRecord({ offset: 1, value })]),
    );
    const act = () => bodyOf(buildTableBatches(records, config), config);
    expect(act).toThrow(RecordError);
    expect(act).toThrow(`offset 1): ${message}`);
  });

  it('fails the whole batch on a value that is not UTF-8, naming its offset among valid ones', () => {
    const config = parseSinkConfig(seedConfig());
    const bad = kafkaRecord({ offset: 2 }) as unknown as { value: string };
    bad.value = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]).toString('base64');
    const records = decodeEvent(
      mskEvent([
        kafkaRecord({ offset: 0, value: { id: 1 } }),
        kafkaRecord({ offset: 1, value: { city: '東京' } }),
        bad as never,
        kafkaRecord({ offset: 3, value: { id: 3 } }),
      ]),
    );
    const act = () => bodyOf(buildTableBatches(records, config), config);
    expect(act).toThrow(RecordError);
    expect(act).toThrow('offset 2): the value is not valid UTF-8 text');
  });

  it.each([
    // '*' is outside the alphabet: Node skips it and the value comes out one byte short.
    ['whose short bytes break its structure', 'eyJuYW1l*joiYWJjZGVmZ2hpamtsbW5vcCJ9'],
    ['whose short bytes still look like one object', 'eyJuYW1lIjoiYWJjZGVmZ2gifQ*='],
  ])(
    'fails the whole batch on a value with a character outside base64 %s, naming its offset',
    (_case, text) => {
      const config = parseSinkConfig(seedConfig());
      const bad = kafkaRecord({ offset: 1 }) as unknown as { value: string };
      bad.value = text;
      const records = decodeEvent(
        mskEvent([kafkaRecord({ offset: 0, value: { id: 1 } }), bad as never, kafkaRecord({ offset: 2 })]),
      );
      const act = () => bodyOf(buildTableBatches(records, config), config);
      expect(act).toThrow(RecordError);
      expect(act).toThrow('offset 1): the value is not base64 text');
    },
  );

  it.each(['null', ' null\n', '\tnull  \r\n      '])(
    'reads the schemaless value %j as a tombstone',
    (value) => {
      const config = parseSinkConfig(seedConfig());
      const records = decodeEvent(
        mskEvent([kafkaRecord({ offset: 0, value: { id: 1 } }), kafkaRecord({ offset: 1, value })]),
      );
      const summary = buildTableBatches(records, config);
      expect(summary.skipped.tombstone).toBe(1);
      expect(bodyOf(summary, config)).toBe('[{"id":1}]');
    },
  );

  it('loads a value that only looks like null around non-JSON whitespace as no tombstone', () => {
    const config = parseSinkConfig(seedConfig());
    const bad = kafkaRecord({ offset: 1 }) as unknown as { value: string };
    bad.value = Buffer.from([0xa0, 0x6e, 0x75, 0x6c, 0x6c]).toString('base64');
    const records = decodeEvent(mskEvent([kafkaRecord({ offset: 0, value: { id: 1 } }), bad as never]));
    const summary = buildTableBatches(records, config);
    expect(summary.skipped.tombstone).toBeUndefined();
    expect(() => bodyOf(summary, config)).toThrow('offset 1): the value is not valid JSON');
  });

  it('names the record behind a syntax error that only StarRocks would catch', () => {
    const config = parseSinkConfig(seedConfig());
    const records = decodeEvent(
      mskEvent([kafkaRecord({ offset: 0, value: { id: 1 } }), kafkaRecord({ offset: 5, value: '{"id":}' })]),
    );
    const summary = buildTableBatches(records, config);
    expect(bodyOf(summary, config)).toBe('[{"id":1},{"id":}]');
    expect(() => findInvalidRow(summary.tables[0]!, config)).toThrow(
      'offset 5): the value is not valid JSON',
    );
  });

  describe('with schemas.enable=true, payloads copied as they are', () => {
    const config = parseSinkConfig(seedConfig({ 'value.converter.schemas.enable': 'true' }));
    const schema = {
      type: 'struct',
      optional: false,
      fields: [{ type: 'boolean', optional: true, field: 'ok' }],
    };
    const envelope = (payload: string) => `{"schema":${JSON.stringify(schema)},"payload":${payload}}`;
    const deep = (levels: number) => `{"ok":true,"deep":${'['.repeat(levels)}${']'.repeat(levels)}}`;

    it.each([
      ['tru', '{"ok":tru}', 'the payload is not valid JSON'],
      ['NaN', '{"ok":NaN}', 'the payload is not valid JSON'],
      [
        'nesting deeper than StarRocks reads',
        deep(2000),
        'the payload nests arrays and objects 2001 levels deep; StarRocks reads JSON at most 1024 levels deep',
      ],
    ])('names the record behind %s once StarRocks refused the body', (_case, payload, message) => {
      const records = decodeEvent(
        mskEvent([
          kafkaRecord({ partition: 1, offset: 8, value: envelope('{"ok":false}') }),
          kafkaRecord({ partition: 1, offset: 9, value: envelope(payload) }),
        ]),
      );
      const summary = buildTableBatches(records, config);
      // Copied as they are: only StarRocks' parser would see what is wrong.
      expect(bodyOf(summary, config)).toContain(payload);
      const act = () => findInvalidRow(summary.tables[0]!, config);
      expect(act).toThrow(RecordError);
      expect(act).toThrow(`record test-1@9 (topic "test", partition 1, offset 9): ${message}`);
    });

    it('finds nothing in valid payloads, and nothing in CSV bodies', () => {
      const records = decodeEvent(mskEvent([kafkaRecord({ value: envelope(deep(1000)) })]));
      const summary = buildTableBatches(records, config);
      expect(() => findInvalidRow(summary.tables[0]!, config)).not.toThrow();
      expect(() => findInvalidRow(summary.tables[0]!, { format: 'csv' })).not.toThrow();
    });
  });

  it.each([
    ['copied into the body (schemaless, no transforms)', {}],
    [
      'parsed to be transformed',
      {
        transforms: 'unwrap',
        'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
      },
    ],
  ])(
    'says a valid value nested 100,000 levels deep is too deep, not "not valid JSON", when %s',
    (_c, keys) => {
      const config = parseSinkConfig(seedConfig(keys));
      const value = `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
      const records = decodeEvent(mskEvent([kafkaRecord({ offset: 3, value })]));
      const act = () => {
        const summary = buildTableBatches(records, config);
        findInvalidRow(summary.tables[0]!, config);
      };
      expect(act).toThrow('offset 3): the value nests arrays and objects 100001 levels deep');
      expect(act).toThrow('at most 1024 levels deep');
      expect(act).not.toThrow('Maximum call stack');
    },
  );

  it('loads the same rows on the fast path and the parsing path', () => {
    const values = [
      '{"id":1,"city":"Zürich","n":12345678901234567890}',
      '{"nested":{"a":[1,2]}}',
      '{"s":"quote \\" and \\\\ backslash"}',
    ];
    const records = decodeEvent(mskEvent(values.map((value, offset) => kafkaRecord({ offset, value }))));
    const config = parseSinkConfig(seedConfig());
    const fast = bodyOf(buildTableBatches(records, config), config);
    const parsed = records.map((r) =>
      convertValue(
        r,
        { kind: 'json', schemasEnable: false, replaceNullWithDefault: true },
        { needObject: true },
      ),
    );
    expect(fast).toBe(`[${parsed.map((p) => toJsonText(p!)).join(',')}]`);
    expect(fast).toContain('12345678901234567890');
  });

  it('loads StringConverter JSON text verbatim with format=json', () => {
    const config = parseSinkConfig(
      seedConfig({ 'value.converter': 'org.apache.kafka.connect.storage.StringConverter' }),
    );
    const records = decodeEvent(mskEvent([kafkaRecord({ value: '{"id":1,"city":"x"}' })]));
    expect(bodyOf(buildTableBatches(records, config), config)).toBe('[{"id":1,"city":"x"}]');
  });

  it('rejects a CSV value that spans lines', () => {
    const config = parseSinkConfig(
      seedConfig({
        'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
        'sink.properties.format': 'csv',
      }),
    );
    const records = decodeEvent(mskEvent([kafkaRecord({ offset: 6, value: '1,a\n2,b' })]));
    expect(() => buildTableBatches(records, config)).toThrow(
      'offset 6): the CSV value contains the row delimiter',
    );
  });

  it('applies the Debezium transforms of the seed', () => {
    const config = parseSinkConfig(
      seedConfig({
        topics: 'test.public.customers',
        'starrocks.topic2table.map': 'test.public.customers:customers',
        transforms: 'addfield,unwrap',
        'transforms.addfield.type': 'com.starrocks.connector.kafka.transforms.AddOpFieldForDebeziumRecord',
        'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
        'transforms.unwrap.delete.handling.mode': 'rewrite',
      }),
    );
    const records = decodeEvent(
      mskEvent([
        kafkaRecord({
          topic: 'test.public.customers',
          offset: 0,
          value: { before: null, after: { id: 2, email: 'b@b.com' }, op: 'c' },
        }),
        kafkaRecord({
          topic: 'test.public.customers',
          offset: 1,
          value: { before: { id: 1, email: null }, after: null, op: 'd' },
        }),
        kafkaRecord({ topic: 'test.public.customers', offset: 2, value: null }),
      ]),
    );
    const summary = buildTableBatches(records, config);
    expect(bodyOf(summary, config)).toBe(
      '[{"id":2,"email":"b@b.com","__op":0,"__deleted":"false"},{"id":1,"email":null,"__op":1,"__deleted":"true"}]',
    );
    expect(summary.skipped.tombstone).toBe(1);
  });
});

describe('buildTableBatches, run by run', () => {
  // Topics a and c load into one table, b into another; keys arrive out of order.
  const config = parseSinkConfig(
    seedConfig({ topics: 'a,b,c', 'starrocks.topic2table.map': 'a:t1,b:t2,c:t1' }),
  );
  const value = (i: number) => ({ id: i, note: 'a value longer than a JSON null' });
  const records = [
    ...[5, 6, 7].map((offset) => kafkaRecord({ topic: 'c', partition: 0, offset, value: value(offset) })),
    ...[9, 10].map((offset) => kafkaRecord({ topic: 'a', partition: 1, offset, value: value(offset) })),
    ...[2, 3, 4].map((offset) => kafkaRecord({ topic: 'a', partition: 0, offset, value: value(offset) })),
    ...[1, 2].map((offset) => kafkaRecord({ topic: 'b', partition: 2, offset, value: value(offset) })),
  ];

  it('builds the same tables, rows, ranges, labels and bodies as record by record', () => {
    const { records: decoded, layout } = decodeKafkaEvent(mskEvent(records));
    expect(layout?.shortOrNullValues).toBe(false);
    expect(layout?.runs.map((r) => `${r.topic}-${r.partition}:${r.start}..${r.end}`)).toEqual([
      'a-0:0..3',
      'a-1:3..5',
      'b-2:5..7',
      'c-0:7..10',
    ]);

    const byRun = buildTableBatches(decoded, config, undefined, layout);
    const byRecord = buildTableBatches(decoded, config);

    expect(byRun).toEqual(byRecord);
    expect(byRun.tables.map((t) => buildLabel('db', t))).toEqual(
      byRecord.tables.map((t) => buildLabel('db', t)),
    );
    expect(byRun.tables.map((t) => writeBody(t, config).toString())).toEqual(
      byRecord.tables.map((t) => writeBody(t, config).toString()),
    );
    expect(
      byRun.tables.map((t) =>
        t.ranges.map((r) => `${r.topic}-${r.partition}@${r.first}..${r.last}#${r.count}`),
      ),
    ).toEqual([['a-0@2..4#3', 'a-1@9..10#2', 'c-0@5..7#3'], ['b-2@1..2#2']]);
  });

  it('goes record by record when a value may be a tombstone, or the lists came out of order', () => {
    const withNull = decodeKafkaEvent(
      mskEvent([...records, kafkaRecord({ topic: 'b', partition: 2, offset: 3, value: null })]),
    );
    expect(withNull.layout?.shortOrNullValues).toBe(true);
    expect(buildTableBatches(withNull.records, config, undefined, withNull.layout).skipped.tombstone).toBe(1);

    const event = mskEvent(records);
    (event.records['a-0'] as unknown[]).reverse();
    expect(decodeKafkaEvent(event).layout).toBeUndefined();

    // A layout describes its own records only: given fewer (filtered) records, it is not used.
    const whole = decodeKafkaEvent(mskEvent(records));
    const fewer = whole.records.filter((r) => r.offset !== 6);
    expect(buildTableBatches(fewer, config, undefined, whole.layout)).toEqual(
      buildTableBatches(fewer, config),
    );
  });

  it('reports a topic that does not route as record by record does', () => {
    const event = mskEvent([...records, kafkaRecord({ topic: 'd', offset: 1, value: value(1) })]);
    const { records: decoded, layout } = decodeKafkaEvent(event);
    const act = () => buildTableBatches(decoded, config, undefined, layout);
    expect(act).toThrow(RecordError);
    expect(act).toThrow('topic "d"');
  });
});

describe('buildTableBatches, run by run, on generated events', () => {
  const config = parseSinkConfig(
    seedConfig({ topics: 'a,b,c,d-x', 'starrocks.topic2table.map': 'a:t1,b:t2,c:t1,d-x:t3' }),
  );
  const compare = (x: KafkaRecord, y: KafkaRecord) =>
    x.topic < y.topic ? -1 : x.topic > y.topic ? 1 : x.partition - y.partition || x.offset - y.offset;

  it('decodes in order and builds the same tables, labels and bodies as record by record (300 events)', () => {
    const random = seededRandom(20261126);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    let runPaths = 0;
    for (let n = 0; n < 300; n++) {
      const records = [];
      // An event never holds a record twice (decoding refuses it): lists of one partition overlap
      // only in the offsets they skip.
      const positions = new Set<string>();
      const lists = 1 + Math.floor(random() * 6);
      for (let l = 0; l < lists; l++) {
        const topic = pick(['a', 'b', 'c', 'd-x']);
        const partition = Math.floor(random() * 4);
        let offset = Math.floor(random() * 1000);
        const count = 1 + Math.floor(random() * 5);
        for (let i = 0; i < count; i++) {
          offset += 1 + Math.floor(random() * 3);
          if (positions.has(`${topic}-${partition}@${offset}`)) continue;
          positions.add(`${topic}-${partition}@${offset}`);
          const roll = random();
          const value =
            roll < 0.04
              ? null
              : roll < 0.08
                ? ' null '
                : { id: offset, note: `row ${n}-${l}-${i} of topic ${topic}` };
          records.push(kafkaRecord({ topic, partition, offset, value }));
        }
      }
      const event = mskEvent(records);
      // Keys in any order, and now and then a list out of order.
      const keys = Object.keys(event.records).sort(() => random() - 0.5);
      const shuffled = Object.fromEntries(keys.map((k) => [k, event.records[k]]));
      if (random() < 0.1) (Object.values(shuffled)[0] as unknown[]).reverse();
      const { records: decoded, layout } = decodeKafkaEvent({ ...event, records: shuffled });

      expect(decoded.map((r) => `${r.topic}-${r.partition}@${r.offset}`)).toEqual(
        [...decoded].sort(compare).map((r) => `${r.topic}-${r.partition}@${r.offset}`),
      );
      const byRecord = buildTableBatches(decoded, config);
      const byRun = buildTableBatches(decoded, config, undefined, layout);
      if (layout !== undefined && !layout.shortOrNullValues) runPaths++;
      expect(byRun).toEqual(byRecord);
      const labels = (s: typeof byRun) => s.tables.map((t) => buildLabel('db', t));
      const bodies = (s: typeof byRun) => s.tables.map((t) => writeBody(t, config).toString());
      expect(labels(byRun)).toEqual(labels(byRecord));
      expect(bodies(byRun)).toEqual(bodies(byRecord));
    }
    // Both paths were compared often enough to mean something.
    expect(runPaths).toBeGreaterThan(50);
  });
});

describe('serializeBody', () => {
  const batch = { table: 't', rows: ['{"a":1}', '{"a":2}'], ranges: [] };

  it('writes a JSON array for strip_outer_array=true', () => {
    expect(serializeBody(batch, parseSinkConfig(seedConfig())).toString()).toBe('[{"a":1},{"a":2}]');
  });

  it('writes newline-delimited objects when the user turned strip_outer_array off', () => {
    const config = parseSinkConfig(seedConfig({ 'sink.properties.strip_outer_array': 'false' }));
    expect(serializeBody(batch, config).toString()).toBe('{"a":1}\n{"a":2}');
  });

  it('ends every CSV line with the row delimiter', () => {
    const config = parseSinkConfig(
      seedConfig({
        'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
        'sink.properties.format': 'csv',
        'sink.properties.row_delimiter': '|',
      }),
    );
    expect(serializeBody({ ...batch, rows: ['1,a', '2,b'] }, config).toString()).toBe('1,a|2,b|');
  });

  it.each([
    ['gzip', gunzipSync],
    ['zstd', zstdDecompressSync],
  ])('compresses the body with %s and keeps the rows as they were', (codec, decompress) => {
    const config = parseSinkConfig(seedConfig({ 'sink.properties.compression': codec }));
    const summary = buildTableBatches(
      decodeEvent(mskEvent([0, 1, 2].map((offset) => kafkaRecord({ offset, value: { id: offset } })))),
      config,
    );
    const table = summary.tables[0]!;

    const sent = serializeBody(table, config);

    expect(decompress(sent).toString()).toBe('[{"id":0},{"id":1},{"id":2}]');
    expect(writeBody(table, config).toString()).toBe('[{"id":0},{"id":1},{"id":2}]');
    // A body without rejected rows is built from the same rows, and compressed again.
    expect(decompress(serializeBody(withoutRows(table, new Set([1])), config)).toString()).toBe(
      '[{"id":0},{"id":2}]',
    );
  });

  it('compresses at the configured level', () => {
    const config = parseSinkConfig(
      seedConfig({ 'sink.properties.compression': 'gzip', 'sink.compression.level': '9' }),
    );
    const rows = Array.from({ length: 500 }, (_, i) => `{"id":${i},"city":"c${(i * 7919) % 997}"}`);

    const sent = serializeBody({ ...batch, rows }, config);

    expect(sent).toEqual(gzipSync(writeBody({ ...batch, rows }, config), { level: 9 }));
    expect(sent).not.toEqual(gzipSync(writeBody({ ...batch, rows }, config), { level: 1 }));
  });
});

describe('buildLabel', () => {
  const ranges = [{ topic: 'test.public.customers', partition: 0, first: 0, last: 2, count: 3 }];

  it('is identical for identical batches and valid for StarRocks', () => {
    const a = buildLabel('example_db', { table: 'test_tbl', ranges });
    const b = buildLabel('example_db', { table: 'test_tbl', ranges: ranges.map((r) => ({ ...r })) });
    expect(a).toBe(b);
    expect(a).toMatch(LABEL_PATTERN);
    expect(a.startsWith('kl-test_tbl-')).toBe(true);
  });

  it.each([
    ['another database', 'other_db', 'test_tbl', ranges],
    ['another table', 'example_db', 'test_tbl2', ranges],
    ['another last offset', 'example_db', 'test_tbl', [{ ...ranges[0]!, last: 3 }]],
    ['another partition', 'example_db', 'test_tbl', [{ ...ranges[0]!, partition: 1 }]],
    ['another topic', 'example_db', 'test_tbl', [{ ...ranges[0]!, topic: 'test.public.customer' }]],
  ])('differs for %s', (_case, database, table, otherRanges) => {
    expect(buildLabel(database, { table, ranges: otherRanges })).not.toBe(
      buildLabel('example_db', { table: 'test_tbl', ranges }),
    );
  });

  it('stays within 128 characters for the longest table name', () => {
    const label = buildLabel('db', { table: 'x'.repeat(1024), ranges });
    expect(label).toMatch(LABEL_PATTERN);
  });
});

describe('a value nested too deep on the converting path', () => {
  it('fails naming the record and the depth, not with a bare RangeError', () => {
    const config = parseSinkConfig(seedConfig({ 'value.converter.schemas.enable': 'true' }));
    const dated = { type: 'int32', optional: true, name: 'org.apache.kafka.connect.data.Date', field: 'day' };
    const schema = { type: 'struct', optional: false, fields: [dated] };
    const payload = `{"day":1,"deep":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const value = `{"schema":${JSON.stringify(schema)},"payload":${payload}}`;
    const records = decodeEvent(mskEvent([kafkaRecord({ offset: 6, value })]));
    const act = () => buildTableBatches(records, config);
    expect(act).toThrow(RecordError);
    expect(act).toThrow('offset 6): the value nests arrays and objects 100002 levels deep');
  });
});
