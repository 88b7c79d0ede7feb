import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { type StandIn, startStandIn } from '../../lib/local/stand-in/index.ts';
import { kafkaRecord, selfManagedEvent } from '../fixtures/events.ts';

/** `npm start` (scripts/quickstart.ts after the build), run as a user runs it. */

const run = promisify(execFile);
const SEED_OUTPUT = `MySQL [example_db]> select * from test_tbl;
+------+-------------+
| id   | city        |
+------+-------------+
|    1 | New York    |
|    2 | Los Angeles |
|    3 | Chicago     |
+------+-------------+
3 rows in set (0.00 sec)`;

function quickstart(args: string[] = []) {
  return run(process.execPath, ['scripts/quickstart.ts', ...args], { timeout: 60_000 });
}

let standIn: StandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

describe('npm start', () => {
  it('runs the seed quickstart and prints the table as the seed shows it', async () => {
    const { stdout } = await quickstart();
    expect(stdout).toContain('CREATE TABLE test_tbl (id INT, city STRING);');
    expect(stdout).toContain('invocation succeeded');
    expect(stdout).toContain(SEED_OUTPUT);
  });

  it('loads a user event with a .properties connector config and DDL into the stand-in', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'quickstart-'));
    const eventFile = path.join(dir, 'event.json');
    const configFile = path.join(dir, 'connect-StarRocks-sink.properties');
    const ddlFile = path.join(dir, 'tables.sql');
    writeFileSync(
      eventFile,
      JSON.stringify(
        selfManagedEvent([kafkaRecord({ topic: 'orders.v1', partition: 2, offset: 7, value: '7,Tokyo' })]),
      ),
    );
    writeFileSync(
      configFile,
      [
        '# a Kafka Connect properties file',
        'name=starrocks-kafka-connector',
        'connector.class=com.starrocks.connector.kafka.StarRocksSinkConnector',
        'topics=orders.v1',
        'value.converter=org.apache.kafka.connect.storage.StringConverter',
        'starrocks.http.url=192.168.0.10:8030',
        'starrocks.topic2table.map=orders.v1:orders',
        'starrocks.username=root',
        'starrocks.password=',
        'starrocks.database.name=shop',
        'sink.properties.format=csv',
        'sink.properties.column_separator=,',
      ].join('\n'),
    );
    writeFileSync(ddlFile, 'CREATE DATABASE shop; USE shop; CREATE TABLE orders (id INT, city STRING);');

    const { stdout } = await quickstart(['--event', eventFile, '--config', configFile, '--ddl', ddlFile]);

    expect(stdout).toContain('MySQL [shop]> select * from orders;');
    expect(stdout).toContain('|    7 | Tokyo |');
  });

  it('loads into the StarRocks given with --starrocks, --user and --password', async () => {
    standIn = await startStandIn({ users: { loader: 'Pa55-word' } });
    standIn.execute(
      'CREATE DATABASE example_db; USE example_db; CREATE TABLE test_tbl (id INT, city STRING);',
    );

    const { stdout } = await quickstart([
      '--starrocks',
      new URL(standIn.feUrl).host,
      '--user',
      'loader',
      '--password',
      'Pa55-word',
    ]);

    expect(stdout).toContain('invocation succeeded');
    expect(stdout).not.toContain('Pa55-word');
    expect(standIn.rows('example_db', 'test_tbl')).toHaveLength(3);
  });

  it('reads the Kafka Connect REST form and exits non-zero with the sink error when the load fails', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'quickstart-'));
    const configFile = path.join(dir, 'connector.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        name: 'starrocks-kafka-connector',
        config: {
          topics: 'test',
          'value.converter.schemas.enable': 'false',
          'starrocks.http.url': '192.168.0.10:8030',
          'starrocks.topic2table.map': 'test:no_such_tbl',
          'starrocks.username': 'root',
          'starrocks.password': '',
          'starrocks.database.name': 'example_db',
        },
      }),
    );

    const failure = await quickstart(['--config', configFile]).then(
      () => undefined,
      (e: { code?: number; stdout?: string; stderr?: string }) => e,
    );

    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toContain('creating database example_db only');
    expect(failure?.stderr).toContain('the invocation failed (LOAD_FAILED)');
    expect(failure?.stderr).toContain('no_such_tbl');
  });
});
