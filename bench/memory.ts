// Peak memory of one invocation of the built bundle, in a fresh process: the kernel's RSS high-water
// mark (VmHWM) is reset just before the call, so only the invocation is measured.
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { buildEvent, type EventKind, sinkConfigFor } from './events.ts';
import { startNullStarRocks } from './null-starrocks.ts';

const kind = (process.argv[2] ?? 'small-json') as EventKind;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const kb = (field: string) =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);

process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
const starrocks = await startNullStarRocks();
const ev = buildEvent(kind);
process.env.SINK_CONFIG = JSON.stringify(sinkConfigFor(kind, new URL(starrocks.feUrl).host));
const { handler } = (await import(pathToFileURL('dist/sink/index.mjs').href)) as {
  handler: (e: unknown, c: unknown) => Promise<unknown>;
};
const context = { functionName: 'bench', awsRequestId: 'bench', getRemainingTimeInMillis: () => 60_000 };
await handler(ev.event, context); // warm: module state and sockets as in a warm Lambda
gc();
gc();
const before = kb('VmRSS');
writeFileSync('/proc/self/clear_refs', '5');
await handler(ev.event, context);
const peak = kb('VmHWM');
await starrocks.close();
const eventMb = ev.bytes / 1048576;
const peakDeltaMb = (peak - before) / 1024;
console.log(JSON.stringify({ eventMb, peakRssMb: peak / 1024, peakDeltaMb, ratio: peakDeltaMb / eventMb }));
