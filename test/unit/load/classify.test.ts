import { describe, expect, it } from 'vitest';
import {
  classifyExchange,
  classifyResponse,
  type StarRocksApi,
  transactionRefusal,
} from '../../../lib/load/classify.ts';
import { type Exchange, TransportError } from '../../../lib/load/http.ts';

describe('classifyResponse', () => {
  it.each([
    [{ Status: 'Success', Message: 'OK' }, 'loaded'],
    [
      {
        Status: 'Publish Timeout',
        Message: 'transaction commit successfully, BUT data will be visible later',
      },
      'loaded',
    ],
    [
      {
        Status: 'Label Already Exists',
        ExistingJobStatus: 'FINISHED',
        Message: 'Label [x] has already been used.',
      },
      'already-loaded',
    ],
    [
      {
        Status: 'Label Already Exists',
        ExistingJobStatus: 'RUNNING',
        Message: 'Label [x] has already been used.',
      },
      'running',
    ],
    [{ Status: 'Label Already Exists' }, 'running'],
    [
      {
        Status: 'Fail',
        Message:
          'Failed to load data into tablet 10086, because of too many versions, current/limit: 1001/1000.',
      },
      'retry',
    ],
    [
      { Status: 'Fail', Message: 'Too many versions. tablet_id: 1, version_count: 1001, limit: 1000' },
      'retry',
    ],
    [
      {
        Status: 'Fail',
        Message:
          'Failed to load data into partition p1, because of too large compaction score, current/limit: 2001/2000',
      },
      'retry',
    ],
    [
      {
        Status: 'Fail',
        Message: 'Memory of process exceed limit. Used: 10, Limit: 9. Mem usage has exceed the limit of BE',
      },
      'retry',
    ],
    [{ Status: 'FAILED', Message: 'class com.starrocks.common.DdlException: No backend alive.' }, 'retry'],
    [
      { Status: 'Fail', Message: 'current running txns on db 10001 is 1000, larger than limit 1000' },
      'retry',
    ],
    [
      { Status: 'Fail', Message: 'Stream Load exceed http cuncurrent limit 100, please try again later' },
      'retry',
    ],
    [{ Status: 'Fail', Message: 'Service is shutting down, please retry later!' }, 'retry'],
    [
      {
        Status: 'Fail',
        Message:
          'Commit transaction fail cause x, Transaction status unknown, you can retry with same label.',
      },
      'retry',
    ],
    [{ Status: 'Fail', Message: 'timeout by txn manager' }, 'retry'],
    [
      {
        Status: 'Fail',
        Message: 'too many filtered rows',
        ErrorURL: 'http://be:8040/api/_load_error_log?file=x',
      },
      'fail',
    ],
    [{ Status: 'Fail', Message: 'unknown database, database=nope' }, 'fail'],
    [{ Status: 'Fail', Message: 'unknown table "example_db.nope"' }, 'fail'],
    [{ Status: 'Fail', Message: 'Access denied for user root@127.0.0.1' }, 'fail'],
    [
      {
        Status: 'FAILED',
        Message: 'class com.starrocks.common.DdlException: There is no 100-continue header',
      },
      'fail',
    ],
    [
      {
        Status: 'Fail',
        Message: 'The value is array type in json document stream, you can set strip_outer_array=true',
      },
      'fail',
    ],
    [{ Status: 'Fail', Message: 'Invalid timeout format' }, 'fail'],
    [{ Status: 'Fail', Message: 'Only primary key table support partial update' }, 'fail'],
    [{ Status: 'Fail', Message: 'The size of this batch exceed the max size [104857600]' }, 'fail'],
    [{ Status: 'Fail', Message: 'something nobody has seen before' }, 'fail'],
    [{ Message: 'no status at all' }, 'fail'],
    [{ Status: 'OK' }, 'fail'],
  ])('classifies %j as %s', (response, kind) => {
    expect(classifyResponse(response).kind).toBe(kind);
  });
});

const FE = new URL('http://fe.example:8030/api/example_db/t/_stream_load');

/** What came back after `hops` redirects: an answer of `status` with `body`. */
function answered(status: number, body: unknown, hops = 0): Exchange {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    url: FE,
    hops,
    answer: { statusCode: status, location: undefined, body: text, truncated: false, bodySent: true },
  };
}

function failedIn(phase: TransportError['phase'], hops = 0): Exchange {
  return { url: FE, hops, failure: new TransportError(`${phase} failed talking to fe.example:8030`, phase) };
}

describe('classifyExchange', () => {
  it.each<{ name: string; api: StarRocksApi; exchange: Exchange; verdict: Record<string, unknown> }>([
    {
      name: 'a Stream Load Success',
      api: 'stream-load',
      exchange: answered(200, { Status: 'Success', Message: 'OK' }),
      verdict: { kind: 'loaded', response: { Status: 'Success' } },
    },
    {
      name: 'a Stream Load label already loaded',
      api: 'stream-load',
      exchange: answered(200, { Status: 'Label Already Exists', ExistingJobStatus: 'FINISHED' }),
      verdict: { kind: 'already-loaded' },
    },
    {
      name: 'a Stream Load label still RUNNING',
      api: 'stream-load',
      exchange: answered(200, { Status: 'Label Already Exists', ExistingJobStatus: 'RUNNING' }),
      verdict: { kind: 'running' },
    },
    {
      name: 'a Stream Load refused for too many versions, as back-pressure',
      api: 'stream-load',
      exchange: answered(200, { Status: 'Fail', Message: 'too many versions, current/limit: 1001/1000' }),
      verdict: {
        kind: 'retry',
        code: 'LOAD_FAILED',
        backpressure: true,
        answered: true,
        retryable: true,
        summary:
          'failed on fe.example:8030 (too many tablet versions (loads arrive faster than compaction); retried with the same label)',
        details: { status: 'Fail', starrocksMessage: 'too many versions, current/limit: 1001/1000' },
      },
    },
    {
      name: 'a Stream Load with too many filtered rows, keeping its ErrorURL',
      api: 'stream-load',
      exchange: answered(200, {
        Status: 'Fail',
        Message: 'too many filtered rows',
        ErrorURL: 'http://be:8040/api/_load_error_log?file=x',
      }),
      verdict: {
        kind: 'fail',
        code: 'LOAD_FAILED',
        retryable: false,
        answered: true,
        details: { errorUrl: 'http://be:8040/api/_load_error_log?file=x' },
      },
    },
    {
      name: 'a Stream Load answer that is not JSON',
      api: 'stream-load',
      exchange: answered(200, '<html>proxy error</html>'),
      verdict: {
        kind: 'retry',
        code: 'LOAD_FAILED',
        answered: false,
        summary: 'got an answer from fe.example:8030 that is not Stream Load JSON',
        details: { starrocksMessage: '<html>proxy error</html>' },
      },
    },
    {
      name: 'a Stream Load answer that is JSON but not an object',
      api: 'stream-load',
      exchange: answered(200, 'null'),
      verdict: { kind: 'retry', code: 'LOAD_FAILED' },
    },
    {
      name: 'HTTP 401, with the message StarRocks gave',
      api: 'stream-load',
      exchange: answered(401, { Status: 'FAILED', Message: 'Access denied for user root' }),
      verdict: {
        kind: 'fail',
        code: 'LOAD_AUTH',
        retryable: false,
        summary: expect.stringContaining('check the StarRocks user name and password'),
        details: { httpStatus: 401, starrocksMessage: 'Access denied for user root' },
      },
    },
    {
      name: 'HTTP 403 from the transaction API',
      api: 'transaction',
      exchange: answered(403, ''),
      verdict: { kind: 'fail', code: 'LOAD_AUTH', details: { httpStatus: 403, starrocksMessage: undefined } },
    },
    {
      name: 'HTTP 503, with its text',
      api: 'stream-load',
      exchange: answered(503, 'unavailable'),
      verdict: {
        kind: 'retry',
        code: 'LOAD_TRANSPORT',
        summary: 'got HTTP 503 from fe.example:8030',
        details: { httpStatus: 503, starrocksMessage: 'unavailable' },
      },
    },
    {
      name: 'HTTP 500 from get_load_state',
      api: 'load-state',
      exchange: answered(500, { msg: 'internal error' }),
      verdict: { kind: 'retry', code: 'LOAD_TRANSPORT', details: { starrocksMessage: 'internal error' } },
    },
    {
      name: 'HTTP 404',
      api: 'stream-load',
      exchange: answered(404, { status: 'FAILED', msg: 'Not implemented' }),
      verdict: { kind: 'fail', code: 'LOAD_FAILED', retryable: false, details: { httpStatus: 404 } },
    },
    {
      name: 'HTTP 400 from the SQL API, with its msg',
      api: 'sql',
      exchange: answered(400, { status: 'FAILED', msg: "Unknown table 'db.kafka_offsets'" }),
      verdict: {
        kind: 'fail',
        code: 'LOAD_FAILED',
        details: { starrocksMessage: "Unknown table 'db.kafka_offsets'" },
      },
    },
    {
      name: 'a redirect that was refused, naming who redirected where and why, not retried',
      api: 'stream-load',
      exchange: {
        url: FE,
        hops: 0,
        refused: { from: 'fe.example:8030', location: 'ftp://be.example/x', reason: 'not ftp:' },
      },
      verdict: {
        kind: 'fail',
        code: 'LOAD_REDIRECT',
        retryable: false,
        summary:
          'was redirected by fe.example:8030 (Stream Load) to "ftp://be.example/x", which the sink does not follow: not ftp:',
      },
    },
    {
      name: 'a Stream Load success to a PUT whose body was never sent, retried as not loaded',
      api: 'stream-load',
      exchange: {
        url: FE,
        hops: 0,
        answer: {
          statusCode: 200,
          location: undefined,
          body: '{"Status":"Success"}',
          truncated: false,
          bodySent: false,
        },
      },
      verdict: {
        kind: 'retry',
        code: 'LOAD_TRANSPORT',
        summary: expect.stringContaining('before the body was sent'),
      },
    },
    {
      name: 'a transaction load OK to a PUT whose body was never sent',
      api: 'transaction',
      exchange: {
        url: FE,
        hops: 0,
        answer: {
          statusCode: 200,
          location: undefined,
          body: '{"Status":"OK"}',
          truncated: false,
          bodySent: false,
        },
      },
      verdict: { kind: 'retry', code: 'LOAD_TRANSPORT' },
    },
    {
      name: 'a failure answered before the body was sent, as StarRocks answers it',
      api: 'stream-load',
      exchange: {
        url: FE,
        hops: 0,
        answer: {
          statusCode: 200,
          location: undefined,
          body: '{"Status":"FAILED","Message":"unknown database"}',
          truncated: false,
          bodySent: false,
        },
      },
      verdict: { kind: 'fail', code: 'LOAD_FAILED' },
    },
    {
      name: 'an answer cut at the byte limit',
      api: 'load-state',
      exchange: {
        url: FE,
        hops: 0,
        answer: {
          statusCode: 200,
          location: undefined,
          body: '{"state":"VIS',
          truncated: true,
          bodySent: true,
        },
      },
      verdict: { kind: 'retry', summary: expect.stringContaining('cut') },
    },
    {
      name: 'a 3xx that is not a redirect StarRocks uses',
      api: 'stream-load',
      exchange: answered(300, ''),
      verdict: { kind: 'fail', code: 'LOAD_FAILED', summary: 'got HTTP 300 from fe.example:8030' },
    },
    {
      name: 'a transaction answer OK',
      api: 'transaction',
      exchange: answered(200, { Status: 'OK', TxnId: 1 }),
      verdict: { kind: 'ok', answer: { Status: 'OK' } },
    },
    {
      name: 'a transaction label already taken',
      api: 'transaction',
      exchange: answered(200, {
        Status: 'LABEL_ALREADY_EXISTS',
        Message: 'Label [x] has already been used.',
      }),
      verdict: { kind: 'label-exists' },
    },
    {
      name: 'a commit not yet published',
      api: 'transaction',
      exchange: answered(200, { Status: 'PUBLISH_TIMEOUT' }),
      verdict: { kind: 'published-later' },
    },
    {
      name: 'a transaction request while another one is in process',
      api: 'transaction',
      exchange: answered(200, { Status: 'TXN_IN_PROCESSING', Message: 'txn in processing' }),
      verdict: {
        kind: 'retry',
        code: 'LOAD_FAILED',
        answered: true,
        summary: 'answered TXN_IN_PROCESSING: txn in processing',
      },
    },
    {
      name: 'a transaction failure with no backend alive',
      api: 'transaction',
      exchange: answered(200, { Status: 'FAILED', Message: 'No backend alive.' }),
      verdict: {
        kind: 'retry',
        backpressure: false,
        details: { status: 'FAILED', starrocksMessage: 'No backend alive.' },
      },
    },
    {
      name: 'a transaction failure with too many running transactions, as back-pressure',
      api: 'transaction',
      exchange: answered(200, {
        Status: 'FAILED',
        Message: 'current running txns on db 1 is 1000, larger than limit 1000',
      }),
      verdict: { kind: 'retry', backpressure: true },
    },
    {
      name: 'a transaction load with too many filtered rows, keeping its ErrorURL',
      api: 'transaction',
      exchange: answered(200, {
        Status: 'Fail',
        Message: 'too many filtered rows',
        ErrorURL: 'http://be/log',
      }),
      verdict: { kind: 'fail', code: 'LOAD_FAILED', details: { errorUrl: 'http://be/log' } },
    },
    {
      name: 'a transaction answer that is not JSON',
      api: 'transaction',
      exchange: answered(200, 'Bad Gateway'),
      verdict: {
        kind: 'retry',
        summary: 'got an answer from fe.example:8030 that is not transaction API JSON',
      },
    },
    {
      name: 'a label state',
      api: 'load-state',
      exchange: answered(200, { status: 'OK', msg: 'Success', state: 'VISIBLE' }),
      verdict: { kind: 'state', state: 'VISIBLE' },
    },
    {
      name: 'a get_load_state answer without a state',
      api: 'load-state',
      exchange: answered(200, { status: 'FAILED', msg: 'unknown database, database=nope' }),
      verdict: {
        kind: 'retry',
        code: 'LOAD_TRANSPORT',
        answered: true,
        details: { starrocksMessage: 'unknown database, database=nope' },
      },
    },
    {
      name: 'SQL API rows, newline-delimited',
      api: 'sql',
      exchange: answered(
        200,
        ['{"connectionId":1}', '{"meta":[]}', '{"data":["t",0,"t",5,null]}', '{"statistics":{}}'].join('\n'),
      ),
      verdict: { kind: 'rows', rows: [['t', 0, 't', 5, null]] },
    },
    {
      name: 'a SQL API failure (no such table)',
      api: 'sql',
      exchange: answered(200, { status: 'FAILED', msg: "Unknown table 'db.nope'" }),
      verdict: {
        kind: 'fail',
        code: 'LOAD_FAILED',
        answered: true,
        details: { starrocksMessage: "Unknown table 'db.nope'" },
      },
    },
    {
      name: 'a SQL API answer with a line that is not JSON',
      api: 'sql',
      exchange: answered(200, '{"connectionId":1}\nnot json'),
      verdict: { kind: 'retry', summary: expect.stringContaining('not SQL API JSON') },
    },
    {
      name: 'an FE that refuses the connection, failing over to the next',
      api: 'stream-load',
      exchange: failedIn('connect'),
      verdict: { kind: 'retry', code: 'LOAD_TRANSPORT', failover: true, retryable: true, answered: false },
    },
    {
      name: 'a BE that refuses the connection after the redirect, not a reason to change FE',
      api: 'stream-load',
      exchange: failedIn('connect', 1),
      verdict: { kind: 'retry', failover: false },
    },
    {
      name: 'a connection reset',
      api: 'transaction',
      exchange: failedIn('request'),
      verdict: {
        kind: 'retry',
        code: 'LOAD_TRANSPORT',
        failover: false,
        summary: 'failed in transport: request failed talking to fe.example:8030',
      },
    },
    {
      name: 'the deadline, not retried now but retryable with the batch',
      api: 'load-state',
      exchange: failedIn('deadline'),
      verdict: {
        kind: 'fail',
        code: 'LOAD_DEADLINE',
        retryable: true,
        summary: expect.stringContaining('raise the function timeout or lower the batch size'),
      },
    },
  ])('classifies $name', ({ api, exchange, verdict }) => {
    expect(classifyExchange(api, exchange)).toMatchObject(verdict);
  });

  it('keeps the transport error as the cause', () => {
    const exchange = failedIn('request');
    expect(classifyExchange('stream-load', exchange)).toMatchObject({
      cause: (exchange as { failure: TransportError }).failure,
    });
  });
});

describe('transactionRefusal', () => {
  it.each([
    [{ Status: 'LABEL_ALREADY_EXISTS', Message: 'Label [x] has already been used.' }, 'fail'],
    [{ Status: 'PUBLISH_TIMEOUT', Message: 'publish timeout' }, 'retry'],
    [{ Status: 'TXN_IN_PROCESSING' }, 'retry'],
    [{ Status: 'FAILED', Message: 'too many filtered rows' }, 'fail'],
  ])('takes %j, where an operation did not expect it, as %s', (answer, kind) => {
    expect(transactionRefusal(answer).kind).toBe(kind);
  });
});
