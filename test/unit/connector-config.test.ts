import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConnectorConfig } from '../../lib/local/connector-config.ts';
import { SEED_CONNECTOR_CONFIG } from '../../lib/local/seed.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'connector-config-'));
function file(name: string, text: string): string {
  const where = path.join(dir, name);
  writeFileSync(where, text);
  return where;
}

describe('readConnectorConfig', () => {
  it('reads the seed config as connect-standalone takes it, a .properties file', () => {
    const text = [
      '# the sink of the walk-through',
      ...Object.entries(SEED_CONNECTOR_CONFIG).map(([key, value]) => `${key}=${value}`),
      '! another comment style',
      'starrocks.http.url: 127.0.0.1:8030',
      'topics = test,\\',
      '         orders',
    ].join('\n');

    expect(readConnectorConfig(file('connect-StarRocks-sink.properties', text))).toEqual({
      ...SEED_CONNECTOR_CONFIG,
      'starrocks.http.url': '127.0.0.1:8030',
      topics: 'test,orders',
    });
  });

  it('reads the Kafka Connect REST body with its name, and a flat object', () => {
    const rest = { name: 'starrocks-kafka-connector', config: { topics: 'test', 'tasks.max': 1 } };
    expect(readConnectorConfig(file('rest.json', JSON.stringify(rest)))).toEqual({
      name: 'starrocks-kafka-connector',
      topics: 'test',
      'tasks.max': '1',
    });
    expect(
      readConnectorConfig(file('flat.json', '{"topics": "test", "sink.partial.batch.response": true}')),
    ).toEqual({ topics: 'test', 'sink.partial.batch.response': 'true' });
  });

  it('names each key whose value is not text, and the file that is not JSON', () => {
    const bad = file('bad.json', '{"topics": null, "starrocks.http.url": ["a:8030"], "name": "x"}');
    expect(() => readConnectorConfig(bad)).toThrow(
      `${bad}: topics: must be a string, got null; starrocks.http.url: must be a string, got an array`,
    );
    const broken = file('broken.json', '{"topics": "test",');
    expect(() => readConnectorConfig(broken)).toThrow(`${broken} is not valid JSON`);
  });
});
