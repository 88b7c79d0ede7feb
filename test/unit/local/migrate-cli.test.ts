import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDeployConfig } from '../../../cdk/deploy-config.ts';

/** Node 24 runs the TypeScript script directly, as `npm run migrate` does. */
const NODE24 = path.resolve('node_modules/.bin/node');
const FIXTURES = 'test/fixtures/connector-configs';
const MSK_ARN = 'arn:aws:kafka:us-east-1:999988887777:cluster/demo/abcd-1';

function migrate(...args: string[]) {
  const result = spawnSync(NODE24, ['scripts/migrate.ts', ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const tempFile = (name: string) => path.join(mkdtempSync(path.join(tmpdir(), 'migrate-')), name);

describe('npm run migrate', () => {
  it('writes a deployable file and exits 0 when every value is known', () => {
    const out = tempFile('sink.json');
    const run = migrate(
      `${FIXTURES}/connect-StarRocks-sink.properties`,
      '--out',
      out,
      '--msk-cluster-arn',
      MSK_ARN,
    );

    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`deployable: npm run build && SINK_DEPLOY_CONFIG=${out} npx cdk deploy`);
    const written = readFileSync(out, 'utf8');
    expect(written).not.toContain('123456');
    expect(run.stdout).not.toContain('123456');
    expect(parseDeployConfig(JSON.parse(written)).stackName).toBe('starrocks-kafka-connector');
  });

  it('writes the file with placeholders and exits 1 when a value is missing', () => {
    const out = tempFile('sink.json');
    const run = migrate(`${FIXTURES}/sr-sink.properties`, '--out', out);

    expect(run.code).toBe(1);
    expect(run.stdout).toContain('NOT deployable yet');
    expect(readFileSync(out, 'utf8')).toContain('"<REQUIRED: --msk-cluster-arn>"');
  });

  it('writes the file to stdout with --out - and the report to stderr', () => {
    const run = migrate(`${FIXTURES}/connect-rest-body.txt`, '--out', '-', '--msk-cluster-arn', MSK_ARN);

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).msk.clusterArn).toBe(MSK_ARN);
    expect(run.stderr).toContain(
      'migrate: test/fixtures/connector-configs/connect-rest-body.txt (Kafka Connect REST JSON)',
    );
  });

  it.each([
    [['--out', '-'], /give exactly one connector config file/],
    [[`${FIXTURES}/none.properties`, '--out', '-'], /cannot read the connector config/],
    [[`${FIXTURES}/connect-rest-body.txt`, '--no-such-flag'], /Unknown option '--no-such-flag'/],
  ])('writes nothing and exits 2 for %j', (args, message) => {
    const run = migrate(...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });

  it('refuses to overwrite an existing file without --force', () => {
    const out = tempFile('sink.json');
    writeFileSync(out, 'mine');
    const refused = migrate(`${FIXTURES}/connect-rest-body.txt`, '--out', out);
    const forced = migrate(`${FIXTURES}/connect-rest-body.txt`, '--out', out, '--force');

    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('exists; give --force');
    expect(forced.code).toBe(1);
    expect(existsSync(out) && readFileSync(out, 'utf8')).toContain('"stackName"');
  });
});
