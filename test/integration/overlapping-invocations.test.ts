import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSinkConfig, type SinkConfig } from '../../lib/config/sink-config.ts';
import type { KafkaEvent } from '../../lib/decode/event.ts';
import type { BatchReport } from '../../lib/load/batch-report.ts';
import type { DeadLetter } from '../../lib/load/dead-letter-records.ts';
import { createStreamLoader, type StreamLoader } from '../../lib/load/stream-load.ts';
import type { LocalFunction } from '../../lib/local/lambda-runtime.ts';
import { startLocalFunction } from '../../lib/local/lambda-runtime.ts';
import { processBatch } from '../../lib/sink.ts';
import { kafkaRecord, mskEvent, seedConfig } from '../fixtures/events.ts';
import { BUNDLE } from './support/bundle.ts';

/**
 * Invocations that overlap in one process (Lambda Managed Instances run several requests per
 * process) share nothing of one invocation: each one's report, labels, dead letters, back-pressure
 * count, logs and metrics are what it gets when it runs alone. A server on loopback holds every
 * first Stream Load until the loads of all the invocations are in flight, so they do overlap.
 */

/** A StarRocks that answers Stream Loads directly; rows with `"bp":true` are pushed back once. */
interface HoldingStarRocks {
  readonly url: string;
  /** Hold first attempts until this many are in flight (all the invocations' loads). */
  holdUntil: number;
  close(): Promise<void>;
}

async function startHoldingStarRocks(holdUntil: number): Promise<HoldingStarRocks> {
  const sockets = new Set<Socket>();
  const seenLabels = new Set<string>();
  const held: (() => void)[] = [];
  const state = {
    url: '',
    holdUntil,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const label = String(req.headers.label);
    const first = !seenLabels.has(label);
    seenLabels.add(label);
    if (first) {
      await new Promise<void>((release) => {
        held.push(release);
        if (held.length >= state.holdUntil) for (const r of held.splice(0)) r();
      });
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const pushBack = first && body.includes('"bp":true');
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify(
        pushBack
          ? { Label: label, Status: 'Fail', Message: 'too many versions, current/limit: 1001/1000' }
          : { Label: label, Status: 'Success', Message: 'OK', NumberLoadedRows: 1, TxnId: 1 },
      ),
    );
  };
  const server = http.createServer();
  server.on('checkContinue', (req, res) => {
    res.writeContinue();
    void handle(req, res);
  });
  server.on('request', (req, res) => void handle(req, res));
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

const bad = (partition: number, offset: number) => kafkaRecord({ partition, offset, value: 'not json' });

/** Three invocations: tables, offsets, bad records and back-pressure of their own. */
const EVENTS: readonly KafkaEvent[] = [
  mskEvent([
    kafkaRecord({ partition: 0, offset: 10, value: { id: 1, city: 'a', bp: true } }),
    kafkaRecord({ partition: 0, offset: 11, value: { id: 2, city: 'b' } }),
    kafkaRecord({ topic: 'orders', partition: 0, offset: 10, value: { id: 3, bp: true } }),
  ]),
  mskEvent([
    ...[20, 21, 22, 23].map((offset) => kafkaRecord({ partition: 1, offset, value: { id: offset } })),
    bad(1, 24),
  ]),
  mskEvent([
    ...[30, 31, 32].map((offset) =>
      kafkaRecord({ topic: 'orders', partition: 2, offset, value: { id: offset } }),
    ),
    bad(2, 33),
    bad(2, 34),
    kafkaRecord({ partition: 2, offset: 35, value: null }),
  ]),
];
/** First Stream Loads of each invocation: one per table. */
const LOADS = [2, 1, 1];

function configFor(url: string): SinkConfig {
  return parseSinkConfig(
    seedConfig({
      'starrocks.http.url': url,
      topics: 'test,orders',
      'errors.tolerance': 'all',
      'errors.deadletterqueue.s3.bucket': 'dead-letters',
    }),
  );
}

/** What an invocation did, without its timings. */
interface Observed {
  readonly report: Omit<BatchReport, 'stages' | 'tables'> & { tables: unknown[] };
  readonly letters: string[];
  readonly backpressureCalls: string[];
  readonly logs: string[];
}

/** Runs one invocation through processBatch with the shared loader and dead-letter writer. */
async function observe(
  event: KafkaEvent,
  shared: { config: SinkConfig; loader: StreamLoader; written: DeadLetter[][] },
): Promise<Observed> {
  const logs: string[] = [];
  const log = (level: string) => (message: string, attributes: Record<string, unknown>) => {
    const { ms: _ms, durationMs: _d, ...rest } = attributes;
    // The server's port differs between runs; the order of two tables' lines may too.
    logs.push(`${level} ${message} ${JSON.stringify(rest)}`.replace(/127\.0\.0\.1:\d+/g, 'starrocks'));
  };
  const backpressureCalls: string[] = [];
  const mine: DeadLetter[] = [];
  const report = await processBatch(event, {
    config: shared.config,
    loader: shared.loader,
    credentials: { get: async () => ({ username: 'user1', password: '123456' }) },
    deadline: Date.now() + 20_000,
    log: { info: log('info'), warn: log('warn') },
    onBackpressure: (table) => backpressureCalls.push(table),
    deadLetters: {
      destination: 's3://dead-letters/',
      write: async (letters) => {
        shared.written.push([...letters]);
        mine.push(...letters);
      },
    },
  });
  const { stages: _stages, tables, ...rest } = report;
  return {
    report: { ...rest, tables: tables.map(({ ms: _ms, ...t }) => t) },
    letters: mine.map((l) => `${l.topic}-${l.partition}@${l.offset}`),
    backpressureCalls: backpressureCalls.sort(),
    logs: logs.sort(),
  };
}

let server: HoldingStarRocks | undefined;
const functions: LocalFunction[] = [];
afterEach(async () => {
  await Promise.all(functions.splice(0).map((f) => f.close()));
  await server?.close();
  server = undefined;
});

describe('overlapping invocations in one process', () => {
  it('get from processBatch, with one shared loader and dead-letter writer, what each gets alone', async () => {
    // Alone: each invocation against a fresh server that holds only its own loads.
    const alone: Observed[] = [];
    for (const [i, event] of EVENTS.entries()) {
      server = await startHoldingStarRocks(LOADS[i] as number);
      const config = configFor(server.url);
      alone.push(await observe(event, { config, loader: createStreamLoader(config), written: [] }));
      await server.close();
    }

    // Together: one loader (its FE cursor is shared on purpose), loads held until all overlap.
    server = await startHoldingStarRocks(LOADS.reduce((a, b) => a + b));
    const config = configFor(server.url);
    const shared = { config, loader: createStreamLoader(config), written: [] as DeadLetter[][] };
    const together = await Promise.all(EVENTS.map((event) => observe(event, shared)));

    expect(together).toEqual(alone);
    // The invocations had something of their own to keep apart.
    expect(alone.map((o) => o.report.backpressure)).toEqual([2, 0, 0]);
    expect(alone.map((o) => o.report.deadLettered)).toEqual([0, 1, 2]);
    expect(alone.map((o) => o.letters)).toEqual([[], ['test-1@24'], ['test-2@33', 'test-2@34']]);
    expect(shared.written).toHaveLength(2);
  });

  it('keep their own logs and metrics in the built bundle, run as Lambda Managed Instances run it', async () => {
    server = await startHoldingStarRocks(LOADS.reduce((a, b) => a + b));
    const wrapper = fileURLToPath(new URL('./support/managed-instance.mjs', import.meta.url));
    const {
      'errors.tolerance': _t,
      'errors.deadletterqueue.s3.bucket': _b,
      ...keys
    } = seedConfig({
      'starrocks.http.url': server.url,
      topics: 'test,orders',
    });
    const fn = await startLocalFunction({
      bundle: wrapper,
      env: {
        SINK_BUNDLE: fileURLToPath(new URL(`../../${BUNDLE}`, import.meta.url)),
        SINK_CONFIG: JSON.stringify(keys),
        AWS_LAMBDA_MAX_CONCURRENCY: '4',
        POWERTOOLS_METRICS_NAMESPACE: 'StarRocksLambdaSink',
      },
    });
    functions.push(fn);
    // The bad records are left out: without a dead-letter destination they fail the batch.
    const events = EVENTS.map((event) => ({
      ...event,
      records: Object.fromEntries(
        Object.entries(event.records).map(([k, list]) => [
          k,
          list.filter((r) => r.value !== bad(0, 0).value),
        ]),
      ),
    }));

    const results = await Promise.all(events.map((event) => fn.invoke(event)));

    expect(results.map((r) => r.ok)).toEqual([true, true, true]);
    const lines = fn.logs
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    // Each load's log line carries the request id of the invocation whose partition it loaded.
    const loads = lines.filter((l) => l.message === 'stream load done');
    expect(loads).toHaveLength(4);
    const requestOf = new Map<number, unknown>();
    for (const line of loads) {
      const partition = Number(/-(\d+)@/.exec(String((line.offsets as string[])[0]))?.[1]);
      const seen = requestOf.get(partition) ?? line.function_request_id;
      requestOf.set(partition, seen);
      expect(line.function_request_id).toBe(seen);
    }
    expect(new Set(requestOf.values()).size).toBe(3);
    // Each invocation's metrics are flushed once, with its own counts (not summed, not merged).
    const received = lines
      .filter((l) => '_aws' in l && 'RecordsReceived' in l)
      .map((l) => l.RecordsReceived)
      .sort();
    expect(received).toEqual([3, 4, 4]);
    const retries = lines
      .filter((l) => '_aws' in l && 'BackpressureRetries' in l)
      .map((l) => l.BackpressureRetries)
      .sort();
    expect(retries).toEqual([0, 0, 2]);
  });
});
