// `npm run dev -- --bootstrap 127.0.0.1:9092 --topics a,b --config sink-config.json|connector.properties [--group g]
//   [--batch-size n] [--window-ms n] [--self-managed]`
// Runs the built bundle against a real Kafka through the local event-source poller, as the ESM
// would in AWS: batches, commits after success, retries a failed batch. Ctrl-C stops cleanly.
import { parseArgs } from 'node:util';
import { readConnectorConfig } from '../lib/local/connector-config.ts';
import { startLocalFunction } from '../lib/local/lambda-runtime.ts';
import { EventSources, startPoller } from '../lib/local/poller.ts';

const USAGE =
  'usage: npm run dev -- --bootstrap host:port[,host:port] --topics t1[,t2] --config sink-config.json|connector.properties ' +
  '[--group id] [--batch-size 1..10000] [--window-ms ms] [--self-managed]';

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    bootstrap: { type: 'string' },
    topics: { type: 'string' },
    config: { type: 'string' },
    group: { type: 'string', default: 'starrocks-sink-local' },
    'batch-size': { type: 'string', default: '100' },
    'window-ms': { type: 'string', default: '500' },
    'self-managed': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (values.bootstrap === undefined) fail('--bootstrap is required');
if (values.topics === undefined) fail('--topics is required');
if (values.config === undefined) fail('--config is required');

let sinkConfig: Record<string, string>;
try {
  sinkConfig = readConnectorConfig(values.config);
} catch (error) {
  fail((error as Error).message);
}
const topics = values.topics
  .split(',')
  .map((t) => t.trim())
  .filter((t) => t !== '');
const fn = await startLocalFunction({
  bundle: 'dist/sink/index.mjs',
  env: { SINK_CONFIG: JSON.stringify(sinkConfig), POWERTOOLS_METRICS_DISABLED: 'true' },
  onLog: (line) => console.log(`  [lambda] ${line}`),
});
const poller = await startPoller({
  bootstrapServers: values.bootstrap,
  topics,
  groupId: values.group,
  fn,
  batchSize: Number(values['batch-size']),
  batchingWindowMs: Number(values['window-ms']),
  eventSource: values['self-managed'] ? EventSources.SELF_MANAGED : EventSources.MSK,
  onInvoke: (info) => {
    const outcome = info.result.ok
      ? 'ok'
      : `FAILED (${info.result.error.errorMessage}); retrying the same batch`;
    console.log(
      `[poller] attempt ${info.attempt}: ${info.records} records, ${info.bytes} bytes, ${JSON.stringify(info.offsets)} in ${info.result.ms} ms -> ${outcome}`,
    );
  },
  onWarning: (message) => console.warn(`[poller] ${message}`),
}).catch(async (error: unknown) => {
  await fn.close();
  throw error;
});
console.log(
  `[poller] consuming ${topics.join(', ')} from ${values.bootstrap} as group "${values.group}"; Ctrl-C stops`,
);

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log('[poller] stopping (waiting for the invocation in flight)');
  await poller.stop();
  await fn.close();
  const { invocations, failures, records } = poller.stats;
  console.log(
    `[poller] stopped: ${invocations} invocations, ${failures} failed, ${records} records committed`,
  );
}
process.once('SIGINT', () => void shutdown().then(() => process.exit(0)));
process.once('SIGTERM', () => void shutdown().then(() => process.exit(0)));
poller.done.catch(async (error: unknown) => {
  console.error(`[poller] ${(error as Error).message}`);
  await fn.close();
  process.exit(1);
});
