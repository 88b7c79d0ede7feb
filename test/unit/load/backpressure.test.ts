import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSinkConfig } from '../../../lib/config/sink-config.ts';
import { ConfigError, LoadError } from '../../../lib/errors.ts';
import { classifyResponse } from '../../../lib/load/classify.ts';
import { createStreamLoader, type LoadRequest } from '../../../lib/load/stream-load.ts';
import { seedConfig } from '../../fixtures/events.ts';
import {
  redirectHostsFor,
  type ScriptedStarRocks,
  startScriptedStarRocks,
} from '../../support/scripted-starrocks.ts';

let sr: ScriptedStarRocks;
beforeEach(async () => {
  sr = await startScriptedStarRocks();
});
afterEach(async () => {
  await sr.close();
});

const loader = (maxAttempts = 8) =>
  createStreamLoader({
    feUrls: [sr.feUrl],
    database: 'example_db',
    connectTimeoutMs: 500,
    redirectHosts: redirectHostsFor([sr.feUrl]),
    retryDelayMs: 5,
    maxRetryDelayMs: 10,
    minAttemptMs: 50,
    maxAttempts,
  });

function request(overrides: Partial<LoadRequest> = {}): LoadRequest {
  return {
    table: 'test_tbl',
    label: 'kl-test_tbl-0123456789abcdef',
    body: Buffer.from('[{"id":1}]'),
    headers: { format: 'json', strip_outer_array: 'true' },
    deadline: Date.now() + 10_000,
    credentials: { get: async () => ({ username: 'root', password: 'secret-pw' }) },
    ...overrides,
  };
}

describe('back-pressure classification', () => {
  it.each([
    ['Failed to load data into tablet 1, because of too many versions, current/limit: 1001/1000.', true],
    ['current running txns on db 10001 is 1000, larger than limit 1000', true],
    ['Memory of process exceed limit. QUERY Backend: 127.0.0.1', true],
    ['too large compaction score', true],
    ['No backend alive.', false],
    ['timeout by txn manager', false],
  ])('classifies %j as retry with back-pressure %s', (message, backpressure) => {
    expect(classifyResponse({ Status: 'Fail', Message: message })).toEqual({
      kind: 'retry',
      reason: expect.any(String),
      backpressure,
    });
  });

  it('treats a merge commit that was committed but not yet published (Publish Timeout) as loaded', () => {
    expect(
      classifyResponse({ Status: 'Publish Timeout', Message: 'Load has not been published before timeout' })
        .kind,
    ).toBe('loaded');
  });

  it('does not count "has not been published before timeout" as loaded under a failure Status', () => {
    const Message = 'Load has not been published before timeout';
    for (const response of [{ Status: 'Fail', Message }, { Status: 'FAILED', Message }, { Message }]) {
      expect(['retry', 'fail'], JSON.stringify(response)).toContain(classifyResponse(response).kind);
    }
  });
});

describe('the Stream Load client under back-pressure', () => {
  it('counts each refusal through onBackpressure and reports the count with the result', async () => {
    sr.beReplies.push(
      { json: { Status: 'Fail', Message: 'too many versions, current/limit: 1001/1000' } },
      { json: { Status: 'Fail', Message: 'Memory of process exceed limit.' } },
    );
    const reasons: string[] = [];

    const result = await loader().load(request({ onBackpressure: (r) => reasons.push(r) }));

    expect(result).toMatchObject({ outcome: 'loaded', attempts: 3, backpressure: 2 });
    expect(reasons).toHaveLength(2);
    expect(reasons[0]).toContain('too many tablet versions');
  });

  it('gives up naming the refusals and what to tune: batch size, batching window, merge commit', async () => {
    for (let i = 0; i < 3; i++)
      sr.beReplies.push({ json: { Status: 'Fail', Message: 'too many versions, current/limit: 1001/1000' } });

    const error = await loader(3)
      .load(request())
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(LoadError);
    const message = (error as LoadError).message;
    expect(message).toContain('3 of them refused for back-pressure');
    expect(message).toContain('BatchSize, MaximumBatchingWindowInSeconds');
    expect(message).toContain('sink.properties.enable_merge_commit=true');
  });

  it('does not add tuning advice to failures that are not back-pressure', async () => {
    for (let i = 0; i < 2; i++) sr.beReplies.push({ json: { Status: 'Fail', Message: 'No backend alive.' } });

    const error = (await loader(2)
      .load(request())
      .catch((e: unknown) => e)) as LoadError;

    expect(error.message).toContain('gave up after 2 attempts');
    expect(error.message).not.toContain('back-pressure');
  });
});

describe('merge commit', () => {
  const mergeHeaders = {
    format: 'json',
    strip_outer_array: 'true',
    enable_merge_commit: 'true',
    merge_commit_interval_ms: '1000',
    merge_commit_parallel: '2',
    merge_commit_async: 'true',
  };

  it('waits on the merged transaction label of an asynchronous merge commit until it is VISIBLE', async () => {
    sr.beReplies.push({ json: { Status: 'Success', Label: 'merge_commit_abc', RequestId: 'kl-x' } });
    sr.loadStates.splice(0, sr.loadStates.length, 'PREPARED', 'VISIBLE');

    const result = await loader().load(request({ headers: mergeHeaders }));

    const polls = sr.seen.filter((s) => s.url.includes('get_load_state'));
    expect(polls[0]?.url).toBe('/api/example_db/get_load_state?label=merge_commit_abc');
    expect(result).toMatchObject({ outcome: 'loaded', status: 'VISIBLE' });
  });

  it('sends again when the merged transaction was aborted', async () => {
    sr.beReplies.push({ json: { Status: 'Success', Label: 'merge_commit_abc' } });
    sr.loadStates.splice(0, sr.loadStates.length, 'ABORTED');

    const result = await loader().load(request({ headers: mergeHeaders }));

    expect(sr.seen.filter((s) => s.server === 'be' && s.url.includes('_stream_load'))).toHaveLength(2);
    expect(result).toMatchObject({ outcome: 'loaded', attempts: 2 });
  });

  it('does not poll a synchronous merge commit, whose Success already means VISIBLE', async () => {
    sr.beReplies.push({ json: { Status: 'Success', Label: 'merge_commit_abc' } });
    sr.loadStates.splice(0, sr.loadStates.length, 'ABORTED');

    const result = await loader().load(
      request({ headers: { ...mergeHeaders, merge_commit_async: 'false' } }),
    );

    expect(result.outcome).toBe('loaded');
    expect(sr.seen.filter((s) => s.url.includes('get_load_state'))).toHaveLength(0);
  });

  it('requires merge_commit_interval_ms and merge_commit_parallel with enable_merge_commit', () => {
    let problems: readonly { key: string }[] = [];
    try {
      parseSinkConfig(
        seedConfig({
          'sink.properties.enable_merge_commit': 'true',
          'sink.properties.merge_commit_parallel': 'x',
        }),
      );
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      problems = (error as ConfigError).problems;
    }
    expect(problems.map((p) => p.key)).toEqual([
      'sink.properties.merge_commit_interval_ms',
      'sink.properties.merge_commit_parallel',
    ]);
  });
});
