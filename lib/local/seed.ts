/**
 * The seed document's quickstart and CDC walk-through, as data: used by `npm start`, the tests and
 * the benchmark, so they all run what a user following the StarRocks connector guide would.
 */

export const SEED_DDL = `CREATE DATABASE example_db;
USE example_db;
CREATE TABLE test_tbl (id INT, city STRING);`;

/** The three JSON records the seed produces to topic `test`. */
export const SEED_ROWS = [
  { id: 1, city: 'New York' },
  { id: 2, city: 'Los Angeles' },
  { id: 3, city: 'Chicago' },
] as const;

/** The seed's connector config for the quickstart; `starrocks.http.url` is the caller's. */
export const SEED_CONNECTOR_CONFIG: Readonly<Record<string, string>> = {
  name: 'starrocks-kafka-connector',
  'connector.class': 'com.starrocks.connector.kafka.StarRocksSinkConnector',
  topics: 'test',
  'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'key.converter.schemas.enable': 'true',
  'value.converter.schemas.enable': 'false',
  'starrocks.topic2table.map': 'test:test_tbl',
  'starrocks.username': 'user1',
  'starrocks.password': '123456',
  'starrocks.database.name': 'example_db',
  'sink.properties.strip_outer_array': 'true',
};

/** The seed's Debezium sink settings (its CDC walk-through) for a topic loaded into a table. */
export function seedDebeziumSettings(topic: string, table: string): Record<string, string> {
  return {
    topics: topic,
    'starrocks.topic2table.map': `${topic}:${table}`,
    'value.converter.schemas.enable': 'true',
    transforms: 'addfield,unwrap',
    'transforms.addfield.type': 'com.starrocks.connector.kafka.transforms.AddOpFieldForDebeziumRecord',
    'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
    'transforms.unwrap.drop.tombstones': 'true',
    'transforms.unwrap.delete.handling.mode': 'rewrite',
  };
}
