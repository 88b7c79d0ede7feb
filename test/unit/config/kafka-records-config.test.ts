import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSinkConfig } from '../../../lib/config/sink-config.ts';
import { KAFKA_RECORD_TRANSFORMS } from '../../../lib/config/transform-classes/kafka-records.ts';
import { seedConfig } from '../../fixtures/events.ts';
import { problemsOf } from '../../support/config-problems.ts';

const T = 'org.apache.kafka.connect.transforms.';

/** The seed config with one transform `t` of `className` and its options. */
function withTransform(className: string, options: Record<string, string> = {}): Record<string, string> {
  const keys = Object.fromEntries(Object.entries(options).map(([k, v]) => [`transforms.t.${k}`, v]));
  return seedConfig({ transforms: 't', 'transforms.t.type': `${T}${className}`, ...keys });
}

describe('field transform options', () => {
  it.each([
    [
      'InsertField$Value',
      { 'topic.field': ' topic ', 'timestamp.field': 'ts!', 'static.field': 'src?', 'static.value': 'x' },
      {
        kind: 'insertField',
        part: 'value',
        readsKey: false,
        topicField: { name: 'topic', optional: true },
        timestampField: { name: 'ts', optional: false },
        staticField: { name: 'src', optional: true },
        staticValue: 'x',
        replaceNullWithDefault: true,
      },
    ],
    [
      'ReplaceField$Key',
      { exclude: 'a, b', renames: 'c:d,:e', 'replace.null.with.default': 'FALSE' },
      {
        kind: 'replaceField',
        part: 'key',
        readsKey: true,
        exclude: new Set(['a', 'b']),
        include: new Set(),
        renames: new Map([
          ['c', 'd'],
          ['', 'e'],
        ]),
        replaceNullWithDefault: false,
      },
    ],
    [
      'MaskField$Value',
      { fields: 'ssn,email', replacement: '***' },
      {
        kind: 'maskField',
        part: 'value',
        readsKey: false,
        fields: new Set(['ssn', 'email']),
        replacement: '***',
        replaceNullWithDefault: true,
      },
    ],
    [
      'ValueToKey',
      { fields: 'id,region' },
      { kind: 'valueToKey', readsKey: true, fields: ['id', 'region'], replaceNullWithDefault: true },
    ],
    [
      'ExtractField$Key',
      { field: '`a.b`.c', 'field.syntax.version': 'v2' },
      {
        kind: 'extractField',
        part: 'key',
        readsKey: true,
        field: { text: '`a.b`.c', version: 'V2', steps: ['a.b', 'c'] },
        replaceNullWithDefault: true,
      },
    ],
    [
      'ExtractField$Value',
      { field: 'a.b' },
      {
        kind: 'extractField',
        part: 'value',
        readsKey: false,
        field: { text: 'a.b', version: 'V1', steps: ['a.b'] },
        replaceNullWithDefault: true,
      },
    ],
    [
      'HoistField$Value',
      { field: 'payload' },
      { kind: 'hoistField', part: 'value', readsKey: false, field: 'payload' },
    ],
  ])('reads %s with %j', (className, options, expected) => {
    const [transform] = parseSinkConfig(withTransform(className, options)).transforms;
    expect(transform).toEqual({
      ...expected,
      name: 't',
      className: `${T}${className}`,
      negate: false,
      predicate: undefined,
    });
  });

  it.each([
    [
      'InsertField$Value',
      {},
      'transforms.t.type',
      'inserts no field: set at least one of transforms.t.topic.field',
    ],
    [
      'InsertField$Value',
      { 'static.field': 'src' },
      'transforms.t.static.value',
      'is required with static.field',
    ],
    ['InsertField$Key', { 'topic.field': '!' }, 'transforms.t.topic.field', 'has no field name'],
    [
      'InsertField$Value',
      { 'topic.field': 't', 'replace.null.with.default': 'yes' },
      'transforms.t.replace.null.with.default',
      'not a boolean',
    ],
    ['ReplaceField$Value', { renames: 'a:b,c' }, 'transforms.t.renames', 'invalid rename mapping "c"'],
    ['ReplaceField$Value', { renames: 'a:b:c' }, 'transforms.t.renames', 'invalid rename mapping "a:b:c"'],
    ['ReplaceField$Value', { renames: 'a:' }, 'transforms.t.renames', 'invalid rename mapping "a:"'],
    [
      'ReplaceField$Value',
      { blacklist: 'a' },
      'transforms.t.blacklist',
      'removed from ReplaceField in Kafka 4.0',
    ],
    ['ReplaceField$Key', { whitelist: 'a' }, 'transforms.t.whitelist', 'rename it to transforms.t.include'],
    ['MaskField$Value', {}, 'transforms.t.fields', 'is required and may not be empty'],
    ['MaskField$Value', { fields: 'a', replacement: ' ' }, 'transforms.t.replacement', 'is empty'],
    ['ValueToKey', { fields: '' }, 'transforms.t.fields', 'is required and may not be empty'],
    ['ExtractField$Value', {}, 'transforms.t.field', 'is required'],
    [
      'ExtractField$Value',
      { field: 'a.`b', 'field.syntax.version': 'V2' },
      'transforms.t.field',
      'incomplete backtick pair',
    ],
    [
      'ExtractField$Value',
      { field: 'a', 'field.syntax.version': 'V3' },
      'transforms.t.field.syntax.version',
      'valid values: V1, V2',
    ],
    ['HoistField$Key', {}, 'transforms.t.field', 'is required'],
    [
      'HoistField$Value',
      { field: 'x', 'field.syntax.version': 'V2' },
      'transforms.t.field.syntax.version',
      'is not an option of',
    ],
  ])('refuses %s with %j under %s', (className, options, key, message) => {
    expect(problemsOf(withTransform(className, options))).toContainEqual({
      key,
      message: expect.stringContaining(message),
    });
  });

  it('reports every problem of a transform at once', () => {
    const keys = problemsOf(
      withTransform('MaskField$Value', { replacement: '', 'replace.null.with.default': 'no' }),
    ).map((p) => p.key);
    expect(keys).toEqual(
      expect.arrayContaining([
        'transforms.t.fields',
        'transforms.t.replacement',
        'transforms.t.replace.null.with.default',
      ]),
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
    KAFKA_RECORD_TRANSFORMS.map((c) => [
      /\.(\w+)(?:\$|$)/.exec(c.classes[0] as string)?.[1] as string,
      c.classes,
      Object.keys(c.options),
    ]),
  )('documents %s: its class names and every option', (title, classes, options) => {
    const text = section(title);
    for (const name of [...classes, ...options]) expect(text).toContain(`\`${name}\``);
  });
});
