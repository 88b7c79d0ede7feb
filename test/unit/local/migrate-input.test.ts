import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  MigrateInputError,
  parseJavaProperties,
  readConnectorInput,
} from '../../../lib/local/migrate-input.ts';

const fixture = (name: string) => readFileSync(`test/fixtures/connector-configs/${name}`, 'utf8');
const pairs = (text: string) => parseJavaProperties(text).map(({ key, value }) => [key, value]);

describe('parseJavaProperties', () => {
  it.each([
    ['key=value', [['key', 'value']]],
    ['key: value', [['key', 'value']]],
    ['key value', [['key', 'value']]],
    ['  key  =  value', [['key', 'value']]],
    ['key=value  ', [['key', 'value  ']]],
    ['key=a=b:c', [['key', 'a=b:c']]],
    ['key', [['key', '']]],
    ['key=', [['key', '']]],
    ['# comment\n! comment\n\n   \nkey=v', [['key', 'v']]],
    ['key=v # not a comment', [['key', 'v # not a comment']]],
    ['a\\=b=c', [['a=b', 'c']]],
    ['a\\:b\\ c=d', [['a:b c', 'd']]],
    ['key=tab\\there\\nnewline', [['key', 'tab\there\nnewline']]],
    ['key=\\u3042\\u0041', [['key', 'あA']]],
    ['key=back\\\\slash', [['key', 'back\\slash']]],
    ['key=\\q', [['key', 'q']]],
    ['key=日本語', [['key', '日本語']]],
  ])('reads %j', (text, expected) => {
    expect(pairs(text)).toEqual(expected);
  });

  it.each([
    ['key=a,\\\n    b,\\\n    c', [['key', 'a,b,c']]],
    [
      'key=a\\\\\nother=b',
      [
        ['key', 'a\\'],
        ['other', 'b'],
      ],
    ],
    ['key=a\\\\\\\n  b', [['key', 'a\\b']]],
    ['key=a\\\r\n  b', [['key', 'ab']]],
    ['key=a\\\r  b', [['key', 'ab']]],
    ['# comment ending in a backslash \\\nkey=v', [['key', 'v']]],
    ['key=a\\\n# not a comment here', [['key', 'a# not a comment here']]],
    ['key=last\\', [['key', 'last']]],
  ])('joins continuation lines in %j', (text, expected) => {
    expect(pairs(text)).toEqual(expected);
  });

  it('gives the line each key starts on', () => {
    expect(parseJavaProperties('# c\na=1\\\n 2\nb=3').map((e) => [e.key, e.line])).toEqual([
      ['a', 2],
      ['b', 4],
    ]);
  });

  it('refuses a malformed \\u escape, naming the line', () => {
    expect(() => parseJavaProperties('a=1\nkey=\\u12G4')).toThrow(/line 2: malformed \\uXXXX escape/);
  });
});

describe('readConnectorInput', () => {
  it("reads the seed's connect-StarRocks-sink.properties with its Japanese comments", () => {
    const input = readConnectorInput(fixture('connect-StarRocks-sink.properties'));
    expect(input.form).toBe('properties');
    expect(input.entries.map((e) => e.key)).toEqual([
      'name',
      'connector.class',
      'topics',
      'key.converter',
      'value.converter',
      'key.converter.schemas.enable',
      'value.converter.schemas.enable',
      'starrocks.http.url',
      'starrocks.topic2table.map',
      'starrocks.username',
      'starrocks.password',
      'starrocks.database.name',
      'sink.properties.strip_outer_array',
    ]);
    expect(input.entries.find((e) => e.key === 'starrocks.topic2table.map')?.value).toBe('test:test_tbl');
  });

  it("reads the seed's worker config with spaces around '='", () => {
    const input = readConnectorInput(fixture('debezium-connect-standalone.properties'));
    expect(input.entries.find((e) => e.key === 'bufferflush.maxbytes')?.value).toBe('xxx');
    expect(input.entries.find((e) => e.key === 'bootstrap.servers')?.value).toBe('<kafka_broker_ip>:9092');
  });

  it('reads the Connect REST body, its name becoming the name key', () => {
    const input = readConnectorInput(fixture('connect-rest-body.txt'));
    expect(input.form).toBe('rest-json');
    expect(input.entries[0]).toEqual({ key: 'name', value: 'starrocks-kafka-connector' });
    expect(input.entries).toHaveLength(13);
  });

  it('reads JSON by its content, whatever the file is called (the seed calls its REST body sr-sink.properties)', () => {
    const input = readConnectorInput(fixture('sr-sink.properties'));
    expect(input.form).toBe('rest-json');
    expect(input.entries.find((e) => e.key === 'transforms')?.value).toBe('addfield,unwrap');
  });

  it('reads a bare config object, numbers and booleans as their text', () => {
    const input = readConnectorInput('{"topics": "a", "tasks.max": 1, "x": true}');
    expect(input.form).toBe('json');
    expect(input.entries).toEqual([
      { key: 'topics', value: 'a' },
      { key: 'tasks.max', value: '1' },
      { key: 'x', value: 'true' },
    ]);
  });

  it.each([
    ['{"topics": ', /not valid JSON/],
    ['{"topics": ["a"]}', /"topics" must be a string, got an array/],
    ['{"config": {"topics": null}}', /"topics" must be a string, got null/],
  ])('refuses %j', (text, message) => {
    expect(() => readConnectorInput(text)).toThrow(MigrateInputError);
    expect(() => readConnectorInput(text)).toThrow(message);
  });

  it('keeps the last of a repeated key, as java.util.Properties does, and names it', () => {
    const input = readConnectorInput('topics=a\nname=x\ntopics=b');
    expect(input.entries).toEqual([
      { key: 'name', value: 'x', line: 2 },
      { key: 'topics', value: 'b', line: 3 },
    ]);
    expect(input.repeated).toEqual(['topics']);
  });
});
