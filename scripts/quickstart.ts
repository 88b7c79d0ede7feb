// `npm start`: the seed's quickstart with nothing but Node, and a local invoke for your own events.
//
//   npm start                                   the seed quickstart on the StarRocks stand-in
//   npm start -- --event e.json --config c.json [--ddl tables.sql]   your event and connector config
//   npm start -- --event e.json --config c.json --starrocks fe:8030 --user u --password p [--database db]
//                                               the same against a real StarRocks
//   add --keep to leave the stand-in running (Ctrl-C stops it)
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readConnectorConfig } from '../lib/local/connector-config.ts';
import { startLocalFunction } from '../lib/local/lambda-runtime.ts';
import { SEED_CONNECTOR_CONFIG, SEED_DDL } from '../lib/local/seed.ts';
import { type StandIn, startStandIn } from '../lib/local/stand-in/index.ts';

const { values: args } = parseArgs({
  options: {
    event: { type: 'string', default: 'events/msk-quickstart.json' },
    config: { type: 'string' },
    ddl: { type: 'string' },
    starrocks: { type: 'string' },
    user: { type: 'string' },
    password: { type: 'string' },
    database: { type: 'string' },
    'timeout-ms': { type: 'string', default: '60000' },
    keep: { type: 'boolean', default: false },
  },
});

const config = args.config ? readConnectorConfig(args.config) : { ...SEED_CONNECTOR_CONFIG };
if (args.database) config['starrocks.database.name'] = args.database;
let standIn: StandIn | undefined;
if (args.starrocks) {
  config['starrocks.http.url'] = args.starrocks;
  if (args.user !== undefined) config['starrocks.username'] = args.user;
  if (args.password !== undefined) config['starrocks.password'] = args.password;
  console.log(`StarRocks: ${args.starrocks} (database ${config['starrocks.database.name']})\n`);
} else {
  const user = config['starrocks.username'] ?? 'root';
  standIn = await startStandIn({ users: { [user]: config['starrocks.password'] ?? '' } });
  config['starrocks.http.url'] = new URL(standIn.feUrl).host;
  const ddl = args.ddl ? readFileSync(args.ddl, 'utf8') : args.config ? undefined : SEED_DDL;
  console.log(`StarRocks stand-in: FE ${standIn.feUrl}, BE ${standIn.beUrl}\n`);
  if (ddl === undefined) {
    const database = config['starrocks.database.name'] ?? 'example_db';
    console.log(
      `no --ddl given: creating database ${database} only; tables must be created with --ddl tables.sql\n`,
    );
    standIn.execute(`CREATE DATABASE IF NOT EXISTS ${database}`);
  } else {
    console.log(`${ddl.trim()}\n`);
    standIn.execute(ddl);
  }
}

const event = JSON.parse(readFileSync(args.event, 'utf8')) as { records?: Record<string, unknown[]> };
const recordCount = Object.values(event.records ?? {}).reduce((n, list) => n + list.length, 0);
const sink = await startLocalFunction({
  bundle: 'dist/sink/index.mjs',
  env: { SINK_CONFIG: JSON.stringify(config), POWERTOOLS_METRICS_DISABLED: 'true' },
  onLog: (line) => console.log(`  [lambda] ${line}`),
});
console.log(`invoking dist/sink/index.mjs with ${args.event} (${recordCount} records)`);
const result = await sink.invoke(event, { timeoutMs: Number(args['timeout-ms']) });
await sink.close();

if (!result.ok) {
  console.error(
    `\nthe invocation failed (${result.error.code ?? result.error.errorType}):\n${result.error.errorMessage}`,
  );
  await standIn?.close();
  process.exit(1);
}
console.log(`\ninvocation succeeded in ${result.ms} ms`);
if (standIn !== undefined) {
  const database = config['starrocks.database.name'] ?? 'example_db';
  for (const table of new Set(standIn.loads.map((l) => l.table))) {
    console.log(`\nMySQL [${database}]> select * from ${table};`);
    console.log(standIn.formatTable(database, table));
  }
  if (args.keep) {
    console.log(
      `\nthe stand-in keeps running: GET ${standIn.feUrl}/api/_stand_in/${database}/<table>/table (Ctrl-C stops it)`,
    );
    process.once('SIGINT', () => void standIn?.close().then(() => process.exit(0)));
  } else {
    await standIn.close();
  }
}
