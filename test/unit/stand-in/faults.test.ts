import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type StandIn, startStandIn } from '../../../lib/local/stand-in/index.ts';
import { basicAuth, getJson, jsonLoad, send } from '../../support/http-client.ts';

const ROWS = [{ id: 1, city: 'New York' }];
const TOO_MANY_VERSIONS =
  'Failed to load data into tablet 10086, because of too many versions, current/limit: 1001/1000. You can reduce the loading job concurrency, or increase loading data batch size.';

describe('StarRocks stand-in: faults', () => {
  let starrocks: StandIn;

  beforeEach(async () => {
    starrocks = await startStandIn();
    starrocks.execute('CREATE DATABASE db; CREATE TABLE db.t (id INT, city STRING);');
  });

  afterEach(async () => {
    await starrocks.close();
  });

  const load = (label: string) => jsonLoad(starrocks.feUrl, 'db', 't', ROWS, { label });
  const loadState = async (label: string) =>
    (await getJson(`${starrocks.feUrl}/api/db/get_load_state?label=${label}`)).body.state;

  describe('failNext', () => {
    it('fails the next load with the given message, applies nothing, and frees the label', async () => {
      starrocks.faults.failNext({ message: TOO_MANY_VERSIONS });

      const failed = await load('l1');
      const retried = await load('l1');

      expect(failed.json()).toMatchObject({
        Status: 'Fail',
        Message: TOO_MANY_VERSIONS,
        NumberLoadedRows: 0,
      });
      expect(retried.json().Status).toBe('Success');
      expect(starrocks.rows('db', 't')).toEqual(ROWS);
    });

    it('applies to `count` loads, then stops', async () => {
      starrocks.faults.failNext({ message: 'Memory of process exceed limit.', count: 2 });

      const statuses = [];
      for (const label of ['a', 'b', 'c']) statuses.push((await load(label)).json().Status);

      expect(statuses).toEqual(['Fail', 'Fail', 'Success']);
    });

    it('answers with a custom status', async () => {
      starrocks.faults.failNext({ status: 'FAILED', message: 'No backend alive.' });

      expect((await load('l1')).json()).toMatchObject({ Status: 'FAILED', Message: 'No backend alive.' });
    });

    it('is consumed in FIFO order with the other faults', async () => {
      starrocks.faults.publishTimeoutNext();
      starrocks.faults.failNext({ message: 'second' });

      const first = await load('a');
      const second = await load('b');

      expect([first.json().Status, second.json().Status]).toEqual(['Publish Timeout', 'Fail']);
    });
  });

  it('delayNext holds the answer while the label reads PREPARE, then applies', async () => {
    starrocks.faults.delayNext({ ms: 1_000 });

    const pending = load('slow');
    await vi.waitFor(() => expect(starrocks.labelState('db', 'slow')).toBe('PREPARE'));
    const duplicate = await load('slow');
    const reply = await pending;

    expect(duplicate.json()).toMatchObject({ Status: 'Label Already Exists', ExistingJobStatus: 'RUNNING' });
    expect(reply.json().Status).toBe('Success');
    expect(starrocks.rows('db', 't')).toEqual(ROWS);
  });

  describe('resetNext', () => {
    it('before-apply drops the connection, applies nothing and leaves the label unused', async () => {
      starrocks.faults.resetNext({ when: 'before-apply' });

      await expect(load('lost')).rejects.toThrow();

      expect(starrocks.rows('db', 't')).toEqual([]);
      expect(starrocks.labelState('db', 'lost')).toBe('UNKNOWN');
      expect(starrocks.loads.at(-1)).toMatchObject({ label: 'lost', status: 'Reset' });
      expect((await load('lost')).json().Status).toBe('Success');
    });

    it('after-apply applies, drops the connection, and reports RUNNING until runningForMs has passed', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        starrocks.faults.resetNext({ when: 'after-apply', runningForMs: 60_000 });

        await expect(load('lost')).rejects.toThrow();
        const retry = await load('lost');
        const stateWhileRunning = await loadState('lost');
        vi.setSystemTime(Date.now() + 60_001);
        const stateAfterwards = await loadState('lost');
        const lateRetry = await load('lost');

        expect(starrocks.rows('db', 't')).toEqual(ROWS);
        expect(retry.json()).toMatchObject({ Status: 'Label Already Exists', ExistingJobStatus: 'RUNNING' });
        expect(stateWhileRunning).toBe('PREPARED');
        expect(stateAfterwards).toBe('VISIBLE');
        expect(lateRetry.json()).toMatchObject({
          Status: 'Label Already Exists',
          ExistingJobStatus: 'FINISHED',
        });
      } finally {
        vi.useRealTimers();
      }
    });

    it('after-apply without runningForMs reports FINISHED at once', async () => {
      starrocks.faults.resetNext({ when: 'after-apply' });

      await expect(load('lost')).rejects.toThrow();

      expect((await load('lost')).json()).toMatchObject({
        Status: 'Label Already Exists',
        ExistingJobStatus: 'FINISHED',
      });
    });
  });

  it('publishTimeoutNext applies the rows and answers Publish Timeout with the label COMMITTED', async () => {
    starrocks.faults.publishTimeoutNext();

    const reply = await load('slow_publish');

    expect(reply.json()).toMatchObject({ Status: 'Publish Timeout', NumberLoadedRows: 1 });
    expect(starrocks.rows('db', 't')).toEqual(ROWS);
    expect(await loadState('slow_publish')).toBe('COMMITTED');
    expect((await load('slow_publish')).json()).toMatchObject({ ExistingJobStatus: 'FINISHED' });
  });

  describe('failFeNext', () => {
    it('answers No backend alive from the FE by default instead of the 307', async () => {
      starrocks.faults.failFeNext({});

      const reply = await load('l1');

      expect(reply.redirect).toBeUndefined();
      expect(reply.status).toBe(200);
      expect(reply.json()).toEqual({
        Status: 'FAILED',
        Message: 'class com.starrocks.common.StarRocksException: No backend alive.',
      });
      expect(starrocks.loads).toHaveLength(0);
    });

    it('answers the given HTTP status and body', async () => {
      starrocks.faults.failFeNext({ status: 503, body: 'Service Unavailable', count: 2 });

      const replies = await Promise.all(
        [1, 2].map(() =>
          send(`${starrocks.feUrl}/api/db/t/_stream_load`, {
            method: 'PUT',
            expectContinue: true,
            headers: { Authorization: basicAuth() },
            body: '[]',
          }),
        ),
      );
      const third = await load('l3');

      expect(replies.map((reply) => [reply.status, reply.text])).toEqual([
        [503, 'Service Unavailable'],
        [503, 'Service Unavailable'],
      ]);
      expect(third.json().Status).toBe('Success');
    });
  });

  it('clear drops every queued fault', async () => {
    starrocks.faults.failNext({ message: 'x' });
    starrocks.faults.failFeNext({});

    starrocks.faults.clear();

    expect((await load('l1')).json().Status).toBe('Success');
  });

  it('refuses a non-positive count', () => {
    expect(() => starrocks.faults.failNext({ message: 'x', count: 0 })).toThrow(/positive integer/);
  });
});
