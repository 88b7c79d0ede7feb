// `npm run check -- --config <file> [flags]`: the connection check (docs/operations.md#connection-check).
// Every FE reachable, the credentials valid, the database and the routed tables there, their columns
// against a sample event's fields, and the StarRocks version against what the config asks for.
//
//   --config <file>        a deployment file (config/sink.json: its sinkConfig and topics), the
//                          SINK_CONFIG JSON object, the Kafka Connect REST JSON or a .properties file
//   --topics <t1,t2>       the topics consumed (default: the deployment file's, else the config's topics)
//   --event <file>         a sample event-source mapping event (events/*.json): its rows against the columns
//   --secret-file <file>   the JSON of starrocks.secret.arn ({"username","password"}); without it the
//                          secret is read through Secrets Manager with the ambient AWS credentials
//   --timeout-ms <ms>      the time each call to StarRocks has (default 10000)
//   --strict               exit 1 on a warning or a skipped check too
//
// Exit code: 0 nothing failed; 1 a check failed; 2 the check could not run (bad arguments or
// config, unreadable credentials, no FE answered).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { splitList } from '../lib/config/values.ts';
import type { SecretReader } from '../lib/decode/schema-registry/schema-cache.ts';
import { checkConnection, checkExitCode, formatCheckReport } from '../lib/load/connection-check.ts';
import { readConnectorInput } from '../lib/local/migrate-input.ts';

const USAGE =
  'usage: npm run check -- --config <deployment file | connector config> [--topics t1,t2] [--event events/x.json] [--secret-file secret.json] [--timeout-ms 10000] [--strict]';

function fail(message: string): never {
  console.error(`check: ${message}`);
  process.exit(2);
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    return fail(`cannot read ${what} ${file}: ${(error as Error).message}`);
  }
}

function readJson(file: string, what: string): unknown {
  try {
    return JSON.parse(readText(file, what));
  } catch (error) {
    return fail(`${what} ${file} is not JSON: ${(error as Error).message}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The connector config and the topics a file gives: a deployment file's, or a connector config's. */
function readConfigFile(file: string): { config: Record<string, string>; topics?: string[] } {
  const text = readText(file, 'config');
  let parsed: unknown;
  try {
    parsed = /^\s*\{/.test(text) ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (isObject(parsed) && isObject(parsed.sinkConfig)) {
    // Keys starting with `$` are the deployment file's comments.
    const config = Object.fromEntries(
      Object.entries(parsed.sinkConfig).filter(([key]) => !key.startsWith('$')),
    ) as Record<string, string>;
    const source = isObject(parsed.msk) ? parsed.msk : isObject(parsed.selfManaged) ? parsed.selfManaged : {};
    const topics = Array.isArray(source.topics) ? source.topics.map(String) : undefined;
    return topics === undefined ? { config } : { config, topics };
  }
  try {
    const input = readConnectorInput(text);
    return { config: Object.fromEntries(input.entries.map((e) => [e.key, e.value])) };
  } catch (error) {
    return fail(`${file}: ${(error as Error).message}`);
  }
}

/** The secret's JSON from --secret-file, or through Secrets Manager (imported only when needed). */
function secretReader(secretFile: string | undefined): SecretReader {
  if (secretFile !== undefined) {
    const value = readJson(secretFile, 'secret file');
    return async () => value;
  }
  return async (arn) => {
    const { readSecretJson } = await import('../functions/sink/credentials.ts');
    return readSecretJson(arn);
  };
}

let flags: ReturnType<typeof parseFlags>;
try {
  flags = parseFlags();
} catch (error) {
  fail(`${(error as Error).message}\n${USAGE}`);
}

function parseFlags() {
  return parseArgs({
    allowPositionals: false,
    options: {
      config: { type: 'string' },
      topics: { type: 'string' },
      event: { type: 'string' },
      'secret-file': { type: 'string' },
      'timeout-ms': { type: 'string' },
      strict: { type: 'boolean', default: false },
    },
  }).values;
}

if (flags.config === undefined) fail(`--config is required\n${USAGE}`);
const timeoutMs = flags['timeout-ms'] === undefined ? undefined : Number(flags['timeout-ms']);
if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) {
  fail(`--timeout-ms "${flags['timeout-ms']}" is not a positive whole number of milliseconds`);
}
const { config, topics: fileTopics } = readConfigFile(flags.config);
const topics = flags.topics === undefined ? fileTopics : splitList(flags.topics);
const report = await checkConnection({
  connectorConfig: config,
  ...(topics === undefined ? {} : { topics }),
  ...(flags.event === undefined ? {} : { event: readJson(flags.event, 'event') }),
  readSecret: secretReader(flags['secret-file']),
  ...(timeoutMs === undefined ? {} : { timeoutMs }),
});
console.log(formatCheckReport(report));
process.exitCode = checkExitCode(report, flags.strict);
