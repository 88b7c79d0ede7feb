import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { buildTableBatches } from '../../../lib/batch/table-batches.ts';
import type { RegistryConverterConfig } from '../../../lib/config/converters.ts';
import { CONVERTER_CLASSES } from '../../../lib/config/keys.ts';
import { parseSinkConfig } from '../../../lib/config/sink-config.ts';
import type { TransformConfig } from '../../../lib/config/transforms.ts';
import { type AvroValueReader, compileAvroReader } from '../../../lib/convert/avro.ts';
import { JsonOutput } from '../../../lib/convert/avro-json-output.ts';
import { type ChangeRowTransforms, changeRowTransforms } from '../../../lib/convert/debezium-bytes.ts';
import { convertRegistryValue, RegistryValues } from '../../../lib/convert/registry-values.ts';
import { TOAST_PLACEHOLDER } from '../../../lib/convert/transforms/debezium.ts';
import { decodeKafkaEvent, decodeRecord, type KafkaRecord } from '../../../lib/decode/event.ts';
import { seedDebeziumSettings } from '../../../lib/local/seed.ts';
import {
  encoderOf,
  framed,
  registrySchema,
  VARIABLE_SCALE_DECIMAL,
} from '../../fixtures/avro/avro-values.ts';
import { kafkaRecord as eventRecord, mskEvent, seedConfig } from '../../fixtures/events.ts';
import { recordWithValue } from '../../support/records.ts';
import { type ScriptedRegistry, startScriptedRegistry } from '../../support/scripted-registry.ts';
import { applyTransforms } from '../../support/transforms.ts';

/**
 * The Debezium Avro fast path (avro-change-rows.ts) writes the row the general path gives (the
 * reader's objects, applyTransforms, JSON.stringify) for every change event it takes, and declines
 * every event the general path skips or refuses, so rows and errors stay the general path's.
 */

const TOPIC = 'srv.public.typed';

/** The transform chains the fast path writes, as the config parser gives them. */
function transformsOf(deleteHandlingMode: 'rewrite' | 'drop', addOp: boolean): readonly TransformConfig[] {
  const settings = seedDebeziumSettings(TOPIC, 'typed');
  if (!addOp) settings.transforms = 'unwrap';
  settings['transforms.unwrap.delete.handling.mode'] = deleteHandlingMode;
  if (!addOp) delete settings['transforms.addfield.type'];
  return parseSinkConfig(seedConfig(settings)).transforms;
}

const CHAINS = [
  ['addfield + unwrap (rewrite)', transformsOf('rewrite', true)],
  ['addfield + unwrap (drop)', transformsOf('drop', true)],
  ['unwrap (rewrite)', transformsOf('rewrite', false)],
  ['unwrap (drop)', transformsOf('drop', false)],
] as const;
const SEED_CHAIN = CHAINS[0][1];

function connectType(type: string, name: string, extra: Record<string, unknown> = {}) {
  return { type, 'connect.version': 1, 'connect.name': name, ...extra };
}
const optional = (type: unknown) => ({ type: ['null', type], default: null });

/** A value record of every Debezium logical type (and Connect's and Avro's own), as AvroData writes them. */
const VALUE_SCHEMA = {
  type: 'record',
  name: 'Value',
  namespace: TOPIC,
  'connect.name': `${TOPIC}.Value`,
  fields: [
    { name: 'id', type: 'long' },
    { name: 'small', type: { type: 'int', 'connect.type': 'int16' } },
    { name: 'name', ...optional('string') },
    { name: 'flag', ...optional('boolean') },
    { name: 'ratio', ...optional('float') },
    { name: 'score', ...optional('double') },
    { name: 'blob', ...optional('bytes') },
    {
      name: 'amount',
      ...optional(
        connectType('bytes', 'org.apache.kafka.connect.data.Decimal', {
          scale: 2,
          precision: 10,
          'connect.parameters': { scale: '2', 'connect.decimal.precision': '10' },
          logicalType: 'decimal',
        }),
      ),
    },
    {
      name: 'price',
      ...optional(VARIABLE_SCALE_DECIMAL),
    },
    { name: 'day', ...optional(connectType('int', 'io.debezium.time.Date')) },
    { name: 't_ms', ...optional(connectType('int', 'io.debezium.time.Time')) },
    { name: 't_us', ...optional(connectType('long', 'io.debezium.time.MicroTime')) },
    { name: 't_ns', ...optional(connectType('long', 'io.debezium.time.NanoTime')) },
    { name: 'ts_ms', ...optional(connectType('long', 'io.debezium.time.Timestamp')) },
    { name: 'ts_us', ...optional(connectType('long', 'io.debezium.time.MicroTimestamp')) },
    { name: 'ts_ns', ...optional(connectType('long', 'io.debezium.time.NanoTimestamp')) },
    { name: 'zts', ...optional(connectType('string', 'io.debezium.time.ZonedTimestamp')) },
    { name: 'its', ...optional(connectType('string', 'io.debezium.time.IsoTimestamp')) },
    { name: 'zt', ...optional(connectType('string', 'io.debezium.time.ZonedTime')) },
    { name: 'it', ...optional(connectType('string', 'io.debezium.time.IsoTime')) },
    { name: 'id8', ...optional(connectType('string', 'io.debezium.time.IsoDate')) },
    { name: 'doc', ...optional(connectType('string', 'io.debezium.data.Json')) },
    { name: 'uid', ...optional(connectType('string', 'io.debezium.data.Uuid')) },
    {
      name: 'mood',
      ...optional(
        connectType('string', 'io.debezium.data.Enum', { 'connect.parameters': { allowed: 'ok,sad' } }),
      ),
    },
    { name: 'c_date', ...optional(connectType('int', 'org.apache.kafka.connect.data.Date')) },
    { name: 'c_time', ...optional(connectType('int', 'org.apache.kafka.connect.data.Time')) },
    { name: 'c_ts', ...optional(connectType('long', 'org.apache.kafka.connect.data.Timestamp')) },
    { name: 'a_date', ...optional({ type: 'int', logicalType: 'date' }) },
    { name: 'a_ts', ...optional({ type: 'long', logicalType: 'timestamp-micros' }) },
    { name: 'tags', ...optional({ type: 'array', items: ['null', 'string'] }) },
    { name: 'defaulted', type: ['string', 'null'], default: 'none' },
  ],
};

const SOURCE_SCHEMA = {
  type: 'record',
  name: 'Source',
  namespace: 'io.debezium.connector.postgresql',
  'connect.name': 'io.debezium.connector.postgresql.Source',
  fields: [
    { name: 'version', type: 'string' },
    { name: 'ts_ms', type: 'long' },
    {
      name: 'snapshot',
      type: [
        connectType('string', 'io.debezium.data.Enum', { 'connect.parameters': { allowed: 'true,false' } }),
        'null',
      ],
      default: 'false',
    },
    { name: 'ts_ns', ...optional('long') },
    // A logical value in a skipped part: the general path renders it, so a bad one fails there.
    { name: 'committed', ...optional(connectType('string', 'io.debezium.time.ZonedTimestamp')) },
    { name: 'lsn', ...optional('long') },
  ],
};

function envelopeSchema(fields: readonly object[] = envelopeFields(), name = 'Envelope'): object {
  return { type: 'record', name, namespace: TOPIC, 'connect.name': `${TOPIC}.${name}`, fields };
}

function envelopeFields(): object[] {
  return [
    { name: 'before', type: ['null', VALUE_SCHEMA], default: null },
    { name: 'after', type: ['null', 'Value'], default: null },
    { name: 'source', type: SOURCE_SCHEMA },
    {
      name: 'transaction',
      ...optional({
        type: 'record',
        name: 'block',
        namespace: 'event',
        fields: [
          { name: 'id', type: 'string' },
          { name: 'total_order', type: 'long' },
        ],
      }),
    },
    { name: 'op', type: 'string' },
    { name: 'ts_ms', ...optional('long') },
  ];
}

/** A small deterministic generator, so a failing case can be replayed by its seed. */
function randomOf(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  return { next, pick, int: (n: number) => Math.floor(next() * n) };
}
type Random = ReturnType<typeof randomOf>;

const TEXTS = ['a', 'Zoë', 'line\nbreak', 'quote " and \\', '北京 😀', '', 'tab\there', '\u0000\u001f'];

/** Most values render; `bad` sometimes gives a value the general path refuses. */
function imageValue(random: Random, bad: boolean): Record<string, unknown> {
  const maybe = (name: string, value: () => unknown) => (random.next() < 0.2 ? null : { [name]: value() });
  const zoned = () =>
    bad && random.next() < 0.3
      ? 'not a timestamp'
      : random.pick(['2024-01-01T00:00:00Z', '2024-02-29T13:45:56.123456Z', '2024-05-01T10:00:00+02:00']);
  return {
    id: random.pick([1n, -7n, 2n ** 53n + 1n, -(2n ** 63n), 2n ** 63n - 1n]),
    small: random.int(65536) - 32768,
    name: maybe('string', () => random.pick(TEXTS) + random.pick(TEXTS)),
    flag: maybe('boolean', () => random.next() < 0.5),
    ratio: maybe('float', () => random.pick([0.1, -3.5, 1e-7, Number.NaN, Number.POSITIVE_INFINITY])),
    score: maybe('double', () => random.pick([0.1, 123456.78901234567, -0, Number.NEGATIVE_INFINITY])),
    blob: maybe('bytes', () => Buffer.from(random.pick(['', 'deadbeef', '00ff']), 'hex')),
    amount: maybe('bytes', () =>
      bad && random.next() < 0.3
        ? Buffer.alloc(0)
        : Buffer.from(random.pick(['3039', 'ff', '00ffffffffffffffff']), 'hex'),
    ),
    price: maybe('io.debezium.data.VariableScaleDecimal', () => ({
      scale: random.int(6),
      value: Buffer.from(random.pick(['01e2', '80', '7fffffffffffffffffff']), 'hex'),
    })),
    day: maybe('int', () => random.int(40000) - 20000),
    t_ms: maybe('int', () => random.int(86_400_000)),
    t_us: maybe('long', () => random.int(86_400_000) * 1000 + random.int(1000)),
    t_ns: maybe('long', () => BigInt(random.int(86_400_000)) * 1_000_000n + 999n),
    ts_ms: maybe('long', () => 1_704_067_200_123 + random.int(1e9)),
    ts_us: maybe('long', () => 1_704_067_200_123_456 + random.int(1e9)),
    ts_ns: maybe('long', () => 1_795_647_664_957_260_000n + BigInt(random.int(1e9))),
    zts: maybe('string', zoned),
    its: maybe('string', zoned),
    zt: maybe('string', () => random.pick(['11:45:56.123456Z', '00:00:00Z'])),
    it: maybe('string', () => random.pick(['11:45:56Z', '23:59:59.999Z'])),
    id8: maybe('string', () => random.pick(['2024-02-29Z', '1970-01-01Z'])),
    doc: maybe('string', () => random.pick(['{"b": 2, "a": [1, 2.50]}', '[]', '"x"'])),
    uid: maybe('string', () => 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
    mood: maybe('string', () => random.pick(['ok', 'sad'])),
    c_date: maybe('int', () => random.int(30000)),
    c_time: maybe('int', () => random.int(86_400_000)),
    c_ts: maybe('long', () => 1_704_067_200_123 + random.int(1e9)),
    a_date: maybe('int', () => random.int(30000)),
    a_ts: maybe('long', () => 1_704_067_200_123_456 + random.int(1e9)),
    tags: maybe('array', () => [null, { string: 'a' }, { string: random.pick(TEXTS) }].slice(random.int(3))),
    defaulted: random.next() < 0.5 ? null : { string: random.pick(TEXTS) },
  };
}

function sourceValue(random: Random, bad: boolean): Record<string, unknown> {
  return {
    version: '3.6.1.Final',
    ts_ms: 1_714_283_798_000 + random.int(1000),
    snapshot: random.next() < 0.5 ? null : { string: random.pick(['true', 'false']) },
    ts_ns: { long: 1_714_283_798_000_000_000n },
    committed:
      random.next() < 0.5
        ? null
        : { string: bad && random.next() < 0.3 ? 'yesterday' : '2024-01-01T00:00:00Z' },
    lsn: random.next() < 0.5 ? null : { long: 22910504 + random.int(1000) },
  };
}

const OPS = ['c', 'u', 'r', 'd'] as const;

/** An envelope in the encoder's form: the images an op usually has, sometimes not. */
function envelopeValue(random: Random, op: string, bad: boolean): Record<string, unknown> {
  const image = () => ({ [`${TOPIC}.Value`]: imageValue(random, bad) });
  // Mostly Debezium's shape; a missing kept image or an update's before image now and then.
  const before = op === 'd' ? (random.next() < 0.1 ? null : image()) : random.next() < 0.3 ? image() : null;
  const after = op === 'd' ? (random.next() < 0.2 ? image() : null) : random.next() < 0.1 ? null : image();
  return {
    before,
    after,
    source: sourceValue(random, bad),
    transaction: random.next() < 0.5 ? null : { 'event.block': { id: '756:22910504', total_order: 1n } },
    op,
    ts_ms: { long: 1_714_283_798_069 },
  };
}

/** An event of the generated shape with the images Debezium writes for `op`, then changed by `change`. */
function eventValue(op: string, change: (value: Record<string, unknown>) => void): Record<string, unknown> {
  const value = envelopeValue(randomOf(7), op === 'd' || op === 'u' || op === 'r' ? op : 'c', false);
  value.op = op;
  if (op === 'd') {
    value.before = { [`${TOPIC}.Value`]: imageValue(randomOf(8), false) };
    value.after = null;
  } else if (value.after === null) value.after = { [`${TOPIC}.Value`]: imageValue(randomOf(8), false) };
  change(value);
  return value;
}

function kafkaRecord(value: Buffer, offset: number, topic = TOPIC): KafkaRecord {
  return recordWithValue(value, { topic, partition: 0, offset });
}

type Outcome =
  | { kind: 'row'; text: string }
  | { kind: 'skip'; reason: string }
  | { kind: 'error'; message: string };

/** What the general path gives: the reader's objects through applyTransforms, then JSON.stringify. */
function generalOutcome(
  reader: AvroValueReader,
  record: KafkaRecord,
  transforms: readonly TransformConfig[],
): Outcome {
  try {
    const read = reader.read(record, record.value as Buffer, 5);
    const outcome = applyTransforms(
      record,
      read.value as Record<string, unknown>,
      transforms,
      read.schemaName,
    );
    return outcome.kind === 'row'
      ? { kind: 'row', text: JSON.stringify(outcome.value) }
      : { kind: 'skip', reason: outcome.reason };
  } catch (error) {
    return { kind: 'error', message: (error as Error).message };
  }
}

/** What the fast path writes into a body that already holds a row: the row's text, or undefined. */
function fastRow(
  reader: AvroValueReader,
  record: KafkaRecord,
  transforms: ChangeRowTransforms,
): string | undefined {
  const out = new JsonOutput(64);
  out.text('{"earlier":1}');
  const written = reader.appendChangeRow(record, record.value as Buffer, 5, out, transforms);
  const body = out.written().toString('utf8');
  if (!written) {
    // A declined event leaves the body as it was.
    expect(body).toBe('{"earlier":1}');
    return undefined;
  }
  expect(body.startsWith('{"earlier":1}')).toBe(true);
  return body.slice('{"earlier":1}'.length);
}

function encode(schema: object, value: unknown, id = 31): Buffer {
  return framed(id, encoderOf(schema).toBuffer(value));
}

function compiled(schema: object, id = 31): AvroValueReader {
  return compileAvroReader(registrySchema(id, schema));
}

describe('the Debezium Avro fast path', () => {
  const schema = envelopeSchema();
  const reader = compiled(schema);

  it.each(CHAINS)('writes the general path row of every generated change event (%s)', (_name, chain) => {
    const transforms = changeRowTransforms(chain) as ChangeRowTransforms;
    expect(transforms).toBeDefined();
    const counts = { rows: 0, declined: 0 };
    for (let seed = 1; seed <= 400; seed++) {
      const random = randomOf(seed);
      const op = OPS[seed % OPS.length] as string;
      const record = kafkaRecord(encode(schema, envelopeValue(random, op, seed % 5 === 0)), seed);
      const general = generalOutcome(reader, record, chain);
      const fast = fastRow(reader, record, transforms);
      if (general.kind === 'row') {
        expect({ seed, row: fast }).toEqual({ seed, row: general.text });
        counts.rows++;
      } else {
        expect({ seed, row: fast }).toEqual({ seed, row: undefined });
        counts.declined++;
      }
    }
    // The generator reaches both sides: rows, and events the general path skips or refuses.
    expect(counts.rows).toBeGreaterThan(150);
    expect(counts.declined).toBeGreaterThan(20);
  });

  const eventWith = (op: string, change: (value: Record<string, unknown>) => void, topic = TOPIC) =>
    kafkaRecord(encode(schema, eventValue(op, change)), 3, topic);
  const image = (value: Record<string, unknown>, which: 'before' | 'after') =>
    (value[which] as Record<string, Record<string, unknown>>)[`${TOPIC}.Value`] as Record<string, unknown>;

  it.each([
    ['a truncate', eventWith('t', () => {}), 'skip'],
    ['a message', eventWith('m', () => {}), 'skip'],
    ['an unknown op', eventWith('x', () => {}), 'error'],
    ['an op of two characters', eventWith('cu', () => {}), 'error'],
    ['a create without after', eventWith('c', (v) => (v.after = null)), 'error'],
    ['a delete without before', eventWith('d', (v) => (v.before = null)), 'error'],
    [
      'an update carrying the TOAST placeholder',
      eventWith('u', (v) => (image(v, 'after').name = { string: TOAST_PLACEHOLDER })),
      'error',
    ],
    [
      'an update carrying the TOAST placeholder as bytes',
      eventWith('u', (v) => (image(v, 'after').blob = { bytes: Buffer.from(TOAST_PLACEHOLDER) })),
      'error',
    ],
    [
      'a snapshot read carrying an array of TOAST placeholders',
      eventWith(
        'r',
        (v) =>
          (image(v, 'after').tags = {
            array: [{ string: TOAST_PLACEHOLDER }, { string: TOAST_PLACEHOLDER }],
          }),
      ),
      'error',
    ],
    [
      'an update whose before image does not render',
      eventWith(
        'u',
        (v) =>
          (v.before = { [`${TOPIC}.Value`]: { ...image(v, 'after'), amount: { bytes: Buffer.alloc(0) } } }),
      ),
      'error',
    ],
    [
      'an event whose source does not render',
      eventWith('c', (v) => ((v.source as Record<string, unknown>).committed = { string: 'yesterday' })),
      'error',
    ],
    ['an event on a heartbeat topic', eventWith('c', () => {}, '__debezium-heartbeat.srv'), 'skip'],
  ])('declines %s, which the general path does not load', (_case, record, kind) => {
    expect(generalOutcome(reader, record, SEED_CHAIN)).toMatchObject({ kind });
    expect(fastRow(reader, record, changeRowTransforms(SEED_CHAIN) as ChangeRowTransforms)).toBeUndefined();
  });

  it('declines a delete that the unwrap drops, which the general path skips', () => {
    const record = eventWith('d', () => {});
    const chain = transformsOf('drop', true);
    expect(generalOutcome(reader, record, chain)).toEqual({ kind: 'skip', reason: 'delete-dropped' });
    expect(fastRow(reader, record, changeRowTransforms(chain) as ChangeRowTransforms)).toBeUndefined();
  });

  it('leaves a column holding the placeholder inside longer text to the general path, which loads it', () => {
    const record = eventWith('u', (v) => (image(v, 'after').name = { string: `x${TOAST_PLACEHOLDER}` }));
    const general = generalOutcome(reader, record, SEED_CHAIN);
    expect(general).toMatchObject({ kind: 'row' });
    // The fast path looks for the placeholder's bytes anywhere in the row, so it leaves this
    // rare row to the general path rather than read the columns one by one.
    expect(fastRow(reader, record, changeRowTransforms(SEED_CHAIN) as ChangeRowTransforms)).toBeUndefined();
  });

  it.each([
    ['bytes that end early', (bytes: Buffer) => bytes.subarray(0, bytes.length - 3)],
    ['bytes after the value', (bytes: Buffer) => Buffer.concat([bytes, Buffer.from([0])])],
    [
      'a union index out of range',
      (bytes: Buffer) => Buffer.concat([bytes.subarray(0, 5), Buffer.from([0x08]), bytes.subarray(6)]),
    ],
  ])('declines %s, which the general path refuses', (_case, corrupt) => {
    const good = eventWith('c', (v) => (v.before = null));
    const record = kafkaRecord(corrupt(good.value as Buffer), 3);
    expect(generalOutcome(reader, record, SEED_CHAIN)).toMatchObject({ kind: 'error' });
    expect(fastRow(reader, record, changeRowTransforms(SEED_CHAIN) as ChangeRowTransforms)).toBeUndefined();
  });

  it('declines an update whose ZonedTime is the placeholder once its zone is cut off', () => {
    const record = eventWith('u', (v) => (image(v, 'after').zt = { string: `${TOAST_PLACEHOLDER}Z` }));
    expect(generalOutcome(reader, record, SEED_CHAIN)).toMatchObject({ kind: 'error' });
    expect(fastRow(reader, record, changeRowTransforms(SEED_CHAIN) as ChangeRowTransforms)).toBeUndefined();
  });

  /** An envelope of a one-column image, and an insert whose column holds `column`. */
  function oneColumn(field: object, column: unknown): [AvroValueReader, KafkaRecord] {
    const row = { type: 'record', name: 'Row', fields: [{ name: 'id', type: 'int' }, field] };
    const oneSchema = envelopeSchema([
      { name: 'before', type: ['null', row], default: null },
      { name: 'after', type: ['null', 'Row'], default: null },
      { name: 'op', type: 'string' },
    ]);
    const value = { before: null, after: { [`${TOPIC}.Row`]: { id: 1, ...(column as object) } }, op: 'c' };
    return [compiled(oneSchema), kafkaRecord(encode(oneSchema, value), 1)];
  }

  it.each([
    [
      'an enum symbol',
      { name: 'state', type: { type: 'enum', name: 'State', symbols: ['ok', TOAST_PLACEHOLDER] } },
      { state: TOAST_PLACEHOLDER },
    ],
    [
      'a column default',
      { name: 'note', type: ['string', 'null'], default: TOAST_PLACEHOLDER },
      { note: null },
    ],
  ])('declines an insert whose placeholder comes from %s, not from its bytes', (_case, field, column) => {
    const [oneReader, record] = oneColumn(field, column);
    expect(generalOutcome(oneReader, record, SEED_CHAIN)).toMatchObject({ kind: 'error' });
    expect(
      fastRow(oneReader, record, changeRowTransforms(SEED_CHAIN) as ChangeRowTransforms),
    ).toBeUndefined();
  });

  it.each([
    [
      'an enum symbol',
      { name: 'state', type: { type: 'enum', name: 'State', symbols: ['ok', 'sad'] } },
      { state: 'sad' },
    ],
    ['a column default', { name: 'note', type: ['string', 'null'], default: 'none' }, { note: null }],
  ])('writes an insert whose text comes from %s', (_case, field, column) => {
    const [oneReader, record] = oneColumn(field, column);
    const general = generalOutcome(oneReader, record, SEED_CHAIN);
    expect(general).toMatchObject({ kind: 'row' });
    expect(fastRow(oneReader, record, changeRowTransforms(SEED_CHAIN) as ChangeRowTransforms)).toBe(
      (general as { text: string }).text,
    );
  });

  const padded = {
    type: 'record',
    name: 'Padded',
    fields: [
      { name: 'pad', type: 'string' },
      { name: 'note', type: 'string' },
      { name: 'tail', type: 'string' },
    ],
  };
  const paddedSchema = envelopeSchema([
    { name: 'before', type: ['null', padded], default: null },
    { name: 'after', type: ['null', 'Padded'], default: null },
    { name: 'op', type: 'string' },
  ]);
  const paddedReader = compiled(paddedSchema);
  const base64Placeholder = Buffer.from(TOAST_PLACEHOLDER).toString('base64');
  it.each(Array.from({ length: 45 }, (_, padding) => [padding]))(
    'finds the placeholder and its base64 wherever they fall in the image (%i bytes before)',
    (padding) => {
      const outcomes = [
        TOAST_PLACEHOLDER,
        base64Placeholder,
        TOAST_PLACEHOLDER.slice(1),
        base64Placeholder.slice(0, -1),
      ].map((note) => {
        const value = {
          before: null,
          after: { [`${TOPIC}.Padded`]: { pad: 'p'.repeat(padding), note, tail: 'x'.repeat(padding % 7) } },
          op: 'u',
        };
        const record = kafkaRecord(encode(paddedSchema, value), 1);
        const general = generalOutcome(paddedReader, record, SEED_CHAIN);
        const fast = fastRow(paddedReader, record, changeRowTransforms(SEED_CHAIN) as ChangeRowTransforms);
        return [
          general.kind,
          fast === undefined ? 'declined' : fast === (general as { text: string }).text ? 'same row' : fast,
        ];
      });
      expect(outcomes).toEqual([
        ['error', 'declined'],
        ['error', 'declined'],
        ['row', 'same row'],
        ['row', 'same row'],
      ]);
    },
  );

  it('writes an image of no columns with the added members only', () => {
    const empty = { type: 'record', name: 'Empty', fields: [] };
    const fields = [
      { name: 'before', type: ['null', empty], default: null },
      { name: 'after', type: ['null', 'Empty'], default: null },
      { name: 'op', type: 'string' },
    ];
    const emptySchema = envelopeSchema(fields);
    const record = kafkaRecord(
      encode(emptySchema, { before: null, after: { [`${TOPIC}.Empty`]: {} }, op: 'c' }),
      1,
    );
    const emptyReader = compiled(emptySchema);
    const general = generalOutcome(emptyReader, record, SEED_CHAIN);
    expect(general).toEqual({ kind: 'row', text: '{"__op":0,"__deleted":"false"}' });
    expect(fastRow(emptyReader, record, changeRowTransforms(SEED_CHAIN) as ChangeRowTransforms)).toBe(
      '{"__op":0,"__deleted":"false"}',
    );
  });

  const withField = (name: string, type: unknown) => [...envelopeFields(), { name, type }];
  const valueWith = (field: object) => ({
    ...VALUE_SCHEMA,
    name: 'Odd',
    fields: [...VALUE_SCHEMA.fields, field],
  });
  it.each([
    ['a heartbeat', envelopeSchema(envelopeFields(), 'Heartbeat'), 'io.debezium.connector.common.Heartbeat'],
    ['transaction metadata', envelopeSchema(withField('event_count', 'long')), undefined],
    ['a schema change', envelopeSchema(withField('ddl', 'string')), undefined],
    [
      'an op that may be null',
      envelopeSchema(
        envelopeFields().map((f) =>
          (f as { name: string }).name === 'op' ? { name: 'op', type: ['null', 'string'] } : f,
        ),
      ),
      undefined,
    ],
    [
      'an image that is not a union',
      envelopeSchema([
        { name: 'after', type: VALUE_SCHEMA },
        { name: 'op', type: 'string' },
      ]),
      undefined,
    ],
    [
      'an image of several record types',
      envelopeSchema([
        { name: 'after', type: ['null', VALUE_SCHEMA, { type: 'record', name: 'Other', fields: [] }] },
        { name: 'op', type: 'string' },
      ]),
      undefined,
    ],
    [
      'an image with a column named __deleted',
      envelopeSchema([
        { name: 'after', type: ['null', valueWith({ name: '__deleted', type: 'string' })], default: null },
        { name: 'op', type: 'string' },
      ]),
      undefined,
    ],
    ['no images', envelopeSchema([{ name: 'op', type: 'string' }]), undefined],
    ['a value that is not a record', { type: 'string' }, undefined],
  ])('declines every value of a schema with %s', (_case, oddSchema, connectName) => {
    const named = connectName === undefined ? oddSchema : { ...oddSchema, 'connect.name': connectName };
    const oddReader = compiled(named);
    const record = kafkaRecord(framed(31, Buffer.from([0x02, 0x63])), 1);
    expect(
      fastRow(oddReader, record, changeRowTransforms(SEED_CHAIN) as ChangeRowTransforms),
    ).toBeUndefined();
  });
});

describe('the fast path on captured Debezium records', () => {
  interface AvroCapture {
    readonly topic: string;
    readonly offset: number;
    readonly valueSchemaId: number;
    readonly valueBase64: string;
  }
  const fixture = (path: string) => readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8');

  it.each(['snapshot-read', 'insert', 'update', 'delete', 'all-types-insert'])(
    'writes the %s step as the general path does',
    (name) => {
      const capture = JSON.parse(fixture(`debezium-avro/${name}.json`)) as AvroCapture;
      const reader = compileAvroReader({
        registry: 'confluent',
        id: String(capture.valueSchemaId),
        format: 'avro',
        text: fixture(`debezium-avro/schemas/${capture.valueSchemaId}.avsc.json`),
        references: [],
      });
      const record = decodeRecord({
        topic: capture.topic,
        partition: 0,
        offset: capture.offset,
        timestamp: 0,
        key: null,
        value: capture.valueBase64,
        headers: [],
      });
      const general = generalOutcome(reader, record, SEED_CHAIN);
      expect(general.kind).toBe('row');
      const fast = fastRow(reader, record, changeRowTransforms(SEED_CHAIN) as ChangeRowTransforms);
      expect(fast).toBe((general as { text: string }).text);
    },
  );
});

describe('the change-row hook of registry values', () => {
  const registries: ScriptedRegistry[] = [];
  afterEach(async () => {
    await Promise.all(registries.splice(0).map((r) => r.close()));
  });

  it('gives a change event as row bytes with the chain, and as an object without it', async () => {
    const schema = envelopeSchema();
    const registry = await startScriptedRegistry({ schemas: { '31': { schema: JSON.stringify(schema) } } });
    registries.push(registry);
    const converter: RegistryConverterConfig = {
      kind: 'registry',
      format: 'avro',
      registry: { kind: 'confluent', urls: [registry.url], auth: { kind: 'none' }, headers: {} },
      protobuf: {
        wrapperForNullables: false,
        intForEnums: false,
        generateIndexForUnions: true,
        flattenUnions: false,
      },
    };
    const value = encode(
      schema,
      eventValue('u', () => {}),
    );
    const records = decodeKafkaEvent(
      mskEvent([{ ...eventRecord({ topic: TOPIC, offset: 9 }), value: value.toString('base64') }]),
      { tolerant: false },
    ).records;
    const record = records[0] as KafkaRecord;
    const prepared = await new RegistryValues(converter).prepare(records, Date.now() + 5_000);
    const general = generalOutcome(compiled(schema), record, SEED_CHAIN);
    const row = convertRegistryValue(record, prepared, true, changeRowTransforms(SEED_CHAIN));
    expect(row.kind).toBe('json-bytes');
    expect(row.kind === 'json-bytes' ? row.bytes.toString('utf8') : row).toBe(
      (general as { text: string }).text,
    );
    expect(convertRegistryValue(record, prepared, true)).toMatchObject({ kind: 'object' });
  });
  it('builds the table rows of change events from the change-row bytes', async () => {
    const schema = envelopeSchema();
    const registry = await startScriptedRegistry({ schemas: { '31': { schema: JSON.stringify(schema) } } });
    registries.push(registry);
    const { 'value.converter.schemas.enable': _json, ...debezium } = seedDebeziumSettings(TOPIC, 'typed');
    const config = parseSinkConfig(
      seedConfig({
        ...debezium,
        'value.converter': CONVERTER_CLASSES.confluentAvro,
        'value.converter.schema.registry.url': registry.url,
      }),
    );
    const values = ['r', 'c', 'u', 'd'].map((op) =>
      encode(
        schema,
        eventValue(op, () => {}),
      ),
    );
    const records = decodeKafkaEvent(
      mskEvent(
        values.map((v, offset) => ({
          ...eventRecord({ topic: TOPIC, offset }),
          value: v.toString('base64'),
        })),
      ),
      { tolerant: false },
    ).records;
    if (config.valueConverter.kind !== 'registry') throw new Error('expected a registry converter');
    const prepared = await new RegistryValues(config.valueConverter).prepare(records, Date.now() + 5_000);
    const rows = buildTableBatches(records, config, undefined, undefined, prepared).tables[0]?.rows ?? [];
    const reader = compiled(schema);
    const general = records.map((r) => generalOutcome(reader, r, config.transforms));
    expect(general.map((g) => g.kind)).toEqual(['row', 'row', 'row', 'row']);
    expect(rows.every((row) => Buffer.isBuffer(row))).toBe(true);
    expect(rows.map((row) => (row as Buffer).toString('utf8'))).toEqual(
      general.map((g) => (g as { text: string }).text),
    );
  });
});

describe('ZonedTimestamp text copied byte by byte (avro-json.ts)', () => {
  const schema = {
    type: 'record',
    name: 'Stamped',
    fields: [
      { name: 'at', type: connectType('string', 'io.debezium.time.ZonedTimestamp') },
      { name: 'iso', type: connectType('string', 'io.debezium.time.IsoTimestamp') },
    ],
  };
  const reader = compiled(schema);

  it.each([
    '2024-01-02T03:04:05Z',
    '2024-01-02T03:04:05.1Z',
    '2024-01-02T03:04:05.123456Z',
    '2024-01-02T03:04:05.123456789Z',
    '2024-01-02T03:04:05.Z',
    '2024-01-02T03:04:05+02:00',
    '2024-01-02T03:04:05.5+00:00',
    '12024-01-02T03:04:05Z',
    '2024-01-02 03:04:05Z',
    '2024-01-0xT03:04:05Z',
    '2024-01-02T03:04:05.12a4Z',
    '٢٠٢٤-01-02T03:04:05Z',
    'infinity',
    '-infinity',
    '',
  ])('writes %j as the converter renders it, or refuses it as the converter does', (text) => {
    const value = encode(schema, { at: text, iso: text });
    const record = kafkaRecord(value, 1);
    let expected: string;
    try {
      expected = JSON.stringify(reader.read(record, value, 5).value);
    } catch (error) {
      expect(() => reader.readJson(record, value, 5)).toThrow((error as Error).message);
      return;
    }
    expect(reader.readJson(record, value, 5)).toBe(expected);
  });
});
