import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StandIn, startStandIn } from '../../lib/local/stand-in/index.ts';
import { LOG_DIR, runDir } from './harness/paths.ts';
import { tail } from './harness/process.ts';
import { curl, prepareSdkDriver, runSdk, type SdkRun } from './harness/starrocks-clients.ts';

/**
 * The stand-in held to StarRocks' own clients rather than only to ours: the Stream Load SDK that the
 * StarRocks Kafka and Flink connectors embed (`com.starrocks:starrocks-stream-load-sdk`, in its stream-load
 * and transaction modes), and the `curl --location-trusted` commands of StarRocks' documentation
 * ("STREAM LOAD", "Load data using Stream Load transaction interface").
 */

const USER = 'loader';
const PASSWORD = 'e2e-Pa55:word';
const DB = 'clients';

describe('StarRocks stand-in against StarRocks’ own clients', () => {
  let starrocks: StandIn;
  let files: string;

  beforeAll(async () => {
    await prepareSdkDriver((line) => console.log(line));
    starrocks = await startStandIn({ users: { [USER]: PASSWORD } });
    starrocks.execute(`CREATE DATABASE ${DB}; USE ${DB};
      CREATE TABLE sdk_stream (id INT NOT NULL, city STRING) PRIMARY KEY(id);
      CREATE TABLE sdk_txn_big (id INT NOT NULL, city STRING) PRIMARY KEY(id);
      CREATE TABLE sdk_txn_chunks (id INT NOT NULL, city STRING) PRIMARY KEY(id);
      CREATE TABLE sdk_lz4_stream (id INT NOT NULL, city STRING) PRIMARY KEY(id);
      CREATE TABLE sdk_lz4_txn (id INT NOT NULL, city STRING) PRIMARY KEY(id);
      CREATE TABLE sdk_publish (id INT NOT NULL, city STRING) PRIMARY KEY(id);
      CREATE TABLE sdk_label (id INT NOT NULL, city STRING) DUPLICATE KEY(id);
      CREATE TABLE sdk_filtered (id INT NOT NULL, city STRING) DUPLICATE KEY(id);
      CREATE TABLE sdk_txn_filtered (id INT NOT NULL, city STRING) DUPLICATE KEY(id);
      CREATE TABLE curl_load (id INT NOT NULL, city STRING) DUPLICATE KEY(id);
      CREATE TABLE curl_txn (id INT NOT NULL, city STRING) DUPLICATE KEY(id);`);
    files = runDir(`starrocks-clients-${Date.now().toString(36)}`);
    mkdirSync(files, { recursive: true });
  });

  afterAll(async () => {
    await starrocks?.close();
  });

  const sdk = (
    name: string,
    spec: Omit<SdkRun, 'url' | 'user' | 'password' | 'db'> & { password?: string },
  ) => runSdk(name, { url: starrocks.feUrl, user: USER, password: PASSWORD, db: DB, ...spec });
  const loadsInto = (table: string) => starrocks.loads.filter((load) => load.table === table);
  const sdkLog = (result: { logFile: string }) => tail(result.logFile, 30);

  describe('the Stream Load SDK', () => {
    it('loads JSON rows through _stream_load (307 to the BE, 100-continue, its own label)', async () => {
      const result = await sdk('stream-json', {
        mode: 'stream',
        table: 'sdk_stream',
        format: 'json',
        rows: 1000,
        labelPrefix: 'sdk_stream',
      });

      expect(result.ok, sdkLog(result)).toBe(true);
      expect(result.responses).toMatchObject([
        { status: 'Success', numberTotalRows: 1000, numberLoadedRows: 1000, flushRows: 1000 },
      ]);
      const [load] = loadsInto('sdk_stream');
      expect(load).toMatchObject({ kind: 'stream', status: 'Success', numberLoadedRows: 1000 });
      expect(load?.label).toMatch(/^sdk_stream-[0-9a-f-]{36}$/);
      expect(load?.headers).toMatchObject({
        format: 'json',
        strip_outer_array: 'true',
        expect: '100-continue',
      });
      expect(starrocks.rows(DB, 'sdk_stream')).toHaveLength(1000);
      expect(starrocks.rows(DB, 'sdk_stream')[999]).toEqual({ id: 1000, city: `city_${1000 % 97}` });
    });

    it('loads 150k CSV rows in one transaction load (begin, load, prepare, commit), as the Kafka connector does', async () => {
      // More rows than one call's arguments can hold (about 125k): the stand-in once spread them into a push.
      const result = await sdk('transaction-150k', {
        mode: 'transaction',
        table: 'sdk_txn_big',
        format: 'csv',
        rows: 150_000,
        labelPrefix: 'sdk_txn',
      });

      expect(result.ok, sdkLog(result)).toBe(true);
      const loads = loadsInto('sdk_txn_big');
      expect(loads).toMatchObject([{ kind: 'transaction', status: 'OK' }]);
      expect(starrocks.labelState(DB, loads[0]?.label ?? '')).toBe('VISIBLE');
      expect(starrocks.rows(DB, 'sdk_txn_big')).toHaveLength(150_000);
    });

    it('sends several bodies under one transaction label when its chunks are small, and commits them together', async () => {
      const result = await sdk('transaction-chunks', {
        mode: 'transaction',
        table: 'sdk_txn_chunks',
        format: 'json',
        rows: 5000,
        chunkLimit: 40_000,
        labelPrefix: 'sdk_chunks',
      });

      expect(result.ok, sdkLog(result)).toBe(true);
      const loads = loadsInto('sdk_txn_chunks');
      expect(loads.length).toBeGreaterThan(3);
      expect(new Set(loads.map((load) => load.label)).size).toBe(1);
      expect(loads.every((load) => load.status === 'OK')).toBe(true);
      expect(starrocks.labelState(DB, loads[0]?.label ?? '')).toBe('VISIBLE');
      expect(starrocks.rows(DB, 'sdk_txn_chunks')).toHaveLength(5000);
    });

    it('loads JSON compressed as LZ4 frames (chunked, lz4-java) in both modes', async () => {
      const spec = { format: 'json', rows: 20_000, compression: 'lz4_frame' } as const;

      const [stream, transaction] = await Promise.all([
        sdk('lz4-stream', { ...spec, mode: 'stream', table: 'sdk_lz4_stream' }),
        sdk('lz4-transaction', { ...spec, mode: 'transaction', table: 'sdk_lz4_txn' }),
      ]);

      expect(stream.ok, sdkLog(stream)).toBe(true);
      expect(transaction.ok, sdkLog(transaction)).toBe(true);
      for (const table of ['sdk_lz4_stream', 'sdk_lz4_txn']) {
        expect(loadsInto(table)).toMatchObject([
          {
            status: expect.stringMatching(/^(Success|OK)$/),
            headers: { compression: 'lz4_frame', 'transfer-encoding': 'chunked' },
          },
        ]);
        expect(starrocks.rows(DB, table)).toHaveLength(20_000);
      }
    });

    it('asks get_load_state after the commit of a prepared transaction failed on publish timeout, and takes COMMITTED as loaded', async () => {
      starrocks.faults.publishTimeoutNext();

      const result = await sdk('publish-timeout', {
        mode: 'transaction',
        table: 'sdk_publish',
        format: 'json',
        rows: 10,
        labelPrefix: 'sdk_publish',
      });

      expect(result.ok, sdkLog(result)).toBe(true);
      const [load] = loadsInto('sdk_publish');
      expect(starrocks.labelState(DB, load?.label ?? '')).toBe('COMMITTED');
      // The commit answer the SDK logged (its get_load_state call that followed is logged by DefaultStreamLoader, kept at warn).
      expect(readFileSync(result.logFile, 'utf8')).toMatch(
        /Transaction committed, lable: sdk_publish-[^\n]*body : \{[^}]*"FAILED"[^}]*publish timeout: 20000/,
      );
      expect(starrocks.rows(DB, 'sdk_publish')).toHaveLength(10);
    });

    it('takes "Label Already Exists" with ExistingJobStatus FINISHED as loaded, and nothing loads twice', async () => {
      const spec = {
        mode: 'stream',
        table: 'sdk_label',
        format: 'json',
        rows: 10,
        label: 'sdk_fixed_label',
      } as const;

      const first = await sdk('label-first', spec);
      const again = await sdk('label-again', spec);

      expect(first.ok, sdkLog(first)).toBe(true);
      expect(again.ok, sdkLog(again)).toBe(true);
      expect(again.responses).toMatchObject([
        { status: 'Label Already Exists', existingJobStatus: 'FINISHED' },
      ]);
      expect(starrocks.rows(DB, 'sdk_label')).toHaveLength(10);
    });

    it('fails a load with a bad row, quoting the rows it fetched from ErrorURL; max_filter_ratio lets it through', async () => {
      const spec = { mode: 'stream', table: 'sdk_filtered', format: 'csv', rows: 10, badRow: 4 } as const;

      const [strict, tolerant] = await Promise.all([
        sdk('filtered-strict', spec),
        sdk('filtered-ratio', { ...spec, headers: { max_filter_ratio: '0.2' } }),
      ]);

      expect(strict.ok).toBe(false);
      expect(strict.error).toContain('too many filtered rows');
      expect(strict.error).toMatch(/errorLog: Error: .*not_a_number/);
      expect(tolerant.ok, sdkLog(tolerant)).toBe(true);
      expect(tolerant.responses).toMatchObject([
        { status: 'Success', numberTotalRows: 10, numberLoadedRows: 9, numberFilteredRows: 1 },
      ]);
      expect(starrocks.rows(DB, 'sdk_filtered')).toHaveLength(9);
    });

    it('fails a transaction at prepare when a bad row exceeds max_filter_ratio, and loads nothing', async () => {
      const result = await sdk('transaction-filtered', {
        mode: 'transaction',
        table: 'sdk_txn_filtered',
        format: 'json',
        rows: 10,
        badRow: 4,
        labelPrefix: 'sdk_txn_bad',
      });

      expect(result.ok).toBe(false);
      expect(result.error).toContain('too many filtered rows');
      const [load] = loadsInto('sdk_txn_filtered');
      expect(starrocks.labelState(DB, load?.label ?? '')).toBe('ABORTED');
      expect(starrocks.rows(DB, 'sdk_txn_filtered')).toEqual([]);
    });

    it('reports access denied for a wrong password in both modes', async () => {
      const spec = { table: 'sdk_stream', format: 'json', rows: 1, password: 'wrong' } as const;

      const [stream, transaction] = await Promise.all([
        sdk('denied-stream', { ...spec, mode: 'stream' }),
        sdk('denied-transaction', { ...spec, mode: 'transaction' }),
      ]);

      expect(stream.ok).toBe(false);
      expect(stream.error).toContain('access denied');
      expect(transaction.ok).toBe(false);
      expect(transaction.error).toContain('access denied');
    });
  });

  it('keeps the credentials out of the SDK logs', () => {
    const logs = readdirSync(LOG_DIR).filter((name) => name.startsWith('starrocks-sdk-'));
    const basic = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');

    expect(logs.length).toBeGreaterThan(5);
    for (const name of logs) {
      const text = readFileSync(join(LOG_DIR, name), 'utf8');
      expect(text.includes(basic) || text.includes(PASSWORD), name).toBe(false);
    }
  });

  describe('the documented curl commands', () => {
    const auth = `${USER}:${PASSWORD}`;
    const csvFile = (name: string, lines: readonly string[]) => {
      const path = join(files, name);
      writeFileSync(path, `${lines.join('\n')}\n`);
      return path;
    };
    const streamLoad = (label: string, file: string, ...headers: string[]) =>
      curl([
        '--location-trusted',
        '-u',
        auth,
        '-H',
        `label:${label}`,
        '-H',
        'Expect:100-continue',
        '-H',
        'column_separator:,',
        ...headers.flatMap((header) => ['-H', header]),
        '-T',
        file,
        '-XPUT',
        `${starrocks.feUrl}/api/${DB}/curl_load/_stream_load`,
      ]);

    it('loads a file with a label, answers the same label with "Label Already Exists", and get_load_state says VISIBLE', async () => {
      const file = csvFile('cities.csv', ['1,Paris', '2,Rome', '3,Oslo']);

      const first = await streamLoad('curl_label_1', file);
      const again = await streamLoad('curl_label_1', file);
      const state = await curl([
        '--location-trusted',
        '-u',
        auth,
        `${starrocks.feUrl}/api/${DB}/get_load_state?label=curl_label_1`,
      ]);

      expect(first.status).toBe(200);
      expect(first.json()).toMatchObject({
        Label: 'curl_label_1',
        Status: 'Success',
        Message: 'OK',
        NumberTotalRows: 3,
        NumberLoadedRows: 3,
      });
      expect(again.json()).toMatchObject({
        Label: 'curl_label_1',
        Status: 'Label Already Exists',
        ExistingJobStatus: 'FINISHED',
      });
      expect(state.json()).toMatchObject({ status: 'OK', state: 'VISIBLE' });
      expect(starrocks.rows(DB, 'curl_load')).toHaveLength(3);
    });

    it('fails a bad row with "too many filtered rows" and an ErrorURL curl can read; max_filter_ratio admits it', async () => {
      const file = csvFile('bad-row.csv', [
        '11,Lima',
        'twelve,Quito',
        '13,Bogota',
        '14,Caracas',
        '15,Santiago',
      ]);

      const strict = await streamLoad('curl_bad_strict', file);
      const errorLog = await curl([String(strict.json().ErrorURL)]);
      const tolerant = await streamLoad('curl_bad_ratio', file, 'max_filter_ratio:0.2');

      expect(strict.json()).toMatchObject({
        Status: 'Fail',
        Message: 'too many filtered rows',
        NumberTotalRows: 5,
        NumberFilteredRows: 1,
        ErrorURL: expect.stringMatching(/^http:\/\/.*\/api\/_load_error_log\?file=/),
      });
      expect(errorLog.status).toBe(200);
      expect(errorLog.text).toContain('twelve');
      expect(tolerant.json()).toMatchObject({
        Status: 'Success',
        NumberLoadedRows: 4,
        NumberFilteredRows: 1,
      });
    });

    it('runs begin, load and commit of the transaction interface', async () => {
      const file = csvFile('txn.csv', ['21,Kyiv', '22,Riga']);
      const operation = (op: string, ...extra: string[]) =>
        curl([
          '--location-trusted',
          '-u',
          auth,
          '-H',
          'label:curl_txn_1',
          '-H',
          'Expect:100-continue',
          '-H',
          `db:${DB}`,
          '-H',
          'table:curl_txn',
          ...extra,
          `${starrocks.feUrl}/api/transaction/${op}`,
        ]);

      const begin = await operation('begin', '-XPOST');
      const load = await operation('load', '-H', 'column_separator:,', '-T', file, '-XPUT');
      const commit = await operation('commit', '-XPOST');

      expect(begin.json()).toMatchObject({ Status: 'OK', Label: 'curl_txn_1' });
      expect(load.json()).toMatchObject({ Status: 'OK', Label: 'curl_txn_1' });
      expect(commit.json()).toMatchObject({ Status: 'OK', Label: 'curl_txn_1' });
      expect(starrocks.labelState(DB, 'curl_txn_1')).toBe('VISIBLE');
      expect(starrocks.rows(DB, 'curl_txn')).toEqual([
        { id: 21, city: 'Kyiv' },
        { id: 22, city: 'Riga' },
      ]);
    });
  });
});
