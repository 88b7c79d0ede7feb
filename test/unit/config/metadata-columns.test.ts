import { describe, expect, it } from 'vitest';
import { CONVERTER_CLASSES } from '../../../lib/config/keys.ts';
import { parseSinkConfig } from '../../../lib/config/sink-config.ts';
import { seedConfig } from '../../fixtures/events.ts';
import { problemsOf } from '../../support/config-problems.ts';

const KEY = 'sink.metadata.columns';

describe('sink.metadata.columns', () => {
  it('has no metadata columns without the key', () => {
    expect(parseSinkConfig(seedConfig()).metadataColumns).toEqual([]);
  });

  it.each([
    ['topic', { kind: 'topic' }],
    ['partition', { kind: 'partition' }],
    ['offset', { kind: 'offset' }],
    ['timestamp', { kind: 'timestamp' }],
    ['timestamp.ms', { kind: 'timestamp.ms' }],
    ['timestamp.type', { kind: 'timestamp.type' }],
    ['key', { kind: 'key' }],
    ['key.json', { kind: 'key.json' }],
    ['key.id', { kind: 'key.field', field: 'id' }],
    ['key.order.id', { kind: 'key.field', field: 'order.id' }],
    ['header.trace-id', { kind: 'header', name: 'trace-id' }],
    ['header.a:b', { kind: 'header', name: 'a:b' }],
    ['headers', { kind: 'headers' }],
  ])('reads the source %s', (sourceText, source) => {
    const config = parseSinkConfig(seedConfig({ [KEY]: `meta_col:${sourceText}` }));
    expect(config.metadataColumns).toEqual([{ column: 'meta_col', source, sourceText }]);
  });

  it('keeps the listed order and trims spaces around pairs and their parts', () => {
    const config = parseSinkConfig(seedConfig({ [KEY]: ' kafka_offset : offset , kafka_topic:topic ' }));
    expect(config.metadataColumns.map((c) => [c.column, c.sourceText])).toEqual([
      ['kafka_offset', 'offset'],
      ['kafka_topic', 'topic'],
    ]);
  });

  it.each([
    ['', 'is empty'],
    ['kafka_offset', 'entry "kafka_offset" is not "column:source"'],
    ['kafka_offset:', 'entry "kafka_offset:" is not "column:source"'],
    [':offset', 'entry ":offset" is not "column:source"'],
    ['kafka-offset:offset', '"kafka-offset" is not a valid StarRocks column name'],
    ['1col:offset', '"1col" is not a valid StarRocks column name'],
    ['k:offsets', '"offsets" is not a metadata source; valid sources: topic, partition, offset'],
    ['k:header.', '"header." is not a metadata source'],
    ['k:key.', '"key." is not a metadata source'],
    ['k:offset,k:topic', 'column "k" is listed twice'],
  ])('refuses %j, naming the key and what is wrong', (value, message) => {
    const problems = problemsOf(seedConfig({ [KEY]: value }));
    expect(problems).toEqual([{ key: KEY, message: expect.stringContaining(message) }]);
  });

  it('names every valid source when one is unknown', () => {
    const [problem] = problemsOf(seedConfig({ [KEY]: 'k:partiton' }));
    expect(problem?.message).toContain(
      'topic, partition, offset, timestamp, timestamp.ms, timestamp.type, key, key.json, headers, key.<field>, header.<name>',
    );
  });

  it('reports every bad pair at once', () => {
    const problems = problemsOf(seedConfig({ [KEY]: 'a:nope,b-b:topic,c' }));
    expect(problems.map((p) => p.key)).toEqual([KEY, KEY, KEY]);
  });

  it.each(['key', 'key.json', 'key.id'])(
    'refuses the key source %s with a schema-registry key converter',
    (source) => {
      const problems = problemsOf(
        seedConfig({
          [KEY]: `k:${source}`,
          'key.converter': CONVERTER_CLASSES.confluentAvro,
          'key.converter.schema.registry.url': 'http://registry:8081',
        }),
      );
      expect(problems).toEqual([
        {
          key: KEY,
          message: expect.stringContaining('keys through a schema-registry key.converter are not read'),
        },
      ]);
    },
  );

  it('takes the other sources with a schema-registry key converter', () => {
    const config = parseSinkConfig(
      seedConfig({
        [KEY]: 'k:offset,h:headers',
        'key.converter': CONVERTER_CLASSES.confluentAvro,
        'key.converter.schema.registry.url': 'http://registry:8081',
      }),
    );
    expect(config.metadataColumns.map((c) => c.column)).toEqual(['k', 'h']);
  });
});
