import { describe, expect, it } from 'vitest';
import { compileAvroReader } from '../../../lib/convert/avro.ts';
import { JsonOutput } from '../../../lib/convert/avro-json-output.ts';
import { RecordError } from '../../../lib/errors.ts';
import {
  avroRecord,
  encoderOf,
  framed,
  registrySchema,
  VARIABLE_SCALE_DECIMAL,
} from '../../fixtures/avro/avro-values.ts';

/**
 * The two Avro reading paths agree: over many generated values of a schema holding every Avro
 * type, logical type and union shape, the JSON text `readJson` writes from the bytes is exactly
 * `JSON.stringify` of the value `read` builds through avsc; and every value cut short fails both
 * ways with the record's error.
 */

/** A small seeded generator (mulberry32), so a failure names a value that can be generated again. */
function randomSource(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)] as T;
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Random = ReturnType<typeof randomSource>;

const point = {
  type: 'record',
  name: 'Point',
  namespace: 'prop.test',
  fields: [
    { name: 'x', type: 'int' },
    { name: 'label', type: ['null', 'string'], default: null },
  ],
};
const suit = { type: 'enum', name: 'Suit', namespace: 'prop.test', symbols: ['HEARTS', 'SPADES', 'CLUBS'] };
const EVERYTHING = {
  type: 'record',
  name: 'Everything',
  namespace: 'prop.test',
  'connect.name': 'prop.test.Everything',
  fields: [
    { name: 'b', type: 'boolean' },
    { name: 'i', type: 'int' },
    { name: 'l', type: 'long' },
    { name: 'f', type: 'float' },
    { name: 'd', type: 'double' },
    { name: 's', type: 'string' },
    { name: 'by', type: 'bytes' },
    { name: 'fx', type: { type: 'fixed', name: 'Fx', size: 5 } },
    { name: 'e', type: suit },
    { name: 'dec', type: { type: 'bytes', logicalType: 'decimal', precision: 30, scale: 4 } },
    {
      name: 'decf',
      type: { type: 'fixed', name: 'Money', size: 8, logicalType: 'decimal', precision: 18, scale: 2 },
    },
    { name: 'date', type: { type: 'int', logicalType: 'date' } },
    { name: 'tms', type: { type: 'int', logicalType: 'time-millis' } },
    { name: 'tus', type: { type: 'long', logicalType: 'time-micros' } },
    { name: 'tsm', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'tsu', type: { type: 'long', logicalType: 'timestamp-micros' } },
    { name: 'ltm', type: { type: 'long', logicalType: 'local-timestamp-millis' } },
    { name: 'ltu', type: { type: 'long', logicalType: 'local-timestamp-micros' } },
    { name: 'uuid', type: { type: 'string', logicalType: 'uuid' } },
    {
      name: 'cdec',
      type: {
        type: 'bytes',
        'connect.name': 'org.apache.kafka.connect.data.Decimal',
        'connect.parameters': { scale: '3' },
      },
    },
    {
      name: 'mts',
      type: ['null', { type: 'long', 'connect.name': 'io.debezium.time.MicroTimestamp' }],
      default: null,
    },
    { name: 'zts', type: { type: 'string', 'connect.name': 'io.debezium.time.ZonedTimestamp' } },
    {
      name: 'vsd',
      type: VARIABLE_SCALE_DECIMAL,
    },
    { name: 'opt', type: ['null', 'string'], default: null },
    { name: 'optr', type: ['string', 'null'], default: 'x' },
    { name: 'gen', type: ['int', 'string', point, 'Suit'] },
    { name: 'gen2', type: ['null', 'long', 'double', 'Point', { type: 'array', items: 'int' }] },
    { name: 'points', type: { type: 'array', items: 'Point' } },
    { name: 'longs', type: { type: 'array', items: ['null', 'long'] } },
    { name: 'nulls', type: { type: 'array', items: 'null' } },
    { name: 'doubles', type: { type: 'map', values: ['null', 'double'] } },
    { name: 'pointMap', type: { type: 'map', values: 'Point' } },
    {
      name: 'nested',
      type: {
        type: 'record',
        name: 'Inner',
        fields: [{ name: 'a', type: { type: 'array', items: { type: 'map', values: 'string' } } }],
      },
    },
    {
      name: 'entries',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'MapEntry',
          namespace: 'io.confluent.connect.avro',
          'connect.internal.type': 'MapEntry',
          fields: [
            { name: 'key', type: 'int' },
            { name: 'value', type: 'string' },
          ],
        },
      },
    },
    {
      name: 'list',
      type: [
        'null',
        {
          type: 'record',
          name: 'Node',
          namespace: 'prop.test',
          fields: [
            { name: 'v', type: 'long' },
            { name: 'next', type: ['null', 'Node'], default: null },
          ],
        },
      ],
      default: null,
    },
  ],
};

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const STRING_PARTS = [
  'a',
  'Zz',
  '"',
  '\\',
  '\n',
  '\t',
  '\u0000',
  '\u001f',
  'é',
  '北京',
  '😀',
  '\u2028',
  '/',
  ' ',
];
const MAP_KEYS = ['a', 'b', '10', '2', '0', '01', 'k"q', 'é', ''];
const DAY_RANGE = [-719_162, 2_932_896] as const;
const MILLIS_RANGE = [-62_135_596_800_000, 253_402_300_799_999] as const;

interface Generator {
  readonly random: Random;
  readonly names: Map<string, Record<string, unknown>>;
  depth: number;
}

function text(random: Random): string {
  let out = '';
  for (let n = random.int(0, 6); n > 0; n--) out += random.pick(STRING_PARTS);
  return out;
}

function bytesOf(random: Random, min: number, max: number): Buffer {
  return Buffer.from(Array.from({ length: random.int(min, max) }, () => random.int(0, 255)));
}

function longOf(random: Random): number | bigint {
  return random.pick([
    () => random.int(-1000, 1000),
    () => random.pick([0, -1, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 31, 2 ** 48 - 1, 2 ** 49, -(2 ** 49)]),
    () => random.pick([2n ** 53n + 1n, -(2n ** 63n), 2n ** 63n - 1n, -(2n ** 53n) - 7n]),
    () => BigInt(random.int(-(2 ** 30), 2 ** 30)) * BigInt(random.int(0, 2 ** 30)) * BigInt(random.int(1, 8)),
  ])();
}

function floatOf(random: Random): number {
  return random.pick([
    () =>
      random.pick([
        0,
        -0,
        Number.NaN,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
        0.1,
        1e-45,
        3.4e38,
      ]),
    () => Math.fround((random.next() - 0.5) * 10 ** random.int(-40, 38)),
  ])();
}

function doubleOf(random: Random): number {
  return random.pick([
    () => random.pick([0, -0, Number.NaN, Number.POSITIVE_INFINITY, 5e-324, 1e21, 0.1 + 0.2, 2 ** 53 + 2]),
    () => (random.next() - 0.5) * 10 ** random.int(-300, 300),
  ])();
}

/** A value of `type` as the avsc encoder takes it (unions wrapped by branch name, longs maybe bigint). */
function generate(type: unknown, g: Generator): unknown {
  const { random } = g;
  if (typeof type === 'string' && !PRIMITIVES.has(type)) return generate(g.names.get(type), g);
  if (Array.isArray(type)) {
    // Past a few levels a recursive union takes its null branch, so values stay finite.
    const branches = g.depth > 3 && type.includes('null') ? ['null'] : type;
    const branch = random.pick(branches);
    if (branch === 'null') return null;
    const resolved = typeof branch === 'string' ? (g.names.get(branch) ?? branch) : branch;
    g.depth++;
    const value = generate(resolved, g);
    g.depth--;
    return { [branchName(resolved)]: value };
  }
  const schema = (typeof type === 'string' ? { type } : type) as Record<string, unknown>;
  const logical = (schema['connect.name'] ?? schema.logicalType) as string | undefined;
  switch (logical) {
    case 'date':
      return random.int(...DAY_RANGE);
    case 'time-millis':
      return random.int(0, 86_399_999);
    case 'time-micros':
      return BigInt(random.int(0, 86_399_999)) * 1000n + BigInt(random.int(0, 999));
    case 'timestamp-millis':
    case 'local-timestamp-millis':
      return random.int(...MILLIS_RANGE);
    case 'timestamp-micros':
    case 'local-timestamp-micros':
    case 'io.debezium.time.MicroTimestamp':
      return BigInt(random.int(...MILLIS_RANGE)) * 1000n + BigInt(random.int(0, 999));
    case 'io.debezium.time.ZonedTimestamp':
      return new Date(random.int(0, 4_102_444_800_000)).toISOString();
    case 'uuid':
      return crypto.randomUUID();
    case 'decimal':
    case 'org.apache.kafka.connect.data.Decimal':
      return schema.type === 'fixed' ? bytesOf(random, 8, 8) : bytesOf(random, 1, 14);
    case 'io.debezium.data.VariableScaleDecimal':
      return { scale: random.int(0, 12), value: bytesOf(random, 1, 12) };
  }
  switch (schema.type) {
    case 'null':
      return null;
    case 'boolean':
      return random.chance(0.5);
    case 'int':
      return random.pick([
        0,
        -1,
        2 ** 31 - 1,
        -(2 ** 31),
        random.int(-(2 ** 31), 2 ** 31 - 1),
        random.int(-200, 200),
      ]);
    case 'long':
      return longOf(random);
    case 'float':
      return floatOf(random);
    case 'double':
      return doubleOf(random);
    case 'string':
      return text(random);
    case 'bytes':
      return bytesOf(random, 0, 6);
    case 'fixed':
      return bytesOf(random, schema.size as number, schema.size as number);
    case 'enum':
      return random.pick(schema.symbols as string[]);
    case 'array':
      return Array.from({ length: random.int(0, 3) }, () => generate(schema.items, g));
    case 'map':
      return Object.fromEntries(
        Array.from({ length: random.int(0, 4) }, () => [random.pick(MAP_KEYS), generate(schema.values, g)]),
      );
    case 'record':
      return Object.fromEntries(
        (schema.fields as { name: string; type: unknown }[]).map((f) => [f.name, generate(f.type, g)]),
      );
    default:
      throw new Error(`no generator for ${JSON.stringify(schema)}`);
  }
}

function branchName(type: unknown): string {
  if (typeof type === 'string') return type;
  const named = type as { type: string; name?: string; namespace?: string };
  if (named.name === undefined) return named.type;
  return named.namespace === undefined ? named.name : `${named.namespace}.${named.name}`;
}

/** Named types by simple and full name (the test schema names the namespace of every type a union holds). */
function namedTypes(type: unknown, names = new Map<string, Record<string, unknown>>()) {
  if (Array.isArray(type)) for (const branch of type) namedTypes(branch, names);
  if (typeof type !== 'object' || type === null || Array.isArray(type)) return names;
  const schema = type as Record<string, unknown>;
  if (typeof schema.name === 'string') {
    names.set(schema.name, schema);
    names.set(branchName(schema), schema);
  }
  for (const field of (schema.fields as { type: unknown }[] | undefined) ?? []) namedTypes(field.type, names);
  for (const key of ['items', 'values']) if (schema[key] !== undefined) namedTypes(schema[key], names);
  return names;
}

describe('the Avro JSON path against the object path', () => {
  const reader = compileAvroReader(registrySchema(77, EVERYTHING));
  const encoder = encoderOf(EVERYTHING);
  const names = namedTypes(EVERYTHING);
  const values = Array.from({ length: 400 }, (_, seed) => {
    const generated = generate(EVERYTHING, { random: randomSource(seed + 1), names, depth: 0 });
    return { seed, bytes: framed(77, encoder.toBuffer(generated)) };
  });

  it('writes the JSON text of every generated value exactly as JSON.stringify of the read value', () => {
    for (const { seed, bytes } of values) {
      const record = avroRecord(bytes, seed);
      const expected = JSON.stringify(reader.read(record, bytes, 5).value);
      expect({ seed, json: reader.readJson(record, bytes, 5) }).toEqual({ seed, json: expected });
    }
  });

  it('appends to a load body exactly the rows readJson writes', () => {
    const body = new JsonOutput();
    const rows: string[] = [];
    for (const { seed, bytes } of values) {
      body.byte(rows.length === 0 ? 0x5b : 0x2c);
      reader.appendJson(avroRecord(bytes, seed), bytes, 5, body);
      rows.push(reader.readJson(avroRecord(bytes, seed), bytes, 5));
    }
    body.byte(0x5d);
    expect(body.written().toString('utf8')).toBe(`[${rows.join(',')}]`);
  });

  it('covers the hard cases in the generated values', () => {
    const texts = values
      .map(({ seed, bytes }) => reader.readJson(avroRecord(bytes, seed), bytes, 5))
      .join('\n');
    for (const seen of [
      '"NaN"',
      '"Infinity"',
      '9223372036854775807',
      '"int":null',
      '[[',
      '"10":',
      '\\u0000',
      '😀',
    ]) {
      expect(texts).toContain(seen);
    }
  });

  it('fails every value cut short, every way, naming the record and the schema id', () => {
    const outcomes = new Map<string, number>();
    for (const { seed, bytes } of values.slice(0, 25)) {
      for (let end = 5; end < bytes.length; end++) {
        const cut = bytes.subarray(0, end);
        const record = avroRecord(cut, seed);
        const body = new JsonOutput();
        body.byte(0x5b);
        const appendJson = () => reader.appendJson(record, cut, 5, body);
        for (const read of [
          () => reader.read(record, cut, 5),
          () => reader.readJson(record, cut, 5),
          appendJson,
        ]) {
          const outcome = outcomeOf(read);
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        }
        // A row that fails leaves nothing of itself in the body.
        outcomes.set(`body ${body.written().toString()}`, 0);
      }
    }
    expect([...outcomes.keys()]).toEqual(['RecordError naming schema id 77', 'body [']);
  });
});

function outcomeOf(read: () => unknown): string {
  try {
    read();
    return 'no error';
  } catch (error) {
    if (!(error instanceof RecordError)) return `${(error as Error).name}: ${(error as Error).message}`;
    return error.message.includes('schema id 77') ? 'RecordError naming schema id 77' : error.message;
  }
}
