// `npm run migrate -- <connector config> [flags]`: a Kafka Connect StarRocks sink config (a
// .properties file or the Connect REST JSON) becomes a deployment file for `cdk deploy`, with a
// report of every key (docs/deploy.md#migrating-from-the-kafka-connector).
//
//   --out <path>                 where the file goes (default config/sink.<stack name>.json; - for stdout)
//   --force                      overwrite an existing --out file
//   --worker <file>              the worker config (connect-standalone.properties): bootstrap servers, converters
//   --stack-name <name>          default: the connector's name
//   --msk-cluster-arn <arn>      Amazon MSK; or --bootstrap-servers <host:port,…> (Confluent Cloud, self-managed)
//   --kafka-auth <method>        msk: iam|sasl-scram-512|mtls|unauthenticated; else basic|sasl-scram-256|sasl-scram-512|mtls|none
//   --kafka-secret-arn <arn>     the Kafka credentials' secret
//   --topics <t1,t2>             the mapping's topics (default: the config's topics)
//   --vpc-id, --availability-zones <az,…>, --subnets <subnet,…>, --vpc-cidr <cidr>, --starrocks-cidrs <cidr,…>
//   --security-group <sg-…>      brokers in a VPC (with --bootstrap-servers)
//   --starrocks-secret-arn <arn> an existing secret {"username","password"}; default: the stack creates one
//   --registry-secret-arn <arn>  the schema registry's credentials
//
// Exit code: 0 the file is deployable; 1 the file was written but is not deployable yet; 2 nothing
// was written (bad arguments, unreadable input, or --out exists).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { splitList } from '../lib/config/values.ts';
import { type MigrateOptions, migrateConnectorConfig } from '../lib/local/migrate.ts';
import { type ConnectorInput, readConnectorInput } from '../lib/local/migrate-input.ts';
import { formatMigrationReport } from '../lib/local/migrate-report.ts';

const USAGE =
  'usage: npm run migrate -- <connect-StarRocks-sink.properties | connector.json> [--out <path>] [flags]';

const FORMS: Readonly<Record<ConnectorInput['form'], string>> = {
  properties: 'Java properties',
  'rest-json': 'Kafka Connect REST JSON',
  json: 'JSON config object',
};

function fail(message: string): never {
  console.error(`migrate: ${message}`);
  process.exit(2);
}

function readInput(file: string, what: string): ConnectorInput {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return fail(`cannot read ${what} ${file}: ${(error as Error).message}`);
  }
  try {
    return readConnectorInput(text);
  } catch (error) {
    return fail(`${file}: ${(error as Error).message}`);
  }
}

let parsed: ReturnType<typeof parseFlags>;
try {
  parsed = parseFlags();
} catch (error) {
  fail(`${(error as Error).message}\n${USAGE}`);
}

function parseFlags() {
  return parseArgs({
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      force: { type: 'boolean', default: false },
      worker: { type: 'string' },
      'stack-name': { type: 'string' },
      'msk-cluster-arn': { type: 'string' },
      'bootstrap-servers': { type: 'string' },
      'kafka-auth': { type: 'string' },
      'kafka-secret-arn': { type: 'string' },
      topics: { type: 'string' },
      'vpc-id': { type: 'string' },
      'availability-zones': { type: 'string' },
      subnets: { type: 'string' },
      'vpc-cidr': { type: 'string' },
      'starrocks-cidrs': { type: 'string' },
      'security-group': { type: 'string' },
      'starrocks-secret-arn': { type: 'string' },
      'registry-secret-arn': { type: 'string' },
    },
  });
}

const { values: flags, positionals } = parsed;
if (positionals.length !== 1) fail(`give exactly one connector config file\n${USAGE}`);
const inputFile = positionals[0] as string;
const input = readInput(inputFile, 'the connector config');
const worker = flags.worker === undefined ? undefined : readInput(flags.worker, 'the worker config');

const list = (text: string | undefined) => (text === undefined ? undefined : splitList(text));
// exactOptionalPropertyTypes: a flag not given is absent, not undefined.
const defined = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as MigrateOptions;
const options: MigrateOptions = defined({
  stackName: flags['stack-name'],
  mskClusterArn: flags['msk-cluster-arn'],
  bootstrapServers: list(flags['bootstrap-servers']),
  kafkaAuth: flags['kafka-auth'],
  kafkaSecretArn: flags['kafka-secret-arn'],
  topics: list(flags.topics),
  vpcId: flags['vpc-id'],
  availabilityZones: list(flags['availability-zones']),
  subnets: list(flags.subnets),
  vpcCidr: flags['vpc-cidr'],
  starrocksCidrs: list(flags['starrocks-cidrs']),
  securityGroup: flags['security-group'],
  starrocksSecretArn: flags['starrocks-secret-arn'],
  registrySecretArn: flags['registry-secret-arn'],
  worker,
});

const migration = migrateConnectorConfig(input, options);
const out = flags.out ?? path.join('config', `sink.${String(migration.deploy.stackName)}.json`);
const text = `${JSON.stringify(migration.deploy, null, 2)}\n`;
if (out === '-') {
  process.stdout.write(text);
} else {
  if (existsSync(out) && !flags.force) fail(`${out} exists; give --force to overwrite it, or another --out`);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, text);
}
const report = formatMigrationReport(migration, {
  input: inputFile,
  form: FORMS[input.form],
  out,
  ...(flags.worker !== undefined ? { worker: flags.worker } : {}),
});
// With the file on stdout, the report goes to stderr so the two can be told apart.
(out === '-' ? process.stderr : process.stdout).write(`${report}\n`);
process.exitCode = migration.deployable ? 0 : 1;
