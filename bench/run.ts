// `npm run bench`: 6 MB batches through four paths, side by side in one run (see docs/performance.md).
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import type { CompressionCodec } from '../lib/config/keys.ts';
import { parseSinkConfig } from '../lib/config/sink-config.ts';
import type { StageTimings } from '../lib/load/batch-report.ts';
import { createStreamLoader } from '../lib/load/stream-load.ts';
import { processBatch } from '../lib/sink.ts';
import { renderChart } from './chart.ts';
import { buildEvent, type EventKind, sinkConfigFor } from './events.ts';
import { startNullStarRocks } from './null-starrocks.ts';
import { base64Floor, compressSinkBody, powertoolsConsumer, sinkBody, straightforwardSink } from './paths.ts';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 15);
// A warm Lambda has run its code many times: few warm-ups leave our JIT-compiled JS cold while the
// baseline's work is mostly native JSON.parse/stringify, which needs no warming.
const WARMUP = Number(process.env.BENCH_WARMUP ?? 10);
const KINDS: EventKind[] = ['small-json', 'envelope', 'debezium'];
const CODECS: CompressionCodec[] = ['gzip', 'zstd', 'lz4_frame'];
const COMPRESSION_LEVEL = 1;

interface Stats {
  median: number;
  min: number;
  max: number;
}
const stats = (xs: number[]): Stats => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)] as number, min: s[0] as number, max: s.at(-1) as number };
};
const fmt = (s: Stats) => `${s.median.toFixed(1)} (${s.min.toFixed(1)}–${s.max.toFixed(1)})`;

/** One measured path: runs once and returns the ms it reports. */
interface Path {
  readonly name: string;
  run(): Promise<number> | number;
}

/**
 * Warms every path up, then runs them round-robin, one iteration of each per round with the order
 * rotated every round, so machine noise and garbage collection fall on all paths alike (measured one
 * after the other, a path that runs during a noisy minute looks slower than it is). Warm-up rounds
 * are interleaved the same way and their samples dropped.
 */
async function measureInterleaved(paths: readonly Path[]): Promise<Map<string, number[]>> {
  const samples = new Map(paths.map((p) => [p.name, [] as number[]]));
  for (let round = 0; round < WARMUP + ITERATIONS; round++) {
    for (let i = 0; i < paths.length; i++) {
      const path = paths[(round + i) % paths.length] as Path;
      const ms = await path.run();
      if (round >= WARMUP) samples.get(path.name)?.push(ms);
    }
  }
  return samples;
}

process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
const starrocks = await startNullStarRocks();
const feHost = new URL(starrocks.feUrl).host;
const results: Record<string, unknown>[] = [];
const lines: string[] = [];
const measuring = `${ITERATIONS} iterations after ${WARMUP} warm-ups, paths interleaved round-robin (order rotated each round)`;
console.log(`measuring: ${measuring}`);

for (const kind of KINDS) {
  const ev = buildEvent(kind);
  const sinkConfig = sinkConfigFor(kind, feHost);
  const config = parseSinkConfig(sinkConfig);
  const loader = createStreamLoader(config);
  const credentials = { get: async () => ({ username: 'root', password: '' }) };
  const log = { info() {}, warn() {} };
  process.env.SINK_CONFIG = JSON.stringify(sinkConfig);
  const bundle = (await import(`${pathToFileURL('dist/sink/index.mjs').href}?kind=${kind}`)) as {
    handler: (e: unknown, c: unknown) => Promise<unknown>;
  };
  // The same bundle addressed to the BE (a supported StarRocks endpoint): one PUT, as the
  // straightforward sink makes, without the FE's 307 hop.
  process.env.SINK_CONFIG = JSON.stringify({
    ...sinkConfig,
    'starrocks.http.url': new URL(starrocks.beUrl).host,
  });
  const bundleToBe = (await import(`${pathToFileURL('dist/sink/index.mjs').href}?kind=${kind}&to=be`)) as {
    handler: (e: unknown, c: unknown) => Promise<unknown>;
  };
  const context = { functionName: 'bench', awsRequestId: 'bench', getRemainingTimeInMillis: () => 60_000 };
  const body = sinkBody(ev, config);

  // Side outputs of a path, kept per run and trimmed to the measured runs afterwards.
  const stages: StageTimings[] = [];
  const straightTransform: number[] = [];
  const compressedBytes: Partial<Record<CompressionCodec, number>> = {};
  const paths: Path[] = [
    {
      // Our pipeline through lib/ for the per-stage times.
      name: 'oursTransform',
      run: async () => {
        const report = await processBatch(ev.event, {
          config,
          loader,
          credentials,
          deadline: Date.now() + 60_000,
          log,
        });
        stages.push(report.stages);
        return report.stages.decodeMs + report.stages.transformMs + report.stages.serializeMs;
      },
    },
    {
      // The built bundle for the whole invocation.
      name: 'oursWhole',
      run: async () => {
        const started = performance.now();
        await bundle.handler(ev.event, context);
        return performance.now() - started;
      },
    },
    {
      name: 'oursWholeToBe',
      run: async () => {
        const started = performance.now();
        await bundleToBe.handler(ev.event, context);
        return performance.now() - started;
      },
    },
    {
      name: 'straightWhole',
      run: async () => {
        const r = await straightforwardSink(ev, starrocks.beUrl);
        straightTransform.push(r.transformMs);
        return r.totalMs;
      },
    },
    { name: 'powertools', run: () => powertoolsConsumer(ev) },
    { name: 'floor', run: () => base64Floor(ev) },
    ...CODECS.map(
      (codec): Path => ({
        name: codec,
        run: () => {
          const r = compressSinkBody(body, { codec, level: COMPRESSION_LEVEL });
          compressedBytes[codec] = r.bytes;
          return r.ms;
        },
      }),
    ),
  ];
  const samples = await measureInterleaved(paths);
  const of = (name: string) => stats(samples.get(name) ?? []);
  const oursWhole = of('oursWhole');
  const oursWholeToBe = of('oursWholeToBe');
  const straightWhole = of('straightWhole');
  const oursStages = of('oursTransform');
  const powertools = of('powertools');
  const floor = of('floor');
  const straightT = stats(straightTransform.slice(WARMUP));
  const measuredStages = stages.slice(WARMUP);
  const stageMedian = (k: keyof StageTimings) => stats(measuredStages.map((s) => s[k])).median;

  const compression = Object.fromEntries(
    CODECS.map((codec) => {
      const time = of(codec);
      const bytes = compressedBytes[codec] as number;
      const savedBytes = body.length - bytes;
      // Compressing pays off when it takes less time than sending the bytes it saves: on any link
      // slower than saved bytes / compress time (StarRocks' decompression not counted).
      const breakEvenMbitPerS = (savedBytes * 8) / 1e6 / (time.median / 1000);
      return [
        codec,
        { level: COMPRESSION_LEVEL, ms: time, bytes, ratio: body.length / bytes, breakEvenMbitPerS },
      ];
    }),
  ) as Record<
    CompressionCodec,
    { level: number; ms: Stats; bytes: number; ratio: number; breakEvenMbitPerS: number }
  >;

  const row = {
    kind,
    records: ev.records,
    eventBytes: ev.bytes,
    bodyBytes: body.length,
    oursWhole,
    oursWholeToBe,
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
      wholeToBeVsStraightforward: oursWholeToBe.median / straightWhole.median,
      transformVsFloor: oursStages.median / floor.median,
      powertoolsVsTransform: powertools.median / oursStages.median,
    },
    compression,
  };
  results.push(row);
  const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
  const gbit = (mbit: number) =>
    mbit >= 1000 ? `${(mbit / 1000).toFixed(1)} Gbit/s` : `${mbit.toFixed(0)} Mbit/s`;
  const block = [
    `### ${kind}: ${ev.records.toLocaleString('en-US')} records, ${(ev.bytes / 1048576).toFixed(2)} MiB event`,
    '',
    '| path | median ms (min–max) |',
    '|---|---|',
    `| ours, whole invocation of dist/sink/index.mjs (null StarRocks on loopback, through the FE's 307) | ${fmt(oursWhole)} |`,
    `| ours, whole invocation, starrocks.http.url = the BE (one PUT, as the straightforward sink) | ${fmt(oursWholeToBe)} |`,
    `| straightforward sink, whole (parse, stringify, one PUT) | ${fmt(straightWhole)} |`,
    `| ours, transform stages (decode + convert + serialize) | ${fmt(oursStages)} |`,
    `| straightforward sink, decode + parse + stringify | ${fmt(straightT)} |`,
    `| Powertools kafkaConsumer + stringify | ${fmt(powertools)} |`,
    `| base64 floor (decode into one buffer) | ${fmt(floor)} |`,
    '',
    `stages (median ms): decode ${row.stages.decodeMs.toFixed(1)}, convert/transform ${row.stages.transformMs.toFixed(1)}, serialize ${row.stages.serializeMs.toFixed(1)}, send ${row.stages.sendMs.toFixed(1)}`,
    `ratios: whole invocation ${row.ratios.wholeVsStraightforward.toFixed(2)}× the straightforward sink (${row.ratios.wholeToBeVsStraightforward.toFixed(2)}× addressed to the BE); transform ${row.ratios.transformVsFloor.toFixed(2)}× the base64 floor; Powertools ${row.ratios.powertoolsVsTransform.toFixed(1)}× our transform`,
    '',
    `compression of the ${kib(body.length)} body the sink sends (\`sink.properties.compression\`, level ${COMPRESSION_LEVEL}):`,
    '',
    '| codec | median ms (min–max) | compressed | ratio | pays off on links slower than |',
    '|---|---|---|---|---|',
    ...CODECS.map((codec) => {
      const c = compression[codec];
      return `| ${codec} | ${fmt(c.ms)} | ${kib(c.bytes)} | ${c.ratio.toFixed(1)}× | ${gbit(c.breakEvenMbitPerS)} |`;
    }),
    '',
  ];
  lines.push(...block);
  console.log(block.join('\n'));
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
  `${JSON.stringify(
    {
      machine,
      iterations: ITERATIONS,
      warmup: WARMUP,
      schedule: 'interleaved round-robin across paths, order rotated each round',
      results,
      memory,
      init,
      bundleBytes,
    },
    null,
    2,
  )}\n`,
);
writeFileSync('bench/results/latest.md', `Machine: ${machine}; ${measuring}.\n\n${lines.join('\n')}`);
writeFileSync('bench/results/chart.svg', renderChart(results as never, `${machine}; ${measuring}`));
console.log(`\nwrote bench/results/latest.md, latest.json and chart.svg (${machine})`);
