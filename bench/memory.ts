// Peak memory of one invocation of the built bundle, in a fresh process: the kernel's RSS high-water
// mark (VmHWM) is reset just before the call, so only the invocation is measured. Also the time of the
// process's first invocation (a new container's: lazily loaded chunks, schema fetches, cold JIT).
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { startScriptedRegistry } from '../test/support/scripted-registry.ts';
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
const registry = await startScriptedRegistry({
  schemas: Object.fromEntries(Object.entries(ev.schemas).map(([id, schema]) => [id, { schema }])),
});
process.env.SINK_CONFIG = JSON.stringify(sinkConfigFor(kind, new URL(starrocks.feUrl).host, registry.url));
const { handler } = (await import(pathToFileURL('dist/sink/index.mjs').href)) as {
  handler: (e: unknown, c: unknown) => Promise<unknown>;
};
const context = { functionName: 'bench', awsRequestId: 'bench', getRemainingTimeInMillis: () => 60_000 };
const firstStarted = performance.now();
await handler(ev.event, context); // warm: module state and sockets as in a warm Lambda
const firstInvocationMs = performance.now() - firstStarted;
gc();
gc();
const before = kb('VmRSS');
writeFileSync('/proc/self/clear_refs', '5');
await handler(ev.event, context);
const peak = kb('VmHWM');
await starrocks.close();
await registry.close();
const eventMb = ev.bytes / 1048576;
const peakDeltaMb = (peak - before) / 1024;
console.log(
  JSON.stringify({
    eventMb,
    peakRssMb: peak / 1024,
    peakDeltaMb,
    ratio: peakDeltaMb / eventMb,
    firstInvocationMs,
  }),
);
