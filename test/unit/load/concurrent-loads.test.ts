import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSinkConfig, type SinkConfig } from '../../../lib/config/sink-config.ts';
import { settleWithLimit } from '../../../lib/load/concurrency.ts';
import { createStreamLoader } from '../../../lib/load/stream-load.ts';
import { processBatch } from '../../../lib/sink.ts';
import { kafkaRecord, mskEvent, seedConfig } from '../../fixtures/events.ts';

/**
 * `sink.max.concurrent.loads`: a batch of 300 tables against a server on loopback that counts the
 * loads in flight (at-least-once) and the transactions open between begin and prepare
 * (exactly-once per-table). Every table is loaded, and never more than the bound at once.
 */

const TABLES = 300;
/** How long the server waits for another load before it answers the ones it holds. */
const QUIET_MS = 10;

/** A StarRocks of a few lines: Stream Load and the transaction API, answered OK, and counted. */
interface CountingStarRocks {
  readonly url: string;
  /** Tables whose Stream Load (or transaction commit) was answered. */
  readonly loaded: Set<string>;
  /** The most Stream Loads in flight at once. */
  maxInFlight: number;
  /** The most transactions begun and not yet prepared, at once. */
  maxOpen: number;
  close(): Promise<void>;
}

/**
 * Stream Load answers are held until no new load has arrived for a moment: loads the sink sends
 * all at once all arrive while the first ones wait (the count then shows them all), and loads it
 * holds back wait for a free slot. The pause paces the server; nothing is asserted on time.
 */
async function startCountingStarRocks(): Promise<CountingStarRocks> {
  const sockets = new Set<Socket>();
  const open = new Set<string>();
  const held: (() => void)[] = [];
  let inFlight = 0;
  let arrived = 0;
  let quiet: NodeJS.Timeout | undefined;
  const state = {
    url: '',
    loaded: new Set<string>(),
    maxInFlight: 0,
    maxOpen: 0,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const answer = (res: ServerResponse, body: Record<string, unknown>) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const streamLoad = async (req: IncomingMessage, res: ServerResponse, table: string) => {
    inFlight++;
    arrived++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    await new Promise<void>((release) => {
      held.push(release);
      clearTimeout(quiet);
      quiet = setTimeout(() => {
        for (const r of held.splice(0)) r();
      }, QUIET_MS);
    });
    await readBody(req);
    const label = String(req.headers.label);
    state.loaded.add(table);
    answer(res, { TxnId: arrived, Label: label, Status: 'Success', Message: 'OK', NumberLoadedRows: 1 });
    inFlight--;
  };
  const transaction = async (req: IncomingMessage, res: ServerResponse, operation: string) => {
    await readBody(req);
    const label = String(req.headers.label);
    if (operation === 'begin') {
      open.add(label);
      state.maxOpen = Math.max(state.maxOpen, open.size);
    }
    if (operation === 'prepare') open.delete(label);
    if (operation === 'commit') state.loaded.add(String(label));
    answer(res, { Status: 'OK', Message: '', Label: label, TxnId: 1 });
  };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '';
    const load = /^\/api\/[^/]+\/([^/]+)\/_stream_load$/.exec(url);
    if (load !== null) return void streamLoad(req, res, decodeURIComponent(load[1] as string));
    const txn = /^\/api\/transaction\/(\w+)$/.exec(url);
    if (txn !== null) return void transaction(req, res, txn[1] as string);
    answer(res, { state: 'UNKNOWN' });
  };
  const server = http.createServer();
  server.on('checkContinue', (req, res) => {
    res.writeContinue();
    handle(req, res);
  });
  server.on('request', handle);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

function readBody(req: IncomingMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    req.on('data', () => {});
    req.on('end', resolve);
    req.on('error', reject);
  });
}

/** One record for each of 300 topics, each loading into the table of its own name. */
function eventOfManyTables() {
  return mskEvent(
    Array.from({ length: TABLES }, (_, i) =>
      kafkaRecord({ topic: `t${String(i).padStart(3, '0')}`, offset: i, value: { id: i } }),
    ),
  );
}

function configFor(url: string, overrides: Record<string, string> = {}): SinkConfig {
  const {
    topics: _topic,
    'starrocks.topic2table.map': _map,
    ...seed
  } = seedConfig({ 'starrocks.http.url': url, ...overrides });
  return parseSinkConfig({ ...seed, 'topics.regex': 't\\d+' });
}

function invoke(config: SinkConfig) {
  return processBatch(eventOfManyTables(), {
    config,
    loader: createStreamLoader(config),
    credentials: { get: async () => ({ username: 'user1', password: '123456' }) },
    deadline: Date.now() + 60_000,
    log: { info: () => {}, warn: () => {} },
  });
}

let server: CountingStarRocks | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('sink.max.concurrent.loads', () => {
  it('loads 300 tables at-least-once with never more than 8 (the default) Stream Loads in flight', async () => {
    server = await startCountingStarRocks();
    const config = configFor(server.url);
    expect(config.maxConcurrentLoads).toBe(8);

    const report = await invoke(config);

    expect(report.tables).toHaveLength(TABLES);
    expect(report.tables.every((t) => t.outcome === 'loaded')).toBe(true);
    expect(server.loaded.size).toBe(TABLES);
    expect(server.maxInFlight).toBeGreaterThan(1);
    expect(server.maxInFlight).toBeLessThanOrEqual(8);
  });

  it('loads 300 tables exactly-once per-table with never more than 4 transactions open', async () => {
    server = await startCountingStarRocks();
    const config = configFor(server.url, {
      'sink.semantic': 'exactly-once',
      'sink.transaction.mode': 'per-table',
      'sink.max.concurrent.loads': '4',
    });

    const report = await invoke(config);

    expect(report.tables).toHaveLength(TABLES);
    expect(server.loaded.size).toBe(TABLES);
    expect(server.maxOpen).toBeGreaterThan(1);
    expect(server.maxOpen).toBeLessThanOrEqual(4);
  });
});

describe('settleWithLimit', () => {
  it('settles every task in item order, rejections included, with at most the limit running', async () => {
    let running = 0;
    let most = 0;
    const results = await settleWithLimit([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
      if (n % 3 === 0) throw new Error(`no ${n}`);
      return n * 10;
    });

    expect(most).toBe(3);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      10,
      20,
      'no 3',
      40,
      50,
      'no 6',
      70,
    ]);
  });

  it('settles an empty list at once', async () => {
    expect(await settleWithLimit([], 8, async () => 1)).toEqual([]);
  });
});
