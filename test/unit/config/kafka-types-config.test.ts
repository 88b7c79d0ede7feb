import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KAFKA_TYPE_TRANSFORMS } from '../../../lib/config/transform-classes/kafka-types.ts';
import { problemsOf } from '../../support/config-problems.ts';
import { configInput, sinkConfig } from '../../support/kafka-routing.ts';

const KAFKA = 'org.apache.kafka.connect.transforms.';

/** The keys of one transform `t` of `className` with `options`. */
function oneTransform(className: string, options: Record<string, string>): Record<string, string> {
  const keys: Record<string, string> = { transforms: 't', 'transforms.t.type': `${KAFKA}${className}` };
  for (const [option, value] of Object.entries(options)) keys[`transforms.t.${option}`] = value;
  return keys;
}

/** The one transform parsed, without the name/class/predicate every transform carries. */
function specOf(className: string, options: Record<string, string>): Record<string, unknown> {
  const [transform] = sinkConfig(oneTransform(className, options)).transforms;
  const { name, className: _c, negate, predicate, ...spec } = transform as unknown as Record<string, unknown>;
  expect({ name, negate, predicate }).toEqual({ name: 't', negate: false, predicate: undefined });
  return spec;
}

/** The problems reported for `transforms.t.*`, as `key: message`. */
function problems(className: string, options: Record<string, string>): string[] {
  return problemsOf(configInput(oneTransform(className, options))).map((p) => `${p.key}: ${p.message}`);
}

describe('Cast in the config', () => {
  it.each([
    [
      'Cast$Value',
      { spec: 'int64' },
      {
        kind: 'cast',
        part: 'value',
        readsKey: false,
        wholeValue: 'int64',
        fields: new Map(),
        replaceNullWithDefault: true,
      },
    ],
    [
      'Cast$Key',
      { spec: ' a : INT8 , b:Float64,c:String', 'replace.null.with.default': 'false' },
      {
        kind: 'cast',
        part: 'key',
        readsKey: true,
        wholeValue: undefined,
        fields: new Map([
          ['a', 'int8'],
          ['b', 'float64'],
          ['c', 'string'],
        ]),
        replaceNullWithDefault: false,
      },
    ],
  ])('reads %s %j', (className, options, expected) => {
    expect(specOf(className, options)).toEqual(expected);
  });

  it.each([
    [{}, /transforms\.t\.spec: is required/],
    [{ spec: ' , ' }, /transforms\.t\.spec: must specify at least one field to cast/],
    [{ spec: 'a:int9' }, /transforms\.t\.spec: "a:int9": "int9" is not a type; supported types: int8, int16/],
    [{ spec: 'a:bytes' }, /transforms\.t\.spec: "a:bytes": Cast does not cast to bytes/],
    [{ spec: 'a:b:int8' }, /transforms\.t\.spec: "a:b:int8" is not `field:type` or a single type/],
    [{ spec: 'int8,a:int16' }, /a type for the whole value must be the spec's only entry/],
    [
      { spec: 'int8', 'replace.null.with.default': 'maybe' },
      /replace\.null\.with\.default: "maybe" is not a boolean/,
    ],
    [
      { spec: 'int8', field: 'a' },
      /transforms\.t\.field: is not an option of .*Cast\$Value; its options: spec, replace\.null\.with\.default/,
    ],
  ])('reports %j', (options, message) => {
    expect(problems('Cast$Value', options).join('\n')).toMatch(message);
  });

  it('reports every bad entry of a spec at once', () => {
    expect(problems('Cast$Value', { spec: 'a:int9,b:map' })).toHaveLength(2);
  });
});

describe('TimestampConverter in the config', () => {
  it.each([
    [
      'TimestampConverter$Value',
      { 'target.type': 'Timestamp' },
      {
        kind: 'timestampConverter',
        part: 'value',
        readsKey: false,
        field: '',
        targetType: 'Timestamp',
        format: '',
        unixPrecision: 'milliseconds',
        replaceNullWithDefault: true,
      },
    ],
    [
      'TimestampConverter$Key',
      {
        field: ' at ',
        'target.type': 'string',
        format: "yyyy-MM-dd'T'HH:mm:ss.SSSZ",
        'unix.precision': 'seconds',
        'replace.null.with.default': 'false',
      },
      {
        kind: 'timestampConverter',
        part: 'key',
        readsKey: true,
        field: 'at',
        targetType: 'string',
        format: "yyyy-MM-dd'T'HH:mm:ss.SSSZ",
        unixPrecision: 'seconds',
        replaceNullWithDefault: false,
      },
    ],
  ])('reads %s %j', (className, options, expected) => {
    expect(specOf(className, options)).toEqual(expected);
  });

  it.each([
    [{}, /transforms\.t\.target\.type: is required; valid values: string, unix, Date, Time, Timestamp/],
    [{ 'target.type': 'timestamp' }, /target\.type: "timestamp" is not valid; valid values \(case matters\)/],
    [{ 'target.type': 'string' }, /transforms\.t\.format: is required when target\.type is string/],
    [
      { 'target.type': 'string', format: '  ' },
      /transforms\.t\.format: is required when target\.type is string/,
    ],
    [
      { 'target.type': 'unix', format: 'yyyy-ww' },
      /transforms\.t\.format: is not a SimpleDateFormat pattern this sink reads: .*letter 'w' \(week of year\) is not supported/,
    ],
    [{ 'target.type': 'unix', format: 'yyyy-MM-ddTHH' }, /'T' is not a SimpleDateFormat pattern letter/],
    [
      { 'target.type': 'unix', 'unix.precision': 'millis' },
      /unix\.precision: "millis" is not valid; valid values \(case matters\): seconds, milliseconds/,
    ],
  ])('reports %j', (options, message) => {
    expect(problems('TimestampConverter$Value', options).join('\n')).toMatch(message);
  });
});

describe('Flatten in the config', () => {
  it.each([
    ['Flatten$Value', {}, { kind: 'flatten', part: 'value', readsKey: false, delimiter: '.' }],
    ['Flatten$Key', { delimiter: '_' }, { kind: 'flatten', part: 'key', readsKey: true, delimiter: '_' }],
  ])('reads %s %j', (className, options, expected) => {
    expect(specOf(className, options)).toEqual(expected);
  });

  it('reports an option Flatten does not take', () => {
    expect(problems('Flatten$Value', { separator: '_' }).join('\n')).toMatch(
      /transforms\.t\.separator: is not an option of .*Flatten\$Value; its options: delimiter/,
    );
  });
});

describe('docs/transforms.md', () => {
  const docs = readFileSync(new URL('../../../docs/transforms.md', import.meta.url), 'utf8');

  /** The text of the `## <title>` section. */
  function section(title: string): string {
    const start = docs.indexOf(`\n## ${title}\n`);
    if (start < 0) return '';
    const end = docs.indexOf('\n## ', start + 1);
    return docs.slice(start, end < 0 ? undefined : end);
  }

  it.each(
    KAFKA_TYPE_TRANSFORMS.map((c) => [
      /\.(\w+)\$/.exec(c.classes[0] as string)?.[1] as string,
      c.classes,
      Object.keys(c.options),
    ]),
  )('documents %s: its class names and every option', (title, classes, options) => {
    const text = section(title);
    expect(text).not.toBe('');
    for (const name of [...classes, ...options]) expect(text).toContain(`\`${name}\``);
  });
});
