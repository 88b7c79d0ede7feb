// biome-ignore-all lint/suspicious/noTemplateCurlyInString: RegexRouter and TimestampRouter write ${…} in their options
import { describe, expect, it } from 'vitest';
import { problemsOf } from '../../support/config-problems.ts';
import { configInput, oneTransform, sinkConfig } from '../../support/kafka-routing.ts';

const KAFKA = 'org.apache.kafka.connect.transforms.';

/** The one transform `t` parsed, without the name/class/predicate every transform carries. */
function specOf(className: string, options: Record<string, string> = {}): Record<string, unknown> {
  const [transform] = sinkConfig(oneTransform(className, options)).transforms;
  const {
    name,
    className: configured,
    negate,
    predicate,
    ...spec
  } = transform as unknown as Record<string, unknown>;
  expect({ name, configured, negate, predicate }).toEqual({
    name: 't',
    configured: `${KAFKA}${className}`,
    negate: false,
    predicate: undefined,
  });
  return spec;
}

function problemsOfTransform(className: string, options: Record<string, string>) {
  return problemsOf(configInput(oneTransform(className, options)));
}

describe('the routing and header transforms in the config', () => {
  it.each([
    ['Filter', {}, { kind: 'filter' }],
    [
      'TimestampRouter',
      {},
      { kind: 'timestampRouter', topicFormat: '${topic}-${timestamp}', timestampFormat: 'yyyyMMdd' },
    ],
    [
      'TimestampRouter',
      { 'topic.format': ' ${timestamp}_${topic} ', 'timestamp.format': 'yyyy-MM' },
      { kind: 'timestampRouter', topicFormat: '${timestamp}_${topic}', timestampFormat: 'yyyy-MM' },
    ],
    ['DropHeaders', { headers: 'a, b ,c' }, { kind: 'dropHeaders', headers: ['a', 'b', 'c'] }],
    [
      'HeaderFrom$Value',
      { fields: 'id,region', headers: 'h_id, h_region', operation: 'move' },
      {
        kind: 'headerFrom',
        part: 'value',
        readsKey: false,
        fields: ['id', 'region'],
        headers: ['h_id', 'h_region'],
        operation: 'move',
        replaceNullWithDefault: true,
      },
    ],
    [
      'HeaderFrom$Key',
      { fields: 'id', headers: 'key_id', operation: 'copy', 'replace.null.with.default': 'FALSE' },
      {
        kind: 'headerFrom',
        part: 'key',
        readsKey: true,
        fields: ['id'],
        headers: ['key_id'],
        operation: 'copy',
        replaceNullWithDefault: false,
      },
    ],
    [
      'InsertHeader',
      { header: 'source', 'value.literal': ' lambda ' },
      { kind: 'insertHeader', header: 'source', literal: 'lambda' },
    ],
    [
      'InsertHeader',
      { header: 'empty', 'value.literal': '' },
      { kind: 'insertHeader', header: 'empty', literal: '' },
    ],
  ])('reads %s with %j', (className, options, spec) => {
    expect(specOf(className, options)).toEqual(spec);
  });

  it.each([
    ['$1', [{ kind: 'group', group: 1 }]],
    [
      't_${table}',
      [
        { kind: 'text', text: 't_' },
        { kind: 'named', name: 'table' },
      ],
    ],
    ['\\$1\\\\', [{ kind: 'text', text: '$1\\' }]],
    [
      '$10',
      [
        { kind: 'group', group: 1 },
        { kind: 'text', text: '0' },
      ],
    ],
    ['', []],
  ])('reads the RegexRouter replacement %j', (replacement, parts) => {
    const spec = specOf('RegexRouter', { regex: '[^.]+\\.(?<table>.*)', replacement });
    expect(spec.replacement).toEqual(parts);
    expect((spec.pattern as { source: string }).source).toBe('[^.]+\\.(?<table>.*)');
  });
});

describe('problems with the routing and header transforms', () => {
  it.each([
    ['Filter', { pattern: 'x' }, [['transforms.t.pattern', /is not an option of .*Filter; it takes none/]]],
    [
      'RegexRouter',
      {},
      [
        ['transforms.t.regex', /is required: a Java regular expression/],
        ['transforms.t.replacement', /is required: the new topic/],
      ],
    ],
    [
      'RegexRouter',
      { regex: '(orders', replacement: '$1' },
      [['transforms.t.regex', /"\(orders" is not a valid regular expression/]],
    ],
    ['RegexRouter', { regex: '(?i)orders', replacement: 'x' }, [['transforms.t.regex', /embedded flags/]]],
    [
      'RegexRouter',
      { regex: '(a)', replacement: '$2' },
      [
        [
          'transforms.t.replacement',
          /"\$2" refers to group 2, but the regex has 1 group; write \\\$ for a dollar sign/,
        ],
      ],
    ],
    [
      'RegexRouter',
      { regex: '(a)', replacement: '${name}' },
      [
        [
          'transforms.t.replacement',
          /names group \{name\}, which the regex does not have \(it has no named groups\)/,
        ],
      ],
    ],
    [
      'RegexRouter',
      { regex: '(?<a>x)', replacement: '${a' },
      [['transforms.t.replacement', /without its closing "}"/]],
    ],
    [
      'RegexRouter',
      { regex: '(?<a>x)', replacement: '${}' },
      [['transforms.t.replacement', /without a group name/]],
    ],
    [
      'RegexRouter',
      { regex: '(?<a>x)', replacement: '${1a}' },
      [['transforms.t.replacement', /starts with a digit/]],
    ],
    [
      'RegexRouter',
      { regex: 'x', replacement: 'a$' },
      [['transforms.t.replacement', /ends in "\$" without a group number/]],
    ],
    [
      'RegexRouter',
      { regex: 'x', replacement: '$x' },
      [['transforms.t.replacement', /has "\$x", which is no group reference/]],
    ],
    [
      'RegexRouter',
      { regex: 'x', replacement: 'a\\' },
      [['transforms.t.replacement', /ends in a lone "\\"/]],
    ],
    ['DropHeaders', {}, [['transforms.t.headers', /is required: the names of the headers to remove/]]],
    ['DropHeaders', { headers: ' , ' }, [['transforms.t.headers', /is an empty list/]]],
    [
      'HeaderFrom$Value',
      { operation: 'MOVE', 'replace.null.with.default': 'yes' },
      [
        ['transforms.t.fields', /is required/],
        ['transforms.t.headers', /is required/],
        ['transforms.t.operation', /"MOVE" is not valid; valid values: move, copy/],
        ['transforms.t.replace.null.with.default', /"yes" is not a boolean/],
      ],
    ],
    [
      'HeaderFrom$Value',
      { fields: 'a,b', headers: 'x' },
      [['transforms.t.operation', /is required; valid values: move, copy/]],
    ],
    [
      'HeaderFrom$Key',
      { fields: 'a,b', headers: 'x', operation: 'copy' },
      [
        [
          'transforms.t.headers',
          /names 1 header for 2 fields \(transforms\.t\.fields\); give one header per field/,
        ],
      ],
    ],
    [
      'InsertHeader',
      { 'header.name': 'x' },
      [
        [
          'transforms.t.header.name',
          /is not an option of .*InsertHeader; its options: header, value.literal/,
        ],
        ['transforms.t.header', /is required/],
        ['transforms.t.value.literal', /is required/],
      ],
    ],
  ])('%s with %j is refused, every problem named', (className, options, expected) => {
    const problems = problemsOfTransform(className, options as Record<string, string>);
    expect(problems.map((p) => p.key)).toEqual(expected.map(([key]) => key));
    problems.forEach((problem, i) => {
      expect(problem.message).toMatch((expected[i] as [string, RegExp])[1]);
    });
  });
});
