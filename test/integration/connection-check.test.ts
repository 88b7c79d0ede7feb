import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CheckLine,
  type ConnectionReport,
  checkConnection,
  checkExitCode,
} from '../../lib/load/connection-check.ts';
import { type StandIn, startStandIn } from '../../lib/local/stand-in/index.ts';
import { kafkaRecord, mskEvent } from '../fixtures/events.ts';
import { openTarget, type StarRocksTarget, targetConfigKeys } from '../support/starrocks-target.ts';

/**
 * The connection check against the StarRocks stand-in, or a real cluster when STARROCKS_HTTP_URL
 * (and STARROCKS_USER, STARROCKS_PASSWORD) are set: a healthy target, a wrong password, a missing
 * table, a field with no column, an unreachable second FE, and through `npm run check` itself.
 * The old-version case always uses the stand-in, which can claim any version.
 */

const TABLE = 'orders';
const TABLE_DDL = `CREATE TABLE ${TABLE} (id INT NOT NULL, city VARCHAR(64), amount DECIMAL(10,2)) PRIMARY KEY(id) DISTRIBUTED BY HASH(id) PROPERTIES ("replication_num" = "1")`;

let target: StarRocksTarget;
const standIns: StandIn[] = [];

beforeEach(async () => {
  target = await openTarget({ standInUsers: { checker: 'Ch3ck-pw!' }, database: 'check_db' });
  await target.execute(TABLE_DDL);
});

afterEach(async () => {
  await target.close();
  await Promise.all(standIns.splice(0).map((s) => s.close()));
});

function connectorConfig(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    ...targetConfigKeys(target),
    'starrocks.topic2table.map': `orders-topic:${TABLE}`,
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.schemas.enable': 'false',
    'sink.properties.strip_outer_array': 'true',
    ...overrides,
  };
}

function orderEvent(...values: Record<string, unknown>[]) {
  return mskEvent(values.map((value, offset) => kafkaRecord({ topic: 'orders-topic', offset, value })));
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const linesOf = (report: ConnectionReport, status: CheckLine['status']) =>
  report.lines.filter((l) => l.status === status);

describe('checkConnection', () => {
  it('passes a healthy target: each FE, the credentials, the database, the version, the table and the sample', async () => {
    const event = orderEvent({ id: 1, city: 'Oslo', amount: 1.5, __op: 0 }, { id: 2, __op: 1 });

    const report = await checkConnection({ connectorConfig: connectorConfig(), event });

    expect(linesOf(report, 'fail')).toEqual([]);
    expect(linesOf(report, 'warn')).toEqual([]);
    expect(report.lines.map((l) => l.subject)).toEqual([
      'config',
      `FE ${target.feUrl}`,
      'credentials',
      `database ${target.database}`,
      'version',
      'sample event',
      `table ${TABLE}`,
      `table ${TABLE}`,
      `table ${TABLE}`,
    ]);
    expect(report.lines[1]?.message).toMatch(/^reachable, StarRocks \d+\.\d+/);
    expect(report.lines[6]?.message).toContain('Primary Key table, 3 columns');
    expect(report.lines[8]?.message).toContain('produces __op (1 upserts, 1 deletes');
    expect(checkExitCode(report)).toBe(0);
  });

  it('fails a wrong password without printing it, and says what it could not check', async () => {
    const password = 'Wr0ng-Secret-42';

    const report = await checkConnection({
      connectorConfig: connectorConfig({ 'starrocks.password': password }),
    });

    expect(linesOf(report, 'fail')).toEqual([
      expect.objectContaining({
        subject: 'credentials',
        message: expect.stringContaining('was refused (HTTP 401)'),
      }),
    ]);
    expect(linesOf(report, 'skip').map((l) => l.subject)).toEqual(['version', 'tables']);
    expect(JSON.stringify(report)).not.toContain(password);
    expect(checkExitCode(report)).toBe(1);
  });

  it('fails a routed table that does not exist, and a database that does not', async () => {
    const missingTable = await checkConnection({
      connectorConfig: connectorConfig({
        'starrocks.topic2table.map': `orders-topic:${TABLE},lost:lost_tbl`,
      }),
    });
    expect(linesOf(missingTable, 'fail')).toEqual([
      expect.objectContaining({
        subject: 'table lost_tbl',
        message: expect.stringContaining('does not exist'),
      }),
    ]);
    expect(checkExitCode(missingTable)).toBe(1);

    const missingDb = await checkConnection({
      connectorConfig: connectorConfig({ 'starrocks.database.name': `${target.database}_gone` }),
    });
    expect(linesOf(missingDb, 'fail')).toEqual([
      expect.objectContaining({
        subject: `database ${target.database}_gone`,
        message: expect.stringContaining('does not exist: CREATE DATABASE'),
      }),
    ]);
    expect(linesOf(missingDb, 'skip')).toEqual([
      expect.objectContaining({
        subject: 'tables',
        message: `${TABLE} not checked: database ${target.database}_gone does not exist; their existence and columns are unknown`,
      }),
    ]);
  });

  it('checks the tables the given topics route to', async () => {
    const report = await checkConnection({
      connectorConfig: connectorConfig(),
      topics: ['orders-topic', 'audit'],
    });
    expect(linesOf(report, 'fail')).toEqual([
      expect.objectContaining({ subject: 'table audit', message: expect.stringContaining('does not exist') }),
    ]);
  });

  it('names a field of the sample that has no column, and a NOT NULL column it never fills', async () => {
    await target.execute(
      'CREATE TABLE strict_tbl (id INT NOT NULL, code VARCHAR(8) NOT NULL) DUPLICATE KEY(id) DISTRIBUTED BY HASH(id) PROPERTIES ("replication_num" = "1")',
    );
    const event = mskEvent([
      kafkaRecord({ topic: 'orders-topic', value: { id: 1, city: 'Oslo', email: 'a@b.c', __op: 0 } }),
      kafkaRecord({ topic: 'strict', value: { id: 1 } }),
    ]);

    const report = await checkConnection({
      connectorConfig: connectorConfig({
        'starrocks.topic2table.map': `orders-topic:${TABLE},strict:strict_tbl`,
      }),
      event,
    });

    expect(linesOf(report, 'warn')).toEqual([
      expect.objectContaining({
        subject: `table ${TABLE}`,
        message: expect.stringContaining('"email" has no column'),
      }),
    ]);
    expect(linesOf(report, 'fail')).toEqual([
      expect.objectContaining({
        subject: 'table strict_tbl',
        message: expect.stringContaining('column "code" is NOT NULL without a default, and 1 of'),
      }),
    ]);
  });

  it('fails a missing offsets table of sink.transaction.mode=multi, giving its DDL', async () => {
    const report = await checkConnection({
      connectorConfig: connectorConfig({
        'sink.semantic': 'exactly-once',
        'sink.transaction.mode': 'multi',
        'sink.offsets.table': 'sink_offsets',
      }),
    });
    expect(report.lines).toContainEqual({
      status: 'fail',
      subject: 'table sink_offsets',
      message: expect.stringContaining(
        'create the offsets table of sink.transaction.mode=multi: CREATE TABLE sink_offsets (',
      ),
    });
  });

  it('gives each FE its own verdict: an unreachable second FE fails, the first still passes', async () => {
    const deadFe = `127.0.0.1:${await closedPort()}`;

    const report = await checkConnection({
      connectorConfig: connectorConfig({ 'starrocks.http.url': `${target.feUrl},${deadFe}` }),
    });

    expect(report.lines.filter((l) => l.subject.startsWith('FE '))).toEqual([
      expect.objectContaining({ status: 'ok', subject: `FE ${target.feUrl}` }),
      expect.objectContaining({
        status: 'fail',
        subject: `FE http://${deadFe}`,
        message: expect.stringMatching(/^unreachable: ECONNREFUSED/),
      }),
    ]);
    expect(report.couldNotRun).toBe(false);
    expect(checkExitCode(report)).toBe(1);
  });

  it('could not run when no FE answers', async () => {
    const report = await checkConnection({
      connectorConfig: connectorConfig({ 'starrocks.http.url': `127.0.0.1:${await closedPort()}` }),
    });
    expect(report.couldNotRun).toBe(true);
    expect(checkExitCode(report)).toBe(2);
  });
});

describe('checkConnection against an older StarRocks', () => {
  it('fails compression on a release before 3.2.7 and says which release brings it', async () => {
    const old = await startStandIn({ version: '3.2.5-abc1234' });
    standIns.push(old);
    old.execute(`CREATE DATABASE old_db; USE old_db; ${TABLE_DDL}`);

    const report = await checkConnection({
      connectorConfig: {
        ...connectorConfig({ 'sink.properties.compression': 'lz4_frame' }),
        'starrocks.http.url': old.feUrl,
        'starrocks.username': 'root',
        'starrocks.password': '',
        'starrocks.database.name': 'old_db',
      },
    });

    expect(linesOf(report, 'fail')).toEqual([
      {
        status: 'fail',
        subject: 'version',
        message:
          'sink.properties.compression=lz4_frame needs compressed JSON loads, which came with StarRocks 3.2.7; this cluster runs 3.2.5: upgrade StarRocks or remove the setting',
      },
    ]);
  });
});

describe('npm run check', () => {
  const run = promisify(execFile);
  /** Node 24 runs the TypeScript script directly, as `npm run check` does. */
  const node24 = path.resolve('node_modules/.bin/node');

  async function check(args: string[]): Promise<{ stdout: string; code: number }> {
    try {
      const { stdout } = await run(node24, ['scripts/check.ts', ...args], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      return { stdout, code: 0 };
    } catch (error) {
      const failed = error as { stdout: string; stderr: string; code: number };
      return { stdout: failed.stdout + failed.stderr, code: failed.code };
    }
  }

  it('checks a deployment file with its secret read from --secret-file, printing one line per check', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'check-'));
    const { 'starrocks.username': username, 'starrocks.password': password, ...rest } = connectorConfig();
    const deployFile = path.join(dir, 'sink.json');
    writeFileSync(
      deployFile,
      JSON.stringify({
        stackName: 'Check',
        sinkConfig: {
          $comment: 'a deployment file',
          ...rest,
          'starrocks.secret.arn': 'arn:aws:secretsmanager:us-east-1:123456789012:secret:starrocks-AbCdEf',
        },
        msk: {
          clusterArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/demo/x',
          topics: ['orders-topic', 'audit'],
        },
      }),
    );
    const secretFile = path.join(dir, 'secret.json');
    writeFileSync(secretFile, JSON.stringify({ username, password }));

    const { stdout, code } = await check(['--config', deployFile, '--secret-file', secretFile]);

    expect(code).toBe(1);
    expect(stdout).toContain(`ok   credentials: user "${username}" accepted`);
    expect(stdout).toMatch(/^FAIL table audit: does not exist/m);
    expect(stdout.trim().split('\n').at(-1)).toMatch(/^1 FAIL, 0 warn, 0 skip, \d+ ok$/);
    if (password !== '') expect(stdout).not.toContain(password);
  });

  it('exits 0 for a healthy target, the --topics and --event flags given', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'check-'));
    const configFile = path.join(dir, 'sink-config.json');
    writeFileSync(configFile, JSON.stringify(connectorConfig()));
    const eventFile = path.join(dir, 'event.json');
    writeFileSync(eventFile, JSON.stringify(orderEvent({ id: 1, city: 'Oslo', __op: 0 })));

    const { stdout, code } = await check([
      '--config',
      configFile,
      '--topics',
      'orders-topic',
      '--event',
      eventFile,
    ]);

    expect(stdout).toContain('ok   sample event: 1 records; rows for orders (1 rows)');
    expect(stdout).toMatch(/^0 FAIL, 0 warn, 0 skip, \d+ ok$/m);
    expect(code).toBe(0);
  });

  it('exits 2 for a config it cannot use', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'check-'));
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ 'starrocks.http.url': 'fe:8030' }));

    const { stdout, code } = await check(['--config', file]);

    expect(code).toBe(2);
    expect(stdout).toContain('FAIL config: starrocks.database.name is required');
  });
});
