// biome-ignore-all lint/suspicious/noTemplateCurlyInString: RegexRouter and TimestampRouter write ${…} in their options
import { describe, expect, it } from 'vitest';
import type { ConnectSchema } from '../../../../lib/convert/connect-schema.ts';
import { type ConnectRecord, TransformSkip } from '../../../../lib/convert/transforms/connect-record.ts';
import { ConfigError, ErrorCode, RecordError } from '../../../../lib/errors.ts';
import { chainOf, connectRecord, oneTransform, textHeaders } from '../../../support/kafka-routing.ts';

const ORDER_SCHEMA: ConnectSchema = {
  type: 'struct',
  name: 'shop.Order',
  version: 2,
  optional: true,
  parameters: { owner: 'shop' },
  fields: [
    { field: 'id', type: 'int64', optional: false },
    { field: 'region', type: 'string', optional: true, default: 'eu' },
    { field: 'amount', type: 'float64', optional: true },
  ],
};

const ORDER = { id: 1, region: null, amount: 9.5 };

/** The record a chain returned (fails the test on a skip). */
function kept(outcome: ConnectRecord | TransformSkip): ConnectRecord {
  if (outcome instanceof TransformSkip) throw new Error(`skipped: ${outcome.reason}`);
  return outcome;
}

function recordErrorOf(run: () => unknown): RecordError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(RecordError);
    return error as RecordError;
  }
  throw new Error('expected a RecordError');
}

describe('Filter', () => {
  it.each([
    ['a schemaless record', connectRecord()],
    ['a record with a schema', connectRecord({ valueSchema: ORDER_SCHEMA, value: ORDER })],
    ['a tombstone', connectRecord({ value: null })],
  ])('drops %s when it has no predicate, as Kafka Connect does', (_what, record) => {
    expect(chainOf(oneTransform('Filter'))(record)).toEqual(new TransformSkip('filtered'));
  });

  it.each([
    ['drops', 'false', 'orders.v1', true],
    ['keeps', 'false', 'payments.v1', false],
    ['keeps (negated)', 'true', 'orders.v1', false],
    ['drops (negated)', 'true', 'payments.v1', true],
  ])('%s a record of topic %s behind TopicNameMatches (negate=%s)', (_what, negate, topic, dropped) => {
    const chain = chainOf({
      ...oneTransform('Filter', { predicate: 'isOrders', negate }),
      predicates: 'isOrders',
      'predicates.isOrders.type': 'org.apache.kafka.connect.transforms.predicates.TopicNameMatches',
      'predicates.isOrders.pattern': 'orders\\..*',
    });
    const outcome = chain(connectRecord({ topic }));
    expect(outcome instanceof TransformSkip).toBe(dropped);
  });
});

describe('RegexRouter', () => {
  it.each([
    ['strips a Debezium server.schema. prefix', '[^.]+\\.[^.]+\\.(.*)', '$1', 'srv.public.orders', 'orders'],
    ['leaves a topic the regex does not match whole', '[^.]+\\.[^.]+\\.(.*)', '$1', 'orders', 'orders'],
    ['fills named groups', '(?<db>[^.]+)\\.(?<table>.+)', '${table}_${db}', 'shop.orders', 'orders_shop'],
    ['keeps text around the group', '(.*)\\.v1', 'stage_$1_v1', 'orders.v1', 'stage_orders_v1'],
    ['writes an escaped dollar and backslash as themselves', '(.*)', '\\$1\\\\$1', 'x', '$1\\x'],
    ['reads $10 as group 1 then 0 when there is no group 10', '(a)', '$10', 'a', 'a0'],
    ['reads $10 as group 10 when there is one', '(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)', '$10', 'abcdefghij', 'j'],
    ['writes nothing for a group that took no part', '(a)(b)?c?', '[$2]', 'ac', '[]'],
    [
      'replaces only the first match, which may be shorter than the topic (Java replaceFirst)',
      'a|ab',
      'X',
      'ab',
      'Xb',
    ],
    [
      'routes to the whole replacement when the match is the whole topic',
      'orders',
      'sales',
      'orders',
      'sales',
    ],
  ])('%s', (_what, regex, replacement, topic, routed) => {
    const chain = chainOf(oneTransform('RegexRouter', { regex, replacement }));
    expect(kept(chain(connectRecord({ topic }))).topic).toBe(routed);
  });

  it('changes only the topic of a record with a schema', () => {
    const chain = chainOf(oneTransform('RegexRouter', { regex: 'orders\\.(.*)', replacement: 'o_$1' }));
    const record = connectRecord({
      valueSchema: ORDER_SCHEMA,
      value: ORDER,
      headers: textHeaders(['h', '1']),
    });

    const routed = kept(chain(record));

    expect(routed).toEqual({ ...record, topic: 'o_v1' });
  });
});

describe('TimestampRouter', () => {
  it.each([
    ['uses ${topic}-${timestamp} and yyyyMMdd by default', {}, 'orders.v1-20240305'],
    [
      'fills topic.format with the timestamp in timestamp.format (UTC)',
      { 'topic.format': 'daily_${timestamp}_${topic}', 'timestamp.format': 'yyyy_MM_dd_HH' },
      'daily_2024_03_05_06_orders.v1',
    ],
    [
      'writes quoted text of the date pattern as it is',
      { 'timestamp.format': "yyyy'w'MMddHHmmssSSS" },
      'orders.v1-2024w0305060708009',
    ],
    ['replaces every ${topic}', { 'topic.format': '${topic}_${topic}' }, 'orders.v1_orders.v1'],
  ])('%s', (_what, options, routed) => {
    const chain = chainOf(oneTransform('TimestampRouter', options));
    expect(kept(chain(connectRecord())).topic).toBe(routed);
    expect(kept(chain(connectRecord({ valueSchema: ORDER_SCHEMA, value: ORDER }))).topic).toBe(routed);
  });

  it('fails a record without a timestamp, naming the transform and the record', () => {
    const chain = chainOf(oneTransform('TimestampRouter'));

    const error = recordErrorOf(() =>
      chain(connectRecord({ timestamp: null, timestampType: 'NoTimestampType' })),
    );

    expect(error.code).toBe(ErrorCode.TRANSFORM_FAILED);
    expect(error.message).toMatch(/transform "t".*no timestamp/);
    expect(error.message).toContain('orders.v1');
  });

  it('refuses a timestamp.format Java refuses at cold start, naming the key', () => {
    expect(() => chainOf(oneTransform('TimestampRouter', { 'timestamp.format': 'yyyy-qq' }))).toThrow(
      ConfigError,
    );
    expect(() => chainOf(oneTransform('TimestampRouter', { 'timestamp.format': 'yyyy-qq' }))).toThrow(
      /transforms\.t\.timestamp\.format: "yyyy-qq"/,
    );
  });
});

describe('DropHeaders', () => {
  it.each([
    ['a schemaless record', connectRecord()],
    ['a record with a schema', connectRecord({ valueSchema: ORDER_SCHEMA, value: ORDER })],
  ])('removes every header of the listed names from %s and keeps the rest in order', (_what, record) => {
    const chain = chainOf(oneTransform('DropHeaders', { headers: 'trace, tenant' }));
    const headers = textHeaders(
      ['trace', 'a'],
      ['keep', '1'],
      ['tenant', 'b'],
      ['trace', 'c'],
      ['other', '2'],
    );

    const dropped = kept(chain({ ...record, headers }));

    expect(dropped).toEqual({ ...record, headers: textHeaders(['keep', '1'], ['other', '2']) });
  });

  it('leaves a record without those headers as it was', () => {
    const record = connectRecord({ headers: textHeaders(['keep', '1']) });
    expect(kept(chainOf(oneTransform('DropHeaders', { headers: 'trace' }))(record))).toEqual(record);
  });
});

describe('InsertHeader', () => {
  it.each([
    ['a schemaless record', connectRecord()],
    ['a record with a schema', connectRecord({ valueSchema: ORDER_SCHEMA, value: ORDER })],
  ])('adds the header after the existing ones on %s', (_what, record) => {
    const chain = chainOf(oneTransform('InsertHeader', { header: 'source', 'value.literal': 'lambda sink' }));

    const inserted = kept(chain({ ...record, headers: textHeaders(['source', 'kafka']) }));

    expect(inserted.headers).toEqual([
      ...textHeaders(['source', 'kafka']),
      { key: 'source', schema: { type: 'string', optional: false }, value: 'lambda sink' },
    ]);
    expect(inserted.value).toBe(record.value);
  });

  it('types the literal as Connect does (an int8 for 42)', () => {
    const chain = chainOf(oneTransform('InsertHeader', { header: 'version', 'value.literal': ' 42 ' }));
    expect(kept(chain(connectRecord())).headers).toEqual([
      { key: 'version', schema: { type: 'int8', optional: false }, value: 42 },
    ]);
  });
});

describe('HeaderFrom with a schema', () => {
  const valueRecord = connectRecord({
    valueSchema: ORDER_SCHEMA,
    value: ORDER,
    headers: textHeaders(['h', '1']),
  });
  const regionHeader = (value: unknown) => ({ key: 'r', schema: ORDER_SCHEMA.fields?.[1], value });
  const amountHeader = { key: 'a', schema: ORDER_SCHEMA.fields?.[2], value: 9.5 };

  it.each([
    [
      'copies the fields into headers, the default for a null field, and keeps the value and schema',
      { operation: 'copy' },
      ORDER_SCHEMA,
      ORDER,
      [regionHeader('eu'), amountHeader],
    ],
    [
      'copies a null field as null when replace.null.with.default=false',
      { operation: 'copy', 'replace.null.with.default': 'false' },
      ORDER_SCHEMA,
      ORDER,
      [regionHeader(null), amountHeader],
    ],
    [
      'moves the fields out of the value and its schema (a required struct keeping name, version, parameters)',
      { operation: 'move' },
      {
        type: 'struct',
        optional: false,
        name: 'shop.Order',
        version: 2,
        parameters: { owner: 'shop' },
        fields: [ORDER_SCHEMA.fields?.[0]],
      },
      { id: 1 },
      [regionHeader('eu'), amountHeader],
    ],
  ])('%s', (_what, options, schema, value, added) => {
    const chain = chainOf(
      oneTransform('HeaderFrom$Value', { fields: 'region,amount', headers: 'r,a', ...options }),
    );

    const result = kept(chain(valueRecord));

    expect(result.valueSchema).toEqual(schema);
    expect(result.value).toEqual(value);
    expect(result.headers).toEqual([...valueRecord.headers, ...added]);
  });

  it('writes the default into the moved value for a null field that stays (Struct.get)', () => {
    const chain = chainOf(
      oneTransform('HeaderFrom$Value', { fields: 'amount', headers: 'a', operation: 'move' }),
    );
    expect(kept(chain(valueRecord)).value).toEqual({ id: 1, region: 'eu' });
  });

  it('builds the moved schema once per input schema', () => {
    const chain = chainOf(
      oneTransform('HeaderFrom$Value', { fields: 'amount', headers: 'a', operation: 'move' }),
    );
    expect(kept(chain(valueRecord)).valueSchema).toBe(kept(chain(valueRecord)).valueSchema);
  });

  it('moves a key field out of the key and leaves the value alone', () => {
    const chain = chainOf(
      oneTransform('HeaderFrom$Key', { fields: 'id', headers: 'key_id', operation: 'move' }),
    );
    const keySchema: ConnectSchema = {
      type: 'struct',
      fields: [{ field: 'id', type: 'int32', optional: false }],
    };
    const record = connectRecord({ keySchema, key: { id: 5 } });

    const result = kept(chain(record));

    expect(result.keySchema).toEqual({ type: 'struct', optional: false, fields: [] });
    expect(result.key).toEqual({});
    expect(result.value).toBe(record.value);
    expect(result.headers).toEqual([{ key: 'key_id', schema: keySchema.fields?.[0], value: 5 }]);
  });

  it.each([
    ['a null value', ORDER_SCHEMA, null, /needs a struct value; found null/],
    [
      'a value that is not a struct',
      { type: 'string' },
      'text',
      /needs a struct value; found a string with a string schema/,
    ],
    [
      'a field the schema lacks',
      ORDER_SCHEMA,
      ORDER,
      /field "nope" is not in the value's schema \(its fields: id, region, amount\)/,
    ],
  ])('fails on %s', (_what, valueSchema, value, message) => {
    const chain = chainOf(
      oneTransform('HeaderFrom$Value', { fields: 'nope', headers: 'n', operation: 'copy' }),
    );

    const error = recordErrorOf(() => chain(connectRecord({ valueSchema, value })));

    expect(error.code).toBe(ErrorCode.TRANSFORM_FAILED);
    expect(error.message).toMatch(message);
  });
});

describe('HeaderFrom without a schema', () => {
  const record = connectRecord({ value: { id: 1, region: 'eu', tags: ['a'] } });

  it.each([
    ['copies the fields into headers and keeps the value', 'copy', { id: 1, region: 'eu', tags: ['a'] }],
    ['moves the fields out of the value', 'move', { id: 1 }],
  ])('%s', (_what, operation, value) => {
    const chain = chainOf(
      oneTransform('HeaderFrom$Value', { fields: 'region,tags,missing', headers: 'r,t,m', operation }),
    );

    const result = kept(chain(record));

    expect(result.value).toEqual(value);
    expect(result.valueSchema).toBeNull();
    expect(result.headers).toEqual([
      { key: 'r', schema: null, value: 'eu' },
      { key: 't', schema: null, value: ['a'] },
      { key: 'm', schema: null, value: null },
    ]);
    expect(record.value).toEqual({ id: 1, region: 'eu', tags: ['a'] });
  });

  it.each([
    ['a tombstone', null, /needs a map value when it has no schema; found null/],
    ['an array', [1], /found an array/],
    ['a string', 'text', /found a string/],
  ])('fails on %s', (_what, value, message) => {
    const chain = chainOf(
      oneTransform('HeaderFrom$Value', { fields: 'id', headers: 'i', operation: 'copy' }),
    );
    expect(recordErrorOf(() => chain(connectRecord({ value }))).message).toMatch(message);
  });
});
