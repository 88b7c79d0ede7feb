import { describe, expect, it } from 'vitest';
import { BodyRow } from '../../../lib/batch/metadata-rows.ts';
import { findInvalidRow, rowText, serializeBody } from '../../../lib/batch/serialize.ts';
import {
  buildTableBatches,
  sourceOf,
  type TableBatch,
  withoutRows,
} from '../../../lib/batch/table-batches.ts';
import { CONVERTER_CLASSES } from '../../../lib/config/keys.ts';
import { parseSinkConfig, type SinkConfig } from '../../../lib/config/sink-config.ts';
import { decodeEvent, type KafkaEventRecord } from '../../../lib/decode/event.ts';
import { matchRejectedRows } from '../../../lib/load/rejected-rows.ts';
import { kafkaRecord, mskEvent, seedConfig } from '../../fixtures/events.ts';

/** Spliced rows written straight into each table's body, which the serializer sends as it is. */

function spliceConfig(overrides: Record<string, string> = {}): SinkConfig {
  return parseSinkConfig(
    seedConfig({
      topics: 'test,other',
      'starrocks.topic2table.map': 'test:test_tbl,other:other_tbl',
      transforms: 'meta',
      'transforms.meta.type': 'org.apache.kafka.connect.transforms.InsertField$Value',
      'transforms.meta.offset.field': 'o',
      'sink.metadata.columns': 'k:key,t:topic',
      'key.converter': CONVERTER_CLASSES.string,
      ...overrides,
    }),
  );
}

function tablesOf(config: SinkConfig, records: readonly KafkaEventRecord[]): TableBatch[] {
  return buildTableBatches(decodeEvent(mskEvent([...records])), config).tables;
}

/** The body of the same rows written one by one, as for a batch that lost some of its rows. */
function bodyFromRows(table: TableBatch, config: SinkConfig): string {
  const rebuilt = withoutRows(table, new Set());
  expect(rebuilt.body).toBeUndefined();
  return serializeBody(rebuilt, config).toString('utf8');
}

describe('the spliced body', () => {
  it.each([
    ['a JSON array', 'true', (rows: string[]) => `[${rows.join(',')}]`],
    ['newline-delimited rows', 'false', (rows: string[]) => rows.join('\n')],
  ])('writes %s, the same bytes as the rows written one by one', (_shape, strip, expected) => {
    const config = spliceConfig({ 'sink.properties.strip_outer_array': strip });
    const [table] = tablesOf(config, [
      kafkaRecord({ offset: 0, value: { a: 1 }, key: 'x' }),
      kafkaRecord({ offset: 1, value: '{"b":"needs \\"escapes\\""}', key: 'q"uote' }),
      kafkaRecord({ offset: 2, value: '{"o":"the value\'s own"}' }),
    ]);
    const body = serializeBody(table as TableBatch, config).toString('utf8');
    expect(body).toBe(
      expected([
        '{"a":1,"o":0,"k":"x","t":"test"}',
        '{"b":"needs \\"escapes\\"","o":1,"k":"q\\"uote","t":"test"}',
        // A value with an added name: parsed, the member overwritten in its place.
        '{"o":2,"k":null,"t":"test"}',
      ]),
    );
    expect(bodyFromRows(table as TableBatch, config)).toBe(body);
  });

  it('writes one body per table, each row to its topic table, with each row mapped to its record', () => {
    const config = spliceConfig();
    const tables = tablesOf(config, [
      kafkaRecord({ topic: 'test', offset: 0, value: { a: 0 } }),
      kafkaRecord({ topic: 'other', offset: 5, value: { b: 5 } }),
      kafkaRecord({ topic: 'test', offset: 1, value: { a: 1 } }),
    ]);
    const bodies = Object.fromEntries(
      tables.map((t) => [t.table, JSON.parse(serializeBody(t, config).toString('utf8'))]),
    );
    expect(bodies).toEqual({
      test_tbl: [
        { a: 0, o: 0, k: null, t: 'test' },
        { a: 1, o: 1, k: null, t: 'test' },
      ],
      other_tbl: [{ b: 5, o: 5, k: null, t: 'other' }],
    });
    const testTable = tables.find((t) => t.table === 'test_tbl') as TableBatch;
    expect(testTable.rows.map((_r, i) => sourceOf(testTable, i).offset)).toEqual([0, 1]);
    expect(testTable.ranges).toEqual([{ topic: 'test', partition: 0, first: 0, last: 1, count: 2 }]);
  });

  it('leaves tombstones and set-aside records out of the body', () => {
    const config = spliceConfig();
    const records = [
      kafkaRecord({ offset: 0, value: { a: 0 } }),
      kafkaRecord({ offset: 1, value: null }),
      kafkaRecord({ offset: 2, value: '[1]' }),
      kafkaRecord({ offset: 3, value: { a: 3 } }),
    ];
    const setAside: number[] = [];
    const summary = buildTableBatches(decodeEvent(mskEvent(records)), config, (record) => {
      setAside.push(record.offset);
    });
    const [table] = summary.tables;
    expect(setAside).toEqual([2]);
    expect(summary.skipped).toEqual({ tombstone: 1 });
    expect(JSON.parse(serializeBody(table as TableBatch, config).toString('utf8'))).toEqual([
      { a: 0, o: 0, k: null, t: 'test' },
      { a: 3, o: 3, k: null, t: 'test' },
    ]);
    expect(bodyFromRows(table as TableBatch, config)).toBe(
      serializeBody(table as TableBatch, config).toString(),
    );
  });

  it('writes a body that outgrows the room it was first given, each row whole', () => {
    const config = spliceConfig();
    // Keys far longer than the room a row is expected to add: the body takes more chunks.
    const records = Array.from({ length: 300 }, (_, i) =>
      kafkaRecord({ partition: i % 2, offset: i, value: { i }, key: `${i}-${'k'.repeat(1000 + i)}` }),
    );
    const [table] = tablesOf(config, records);
    const body = serializeBody(table as TableBatch, config).toString('utf8');
    const rows = JSON.parse(body) as { i: number; k: string }[];
    expect(rows).toHaveLength(300);
    for (const row of rows)
      expect(row).toEqual({ i: row.i, o: row.i, k: `${row.i}-${'k'.repeat(1000 + row.i)}`, t: 'test' });
    expect(bodyFromRows(table as TableBatch, config)).toBe(body);
  });

  it('writes a body whose rows grow past every size its first rows suggested', () => {
    const config = spliceConfig();
    const sizes = [
      100_000,
      ...Array.from({ length: 50 }, () => 1),
      ...Array.from({ length: 50 }, () => 20_000),
    ];
    const records = sizes.map((size, i) =>
      kafkaRecord({ offset: i, value: { i, pad: 'p'.repeat(size) }, key: `k${i}` }),
    );
    const [table] = tablesOf(config, records);
    const body = serializeBody(table as TableBatch, config).toString('utf8');
    const rows = JSON.parse(body) as { i: number; pad: string; k: string }[];
    expect(rows.map((row) => [row.i, row.pad.length, row.k])).toEqual(
      sizes.map((size, i) => [i, size, `k${i}`]),
    );
    expect(bodyFromRows(table as TableBatch, config)).toBe(body);
  });

  it('writes the rows StarRocks did not reject into a body of their own', () => {
    const config = spliceConfig();
    const [table] = tablesOf(
      config,
      [0, 1, 2].map((offset) => kafkaRecord({ offset, value: { n: offset } })),
    );
    const rest = withoutRows(table as TableBatch, new Set([1]));
    expect(JSON.parse(serializeBody(rest, config).toString('utf8'))).toEqual([
      { n: 0, o: 0, k: null, t: 'test' },
      { n: 2, o: 2, k: null, t: 'test' },
    ]);
  });
});

describe('the spliced body: UTF-8 and keys checked as they are written', () => {
  /** The one row of a value given as bytes, and whether it was spliced (a view of the body). */
  function rowOfBytes(value: Buffer, key: string | null = null) {
    const config = spliceConfig();
    const record = { ...kafkaRecord({ offset: 1, key }), value: value.toString('base64') };
    const [table] = tablesOf(config, [record as KafkaEventRecord]);
    const row = (table as TableBatch).rows[0];
    return {
      spliced: row instanceof BodyRow,
      text: serializeBody(table as TableBatch, config).toString('utf8'),
    };
  }
  const quoted = (bytes: number[]) =>
    Buffer.concat([Buffer.from('{"s":"'), Buffer.from(bytes), Buffer.from('"}')]);

  it.each([
    ['U+0080', [0xc2, 0x80]],
    ['U+07FF', [0xdf, 0xbf]],
    ['U+0800', [0xe0, 0xa0, 0x80]],
    ['U+D7FF', [0xed, 0x9f, 0xbf]],
    ['U+E000', [0xee, 0x80, 0x80]],
    ['U+FFFF', [0xef, 0xbf, 0xbf]],
    ['U+10000', [0xf0, 0x90, 0x80, 0x80]],
    ['U+10FFFF', [0xf4, 0x8f, 0xbf, 0xbf]],
  ])('splices a string holding %s', (_name, bytes) => {
    const { spliced, text } = rowOfBytes(quoted(bytes));
    expect(spliced).toBe(true);
    expect(JSON.parse(text)).toEqual([{ s: Buffer.from(bytes).toString('utf8'), o: 1, k: null, t: 'test' }]);
  });

  it.each([
    ['a lone continuation byte', [0x80]],
    ['an overlong two-byte form', [0xc1, 0xbf]],
    ['an overlong three-byte form', [0xe0, 0x9f, 0xbf]],
    ['a surrogate', [0xed, 0xa0, 0x80]],
    ['an overlong four-byte form', [0xf0, 0x8f, 0xbf, 0xbf]],
    ['a code point past U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['a lead byte past F4', [0xf5, 0x80, 0x80, 0x80]],
    ['a sequence cut short by the quote', [0xe2, 0x82]],
    ['a bad third byte', [0xe2, 0x82, 0x41]],
  ])("fails a string holding %s with the converter's UTF-8 error", (_name, bytes) => {
    expect(() => rowOfBytes(quoted(bytes))).toThrow(/UTF-8/);
  });

  it("fails bytes past ASCII outside a string with the converter's error", () => {
    expect(() => rowOfBytes(Buffer.from([0x7b, 0xc3, 0xa9, 0x7d]))).toThrow(/record test-0@1/);
  });

  it.each([
    ['no padding', 'abc', 'abc'],
    ['one padding character', 'ab', 'ab'],
    ['two padding characters', 'a', 'a'],
    ['text past ASCII', 'zürich 東京 😀', 'zürich 東京 😀'],
    ['a quote, escaped by the text writer', 'q"uote', 'q"uote'],
    ['a control character, escaped by the text writer', 'tab\there', 'tab\there'],
  ])('writes a key with %s', (_name, key, expected) => {
    const { text } = rowOfBytes(Buffer.from('{"a":1}'), key);
    expect(JSON.parse(text)).toEqual([{ a: 1, o: 1, k: expected, t: 'test' }]);
  });

  it.each([
    ['base64url', 'Pj4-Pz8_'],
    ['padding inside', 'YQ==YWJj'],
  ])('writes a %s key as Node decodes it', (_name, base64) => {
    const config = spliceConfig();
    const record = { ...kafkaRecord({ offset: 1, value: { a: 1 } }), key: base64 };
    const [table] = tablesOf(config, [record as KafkaEventRecord]);
    const rows = JSON.parse(serializeBody(table as TableBatch, config).toString('utf8'));
    expect(rows[0].k).toBe(Buffer.from(base64, 'base64').toString('utf8'));
  });
});

describe('the spliced body: headers like the last record', () => {
  const config = () => spliceConfig({ 'sink.metadata.columns': 'h:headers' });

  it('writes each record its own headers, whether or not they repeat the last ones', () => {
    const headerSets: Record<string, string>[][] = [
      [{ app: 'checkout' }],
      [{ app: 'checkout' }],
      [{ app: 'checkouT' }],
      [{ app: 'checkout' }, { trace: '1' }],
      [{ app: 'checkout' }, { trace: '2' }],
      [{ app: 'checkout', trace: '2' }],
      [{ trace: '2' }, { app: 'checkout' }],
      [],
      [],
      [{ app: 'checkou' }],
      [{ app: 'checkout' }],
      [{ ápp: 'ü' }],
      [{ ápp: 'ü' }],
    ];
    const records = headerSets.map((headers, offset) =>
      kafkaRecord({ offset, value: { n: offset }, headers }),
    );
    const [table] = tablesOf(config(), records);
    const rows = JSON.parse(serializeBody(table as TableBatch, config()).toString('utf8'));
    expect(rows.map((row: { h: unknown }) => row.h)).toEqual(
      headerSets.map((set) => Object.assign({}, ...set)),
    );
  });

  it('leaves a repeated header name to the text writer after the same headers without it', () => {
    const records = [
      kafkaRecord({ offset: 0, headers: [{ a: 'x' }] }),
      kafkaRecord({ offset: 1, headers: [{ a: 'x' }, { a: 'y' }] }),
      kafkaRecord({ offset: 2, headers: [{ a: 'x' }] }),
    ];
    const [table] = tablesOf(config(), records);
    const rows = JSON.parse(serializeBody(table as TableBatch, config()).toString('utf8'));
    expect(rows.map((row: { h: unknown }) => row.h)).toEqual([{ a: 'x' }, { a: 'y' }, { a: 'x' }]);
  });
});

describe('the spliced body: rows as spans of it', () => {
  const config = () => spliceConfig();
  const records = () =>
    [0, 1, 2].map((offset) => kafkaRecord({ offset, value: { n: offset }, key: `k${offset}` }));

  it('gives each row its text, for matching the rows StarRocks rejected', () => {
    const [table] = tablesOf(config(), records());
    expect((table as TableBatch).rows.map((row) => rowText(row))).toEqual(
      [0, 1, 2].map((n) => `{"n":${n},"o":${n},"k":"k${n}","t":"test"}`),
    );
    const rejected = [{ reason: 'too long', row: '{"k":"k1","n":1,"o":1,"t":"test"}' }];
    expect(matchRejectedRows(table as TableBatch, rejected, 'json')).toEqual(new Map([[1, rejected[0]]]));
  });

  it('names the record of a spliced row that is not JSON when StarRocks refused the body', () => {
    const [table] = tablesOf(config(), [
      kafkaRecord({ offset: 0, value: { n: 0 } }),
      kafkaRecord({ offset: 1, value: '{"n":tru}' }),
    ]);
    expect((table as TableBatch).rows[1]).toBeInstanceOf(BodyRow);
    expect(() => findInvalidRow(table as TableBatch, config())).toThrow(/record test-0@1/);
  });
});
