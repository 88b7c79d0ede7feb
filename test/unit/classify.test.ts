import { describe, expect, it } from 'vitest';
import { classifyResponse } from '../../lib/load/classify.ts';

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
