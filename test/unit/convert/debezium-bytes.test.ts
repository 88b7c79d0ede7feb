import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { rowText } from '../../../lib/batch/serialize.ts';
import { buildTableBatches } from '../../../lib/batch/table-batches.ts';
import { parseSinkConfig, type SinkConfig } from '../../../lib/config/sink-config.ts';
import type { ConnectSchema } from '../../../lib/convert/connect-schema.ts';
import { changeRowText, changeRowTransforms } from '../../../lib/convert/debezium-bytes.ts';
import { parseJsonExact } from '../../../lib/convert/exact-json.ts';
import { convertValue } from '../../../lib/convert/json-converter.ts';
import { decodeEvent } from '../../../lib/decode/event.ts';
import { scanMembers } from '../../../lib/decode/json-scanner.ts';
import { RecordError } from '../../../lib/errors.ts';
import { seedDebeziumSettings } from '../../../lib/local/seed.ts';
import { kafkaRecord, mskEvent, seedConfig } from '../../fixtures/events.ts';
import { applyTransforms } from '../../support/transforms.ts';

/**
 * The Debezium fast path (lib/convert/debezium-bytes.ts) must write the row the general path (parse, convert,
 * transform, stringify) writes, or step aside. Every case runs both and compares them exactly
 * (numbers by their digits, keys in any order).
 */

const TOPIC = 'test.public.customers';
const SEED = seedDebeziumSettings(TOPIC, 'customers');
const { 'transforms.addfield.type': _addfield, ...UNWRAP_ONLY } = SEED;
const CHAINS: Record<string, Record<string, string>> = {
  'addfield + unwrap (rewrite), the seed': SEED,
  'unwrap (rewrite)': { ...UNWRAP_ONLY, transforms: 'unwrap' },
  'unwrap (drop)': {
    ...UNWRAP_ONLY,
    transforms: 'unwrap',
    'transforms.unwrap.delete.handling.mode': 'drop',
  },
};
const configOf = (settings: Record<string, string>) => parseSinkConfig(seedConfig(settings));

const field = (type: string, name: string, extra: object = {}) => ({
  type,
  optional: true,
  field: name,
  ...extra,
});
const IMAGE_FIELDS = [
  { type: 'int64', optional: false, field: 'id' },
  field('string', 'name'),
  field('float64', 'score'),
  field('boolean', 'active'),
  field('int32', 'born', { name: 'io.debezium.time.Date', version: 1 }),
  field('bytes', 'balance', {
    name: 'org.apache.kafka.connect.data.Decimal',
    parameters: { scale: '2', 'connect.decimal.precision': '10' },
  }),
  field('string', 'updated_at', { name: 'io.debezium.time.ZonedTimestamp' }),
  field('int64', 'seen_us', { name: 'io.debezium.time.MicroTimestamp' }),
  field('int64', 'seen_ns', { name: 'io.debezium.time.NanoTimestamp' }),
];

function envelopeSchema(fields: object[] = IMAGE_FIELDS): ConnectSchema {
  const image = (name: string) => ({
    type: 'struct',
    optional: true,
    name: `${TOPIC}.Value`,
    field: name,
    fields,
  });
  return {
    type: 'struct',
    optional: false,
    name: `${TOPIC}.Envelope`,
    fields: [
      image('before'),
      image('after'),
      { type: 'string', optional: false, field: 'op' },
      { type: 'int64', optional: true, field: 'ts_ms' },
    ],
  } as ConnectSchema;
}

const ROW =
  '{"id":9007199254740993,"name":"Zoë \\"q\\" \\\\ \\n 北京","score":1.50,"active":true,"born":19000,"balance":"MDk=","updated_at":"2024-05-01T12:34:56.123456Z","seen_us":1717000000123456,"seen_ns":1717000000123456789}';

/** A change event's value text: the kept image text is given as written. */
function changeEvent(op: string, image: string | null, schema: ConnectSchema = envelopeSchema()): string {
  const before = op === 'd' ? image : 'null';
  const after = op === 'd' ? 'null' : image;
  return `{"schema":${JSON.stringify(schema)},"payload":{"before":${before},"after":${after},"op":"${op}","ts_ms":1717000000000}}`;
}

/** The row text the sink writes for one record (the fast path where it applies). */
function sinkRow(config: SinkConfig, value: string): string | undefined {
  const summary = buildTableBatches(decodeEvent(mskEvent([kafkaRecord({ topic: TOPIC, value })])), config);
  const row = summary.tables[0]?.rows[0];
  return row === undefined ? undefined : rowText(row);
}

/** The row text of the general path: convert the whole object, transform, stringify. */
function generalRow(config: SinkConfig, value: string): string | undefined {
  const record = decodeEvent(mskEvent([kafkaRecord({ topic: TOPIC, value })]))[0];
  if (record === undefined) throw new Error('no record');
  const converted = convertValue(record, config.valueConverter, { needObject: true, unwrap: true });
  if (converted?.kind !== 'object') throw new Error(`unexpected ${converted?.kind}`);
  const outcome = applyTransforms(record, converted.value, config.transforms, converted.schemaName);
  return outcome.kind === 'row' ? JSON.stringify(outcome.value) : undefined;
}

/** Whether the fast path itself writes the row (rather than stepping aside). */
function fastPathTakes(config: SinkConfig, value: string): boolean {
  const bytes = Buffer.from(value);
  const envelope = scanMembers(bytes, 0, bytes.length);
  const payload = envelope?.get('payload');
  const members = payload && scanMembers(bytes, payload.start, payload.end);
  const chain = changeRowTransforms(config.transforms);
  if (members === undefined || chain === undefined) return false;
  const schema = JSON.parse(value).schema as ConnectSchema;
  return changeRowText(bytes, members, schema, chain, true) !== undefined;
}

/** Exact comparison: numbers keep their digits, keys are sorted. */
function canonical(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const sort = (v: unknown): unknown =>
    v !== null && typeof v === 'object' && !Array.isArray(v) && !('rawJSON' in v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
        )
      : v;
  return JSON.stringify(sort(parseJsonExact(text)));
}

describe('the Debezium fast path writes what the general path writes', () => {
  const spaced = ROW.replaceAll(',"', ' ,\n "')
    .replaceAll('":', '" : ')
    .replace('{', '{ ')
    .replace(/}$/, ' }');
  const cases: [string, string, string][] = [
    ['an insert', 'c', ROW],
    ['an update', 'u', ROW],
    ['a snapshot read', 'r', ROW],
    ['a delete', 'd', ROW],
    ['an image with spaces and newlines', 'u', spaced],
    [
      'nulls everywhere but the key',
      'c',
      '{"id":1,"name":null,"score":null,"active":null,"born":null,"balance":null,"updated_at":null,"seen_us":null,"seen_ns":null}',
    ],
    [
      'PostgreSQL infinity as a micro timestamp',
      'c',
      ROW.replace('1717000000123456,', '9223372036825200000,'),
    ],
    ['a decimal written as a number', 'c', ROW.replace('"MDk="', '123.450')],
  ];
  for (const [chain, settings] of Object.entries(CHAINS)) {
    const config = configOf(settings);
    it.each(cases)(`%s (${chain})`, (_name, op, image) => {
      const value = changeEvent(op, image);
      const general = generalRow(config, value);
      expect(canonical(sinkRow(config, value))).toBe(canonical(general));
      // Deletes dropped by delete.handling.mode=drop are left to the general path (a skip).
      expect(fastPathTakes(config, value)).toBe(!(op === 'd' && chain === 'unwrap (drop)'));
    });
  }

  it('matches on the real Debezium 3.6.1 records of the seed walk-through', () => {
    const config = configOf(SEED);
    for (const name of ['snapshot-read', 'insert', 'update', 'delete']) {
      const fixture = JSON.parse(
        readFileSync(new URL(`../../fixtures/debezium/${name}.json`, import.meta.url), 'utf8'),
      ) as { value: string; topic: string };
      const value = fixture.value;
      const realConfig = configOf(seedDebeziumSettings(fixture.topic, 'customers'));
      const record = kafkaRecord({ topic: fixture.topic, value });
      const fast = buildTableBatches(decodeEvent(mskEvent([record])), realConfig).tables[0]?.rows[0];
      const decoded = decodeEvent(mskEvent([record]))[0];
      if (decoded === undefined || fast === undefined) throw new Error(name);
      const converted = convertValue(decoded, realConfig.valueConverter, { needObject: true, unwrap: true });
      if (converted?.kind !== 'object') throw new Error(name);
      const outcome = applyTransforms(decoded, converted.value, realConfig.transforms, converted.schemaName);
      expect(outcome.kind).toBe('row');
      if (outcome.kind === 'row')
        expect(canonical(rowText(fast))).toBe(canonical(JSON.stringify(outcome.value)));
      expect(fastPathTakes(config, value.replaceAll(fixture.topic, TOPIC))).toBe(true);
    }
  });
});

describe('the Debezium fast path steps aside', () => {
  const config = configOf(SEED);
  it.each([
    ['a member the schema does not have', 'c', ROW.replace('{', '{"extra":1,')],
    ['a schema field the image lacks', 'c', ROW.replace('"active":true,', '')],
    ['a member written twice', 'c', ROW.replace('{', '{"active":false,')],
    ['an escaped member name', 'c', ROW.replace('"active"', '"act\\u0069ve"')],
    ['a logical value that does not convert', 'c', ROW.replace('"born":19000', '"born":"soon"')],
  ])('for %s, and the general path decides', (_name, op, image) => {
    const value = changeEvent(op, image);
    expect(fastPathTakes(config, value)).toBe(false);
    let general: string | undefined | Error;
    try {
      general = canonical(generalRow(config, value));
    } catch (error) {
      general = error as Error;
    }
    if (general instanceof Error) expect(() => sinkRow(config, value)).toThrow(general.message);
    else expect(canonical(sinkRow(config, value))).toBe(general);
  });

  it('for a TOAST placeholder, so the batch fails naming the column', () => {
    const value = changeEvent(
      'u',
      ROW.replace('"name":"Zoë \\"q\\" \\\\ \\n 北京"', '"name":"__debezium_unavailable_value"'),
    );
    expect(fastPathTakes(config, value)).toBe(false);
    expect(() => sinkRow(config, value)).toThrow(RecordError);
    expect(() => sinkRow(config, value)).toThrow('"name"');
  });

  it('for a schema default with replace.null.with.default, nested structs and other chains', () => {
    const withDefault = envelopeSchema([
      ...IMAGE_FIELDS.slice(0, -1),
      field('int64', 'seen_ns', { default: 7 }),
    ]);
    expect(fastPathTakes(config, changeEvent('c', ROW, withDefault))).toBe(false);
    const nested = envelopeSchema([
      ...IMAGE_FIELDS,
      { type: 'struct', optional: true, field: 'geo', fields: [] },
    ]);
    expect(fastPathTakes(config, changeEvent('c', ROW.replace('{', '{"geo":{},'), nested))).toBe(false);
    expect(
      changeRowTransforms(configOf({ ...SEED, transforms: 'unwrap,addfield' }).transforms),
    ).toBeUndefined();
    const {
      'transforms.unwrap.type': _u,
      'transforms.unwrap.drop.tombstones': _d,
      'transforms.unwrap.delete.handling.mode': _m,
      ...addOnly
    } = SEED;
    expect(changeRowTransforms(configOf({ ...addOnly, transforms: 'addfield' }).transforms)).toBeUndefined();
  });
});

describe('an update whose after is an array', () => {
  it.each([
    ['with schemas', SEED],
    ['without schemas', { ...SEED, 'value.converter.schemas.enable': 'false' }],
  ])('fails %s saying what is wrong, not REPLICA IDENTITY', (_case, settings) => {
    const config = configOf(settings);
    const envelope = changeEvent('u', '[1,2]');
    const value = settings === SEED ? envelope : JSON.stringify(JSON.parse(envelope).payload);
    expect(() => sinkRow(config, value)).toThrow(/"after".* (is|should be) a(n array| struct)/);
    expect(() => sinkRow(config, value)).not.toThrow('REPLICA IDENTITY');
  });
});

describe('a required column that is null in the kept image', () => {
  const config = configOf(SEED);
  it.each([
    ['an insert', 'c', 'after'],
    ['a delete', 'd', 'before'],
  ])(
    'fails %s naming the column, as the general path does, and the fast path steps aside',
    (_n, op, image) => {
      const value = changeEvent(op, ROW.replace('"id":9007199254740993', '"id":null'));
      expect(fastPathTakes(config, value)).toBe(false);
      expect(() => sinkRow(config, value)).toThrow(
        `field "${image}.id" is null, but its schema is not optional`,
      );
    },
  );

  it('sets the record aside with errors.tolerance (dead letter) instead of failing the batch', () => {
    const bad = kafkaRecord({
      topic: TOPIC,
      offset: 1,
      value: changeEvent('c', ROW.replace('"id":9007199254740993', '"id":null')),
    });
    const fine = kafkaRecord({ topic: TOPIC, offset: 2, value: changeEvent('c', ROW) });
    const setAside: string[] = [];
    const summary = buildTableBatches(decodeEvent(mskEvent([bad, fine])), config, (record, error) =>
      setAside.push(`${record.offset}: ${error.message}`),
    );
    expect(summary.tables[0]?.rows).toHaveLength(1);
    expect(setAside).toEqual([expect.stringContaining('field "after.id" is null')]);
  });
});
