import { describe, expect, it } from 'vitest';
import { suggestKeys } from '../../../lib/config/key-names.ts';
import { didYouMean, editDistance, nearestKeys, typoAllowance } from '../../../lib/config/nearest-key.ts';
import { parseSinkConfig } from '../../../lib/config/sink-config.ts';
import { problemsOf } from '../../support/config-problems.ts';

const minimal = {
  'starrocks.http.url': '127.0.0.1:8030',
  'starrocks.database.name': 'example_db',
  'starrocks.username': 'root',
  'starrocks.password': '',
};

const debezium = {
  transforms: 'unwrap',
  'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
};

describe('editDistance', () => {
  it.each([
    ['map', 'map', 0],
    ['mapp', 'map', 1],
    ['mpa', 'map', 1],
    ['Map', 'map', 0],
    ['propertis', 'properties', 1],
    ['schema', 'schemas', 1],
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
  ])('counts %s → %s as %i edits', (a, b, edits) => {
    expect(editDistance(a, b)).toBe(edits);
    expect(editDistance(b, a)).toBe(edits);
  });
});

describe('nearestKeys', () => {
  it('returns the closest candidate within its allowance', () => {
    expect(nearestKeys('starrocks.topic2table.mapp', ['starrocks.topic2table.map', 'topics'])).toEqual([
      'starrocks.topic2table.map',
    ]);
  });

  it('returns nothing when every candidate is farther than a typo', () => {
    expect(nearestKeys('foo', ['starrocks.http.url', 'topics'])).toEqual([]);
    expect(typoAllowance('topics')).toBe(1);
    expect(nearestKeys('tpcs', ['topics'])).toEqual([]);
  });

  it('returns every candidate tied at the best distance, at most three', () => {
    expect(nearestKeys('ab', ['ac', 'ad', 'ae', 'af', 'abcd'])).toEqual(['ac', 'ad', 'ae']);
  });

  it('never suggests the key itself', () => {
    expect(nearestKeys('topics', ['topics'])).toEqual([]);
  });
});

describe('didYouMean', () => {
  it.each([
    [[], ''],
    [['a'], 'did you mean a?'],
    [['a', 'b'], 'did you mean a or b?'],
    [['a', 'b', 'c'], 'did you mean a, b or c?'],
  ])('words %j as %j', (suggestions, text) => {
    expect(didYouMean(suggestions)).toBe(text);
  });
});

describe('suggestKeys', () => {
  it.each([
    ['sink.propertis.strip_outer_array', 'sink.properties.strip_outer_array'],
    ['sink.properties.strip_outer_aray', 'sink.properties.strip_outer_array'],
    ['starrocks.topic2table.mapp', 'starrocks.topic2table.map'],
    ['starrocks.usernme', 'starrocks.username'],
    ['value.converter.schema.enable', 'value.converter.schemas.enable'],
    ['key.converter.schema.registry.ur', 'key.converter.schema.registry.url'],
    ['sink.table.t.propertes.columns', 'sink.table.t.properties.columns'],
    ['sink.tables.orders.properties.columns', 'sink.table.orders.properties.columns'],
    ['transfroms.unwrap.type', 'transforms.unwrap.type'],
    ['bufferflush.maxbyte', 'bufferflush.maxbytes'],
    ['errors.tolerence', 'errors.tolerance'],
  ])('suggests %s → %s', (typo, meant) => {
    expect(suggestKeys(typo)).toEqual([meant]);
  });

  it.each(['foo', 'completely.different.thing', 'starrocks'])('suggests nothing for %s', (key) => {
    expect(suggestKeys(key)).toEqual([]);
  });
});

describe('unknown keys in parseSinkConfig', () => {
  it.each([
    ['sink.propertis.strip_outer_array', 'sink.properties.strip_outer_array'],
    ['starrocks.topic2table.mapp', 'starrocks.topic2table.map'],
    ['sink.semantics', 'sink.semantic'],
  ])('names the nearest valid key for %s', (typo, meant) => {
    const problems = problemsOf({ ...minimal, [typo]: 'x' });
    const message = problems.find((p) => p.key === typo)?.message;
    expect(message).toMatch(
      new RegExp(`^is not a known key; did you mean ${meant.replaceAll('.', '\\.')}\\?`),
    );
  });

  it('lists only the valid keys that start like the unknown one', () => {
    const [problem] = problemsOf({ ...minimal, 'errors.tolerance_x': 'all' });
    expect(problem?.message).toBe(
      'is not a known key; did you mean errors.tolerance? Valid keys: errors.tolerance, errors.deadletterqueue.s3.bucket, errors.deadletterqueue.s3.prefix, errors.deadletterqueue.sqs.url',
    );
  });

  it('says how the valid keys start when nothing is near and nothing starts alike', () => {
    const [problem] = problemsOf({ ...minimal, foo: 'x' });
    expect(problem?.message).toBe(
      'is not a known key. Valid keys start with starrocks., topics, key.converter, value.converter, transforms, predicates, connect.timeoutms, sink., errors. (every key is in docs/configuration.md)',
    );
    expect(problem?.message.length).toBeLessThan(200);
  });

  it.each([
    ['value.converter.schema.enable', 'value.converter.schemas.enable'],
    ['sink.table.t.propertes.columns', 'sink.table.t.properties.columns'],
  ])('adds the suggestion for the family key %s that no member of its family takes', (typo, meant) => {
    const problems = problemsOf({ ...minimal, [typo]: 'false' });
    expect(problems.filter((p) => p.key === typo).map((p) => p.message)).toContain(`did you mean ${meant}?`);
  });

  it('leaves family keys a member could take to the family parser', () => {
    expect(() =>
      parseSinkConfig({
        ...minimal,
        'sink.properties.columns': 'a,b',
        'sink.table.t.properties.columns': 'a',
        'value.converter.schemas.enable': 'false',
      }),
    ).not.toThrow();
  });

  it('names the nearest option of a transform class', () => {
    const problems = problemsOf({
      ...minimal,
      ...debezium,
      'transforms.unwrap.delete.handling.mod': 'rewrite',
    });
    expect(problems).toEqual([
      {
        key: 'transforms.unwrap.delete.handling.mod',
        message: expect.stringMatching(
          /^is not an option of io\.debezium\.transforms\.ExtractNewRecordState; its options: .*; did you mean transforms\.unwrap\.delete\.handling\.mode\?$/,
        ),
      },
    ]);
  });

  it('names the nearest option of a predicate class', () => {
    const problems = problemsOf({
      ...minimal,
      predicates: 'p',
      'predicates.p.type': 'org.apache.kafka.connect.transforms.predicates.TopicNameMatches',
      'predicates.p.patern': 'a.*',
    });
    expect(problems.find((p) => p.key === 'predicates.p.patern')?.message).toMatch(
      /did you mean predicates\.p\.pattern\?$/,
    );
  });

  it('adds no suggestion to a transform option far from every option', () => {
    const problems = problemsOf({ ...minimal, ...debezium, 'transforms.unwrap.zzzzzz': 'x' });
    expect(problems[0]?.message).not.toContain('did you mean');
  });
});
