import { request as httpRequest } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type StandIn, startStandIn } from '../../../lib/local/stand-in/index.ts';
import { basicAuth, getJson, putFollowingRedirect, send, transaction } from '../../support/http-client.ts';

describe('StarRocks stand-in: transaction API', () => {
  let starrocks: StandIn;

  beforeEach(async () => {
    starrocks = await startStandIn();
    starrocks.execute(
      'CREATE DATABASE db; USE db; CREATE TABLE t (id INT NOT NULL, city STRING) PRIMARY KEY(id); CREATE TABLE u (id INT, note STRING);',
    );
  });

  afterEach(async () => {
    await starrocks.close();
  });

  const txnHeaders = (label: string, table = 't') => ({ label, db: 'db', table });
  const txnLoad = (label: string, rows: unknown[], extra: Record<string, string> = {}, table = 't') =>
    putFollowingRedirect(`${starrocks.feUrl}/api/transaction/load`, {
      body: JSON.stringify(rows),
      headers: {
        Authorization: basicAuth(),
        ...txnHeaders(label, table),
        format: 'json',
        strip_outer_array: 'true',
        ...extra,
      },
    });

  it('runs begin → load → load → prepare → commit and makes all rows visible at commit', async () => {
    const begin = await transaction(starrocks.feUrl, 'begin', txnHeaders('txn_1'));
    const first = await txnLoad('txn_1', [{ id: 1, city: 'Paris' }]);
    const second = await txnLoad('txn_1', [{ id: 2, city: 'Rome' }]);
    const rowsBeforeCommit = starrocks.rows('db', 't');
    const prepare = await transaction(starrocks.feUrl, 'prepare', txnHeaders('txn_1'));
    const statePrepared = starrocks.labelState('db', 'txn_1');
    const commit = await transaction(starrocks.feUrl, 'commit', txnHeaders('txn_1'));

    expect(begin).toMatchObject({ Status: 'OK', Label: 'txn_1', TxnId: expect.any(Number) });
    expect(first.redirect?.headers.location).toBe(`${starrocks.beUrl}/api/transaction/load`);
    expect(first.json()).toMatchObject({
      Status: 'OK',
      Label: 'txn_1',
      TxnId: begin.TxnId,
      LoadBytes: expect.any(Number),
    });
    expect(second.json().Status).toBe('OK');
    expect(rowsBeforeCommit).toEqual([]);
    expect(prepare).toMatchObject({
      Status: 'OK',
      TxnId: begin.TxnId,
      NumberTotalRows: 2,
      NumberLoadedRows: 2,
    });
    expect(statePrepared).toBe('PREPARED');
    expect(commit).toEqual({ Status: 'OK', Message: '', TxnId: begin.TxnId, Label: 'txn_1' });
    expect(starrocks.rows('db', 't')).toEqual([
      { id: 1, city: 'Paris' },
      { id: 2, city: 'Rome' },
    ]);
    expect(starrocks.labelState('db', 'txn_1')).toBe('VISIBLE');
    expect(starrocks.loads.map((load) => [load.kind, load.label, load.status])).toEqual([
      ['transaction', 'txn_1', 'OK'],
      ['transaction', 'txn_1', 'OK'],
    ]);
  });

  it('commits without prepare, and a repeated commit answers OK "already committed"', async () => {
    await transaction(starrocks.feUrl, 'begin', txnHeaders('txn_2'));
    await txnLoad('txn_2', [{ id: 1, city: 'Paris' }]);

    const commit = await transaction(starrocks.feUrl, 'commit', txnHeaders('txn_2'));
    const again = await transaction(starrocks.feUrl, 'commit', txnHeaders('txn_2'));

    expect(commit).toMatchObject({ Status: 'OK', NumberLoadedRows: 1 });
    expect(again).toMatchObject({
      Status: 'OK',
      Message: `Transaction ${commit.TxnId} has already committed, label is txn_2`,
    });
    expect(starrocks.rows('db', 't')).toHaveLength(1);
  });

  it('rolls back: nothing is applied, the label reads ABORTED and can begin again', async () => {
    await transaction(starrocks.feUrl, 'begin', txnHeaders('txn_3'));
    await txnLoad('txn_3', [{ id: 1, city: 'Paris' }]);

    const rollback = await transaction(starrocks.feUrl, 'rollback', txnHeaders('txn_3'));
    const state = await getJson(`${starrocks.feUrl}/api/db/get_load_state?label=txn_3`);
    const commitAfterRollback = await transaction(starrocks.feUrl, 'commit', txnHeaders('txn_3'));
    const loadAfterRollback = await txnLoad('txn_3', [{ id: 2, city: 'Rome' }]);
    const beginAgain = await transaction(starrocks.feUrl, 'begin', txnHeaders('txn_3'));

    expect(rollback).toEqual({ Status: 'OK', Message: '', Label: 'txn_3' });
    expect(state.body).toMatchObject({ state: 'ABORTED', reason: 'transaction is aborted by user.' });
    expect(commitAfterRollback).toMatchObject({ Status: 'FAILED' });
    expect(String(commitAfterRollback.Message)).toContain('Can not commit ABORTED transaction');
    expect(loadAfterRollback.json()).toMatchObject({ Status: 'TXN_NOT_EXISTS' });
    expect(beginAgain.Status).toBe('OK');
    expect(starrocks.rows('db', 't')).toEqual([]);
  });

  it('rolls back a PREPARED transaction', async () => {
    await transaction(starrocks.feUrl, 'begin', txnHeaders('txn_4'));
    await txnLoad('txn_4', [{ id: 1, city: 'Paris' }]);
    await transaction(starrocks.feUrl, 'prepare', txnHeaders('txn_4'));

    const rollback = await transaction(starrocks.feUrl, 'rollback', txnHeaders('txn_4'));
    const again = await transaction(starrocks.feUrl, 'rollback', txnHeaders('txn_4'));

    expect(rollback).toMatchObject({ Status: 'OK', TxnId: expect.any(Number), Label: 'txn_4' });
    expect(String(again.Message)).toMatch(/has already aborted, label is txn_4$/);
    expect(starrocks.rows('db', 't')).toEqual([]);
  });

  it('refuses to roll back a committed transaction', async () => {
    await transaction(starrocks.feUrl, 'begin', txnHeaders('txn_5'));
    await txnLoad('txn_5', [{ id: 1, city: 'Paris' }]);
    await transaction(starrocks.feUrl, 'commit', txnHeaders('txn_5'));

    const rollback = await transaction(starrocks.feUrl, 'rollback', txnHeaders('txn_5'));

    expect(rollback.Status).toBe('FAILED');
    expect(String(rollback.Message)).toContain('Can not abort VISIBLE transaction');
  });

  it('answers LABEL_ALREADY_EXISTS when beginning a label that is in use', async () => {
    await transaction(starrocks.feUrl, 'begin', txnHeaders('txn_6'));

    const running = await transaction(starrocks.feUrl, 'begin', txnHeaders('txn_6'));
    await txnLoad('txn_6', [{ id: 1, city: 'Paris' }]);
    await transaction(starrocks.feUrl, 'commit', txnHeaders('txn_6'));
    const finished = await transaction(starrocks.feUrl, 'begin', txnHeaders('txn_6'));

    expect(running).toEqual({
      Status: 'LABEL_ALREADY_EXISTS',
      ExistingJobStatus: 'RUNNING',
      Message: 'Label [txn_6] has already been used.',
    });
    expect(finished).toMatchObject({ Status: 'LABEL_ALREADY_EXISTS', ExistingJobStatus: 'FINISHED' });
  });

  it('fails the commit with too many filtered rows and aborts', async () => {
    await transaction(starrocks.feUrl, 'begin', txnHeaders('txn_7'));
    await txnLoad('txn_7', [{ id: null, city: 'nowhere' }]);

    const commit = await transaction(starrocks.feUrl, 'commit', txnHeaders('txn_7'));

    expect(commit).toMatchObject({ Status: 'INTERNAL_ERROR', Message: 'too many filtered rows' });
    expect(String(commit.ErrorURL)).toContain('/api/_load_error_log?file=');
    expect(starrocks.labelState('db', 'txn_7')).toBe('ABORTED');
  });

  it('answers TXN_NOT_EXISTS for a load or prepare without begin', async () => {
    const load = await txnLoad('never', [{ id: 1 }]);
    const prepare = await transaction(starrocks.feUrl, 'prepare', txnHeaders('never'));

    expect(load.continued).toBe(false);
    expect(load.json()).toEqual({
      Status: 'TXN_NOT_EXISTS',
      Message: 'transaction with label never not exists',
    });
    expect(prepare.Status).toBe('TXN_NOT_EXISTS');
  });

  it('aborts when a later load changes the data headers', async () => {
    await transaction(starrocks.feUrl, 'begin', txnHeaders('txn_8'));
    await txnLoad('txn_8', [{ id: 1, city: 'Paris' }]);

    const changed = await txnLoad('txn_8', [{ id: 2, city: 'Rome' }], { max_filter_ratio: '0.5' });

    expect(changed.json()).toEqual({ Status: 'INTERNAL_ERROR', Message: 'load request not equal last.' });
    expect(starrocks.labelState('db', 'txn_8')).toBe('ABORTED');
  });

  it('refuses a load for another table than the one begun', async () => {
    await transaction(starrocks.feUrl, 'begin', txnHeaders('txn_9'));

    const reply = await txnLoad('txn_9', [{ id: 1 }], {}, 'u');

    expect(reply.json()).toMatchObject({
      Status: 'INVALID_ARGUMENT',
      Message: 'Request table u not equal transaction table t',
    });
  });

  it('answers TXN_IN_PROCESSING to a load while another load of the label is still sending', async () => {
    await transaction(starrocks.feUrl, 'begin', txnHeaders('busy'));
    const body = JSON.stringify([{ id: 1, city: 'Paris' }]);
    const first = httpRequest(`${starrocks.beUrl}/api/transaction/load`, {
      method: 'PUT',
      agent: false,
      headers: {
        Authorization: basicAuth(),
        ...txnHeaders('busy'),
        format: 'json',
        strip_outer_array: 'true',
        Expect: '100-continue',
        'Content-Length': String(body.length),
      },
    });
    const firstAnswer = new Promise<string>((resolve, reject) => {
      first.on('response', (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        res.on('end', () => resolve(text));
      });
      first.on('error', reject);
    });
    await new Promise((resolve) => first.on('continue', resolve));

    const second = await txnLoad('busy', [{ id: 2, city: 'Rome' }]);
    first.end(body);

    expect(second.json()).toEqual({
      Status: 'TXN_IN_PROCESSING',
      Label: 'busy',
      Message: 'Transaction is in processing',
    });
    expect(JSON.parse(await firstAnswer)).toMatchObject({ Status: 'OK' });
  });

  it('answers commit with no data as an error and aborts', async () => {
    await transaction(starrocks.feUrl, 'begin', txnHeaders('txn_10'));

    const commit = await transaction(starrocks.feUrl, 'commit', txnHeaders('txn_10'));

    expect(commit.Status).toBe('INTERNAL_ERROR');
    expect(String(commit.Message)).toMatch(/hasn't send any data yet$/);
  });

  it.each([
    [{ db: 'db', table: 't' }, 'class com.starrocks.common.StarRocksException: Empty label.'],
    [{ label: 'x', table: 't' }, 'class com.starrocks.common.StarRocksException: No database selected.'],
    [
      { label: 'x', db: 'nope', table: 't' },
      'class com.starrocks.common.StarRocksException: Database[nope] does not exist.',
    ],
  ])('answers begin with headers %j as FAILED', async (headers, message) => {
    expect(await transaction(starrocks.feUrl, 'begin', headers)).toEqual({
      Status: 'FAILED',
      Message: message,
    });
  });

  it('answers 401 on the FE for a wrong password', async () => {
    const reply = await send(`${starrocks.feUrl}/api/transaction/begin`, {
      method: 'POST',
      headers: { Authorization: basicAuth('root', 'bad'), ...txnHeaders('x') },
    });

    expect(reply.status).toBe(401);
    expect(reply.headers['www-authenticate']).toBe('Basic realm=""');
  });

  it('answers begin and commit on the BE too', async () => {
    const begin = await transaction(starrocks.beUrl, 'begin', txnHeaders('on_be'));
    await txnLoad('on_be', [{ id: 3, city: 'Oslo' }]);
    const commit = await transaction(starrocks.beUrl, 'commit', txnHeaders('on_be'));

    expect([begin.Status, commit.Status]).toEqual(['OK', 'OK']);
    expect(starrocks.rows('db', 't')).toEqual([{ id: 3, city: 'Oslo' }]);
  });

  it('answers PUBLISH_TIMEOUT at commit when a load met publishTimeoutNext', async () => {
    await transaction(starrocks.feUrl, 'begin', txnHeaders('txn_pt'));
    starrocks.faults.publishTimeoutNext();
    await txnLoad('txn_pt', [{ id: 1, city: 'Paris' }]);

    const commit = await transaction(starrocks.feUrl, 'commit', txnHeaders('txn_pt'));

    expect(commit.Status).toBe('PUBLISH_TIMEOUT');
    expect(starrocks.labelState('db', 'txn_pt')).toBe('COMMITTED');
    expect(starrocks.rows('db', 't')).toHaveLength(1);
  });

  it('answers a commit of a PREPARED transaction whose publish times out as the leader FE does: FAILED, yet COMMITTED', async () => {
    await transaction(starrocks.feUrl, 'begin', txnHeaders('txn_pt_prepared'));
    starrocks.faults.publishTimeoutNext();
    await txnLoad('txn_pt_prepared', [{ id: 1, city: 'Paris' }]);
    await transaction(starrocks.feUrl, 'prepare', txnHeaders('txn_pt_prepared'));

    const commit = await transaction(starrocks.feUrl, 'commit', txnHeaders('txn_pt_prepared'));
    const state = await getJson(`${starrocks.feUrl}/api/db/get_load_state?label=txn_pt_prepared`);

    expect(commit).toEqual({
      Status: 'FAILED',
      Message: 'class com.starrocks.common.StarRocksException: publish timeout: 20000',
    });
    expect(state.body).toMatchObject({ status: 'OK', state: 'COMMITTED' });
    expect(starrocks.rows('db', 't')).toHaveLength(1);
  });

  it('fails a transaction load with failNext and aborts the transaction', async () => {
    await transaction(starrocks.feUrl, 'begin', txnHeaders('txn_f'));
    starrocks.faults.failNext({ message: 'Memory of process exceed limit.' });

    const load = await txnLoad('txn_f', [{ id: 1, city: 'Paris' }]);

    expect(load.json()).toEqual({ Status: 'INTERNAL_ERROR', Message: 'Memory of process exceed limit.' });
    expect(starrocks.labelState('db', 'txn_f')).toBe('ABORTED');
  });

  describe('multi-table (transaction_type: multi)', () => {
    const multi = (label: string) => ({ label, db: 'db', transaction_type: 'multi' });

    it('commits loads into several tables at once', async () => {
      const begin = await transaction(starrocks.feUrl, 'begin', multi('m1'));
      await txnLoad('m1', [{ id: 1, city: 'Paris' }], { transaction_type: 'multi' }, 't');
      await txnLoad('m1', [{ id: 9, note: 'offset 42' }], { transaction_type: 'multi' }, 'u');
      const rowsBefore = [starrocks.rows('db', 't'), starrocks.rows('db', 'u')];
      const prepare = await transaction(starrocks.feUrl, 'prepare', multi('m1'));
      const commit = await transaction(starrocks.feUrl, 'commit', multi('m1'));

      expect(begin).toEqual({ Status: 'OK', Message: '' });
      expect(rowsBefore).toEqual([[], []]);
      expect(prepare).toEqual({
        Status: 'FAILED',
        Message: 'class com.starrocks.common.StarRocksException: Unsupported operation: TXN_PREPARE',
      });
      expect(commit).toMatchObject({ Status: 'OK', NumberLoadedRows: 2 });
      expect(starrocks.rows('db', 't')).toEqual([{ id: 1, city: 'Paris' }]);
      expect(starrocks.rows('db', 'u')).toEqual([{ id: 9, note: 'offset 42' }]);
    });

    it('applies nothing when one table has too many filtered rows', async () => {
      await transaction(starrocks.feUrl, 'begin', multi('m2'));
      await txnLoad('m2', [{ id: 1, city: 'Paris' }], { transaction_type: 'multi' }, 't');
      await txnLoad('m2', [{ id: 'not a number' }], { transaction_type: 'multi', strict_mode: 'true' }, 'u');

      const commit = await transaction(starrocks.feUrl, 'commit', multi('m2'));

      expect(commit).toMatchObject({ Status: 'INTERNAL_ERROR', Message: 'too many filtered rows' });
      expect(starrocks.rows('db', 't')).toEqual([]);
    });
  });

  describe('delayCommitNext (a commit still on the wire)', () => {
    const prepared = async (label: string, rows: unknown[]) => {
      await transaction(starrocks.feUrl, 'begin', txnHeaders(label));
      await txnLoad(label, rows);
    };

    it('before-apply: the commit waits, and a rollback that comes first wins', async () => {
      await prepared('slow_1', [{ id: 1, city: 'Paris' }]);
      let received = false;
      starrocks.faults.delayCommitNext({
        ms: 300,
        phase: 'before-apply',
        onReceived: () => (received = true),
      });

      const commit = transaction(starrocks.feUrl, 'commit', txnHeaders('slow_1'));
      await new Promise((r) => setTimeout(r, 50));
      const stateMeanwhile = starrocks.labelState('db', 'slow_1');
      const rollback = await transaction(starrocks.feUrl, 'rollback', txnHeaders('slow_1'));

      expect(received).toBe(true);
      expect(stateMeanwhile).toBe('PREPARE');
      expect(rollback).toMatchObject({ Status: 'OK' });
      expect((await commit).Status).not.toBe('OK');
      expect(starrocks.labelState('db', 'slow_1')).toBe('ABORTED');
      expect(starrocks.rows('db', 't')).toEqual([]);
    });

    it('before-visible: COMMITTED at once, visible later, and published before a later load of the table', async () => {
      await prepared('slow_2', [
        { id: 1, city: 'Paris' },
        { id: 2, city: 'Rome' },
      ]);
      starrocks.faults.delayCommitNext({ ms: 2000, phase: 'before-visible' });

      const commit = transaction(starrocks.feUrl, 'commit', txnHeaders('slow_2'));
      await new Promise((r) => setTimeout(r, 50));
      const stateMeanwhile = starrocks.labelState('db', 'slow_2');
      const rowsMeanwhile = starrocks.rows('db', 't');
      // A later load of the same key: versions apply in commit order, so the later value stays.
      await transaction(starrocks.feUrl, 'begin', txnHeaders('later'));
      await txnLoad('later', [{ id: 1, city: 'Lyon' }]);
      await transaction(starrocks.feUrl, 'commit', txnHeaders('later'));

      expect(stateMeanwhile).toBe('COMMITTED');
      expect(rowsMeanwhile).toEqual([]);
      expect(starrocks.labelState('db', 'slow_2')).toBe('VISIBLE');
      expect(starrocks.rows('db', 't')).toEqual([
        { id: 1, city: 'Lyon' },
        { id: 2, city: 'Rome' },
      ]);
      expect((await commit).Status).toBe('OK');
    });
  });
});
