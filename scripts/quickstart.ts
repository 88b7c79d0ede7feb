// `npm start`: the seed's quickstart with nothing but Node. Starts the StarRocks stand-in, creates
// example_db.test_tbl with the seed's DDL, invokes the built bundle as Lambda would with an MSK
// event carrying the seed's three records, and prints the table as the MySQL client would.
import { readFileSync } from 'node:fs';
import { startLocalFunction } from '../lib/local/lambda-runtime.ts';
import { startStandIn } from '../lib/local/stand-in/index.ts';

const SEED_DDL = `CREATE DATABASE example_db;
USE example_db;
CREATE TABLE test_tbl (id INT, city STRING);`;

const starrocks = await startStandIn({ users: { root: '', user1: '123456' } });
console.log(`StarRocks stand-in: FE ${starrocks.feUrl}, BE ${starrocks.beUrl}\n`);
console.log(`${SEED_DDL}\n`);
starrocks.execute(SEED_DDL);

// The seed connector's config, with the stand-in's FE address.
const sinkConfig = {
  name: 'starrocks-kafka-connector',
  'connector.class': 'com.starrocks.connector.kafka.StarRocksSinkConnector',
  topics: 'test',
  'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'key.converter.schemas.enable': 'true',
  'value.converter.schemas.enable': 'false',
  'starrocks.http.url': new URL(starrocks.feUrl).host,
  'starrocks.topic2table.map': 'test:test_tbl',
  'starrocks.username': 'user1',
  'starrocks.password': '123456',
  'starrocks.database.name': 'example_db',
  'sink.properties.strip_outer_array': 'true',
};
const event = JSON.parse(readFileSync('events/msk-quickstart.json', 'utf8')) as unknown;

const sink = await startLocalFunction({
  bundle: 'dist/sink/index.mjs',
  env: { SINK_CONFIG: JSON.stringify(sinkConfig), POWERTOOLS_METRICS_DISABLED: 'true' },
  onLog: (line) => console.log(`  [lambda] ${line}`),
});
console.log('invoking dist/sink/index.mjs with events/msk-quickstart.json (3 records on topic "test")');
const result = await sink.invoke(event, { timeoutMs: 30_000 });
await sink.close();

if (!result.ok) {
  console.error(`\nthe invocation failed: ${result.error.errorMessage}`);
  await starrocks.close();
  process.exit(1);
}
console.log(`\ninvocation succeeded in ${result.ms} ms\n`);
console.log('MySQL [example_db]> select * from test_tbl;');
console.log(starrocks.formatTable('example_db', 'test_tbl'));
await starrocks.close();
