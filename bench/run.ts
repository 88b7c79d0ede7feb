// `npm run bench`: 6 MB batches through four paths, side by side in one run (see docs/performance.md).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import type { CompressionCodec } from '../lib/config/keys.ts';
import { parseSinkConfig } from '../lib/config/sink-config.ts';
import type { StageTimings } from '../lib/load/batch-report.ts';
import { createStreamLoader } from '../lib/load/stream-load.ts';
import { processBatch } from '../lib/sink.ts';
import { startScriptedRegistry } from '../test/support/scripted-registry.ts';
import { renderChart } from './chart.ts';
import { AVRO_KINDS, buildEvent, type EventKind, registrySchemasOf, sinkConfigFor } from './events.ts';
import { startNullStarRocks } from './null-starrocks.ts';
import {
  base64Floor,
  compressSinkBody,
  powertoolsAvroConsumer,
  powertoolsConsumer,
  sinkBody,
  straightforwardSink,
} from './paths.ts';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 15);
// A warm Lambda has run its code many times: few warm-ups leave our JIT-compiled JS cold while the
// baseline's work is mostly native JSON.parse/stringify, which needs no warming.
const WARMUP = Number(process.env.BENCH_WARMUP ?? 10);
const KINDS: EventKind[] = [
  'small-json',
  'small-json-insert',
  'envelope',
  'debezium',
  'small-avro',
  'debezium-avro',
];
const JSON_KINDS: EventKind[] = ['small-json', 'small-json-insert', 'envelope', 'debezium'];
/** Powertools reads an Avro batch in seconds (it parses the schema again for every record). */
const POWERTOOLS_AVRO_EVERY = 5;
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
  /**
   * Runs only every `every`-th measured round, after one warm-up: for a path that takes seconds a
   * batch (Powertools on Avro), which would otherwise make the run last an hour.
   */
  readonly every?: number;
}

/** Whether `path` runs in `round`: every round, or its one warm-up and every `every`-th measured round. */
function runsIn(path: Path, round: number): boolean {
  if (path.every === undefined) return true;
  return round === WARMUP - 1 || (round >= WARMUP && (round - WARMUP) % path.every === 0);
}

/**
 * Warms every path up, then runs them round-robin, one iteration of each per round with the order
 * rotated every round, so machine noise and garbage collection fall on all paths alike (measured one
 * after the other, a path that runs during a noisy minute looks slower than it is). Warm-up rounds
 * are interleaved the same way and their samples dropped.
 */
async function measureInterleaved(
  paths: readonly Path[],
  onWarm: () => void,
): Promise<Map<string, number[]>> {
  const samples = new Map(paths.map((p) => [p.name, [] as number[]]));
  for (let round = 0; round < WARMUP + ITERATIONS; round++) {
    if (round === WARMUP) onWarm();
    for (let i = 0; i < paths.length; i++) {
      const path = paths[(round + i) % paths.length] as Path;
      if (!runsIn(path, round)) continue;
      const ms = await path.run();
      if (round >= WARMUP) samples.get(path.name)?.push(ms);
    }
  }
  return samples;
}

process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
// The run before this one, for the JSON kinds' figures side by side with this run's.
const previous = existsSync('bench/results/latest.json')
  ? (JSON.parse(readFileSync('bench/results/latest.json', 'utf8')) as {
      results: { kind: string; oursWhole: Stats; straightWhole: Stats; oursTransform: Stats }[];
    })
  : undefined;
const starrocks = await startNullStarRocks();
const feHost = new URL(starrocks.feUrl).host;
// One registry on loopback serves every Avro kind's schemas; it counts the requests it answers.
const registry = await startScriptedRegistry({
  schemas: Object.fromEntries(
    KINDS.flatMap((kind) => Object.entries(registrySchemasOf(kind)).map(([id, schema]) => [id, { schema }])),
  ),
});
const results: Record<string, unknown>[] = [];
const lines: string[] = [];
const measuring = `${ITERATIONS} iterations after ${WARMUP} warm-ups, paths interleaved round-robin (order rotated each round)`;
console.log(`measuring: ${measuring}`);

for (const kind of KINDS) {
  const ev = buildEvent(kind);
  const isAvro = AVRO_KINDS.includes(kind);
  const schemaIds = Object.keys(ev.schemas).length;
  const sinkConfig = sinkConfigFor(kind, feHost, registry.url);
  const credentials = { get: async () => ({ username: 'root', password: '' }) };
  const log = { info() {}, warn() {} };
  const requestsAtStart = registry.requests.length;
  const config = parseSinkConfig(sinkConfig);
  const loader = createStreamLoader(config);
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
  const body = await sinkBody(ev, config);
  const straightforward = straightforwardSink(ev, starrocks.beUrl);
  const powertoolsAvro = isAvro ? powertoolsAvroConsumer(ev) : undefined;
  let powertoolsFailed = 0;

  // Side outputs of a path, kept per run and trimmed to the measured runs afterwards.
  const stages: StageTimings[] = [];
  const straightTransform: number[] = [];
  const straightStringify: number[] = [];
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
        const r = await straightforward();
        straightTransform.push(r.transformMs);
        straightStringify.push(r.stringifyMs);
        return r.totalMs;
      },
    },
    {
      name: 'powertools',
      ...(isAvro ? { every: POWERTOOLS_AVRO_EVERY } : {}),
      run: async () => {
        if (powertoolsAvro === undefined) return powertoolsConsumer(ev);
        const r = await powertoolsAvro();
        powertoolsFailed = r.failed;
        return r.ms;
      },
    },
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
  let requestsWhenWarm = 0;
  const samples = await measureInterleaved(paths, () => {
    requestsWhenWarm = registry.requests.length;
  });
  const duringMeasuredRounds = registry.requests.length - requestsWhenWarm;
  // Cold: the first invocation of a freshly parsed config, once, after the measured rounds: a new
  // container's schema cache and readers (every schema fetched and compiled) with the code already
  // JIT-compiled, so the figure is the fetch and the compile. The fresh process's first invocation
  // (chunks loaded, code cold) is reported with the memory figures.
  const cold = isAvro
    ? await coldInvocation(ev.event, parseSinkConfig(sinkConfig), credentials, log)
    : undefined;
  // Containers of this kind: processBatch's config, the two bundle instances and the cold config.
  const registryRequests = isAvro
    ? { total: registry.requests.length - requestsAtStart, containers: 4, schemaIds, duringMeasuredRounds }
    : undefined;
  const of = (name: string) => stats(samples.get(name) ?? []);
  const oursWhole = of('oursWhole');
  const oursWholeToBe = of('oursWholeToBe');
  const straightWhole = of('straightWhole');
  const oursStages = of('oursTransform');
  const powertools = of('powertools');
  const floor = of('floor');
  const straightT = stats(straightTransform.slice(WARMUP));
  const straightS = stats(straightStringify.slice(WARMUP));
  const measuredStages = stages.slice(WARMUP);
  const stageMedian = (k: keyof StageTimings) => stats(measuredStages.map((s) => s[k])).median;
  const decodeConvert = stats(measuredStages.map((s) => s.decodeMs + s.transformMs));

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
    straightStringify: straightS,
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
      powertoolsVsDecodeConvert: powertools.median / decodeConvert.median,
    },
    compression,
    ...(isAvro ? { cold, registryRequests, powertoolsFailedRecords: powertoolsFailed } : {}),
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
    isAvro
      ? `| straightforward sink, whole (avsc fromBuffer, stringify with a replacer, one PUT) | ${fmt(straightWhole)} |`
      : kind === 'small-json-insert'
        ? `| straightforward sink, whole (parse, add topic/partition/offset/timestamp/key/headers, stringify, one PUT) | ${fmt(straightWhole)} |`
        : `| straightforward sink, whole (parse, stringify, one PUT) | ${fmt(straightWhole)} |`,
    `| ours, transform stages (decode + convert + serialize) | ${fmt(oursStages)} |`,
    ...(isAvro
      ? [`| ours, decode + convert stages (framing, registry, Avro reader) | ${fmt(decodeConvert)} |`]
      : []),
    isAvro
      ? `| straightforward sink, decode + fromBuffer + stringify | ${fmt(straightT)} |`
      : `| straightforward sink, decode + parse + stringify | ${fmt(straightT)} |`,
    `| straightforward sink, of which stringify${isAvro ? ' (with the replacer)' : ''} | ${fmt(straightS)} |`,
    isAvro
      ? `| Powertools kafkaConsumer (Avro, avro-js; framing stripped by the handler, one consumer per schema id) + stringify; every ${POWERTOOLS_AVRO_EVERY}th round, ${samples.get('powertools')?.length ?? 0} samples | ${fmt(powertools)} |`
      : `| Powertools kafkaConsumer + stringify | ${fmt(powertools)} |`,
    `| base64 floor (decode into one buffer) | ${fmt(floor)} |`,
    '',
    `stages (median ms): decode ${row.stages.decodeMs.toFixed(1)}, convert/transform ${row.stages.transformMs.toFixed(1)}, serialize ${row.stages.serializeMs.toFixed(1)}, send ${row.stages.sendMs.toFixed(1)}`,
    `ratios: whole invocation ${row.ratios.wholeVsStraightforward.toFixed(2)}× the straightforward sink (${row.ratios.wholeToBeVsStraightforward.toFixed(2)}× addressed to the BE); transform ${row.ratios.transformVsFloor.toFixed(2)}× the base64 floor; Powertools ${row.ratios.powertoolsVsTransform.toFixed(1)}× our transform${isAvro ? ` (${row.ratios.powertoolsVsDecodeConvert.toFixed(1)}× our decode + convert)` : ''}`,
    ...(isAvro
      ? avroLines(cold as ColdInvocation, registryRequests as RegistryRequests, powertoolsFailed, ev.records)
      : []),
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
await registry.close();

if (previous !== undefined) {
  const before = new Map(previous.results.map((r) => [r.kind, r]));
  const compared = JSON_KINDS.flatMap((kind) => {
    const was = before.get(kind);
    const now = results.find((r) => r.kind === kind) as
      | { oursWhole: Stats; straightWhole: Stats; oursTransform: Stats }
      | undefined;
    if (was === undefined || now === undefined) return [];
    const cell = (a: Stats, b: Stats) => `${a.median.toFixed(1)} → ${b.median.toFixed(1)}`;
    const ratio = (r: { oursWhole: Stats; straightWhole: Stats }) =>
      (r.oursWhole.median / r.straightWhole.median).toFixed(2);
    return [
      `| ${kind} | ${cell(was.oursWhole, now.oursWhole)} | ${cell(was.oursTransform, now.oursTransform)} | ${ratio(was)}× → ${ratio(now)}× |`,
    ];
  });
  const block = [
    '### JSON kinds: the previous bench/results/latest.json → this run (medians, ms)',
    '',
    '| event | ours, whole invocation | ours, transform stages | whole vs straightforward |',
    '|---|---|---|---|',
    ...compared,
    '',
  ];
  lines.push(...block);
  console.log(block.join('\n'));
}

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
const chunks = lazyChunks();
const memLines = Object.entries(memory).map(([kind, m]) => {
  const v = m as {
    peakRssMb: number;
    peakDeltaMb: number;
    eventMb: number;
    ratio: number;
    firstInvocationMs: number;
  };
  return `| ${kind} | ${v.eventMb.toFixed(2)} | ${v.peakDeltaMb.toFixed(1)} | ${v.ratio.toFixed(2)}× | ${v.peakRssMb.toFixed(0)} | ${v.firstInvocationMs.toFixed(0)} |`;
});
lines.push(
  '### memory (one invocation in a fresh process, peak RSS from /proc VmHWM reset before the call)',
  '',
  '| event | event MiB | peak RSS growth MiB | growth / event | process peak RSS MiB | first invocation of the process, ms |',
  '|---|---|---|---|---|---|',
  ...memLines,
  '',
  `### cold start: bundle ${(bundleBytes / 1024).toFixed(0)} KiB minified (${(chunks.totalBytes / 1024).toFixed(0)} KiB with every chunk loaded on demand); module init median ${init.median.toFixed(0)} ms (min ${init.min.toFixed(0)}, max ${init.max.toFixed(0)}, ${init.runs} fresh processes)`,
  '',
  `chunks the registry formats load on first use (with the chunks they import that the main module does not): ${Object.entries(
    chunks.registry,
  )
    .map(([name, bytes]) => `${name} ${(bytes / 1024).toFixed(0)} KiB`)
    .join(', ')}`,
  '',
);
console.log(lines.slice(-(memLines.length + 8)).join('\n'));

/**
 * The sizes of the chunks the registry formats load on first use, from esbuild's metafile: the avro,
 * protobuf and undici (registry HTTP) chunks, each with the chunks it imports statically that the
 * main module does not already load; and the total of every output.
 */
function lazyChunks(): { registry: Record<string, number>; totalBytes: number } {
  type Output = { bytes: number; imports?: { path: string; kind: string }[] };
  const outputs = (JSON.parse(readFileSync('dist/meta.json', 'utf8')) as { outputs: Record<string, Output> })
    .outputs;
  const closure = (path: string, into = new Set<string>()): Set<string> => {
    if (into.has(path)) return into;
    into.add(path);
    for (const i of outputs[path]?.imports ?? []) if (i.kind === 'import-statement') closure(i.path, into);
    return into;
  };
  const main = closure('dist/sink/index.mjs');
  const registry: Record<string, number> = {};
  for (const name of ['avro', 'protobuf', 'undici']) {
    const chunk = Object.keys(outputs).find(
      (path) => path.startsWith(`dist/sink/chunks/${name}-`) && path.endsWith('.mjs'),
    );
    if (chunk === undefined) continue;
    registry[name] = [...closure(chunk)]
      .filter((path) => !main.has(path))
      .reduce((sum, path) => sum + (outputs[path]?.bytes ?? 0), 0);
  }
  const totalBytes = Object.entries(outputs)
    .filter(([path]) => path.endsWith('.mjs'))
    .reduce((sum, [, o]) => sum + o.bytes, 0);
  return { registry, totalBytes };
}

/** The first invocation of a fresh config: its time and stages, and the registry requests it made. */
interface ColdInvocation {
  ms: number;
  stages: StageTimings;
  registryRequests: number;
}

interface RegistryRequests {
  total: number;
  containers: number;
  schemaIds: number;
  duringMeasuredRounds: number;
}

async function coldInvocation(
  event: unknown,
  coldConfig: ReturnType<typeof parseSinkConfig>,
  credentials: { get(): Promise<{ username: string; password: string }> },
  log: { info(): void; warn(): void },
): Promise<ColdInvocation> {
  const before = registry.requests.length;
  const started = performance.now();
  const report = await processBatch(event, {
    config: coldConfig,
    loader: createStreamLoader(coldConfig),
    credentials,
    deadline: Date.now() + 60_000,
    log,
  });
  const ms = performance.now() - started;
  return { ms, stages: report.stages, registryRequests: registry.requests.length - before };
}

function avroLines(
  cold: ColdInvocation,
  requests: RegistryRequests,
  failed: number,
  records: number,
): string[] {
  const s = cold.stages;
  return [
    `cold: first invocation of a freshly parsed config after the measured rounds (a new container's schemas fetched from the loopback registry and compiled; the code already warm) ${cold.ms.toFixed(1)} ms (decode incl. fetch + compile ${s.decodeMs.toFixed(1)}, convert ${s.transformMs.toFixed(1)}, serialize ${s.serializeMs.toFixed(1)}, send ${s.sendMs.toFixed(1)}), ${cold.registryRequests} registry requests`,
    `registry requests over the kind's whole run: ${requests.total} for ${requests.containers} containers (parsed configs) × ${requests.schemaIds} schema ids; ${requests.duringMeasuredRounds} during the measured rounds`,
    `Powertools could not read ${failed} of ${records.toLocaleString('en-US')} records (avro-js refuses longs past 2^53); they are left out of its body`,
  ];
}

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
      chunks,
    },
    null,
    2,
  )}\n`,
);
writeFileSync('bench/results/latest.md', `Machine: ${machine}; ${measuring}.\n\n${lines.join('\n')}`);
writeFileSync('bench/results/chart.svg', renderChart(results as never, `${machine}; ${measuring}`));
console.log(`\nwrote bench/results/latest.md, latest.json and chart.svg (${machine})`);
