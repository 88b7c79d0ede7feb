import { describe, expect, it } from 'vitest';
import type { ConnectSchema } from '../../../../lib/convert/connect-schema.ts';
import { predicateTest } from '../../../../lib/convert/transforms/chain.ts';
import { type ConnectRecord, TransformSkip } from '../../../../lib/convert/transforms/connect-record.ts';
import { problemsOf } from '../../../support/config-problems.ts';
import {
  chainOf,
  configInput,
  connectRecord,
  sinkConfig,
  textHeaders,
} from '../../../support/kafka-routing.ts';

const PREDICATES = 'org.apache.kafka.connect.transforms.predicates.';
const FILTER = 'org.apache.kafka.connect.transforms.Filter';
const STRING_SCHEMA: ConnectSchema = { type: 'string', optional: true };

/** The keys of one predicate `p` of class `className` with `options`. */
function onePredicate(className: string, options: Record<string, string> = {}): Record<string, string> {
  const keys: Record<string, string> = { predicates: 'p', 'predicates.p.type': `${PREDICATES}${className}` };
  for (const [option, value] of Object.entries(options)) keys[`predicates.p.${option}`] = value;
  return keys;
}

/** Whether the predicate `p` configured by `keys` matches `record`. */
function matches(keys: Record<string, string>, record: ConnectRecord): boolean {
  const predicate = sinkConfig(keys).predicates.get('p');
  if (predicate === undefined) throw new Error('predicate p was not parsed');
  return predicateTest(predicate)(record);
}

describe('predicates', () => {
  it.each([
    ['orders\\..*', 'orders.v1', true],
    ['orders\\..*', 'orders', false],
    ['orders', 'xorders', false],
    ['orders', 'orders.v1', false],
    ['orders|payments', 'payments', true],
    ['orders|payments', 'payments.v1', false],
    ['\\Qorders.v1\\E', 'orders.v1', true],
    ['\\Qorders.v1\\E', 'ordersXv1', false],
  ])('TopicNameMatches %s matches topic %s as a whole: %s', (pattern, topic, expected) => {
    expect(matches(onePredicate('TopicNameMatches', { pattern }), connectRecord({ topic }))).toBe(expected);
  });

  it.each([
    ['trace', textHeaders(['trace', '1']), true],
    ['trace', textHeaders(['other', '1'], ['trace', '']), true],
    ['trace', textHeaders(['Trace', '1']), false],
    ['trace', [], false],
    [' trace ', textHeaders(['trace', '1']), true],
  ])('HasHeaderKey name=%j on headers %j: %s', (name, headers, expected) => {
    expect(matches(onePredicate('HasHeaderKey', { name }), connectRecord({ headers }))).toBe(expected);
  });

  it.each([
    ['a schemaless null value', connectRecord({ value: null }), true],
    ['a null value with a schema', connectRecord({ valueSchema: STRING_SCHEMA, value: null }), true],
    ['an empty object', connectRecord({ value: {} }), false],
    ['an empty string', connectRecord({ valueSchema: STRING_SCHEMA, value: '' }), false],
    ['a record whose key alone is null', connectRecord({ key: null, value: { id: 1 } }), false],
  ])('RecordIsTombstone on %s: %s', (_what, record, expected) => {
    expect(matches(onePredicate('RecordIsTombstone'), record)).toBe(expected);
  });
});

describe('transforms behind predicates', () => {
  const guardedFilter = (negate?: string): Record<string, string> => ({
    ...onePredicate('RecordIsTombstone'),
    transforms: 'dropTombstones',
    'transforms.dropTombstones.type': FILTER,
    'transforms.dropTombstones.predicate': 'p',
    ...(negate === undefined ? {} : { 'transforms.dropTombstones.negate': negate }),
  });

  it.each([
    ['runs the transform on the records the predicate matches', undefined, null, true],
    ['leaves the records it does not match as they are', undefined, { id: 1 }, false],
    ['runs a negated transform on the records the predicate does not match', 'true', { id: 1 }, true],
    ['leaves the records a negated predicate matches', 'TRUE', null, false],
    ['reads negate=false as no negation', 'false', null, true],
  ])('%s', (_what, negate, value, dropped) => {
    const record = connectRecord({ value });
    const outcome = chainOf(guardedFilter(negate))(record);
    expect(outcome instanceof TransformSkip).toBe(dropped);
    if (!dropped) expect(outcome).toBe(record);
  });

  it('guards only the transform that names the predicate', () => {
    const chain = chainOf({
      ...onePredicate('TopicNameMatches', { pattern: 'orders\\..*' }),
      transforms: 'route,rename',
      'transforms.route.type': 'org.apache.kafka.connect.transforms.RegexRouter',
      'transforms.route.regex': '(.*)',
      'transforms.route.replacement': 'stage_$1',
      'transforms.route.predicate': 'p',
      'transforms.rename.type': 'org.apache.kafka.connect.transforms.RegexRouter',
      'transforms.rename.regex': '(.*)\\.v1',
      'transforms.rename.replacement': '$1_v1',
    });

    const routed = (topic: string) => (chain(connectRecord({ topic })) as ConnectRecord).topic;

    // The second router sees the topic the first gave, whose predicate no longer matters.
    expect(routed('orders.v1')).toBe('stage_orders_v1');
    expect(routed('payments.v1')).toBe('payments_v1');
  });
});

describe('problems with predicates', () => {
  it.each([
    [
      'no type',
      { predicates: 'p' },
      [['predicates.p.type', /is required for predicate "p"; supported classes: .*TopicNameMatches/]],
    ],
    [
      'an unknown class',
      { predicates: 'p', 'predicates.p.type': `${PREDICATES}HasHeader` },
      [
        [
          'predicates.p.type',
          /"org.apache.kafka.connect.transforms.predicates.HasHeader" is not supported; supported classes: /,
        ],
      ],
    ],
    [
      'an option of no such name',
      onePredicate('TopicNameMatches', { pattern: 'x', regex: 'y' }),
      [['predicates.p.regex', /is not an option of .*TopicNameMatches; its options: pattern/]],
    ],
    [
      'a missing pattern',
      onePredicate('TopicNameMatches'),
      [['predicates.p.pattern', /is required: a Java regular expression/]],
    ],
    [
      'a blank pattern',
      onePredicate('TopicNameMatches', { pattern: '  ' }),
      [['predicates.p.pattern', /is required/]],
    ],
    [
      'a pattern Java refuses',
      onePredicate('TopicNameMatches', { pattern: 'orders[' }),
      [['predicates.p.pattern', /"orders\[" is not a valid regular expression/]],
    ],
    [
      'a pattern this sink cannot match as Java does',
      onePredicate('TopicNameMatches', { pattern: 'orders.*+' }),
      [['predicates.p.pattern', /possessive quantifiers/]],
    ],
    [
      'a missing header name',
      onePredicate('HasHeaderKey'),
      [['predicates.p.name', /is required: the header name/]],
    ],
    [
      'a blank header name',
      onePredicate('HasHeaderKey', { name: '   ' }),
      [['predicates.p.name', /is required/]],
    ],
    [
      'an option RecordIsTombstone does not take',
      onePredicate('RecordIsTombstone', { name: 'x' }),
      [['predicates.p.name', /is not an option of .*RecordIsTombstone; it takes none/]],
    ],
    [
      'keys of a predicate not listed',
      { ...onePredicate('RecordIsTombstone'), 'predicates.q.type': `${PREDICATES}RecordIsTombstone` },
      [['predicates.q.type', /belongs to no name listed in "predicates" \(p\)/]],
    ],
    [
      'a name listed twice',
      { ...onePredicate('RecordIsTombstone'), predicates: 'p,p' },
      [['predicates', /"p" is listed twice/]],
    ],
    [
      'a transform naming a predicate not listed',
      {
        ...onePredicate('RecordIsTombstone'),
        transforms: 't',
        'transforms.t.type': FILTER,
        'transforms.t.predicate': 'q',
      },
      [['transforms.t.predicate', /"q" is not a predicate listed in "predicates" \(p\)/]],
    ],
    [
      'negate without a predicate',
      { transforms: 't', 'transforms.t.type': FILTER, 'transforms.t.negate': 'true' },
      [['transforms.t.negate', /has no effect without transforms.<name>.predicate/]],
    ],
    [
      'negate that is not a boolean',
      {
        ...onePredicate('RecordIsTombstone'),
        transforms: 't',
        'transforms.t.type': FILTER,
        'transforms.t.predicate': 'p',
        'transforms.t.negate': 'yes',
      },
      [['transforms.t.negate', /"yes" is not a boolean; valid values: true, false/]],
    ],
  ])('reports %s under its key', (_what, keys, expected) => {
    const problems = problemsOf(configInput(keys as Record<string, string>));
    expect(problems.map((p) => p.key)).toEqual(expected.map(([key]) => key));
    problems.forEach((problem, i) => {
      expect(problem.message).toMatch((expected[i] as [string, RegExp])[1]);
    });
  });
});
