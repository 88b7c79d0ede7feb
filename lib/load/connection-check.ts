import { routeTopic } from '../batch/route.ts';
import type { CredentialsSource } from '../config/connection.ts';
import { parseSinkConfig, type SinkConfig } from '../config/sink-config.ts';
import { loadHeadersFor } from '../config/table-load-settings.ts';
import { changesTopics } from '../config/transforms.ts';
import type { SecretReader } from '../decode/schema-registry/schema-cache.ts';
import { ConfigError, ErrorCode } from '../errors.ts';
import { isRefusal, type Refusal } from './classify.ts';
import { compareSample, type SampleTable, sampleRows } from './connection-check-event.ts';
import type { CheckLine, ConnectionReport } from './connection-check-report.ts';
import { versionLines } from './connection-check-version.ts';
import { basicAuth } from './http.ts';
import { OFFSET_COLUMNS, offsetsTableDdl } from './offsets-table.ts';
import { parseSecretCredentials } from './secret-credentials.ts';
import { readLoadState, runQuery, type StarRocksCall } from './starrocks-client.ts';
import type { Credentials } from './stream-load.ts';
import { readTableColumns, type TableColumn, tableKind } from './table-columns.ts';

/**
 * The connection check (`npm run check`, and callable after a deploy): every FE reachable, the
 * credentials valid, the database and every routed table there, the columns covering a sample
 * event's fields, and the StarRocks version against what the config asks for. Every call goes
 * through the sink's one StarRocks client; nothing is written.
 */

export type { CheckLine, CheckStatus, ConnectionReport } from './connection-check-report.ts';
export { checkExitCode, formatCheckReport } from './connection-check-report.ts';

export interface ConnectionCheckOptions {
  /** The connector config: `SINK_CONFIG`'s object, or a deployment file's `sinkConfig`. */
  readonly connectorConfig: unknown;
  /** Topics the event-source mappings consume: the tables they route to are checked too. */
  readonly topics?: readonly string[];
  /** A sample event-source mapping event: its rows are compared with the tables' columns. */
  readonly event?: unknown;
  /**
   * Reads a Secrets Manager secret's JSON: `starrocks.secret.arn`, and the schema registry's
   * secret when the sample needs it. Without it a config with a secret cannot be checked.
   */
  readonly readSecret?: SecretReader;
  /** The time each call to StarRocks has. @default 10000 */
  readonly timeoutMs?: number;
}

/** The label the probe asks `get_load_state` about: any label will do; this one names its asker. */
const PROBE_LABEL = 'starrocks_lambda_sink_connection_check';

/** The check's SQL runs in information_schema, which exists for every user, whatever the target database. */
const QUERY_DATABASE = 'information_schema';

const DEFAULT_TIMEOUT_MS = 10_000;

/** What one FE said. */
interface FeProbe {
  readonly fe: string;
  /** Transport failed: the FE did not answer at all. */
  readonly unreachable?: string;
  /** `ok`: accepted (and, with HTTP auth, INSERT on the database); else why not. */
  readonly auth?: 'ok' | 'password' | 'privilege';
  readonly database?: 'exists' | 'missing';
  /** The answer of `SELECT current_version()`. */
  readonly version?: string;
  /** Whether it has the HTTP SQL API; undefined when not asked or not told. */
  readonly sqlApi?: boolean;
  /** Something else went wrong, worded for the report. */
  readonly problem?: string;
  readonly call: StarRocksCall;
}

/**
 * Runs the connection check and returns its report; never throws for what it finds. Reads only:
 * `GET /api/{db}/get_load_state` (reachability, credentials, the database; every version) and, on
 * StarRocks ≥ 3.2, the HTTP SQL API (`SELECT current_version()`, information_schema.columns).
 *
 * @example
 * const report = await checkConnection({ connectorConfig: deploy.sinkConfig, topics: deploy.msk.topics, readSecret });
 * console.log(formatCheckReport(report));
 * process.exitCode = checkExitCode(report);
 */
export async function checkConnection(options: ConnectionCheckOptions): Promise<ConnectionReport> {
  const lines: CheckLine[] = [];
  const stop = (): ConnectionReport => ({ lines, couldNotRun: true });
  const config = readConfig(options.connectorConfig, lines);
  if (config === undefined) return stop();
  const credentials = await readCredentials(config.credentials, options.readSecret, lines);
  if (credentials === undefined) return stop();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const probes = await Promise.all(config.feUrls.map((fe) => probeFe(fe, config, credentials, timeoutMs)));
  lines.push(...probes.map(feLine));
  if (probes.every((p) => p.unreachable !== undefined)) return stop();
  lines.push(...accessLines(probes, config, credentials.username));
  const queryFe = probes.find((p) => p.sqlApi === true);
  const noSqlApi = probes.some((p) => p.sqlApi === false) && queryFe === undefined;
  const whyNotRead = probes.some((p) => p.auth === 'ok')
    ? 'no FE answered the HTTP SQL API'
    : 'no FE accepted the credentials';
  lines.push(...versionLines(queryFe?.version, config, noSqlApi, whyNotRead));
  const sample =
    options.event === undefined
      ? undefined
      : await sampleRows(options.event, config, Date.now() + timeoutMs, options.readSecret);
  if (sample !== undefined) lines.push(...sample.lines);
  const tables = tablesToCheck(config, options.topics, sample?.tables ?? [], lines);
  const unread = whyTablesUnread(probes, config.database, noSqlApi, whyNotRead);
  if (queryFe === undefined || unread !== undefined) {
    if (tables.length > 0) lines.push(tablesNotChecked(tables, unread ?? whyNotRead));
    return { lines, couldNotRun: false };
  }
  for (const table of tables) {
    lines.push(...(await tableLines(table, config, queryFe.call, timeoutMs, sample?.tables ?? [])));
  }
  return { lines, couldNotRun: false };
}

/** Why the tables cannot be read, or undefined when an FE answers the SQL API in an existing database. */
function whyTablesUnread(
  probes: readonly FeProbe[],
  database: string,
  noSqlApi: boolean,
  whyNotRead: string,
): string | undefined {
  if (probes.some((p) => p.database === 'missing') && !probes.some((p) => p.database === 'exists'))
    return `database ${database} does not exist`;
  if (noSqlApi) return 'the FEs have no HTTP SQL API (StarRocks < 3.2)';
  return probes.some((p) => p.sqlApi === true) ? undefined : whyNotRead;
}

/** The parsed config, or undefined after a FAIL line per problem. */
function readConfig(connectorConfig: unknown, lines: CheckLine[]): SinkConfig | undefined {
  try {
    const config = parseSinkConfig(connectorConfig);
    const fes = config.feUrls.length;
    lines.push({
      status: 'ok',
      subject: 'config',
      message: `valid: ${fes} FE${fes === 1 ? '' : 's'}, database ${config.database}`,
    });
    return config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) {
      lines.push({ status: 'fail', subject: 'config', message: `${problem.key} ${problem.message}` });
    }
    return undefined;
  }
}

/** The user and password: as configured, or from the secret. Never printed. */
async function readCredentials(
  source: CredentialsSource,
  readSecret: SecretReader | undefined,
  lines: CheckLine[],
): Promise<Credentials | undefined> {
  if (source.kind === 'static') return { username: source.username, password: source.password };
  const fail = (message: string) => {
    lines.push({ status: 'fail', subject: 'credentials', message });
    return undefined;
  };
  if (readSecret === undefined) {
    return fail(
      `starrocks.secret.arn names ${source.secretArn}, and the check was given no way to read it: pass --secret-file with its JSON, or run with AWS credentials that may read it`,
    );
  }
  let value: unknown;
  try {
    value = await readSecret(source.secretArn);
  } catch (error) {
    return fail(`secret ${source.secretArn} could not be read: ${(error as Error).message}`);
  }
  try {
    return parseSecretCredentials(value, source.secretArn);
  } catch (error) {
    return fail((error as Error).message);
  }
}

/** Asks one FE: the load-state probe (reach, credentials, database), then its version. */
async function probeFe(
  fe: string,
  config: SinkConfig,
  credentials: Credentials,
  timeoutMs: number,
): Promise<FeProbe> {
  const call: StarRocksCall = {
    fe,
    database: config.database,
    authorization: basicAuth(credentials),
    redirectHosts: config.redirectHosts,
    deadline: Date.now() + timeoutMs,
    connectTimeoutMs: config.connectTimeoutMs,
    waitForContinueMs: 0,
  };
  const state = await readLoadState(call, PROBE_LABEL);
  const probe: FeProbe = isRefusal(state)
    ? probeRefusal(fe, call, state)
    : { fe, call, auth: 'ok', database: 'exists' };
  if (probe.unreachable !== undefined || probe.auth !== 'ok') return probe;
  const queryCall = { ...call, database: QUERY_DATABASE, deadline: Date.now() + timeoutMs };
  const version = await runQuery(queryCall, 'SELECT current_version()');
  if (!isRefusal(version)) {
    const text = version.rows[0]?.[0];
    const answer = text === undefined || text === null ? {} : { version: String(text) };
    return { ...probe, call: queryCall, sqlApi: true, ...answer };
  }
  if (version.details.httpStatus === 404) return { ...probe, sqlApi: false };
  return { ...probe, problem: `the SQL API ${version.summary}${saidBy(version)}` };
}

/** What a refused probe says about the FE, the credentials and the database. */
function probeRefusal(fe: string, call: StarRocksCall, refusal: Refusal): FeProbe {
  const message = refusal.details.starrocksMessage ?? '';
  if (
    !refusal.answered &&
    refusal.details.httpStatus === undefined &&
    refusal.code !== ErrorCode.LOAD_REDIRECT
  ) {
    // The transport failure itself: the summary's advice is for an invocation, not for this check.
    const cause = refusal.cause instanceof Error ? refusal.cause.message : refusal.summary;
    return { fe, call, unreachable: cause };
  }
  if (refusal.code === ErrorCode.LOAD_AUTH) {
    return { fe, call, auth: refusal.details.httpStatus === 401 ? 'password' : 'privilege' };
  }
  if (/unknown database/i.test(message)) return { fe, call, auth: 'ok', database: 'missing' };
  if (/access denied/i.test(message)) return { fe, call, auth: 'privilege' };
  return { fe, call, problem: `${refusal.summary}${saidBy(refusal)}` };
}

/** What StarRocks said in a refusal (already scrubbed of the credentials), shortened. */
function saidBy(refusal: Refusal): string {
  const message = refusal.details.starrocksMessage ?? '';
  return message === '' || refusal.summary.includes(message) ? '' : ` (${message.slice(0, 200)})`;
}

function feLine(probe: FeProbe): CheckLine {
  const subject = `FE ${probe.fe}`;
  if (probe.unreachable !== undefined) {
    return {
      status: 'fail',
      subject,
      message: `unreachable: ${probe.unreachable}; check the address and HTTP port in starrocks.http.url, that the FE runs, and that the network lets the function reach it (security group, network.starrocksCidrs)`,
    };
  }
  if (probe.problem !== undefined && probe.auth !== 'ok') {
    return { status: 'fail', subject, message: `answered, but not as an FE should: ${probe.problem}` };
  }
  const version = probe.version === undefined ? '' : `, StarRocks ${probe.version}`;
  const sqlApi = probe.sqlApi === false ? ', no HTTP SQL API (StarRocks < 3.2)' : '';
  if (probe.problem !== undefined) {
    return { status: 'warn', subject, message: `reachable${version}; ${probe.problem}` };
  }
  return { status: 'ok', subject, message: `reachable${version}${sqlApi}` };
}

/** The credentials and the database, as the FEs that answered judged them. */
function accessLines(probes: readonly FeProbe[], config: SinkConfig, username: string): CheckLine[] {
  const answered = probes.filter((p) => p.auth !== undefined);
  if (answered.length === 0) return [];
  const lines: CheckLine[] = [];
  const user = `user "${username}"`;
  if (answered.some((p) => p.auth === 'ok')) {
    lines.push({ status: 'ok', subject: 'credentials', message: `${user} accepted` });
  } else if (answered.some((p) => p.auth === 'password')) {
    const where =
      config.credentials.kind === 'secret' ? 'the secret' : 'starrocks.username/starrocks.password';
    lines.push({
      status: 'fail',
      subject: 'credentials',
      message: `${user} was refused (HTTP 401): fix the user name or password in ${where}`,
    });
    return lines;
  } else {
    lines.push({
      status: 'fail',
      subject: 'credentials',
      message: `${user} may not load into database ${config.database}: GRANT INSERT ON ALL TABLES IN DATABASE ${config.database} TO USER '${username}'`,
    });
    return lines;
  }
  if (answered.some((p) => p.database === 'missing')) {
    lines.push({
      status: 'fail',
      subject: `database ${config.database}`,
      message: `does not exist: CREATE DATABASE ${config.database}, or fix starrocks.database.name`,
    });
  } else {
    lines.push({ status: 'ok', subject: `database ${config.database}`, message: 'exists' });
  }
  return lines;
}

/** The tables to check: the map's, those the topics route to, the offsets table, the sample's. */
function tablesToCheck(
  config: SinkConfig,
  topics: readonly string[] | undefined,
  sample: readonly SampleTable[],
  lines: CheckLine[],
): string[] {
  const tables = new Set(config.topicToTable.values());
  const routed = changesTopics(config.transforms);
  if (routed) {
    lines.push({
      status: 'warn',
      subject: 'tables',
      message:
        'a transform routes records (RegexRouter, TimestampRouter or route.by.field): the tables are known only per record; checked are the tables starrocks.topic2table.map names and those the sample event routes to (pass --event with records of each kind)',
    });
  } else {
    for (const topic of topics ?? [...(config.topics ?? [])]) {
      const route = routeTopic(topic, config);
      if ('table' in route) tables.add(route.table);
      else lines.push({ status: 'fail', subject: `topic ${topic}`, message: route.problem });
    }
  }
  for (const { table } of sample) tables.add(table);
  if (config.exactlyOnce?.mode === 'multi') tables.add(config.exactlyOnce.offsetsTable);
  if (tables.size === 0) {
    lines.push({
      status: 'warn',
      subject: 'tables',
      message:
        'none to check: the config names no table; pass --topics or --event to check the tables they route to',
    });
  }
  return [...tables];
}

function tablesNotChecked(tables: readonly string[], why: string): CheckLine {
  return {
    status: 'skip',
    subject: 'tables',
    message: `${tables.join(', ')} not checked: ${why}; their existence and columns are unknown`,
  };
}

/** One table: it exists, its columns, and how the sample's rows meet them. */
async function tableLines(
  table: string,
  config: SinkConfig,
  queryCall: StarRocksCall,
  timeoutMs: number,
  sample: readonly SampleTable[],
): Promise<CheckLine[]> {
  const subject = `table ${table}`;
  const verdict = await readTableColumns(
    { ...queryCall, deadline: Date.now() + timeoutMs },
    table,
    config.database,
  );
  if (isRefusal(verdict)) {
    return [{ status: 'skip', subject, message: `columns not read: the SQL API ${verdict.summary}` }];
  }
  const { columns } = verdict;
  if (columns.length === 0) {
    const offsets = config.exactlyOnce?.mode === 'multi' && table === config.exactlyOnce.offsetsTable;
    const fix = offsets
      ? `create the offsets table of sink.transaction.mode=multi: ${oneLine(offsetsTableDdl(table))}`
      : 'create it, or route the topic elsewhere (starrocks.topic2table.map)';
    return [
      {
        status: 'fail',
        subject,
        message: `does not exist in ${config.database} (or the user has no privilege on it): ${fix}`,
      },
    ];
  }
  const lines: CheckLine[] = [{ status: 'ok', subject, message: describeTable(columns) }];
  if (config.exactlyOnce?.mode === 'multi' && table === config.exactlyOnce.offsetsTable) {
    lines.push(...offsetsTableLines(subject, columns, table));
  }
  const rows = sample.find((s) => s.table === table);
  if (rows !== undefined) lines.push(...compareSample(rows, columns, loadHeadersFor(config, table)));
  return lines;
}

const KIND_NAMES = {
  primary: 'Primary Key',
  unique: 'Unique Key',
  duplicate: 'Duplicate Key',
  aggregate: 'Aggregate',
  none: 'Duplicate Key',
} as const;

function describeTable(columns: readonly TableColumn[]): string {
  const shown = columns.map((c) => `${c.name} ${c.dataType}${c.nullable ? '' : ' NOT NULL'}`);
  return `exists, ${KIND_NAMES[tableKind(columns)]} table, ${columns.length} columns (${shown.join(', ')})`;
}

function offsetsTableLines(subject: string, columns: readonly TableColumn[], table: string): CheckLine[] {
  const names = new Set(columns.map((c) => c.name));
  const missing = OFFSET_COLUMNS.filter((c) => !names.has(c));
  if (missing.length === 0 && tableKind(columns) === 'primary') return [];
  return [
    {
      status: 'fail',
      subject,
      message: `is the offsets table of sink.transaction.mode=multi but is not shaped as one (${missing.length > 0 ? `no ${missing.join(', ')}` : 'not a Primary Key table'}); create it as: ${oneLine(offsetsTableDdl(table))}`,
    },
  ];
}

function oneLine(ddl: string): string {
  return ddl.replace(/\n\s*/g, ' ');
}
