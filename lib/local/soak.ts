import net from 'node:net';
import { partitionKey } from '../decode/event.ts';
import { offsetsTableDdl } from '../load/offsets-table.ts';
import { type LocalFunction, startLocalFunction } from './lambda-runtime.ts';
import { startStandIn } from './stand-in/index.ts';

/**
 * A seeded, bounded soak: the built bundle driven through the event-source mapping's semantics
 * (a failed batch is delivered again from the committed offsets, possibly with another
 * composition; a successful one commits) against the stand-in, with faults injected before
 * invocations and crashes of the function mid-batch. Batches are generated in process; no Kafka.
 *
 * At the end every produced record must be in StarRocks: none lost, none twice in the Primary
 * Key table (by construction), and in exactly-once mode none twice in the Duplicate Key table.
 */

export type SoakSemantic = 'at-least-once' | 'exactly-once-multi' | 'exactly-once-per-table';

export interface SoakOptions {
  readonly seed: number;
  readonly semantic: SoakSemantic;
  /** @default 1000 */
  readonly maxBatches?: number;
  /** @default 600_000 (ten minutes) */
  readonly maxMs?: number;
  /** The built bundle. @default dist/sink/index.mjs */
  readonly bundle?: string;
  /** Chance that an invocation gets faults injected. @default 0.5 */
  readonly faultRate?: number;
  /**
   * What a failed batch is delivered as next: `random` (the mapping may add or drop records, as
   * with a batching window) or `same` (the same records). Per-table exactly-once is keyed on the
   * exact offsets, so it is exactly-once only for `same`.
   *
   * @default 'same' for exactly-once-per-table, else 'random'
   */
  readonly retryComposition?: 'same' | 'random';
  /**
   * `sink.max.concurrent.loads` of the function. The soak's two tables stay under the default (8);
   * 1 makes the bound bind.
   *
   * @default the sink's default
   */
  readonly maxConcurrentLoads?: number;
}

export interface SoakFigures {
  readonly seed: number;
  readonly semantic: SoakSemantic;
  readonly retryComposition: 'same' | 'random';
  readonly batches: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly crashes: number;
  readonly faults: Readonly<Record<string, number>>;
  readonly faultsInjected: number;
  readonly recordsProduced: number;
  readonly pkRows: number;
  readonly dupRows: number;
  readonly lost: number;
  readonly duplicates: number;
  readonly pkMismatches: number;
  /** The function's `sink.max.concurrent.loads` (the sink's default when the soak did not set it). */
  readonly maxConcurrentLoads: number;
  /** The most Stream Loads (and transaction loads) the harness saw in flight at once. */
  readonly mostLoadsInFlight: number;
  readonly ms: number;
}

const DATABASE = 'soak_db';
const PARTITIONS = 2;
const PK_KEYS_PER_PARTITION = 50;
const MAX_PER_PARTITION = 12;
/** Invocation timeout: long enough for retries inside, short enough to keep the soak moving. */
const TIMEOUT_MS = 8000;
/** After the main phase, batches without faults until every record is committed. */
const DRAIN_BATCHES = 200;

/** mulberry32: small, fast and good enough to make a run reproducible from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Produced {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly seq: number;
  readonly key: number;
}

const TOPICS = [
  { topic: 'pk-topic', table: 'pk_tbl' },
  { topic: 'dup-topic', table: 'dup_tbl' },
] as const;

export async function runSoak(options: SoakOptions): Promise<SoakFigures> {
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const maxBatches = options.maxBatches ?? 1000;
  const maxMs = options.maxMs ?? 600_000;
  const faultRate = options.faultRate ?? 0.5;
  const retryComposition =
    options.retryComposition ?? (options.semantic === 'exactly-once-per-table' ? 'same' : 'random');
  // The sizes of the last failed batch, delivered again as they were with `same`.
  let retrySizes: Map<string, number> | undefined;
  const started = Date.now();

  const standIn = await startStandIn({ users: { soak: 'soak-pw' } });
  standIn.execute(
    `CREATE DATABASE ${DATABASE}; USE ${DATABASE};
     CREATE TABLE pk_tbl (id INT NOT NULL, seq INT) PRIMARY KEY(id);
     CREATE TABLE dup_tbl (seq INT, note STRING) DUPLICATE KEY(seq);
     ${offsetsTableDdl('kafka_offsets')}`,
  );
  // The function reaches the stand-in through counting proxies: every load's body goes to the BE.
  const counter = await startLoadCounter(standIn.feUrl, standIn.beUrl);
  const config: Record<string, string> = {
    'starrocks.http.url': counter.feUrl,
    'starrocks.database.name': DATABASE,
    'starrocks.username': 'soak',
    'starrocks.password': 'soak-pw',
    'starrocks.topic2table.map': TOPICS.map((t) => `${t.topic}:${t.table}`).join(','),
    'value.converter.schemas.enable': 'false',
    ...(options.maxConcurrentLoads === undefined
      ? {}
      : { 'sink.max.concurrent.loads': String(options.maxConcurrentLoads) }),
    ...(options.semantic === 'at-least-once'
      ? {}
      : {
          'sink.semantic': 'exactly-once',
          'sink.transaction.mode': options.semantic === 'exactly-once-multi' ? 'multi' : 'per-table',
        }),
  };
  const start = () =>
    startLocalFunction({
      bundle: options.bundle ?? 'dist/sink/index.mjs',
      env: {
        SINK_CONFIG: JSON.stringify(config),
        POWERTOOLS_METRICS_DISABLED: 'true',
        POWERTOOLS_LOG_LEVEL: 'ERROR',
      },
      onLog: () => undefined,
    });
  let fn: LocalFunction = await start();

  // The Kafka log and the committed offset of each partition.
  const log = new Map<string, Produced[]>();
  const committed = new Map<string, number>();
  let seq = 0;
  for (const { topic } of TOPICS) {
    for (let p = 0; p < PARTITIONS; p++) {
      log.set(partitionKey(topic, p), []);
      committed.set(partitionKey(topic, p), 0);
    }
  }
  const produce = () => {
    for (const [key, records] of log) {
      const [topic, partition] = splitKey(key);
      const n = Math.floor(random() * 6);
      for (let i = 0; i < n; i++) {
        seq++;
        records.push({
          topic,
          partition,
          offset: records.length,
          seq,
          key: partition * 1000 + Math.floor(random() * PK_KEYS_PER_PARTITION),
        });
      }
    }
  };

  const faults: Record<string, number> = {};
  const count = (name: string) => {
    faults[name] = (faults[name] ?? 0) + 1;
  };
  /** Set by the `commit on the wire` fault: resolves when the delayed commit reaches StarRocks. */
  let commitOnTheWire: Promise<void> | undefined;
  const exactlyOnce = options.semantic !== 'at-least-once';
  const inject = () => {
    const f = standIn.faults;
    switch (
      pick([
        'reset-before',
        'reset-after',
        'running',
        'http-5xx',
        'no-backend',
        'fail-versions',
        'fail-txns',
        'publish-timeout',
        'delay',
        // Only transactions have a commit to delay.
        ...(exactlyOnce ? (['commit-on-the-wire'] as const) : []),
      ] as const)
    ) {
      case 'commit-on-the-wire': {
        let arrived: () => void = () => undefined;
        commitOnTheWire = new Promise<void>((resolve) => {
          arrived = resolve;
        });
        f.delayCommitNext({
          ms: 100 + Math.floor(random() * 600),
          phase: random() < 0.5 ? 'before-apply' : 'before-visible',
          onReceived: () => arrived(),
        });
        return count('commit delayed');
      }
      case 'reset-before':
        f.resetNext({ when: 'before-apply' });
        return count('reset before apply');
      case 'reset-after':
        f.resetNext({ when: 'after-apply' });
        return count('reset after apply');
      case 'running':
        f.resetNext({ when: 'after-apply', runningForMs: 50 + Math.floor(random() * 400) });
        return count('label RUNNING');
      case 'http-5xx':
        f.failFeNext({ status: 503, body: 'Service Unavailable' });
        return count('HTTP 5xx');
      case 'no-backend':
        f.failFeNext({});
        return count('no backend alive');
      case 'fail-versions':
        f.failNext({
          message:
            'Failed to load data into tablet 1, because of too many versions, current/limit: 1001/1000.',
        });
        return count('Fail: too many versions');
      case 'fail-txns':
        f.failNext({ message: 'current running txns on db 10001 is 1000, larger than limit 1000' });
        return count('Fail: too many running transactions');
      case 'publish-timeout':
        f.publishTimeoutNext();
        return count('Publish Timeout');
      case 'delay':
        f.delayNext({ ms: 20 + Math.floor(random() * 200) });
        return count('delay');
    }
  };

  let batches = 0;
  let succeeded = 0;
  let failed = 0;
  let crashes = 0;
  const runBatch = async (withFaults: boolean): Promise<void> => {
    const delivered = new Map<string, Produced[]>();
    const records: Record<string, unknown[]> = {};
    const sizes = new Map<string, number>();
    for (const [key, all] of log) {
      const from = committed.get(key) ?? 0;
      // With `random`, the mapping may deliver more or fewer records on a retry.
      const take = retrySizes?.get(key) ?? Math.floor(random() * (MAX_PER_PARTITION + 1));

      const slice = all.slice(from, from + take);
      // What was delivered, so that `same` delivers exactly it again (and nothing newer).
      sizes.set(key, slice.length);
      if (slice.length === 0) continue;
      delivered.set(key, slice);
      records[key] = slice.map((r) => ({
        topic: r.topic,
        partition: r.partition,
        offset: r.offset,
        timestamp: 1_750_000_000_000 + r.offset,
        timestampType: 'CREATE_TIME',
        key: null,
        value: Buffer.from(
          JSON.stringify(
            r.topic === 'pk-topic' ? { id: r.key, seq: r.seq } : { seq: r.seq, note: `s${r.seq}` },
          ),
        ).toString('base64'),
        headers: [],
      }));
    }
    if (delivered.size === 0) return;
    retrySizes = undefined;
    const failedAgain = () => {
      if (retryComposition === 'same') retrySizes = sizes;
    };
    batches++;
    const faulty = withFaults && random() < faultRate;
    if (faulty) for (let i = 1 + Math.floor(random() * 3); i > 0; i--) inject();
    const crash = faulty && random() < 0.15;
    const invocation = fn.invoke({ eventSource: 'aws:kafka', records }, { timeoutMs: TIMEOUT_MS });
    const dies = async () => {
      crashes++;
      await fn.close();
      await invocation;
      standIn.faults.clear();
      fn = await start();
      failed++;
      failedAgain();
    };
    const wire = commitOnTheWire;
    commitOnTheWire = undefined;
    // The function dies the moment its commit is sent; StarRocks acts on it later, while the
    // retry already runs.
    if (wire !== undefined && (await Promise.race([wire.then(() => true), invocation.then(() => false)]))) {
      count('crash with the commit on the wire');
      return dies();
    }
    if (crash) {
      // The function dies mid-batch (between tables, between prepare and commit, ...).
      count('crash');
      await new Promise((r) => setTimeout(r, 2 + Math.floor(random() * 40)));
      return dies();
    }
    const result = await invocation;
    standIn.faults.clear();
    if (result.ok) {
      succeeded++;
      for (const [key, slice] of delivered) committed.set(key, (slice.at(-1) as Produced).offset + 1);
    } else {
      failed++;
      failedAgain();
      if (process.env.SOAK_DEBUG) console.error(`batch ${batches} failed: ${result.error.errorMessage}`);
    }
  };

  for (let i = 0; i < maxBatches && Date.now() - started < maxMs; i++) {
    produce();
    await runBatch(true);
  }
  for (let i = 0; i < DRAIN_BATCHES && !allCommitted(log, committed); i++) await runBatch(false);
  await fn.close();

  // Check: every committed record is in StarRocks, once.
  const expectedPk = new Map<number, number>();
  const expectedDup = new Set<number>();
  let produced = 0;
  for (const [key, all] of log) {
    const upTo = committed.get(key) ?? 0;
    produced += all.length;
    for (const r of all.slice(0, upTo)) {
      if (r.topic === 'pk-topic') expectedPk.set(r.key, r.seq);
      else expectedDup.add(r.seq);
    }
  }
  const pkRows = standIn.rows(DATABASE, 'pk_tbl') as { id: number; seq: number }[];
  const dupRows = standIn.rows(DATABASE, 'dup_tbl') as { seq: number }[];
  let pkMismatches = 0;
  let lost = allCommitted(log, committed) ? 0 : produced - committedCount(committed);
  const pkById = new Map(pkRows.map((r) => [r.id, r.seq]));
  for (const [id, s] of expectedPk) {
    const got = pkById.get(id);
    if (got === undefined) lost++;
    else if (got !== s) pkMismatches++;
  }
  const seen = new Map<number, number>();
  for (const r of dupRows) seen.set(r.seq, (seen.get(r.seq) ?? 0) + 1);
  let duplicates = 0;
  for (const s of expectedDup) {
    const n = seen.get(s) ?? 0;
    if (n === 0) lost++;
    if (n > 1) duplicates += n - 1;
  }
  for (const [s, n] of seen) if (!expectedDup.has(s)) duplicates += n;
  await standIn.close();
  await counter.close();
  return {
    seed: options.seed,
    semantic: options.semantic,
    retryComposition,
    batches,
    succeeded,
    failed,
    crashes,
    faults,
    faultsInjected: Object.values(faults).reduce((a, b) => a + b, 0),
    recordsProduced: produced,
    pkRows: pkRows.length,
    dupRows: dupRows.length,
    lost,
    duplicates,
    pkMismatches,
    maxConcurrentLoads: options.maxConcurrentLoads ?? DEFAULT_MAX_CONCURRENT_LOADS,
    mostLoadsInFlight: counter.mostInFlight(),
    ms: Date.now() - started,
  };
}

/** `sink.max.concurrent.loads` when unset (lib/config/keys.ts). */
const DEFAULT_MAX_CONCURRENT_LOADS = 8;

/** TCP proxies in front of the stand-in's FE and BE that count the loads in flight. */
interface LoadCounter {
  /** The FE address the function is given. */
  readonly feUrl: string;
  mostInFlight(): number;
  close(): Promise<void>;
}

/**
 * Counts loads in flight without asking anything of the stand-in: the function talks to a proxy of
 * the FE, whose 307s are rewritten to point at a proxy of the BE, where each load is one `PUT`
 * connection (the sink opens one per request) from its first byte until it closes.
 */
async function startLoadCounter(feUrl: string, beUrl: string): Promise<LoadCounter> {
  let inFlight = 0;
  let most = 0;
  const be = await startProxy(beUrl, (client) => {
    client.once('data', (first: Buffer) => {
      if (first.toString('latin1', 0, 4) !== 'PUT ') return;
      inFlight++;
      most = Math.max(most, inFlight);
      client.once('close', () => inFlight--);
    });
  });
  const toBe = { from: Buffer.from(beUrl).toString('latin1'), to: be.url };
  const fe = await startProxy(feUrl, undefined, (chunk) =>
    Buffer.from(chunk.toString('latin1').replaceAll(toBe.from, toBe.to), 'latin1'),
  );
  return {
    feUrl: fe.url,
    mostInFlight: () => most,
    close: async () => {
      await Promise.all([fe.close(), be.close()]);
    },
  };
}

/**
 * A TCP proxy on loopback to `target` (http://host:port): `watch` sees each client socket,
 * `rewrite` each chunk of the answers (small FE answers arrive in one chunk).
 */
async function startProxy(
  target: string,
  watch?: (client: net.Socket) => void,
  rewrite?: (chunk: Buffer) => Buffer,
): Promise<{ url: string; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    watch?.(client);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => client.write(rewrite ? rewrite(chunk) : chunk));
    upstream.on('end', () => client.end());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function splitKey(key: string): [string, number] {
  const dash = key.lastIndexOf('-');
  return [key.slice(0, dash), Number(key.slice(dash + 1))];
}

function allCommitted(log: ReadonlyMap<string, readonly Produced[]>, committed: ReadonlyMap<string, number>) {
  for (const [key, all] of log) if ((committed.get(key) ?? 0) < all.length) return false;
  return true;
}

function committedCount(committed: ReadonlyMap<string, number>): number {
  let n = 0;
  for (const v of committed.values()) n += v;
  return n;
}

/** One line per figure, for people and for CI logs. */
export function formatFigures(f: SoakFigures): string {
  const faultList = Object.entries(f.faults)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return [
    `soak ${f.semantic} seed=${f.seed} (retried batches: ${f.retryComposition} composition): ${f.batches} batches (${f.succeeded} ok, ${f.failed} failed and delivered again, ${f.crashes} crashes) in ${(f.ms / 1000).toFixed(1)} s`,
    `  faults injected: ${f.faultsInjected} (${faultList || 'none'})`,
    `  records produced: ${f.recordsProduced}; rows: pk_tbl ${f.pkRows}, dup_tbl ${f.dupRows}`,
    `  lost: ${f.lost}, duplicates (Duplicate Key table): ${f.duplicates}, wrong Primary Key values: ${f.pkMismatches}`,
    `  loads in flight: at most ${f.mostLoadsInFlight} at once (sink.max.concurrent.loads=${f.maxConcurrentLoads})`,
  ].join('\n');
}
