// `npm run bench`: 6 MB batches through four paths, side by side in one run (see README, Performance).
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseSinkConfig } from '../lib/config.ts';
import { processBatch, type StageTimings } from '../lib/sink.ts';
import { createStreamLoader } from '../lib/stream-load.ts';
import { renderChart } from './chart.ts';
import { buildEvent, type EventKind, sinkConfigFor } from './events.ts';
import { startNullStarRocks } from './null-starrocks.ts';
import { base64Floor, powertoolsConsumer, straightforwardSink } from './paths.ts';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 15);
const WARMUP = 3;
const KINDS: EventKind[] = ['small-json', 'envelope', 'debezium'];

interface Stats {
  median: number;
  min: number;
  max: number;
}
const stats = (xs: number[]): Stats => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)] as number, min: s[0] as number, max: s.at(-1) as number };
};
async function measure(fn: () => Promise<number> | number): Promise<Stats> {
  for (let i = 0; i < WARMUP; i++) await fn();
  const xs: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) xs.push(await fn());
  return stats(xs);
}
const fmt = (s: Stats) => `${s.median.toFixed(1)} (${s.min.toFixed(1)}–${s.max.toFixed(1)})`;

process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
const starrocks = await startNullStarRocks();
const feHost = new URL(starrocks.feUrl).host;
const results: Record<string, unknown>[] = [];
const lines: string[] = [];

for (const kind of KINDS) {
  const ev = buildEvent(kind);
  const sinkConfig = sinkConfigFor(kind, feHost);
  const config = parseSinkConfig(sinkConfig);
  const loader = createStreamLoader(config);
  const credentials = { get: async () => ({ username: 'root', password: '' }) };
  const log = { info() {}, warn() {} };

  // Our pipeline through lib/ for the per-stage times, and the built bundle for the whole invocation.
  let stages: StageTimings[] = [];
  const oursStages = await measure(async () => {
    const report = await processBatch(ev.event, {
      config,
      loader,
      credentials,
      deadline: Date.now() + 60_000,
      log,
    });
    stages.push(report.stages);
    return report.stages.decodeMs + report.stages.transformMs + report.stages.serializeMs;
  });
  stages = stages.slice(WARMUP);
  process.env.SINK_CONFIG = JSON.stringify(sinkConfig);
  const bundle = (await import(`${pathToFileURL('dist/sink/index.mjs').href}?kind=${kind}`)) as {
    handler: (e: unknown, c: unknown) => Promise<unknown>;
  };
  const context = { functionName: 'bench', awsRequestId: 'bench', getRemainingTimeInMillis: () => 60_000 };
  const oursWhole = await measure(async () => {
    const started = performance.now();
    await bundle.handler(ev.event, context);
    return performance.now() - started;
  });
  const straightTransform: number[] = [];
  const straightWhole = await measure(async () => {
    const r = await straightforwardSink(ev, starrocks.beUrl);
    straightTransform.push(r.transformMs);
    return r.totalMs;
  });
  const straightT = stats(straightTransform.slice(WARMUP));
  const powertools = await measure(() => powertoolsConsumer(ev));
  const floor = await measure(() => base64Floor(ev));
  const stageMedian = (k: keyof StageTimings) => stats(stages.map((s) => s[k])).median;

  const row = {
    kind,
    records: ev.records,
    eventBytes: ev.bytes,
    oursWhole,
    straightWhole,
    oursTransform: oursStages,
    straightTransform: straightT,
    powertools,
    floor,
    stages: {
      decodeMs: stageMedian('decodeMs'),
      transformMs: stageMedian('transformMs'),
      serializeMs: stageMedian('serializeMs'),
      sendMs: stageMedian('sendMs'),
    },
    ratios: {
      wholeVsStraightforward: oursWhole.median / straightWhole.median,
      transformVsFloor: oursStages.median / floor.median,
      powertoolsVsTransform: powertools.median / oursStages.median,
    },
  };
  results.push(row);
  lines.push(
    `### ${kind}: ${ev.records.toLocaleString('en-US')} records, ${(ev.bytes / 1048576).toFixed(2)} MiB event`,
    '',
    '| path | median ms (min–max) |',
    '|---|---|',
    `| ours, whole invocation of dist/sink/index.mjs (null StarRocks on loopback) | ${fmt(oursWhole)} |`,
    `| straightforward sink, whole (parse, stringify, one PUT) | ${fmt(straightWhole)} |`,
    `| ours, transform stages (decode + convert + serialize) | ${fmt(oursStages)} |`,
    `| straightforward sink, decode + parse + stringify | ${fmt(straightT)} |`,
    `| Powertools kafkaConsumer + stringify | ${fmt(powertools)} |`,
    `| base64 floor (decode into one buffer) | ${fmt(floor)} |`,
    '',
    `stages (median ms): decode ${row.stages.decodeMs.toFixed(1)}, convert/transform ${row.stages.transformMs.toFixed(1)}, serialize ${row.stages.serializeMs.toFixed(1)}, send ${row.stages.sendMs.toFixed(1)}`,
    `ratios: whole invocation ${row.ratios.wholeVsStraightforward.toFixed(2)}× the straightforward sink; transform ${row.ratios.transformVsFloor.toFixed(2)}× the base64 floor; Powertools ${row.ratios.powertoolsVsTransform.toFixed(1)}× our transform`,
    '',
  );
  console.log(lines.slice(-14).join('\n'));
}
await starrocks.close();

// Memory and cold start, each in a fresh process.
const memory: Record<string, unknown> = {};
for (const kind of KINDS) {
  const out = execFileSync(process.execPath, ['--expose-gc', 'bench/memory.ts', kind], { encoding: 'utf8' });
  memory[kind] = JSON.parse(out.trim().split('\n').at(-1) as string);
}
const init = JSON.parse(
  execFileSync(process.execPath, ['bench/init.ts'], { encoding: 'utf8' }).trim().split('\n').at(-1) as string,
);
const bundleBytes = statSync('dist/sink/index.mjs').size;
const memLines = Object.entries(memory).map(([kind, m]) => {
  const v = m as { peakRssMb: number; peakDeltaMb: number; eventMb: number; ratio: number };
  return `| ${kind} | ${v.eventMb.toFixed(2)} | ${v.peakDeltaMb.toFixed(1)} | ${v.ratio.toFixed(2)}× | ${v.peakRssMb.toFixed(0)} |`;
});
lines.push(
  '### memory (one invocation in a fresh process, peak RSS from /proc VmHWM reset before the call)',
  '',
  '| event | event MiB | peak RSS growth MiB | growth / event | process peak RSS MiB |',
  '|---|---|---|---|---|',
  ...memLines,
  '',
  `### cold start: bundle ${(bundleBytes / 1024).toFixed(0)} KiB minified; module init median ${init.median.toFixed(0)} ms (min ${init.min.toFixed(0)}, max ${init.max.toFixed(0)}, ${init.runs} fresh processes)`,
  '',
);
console.log(lines.slice(-(memLines.length + 6)).join('\n'));

const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/latest.json',
  `${JSON.stringify({ machine, iterations: ITERATIONS, results, memory, init, bundleBytes }, null, 2)}\n`,
);
writeFileSync(
  'bench/results/latest.md',
  `Machine: ${machine}; ${ITERATIONS} iterations after ${WARMUP} warm-up.\n\n${lines.join('\n')}`,
);
writeFileSync('bench/results/chart.svg', renderChart(results as never, machine));
console.log(`\nwrote bench/results/latest.md, latest.json and chart.svg (${machine})`);
