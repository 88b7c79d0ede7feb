// Loads as large as StarRocks' own clients send (the Java Stream Load SDK puts ~250k rows in one
// transaction load): the stand-in must take them without any per-row recursion or argument spread.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type StandIn, startStandIn } from '../../../lib/local/stand-in/index.ts';
import { basicAuth, putFollowingRedirect, streamLoad, transaction } from '../../support/http-client.ts';

/** More rows than a JavaScript argument list can hold (V8 overflows its stack near 125k). */
const ROW_COUNT = 300_000;

/** `id\tcity` lines for ids `first` … `first + count - 1`. */
function csvRows(first: number, count: number): string {
  const lines: string[] = [];
  for (let id = first; id < first + count; id++) lines.push(`${id}\tcity_${id % 97}`);
  return `${lines.join('\n')}\n`;
}

// Each test moves a few MB through real HTTP and reads 300k rows: seconds on a busy 2-core machine, not 5.
describe('StarRocks stand-in: loads of 300k rows', { timeout: 60_000 }, () => {
  let starrocks: StandIn;

  beforeEach(async () => {
    starrocks = await startStandIn();
    starrocks.execute(
      'CREATE DATABASE db; USE db; CREATE TABLE pk (id INT NOT NULL, city STRING) PRIMARY KEY(id); CREATE TABLE dup (id INT, city STRING) DUPLICATE KEY(id);',
    );
  });

  afterEach(async () => {
    await starrocks.close();
  });

  it('loads 300k rows in one Stream Load and prints them as a MySQL client would', async () => {
    const reply = await streamLoad(starrocks.feUrl, 'db', 'dup', csvRows(1, ROW_COUNT), {
      headers: { label: 'big_csv', column_separator: '\\t' },
    });

    expect(reply.status).toBe(200);
    expect(reply.json()).toMatchObject({
      Status: 'Success',
      NumberTotalRows: ROW_COUNT,
      NumberLoadedRows: ROW_COUNT,
    });
    const lines = starrocks.formatTable('db', 'dup').split('\n');
    expect(lines.at(-1)).toBe(`${ROW_COUNT} rows in set (0.00 sec)`);
    expect(lines[1]).toBe('| id     | city    |');
  });

  it('takes 300k rows in one transaction load, then one more, and commits them all', async () => {
    const headers = { label: 'big_txn', db: 'db', table: 'pk' };
    const load = (body: string) =>
      putFollowingRedirect(`${starrocks.feUrl}/api/transaction/load`, {
        body,
        headers: { Authorization: basicAuth(), ...headers, column_separator: '\\t' },
      });

    const begin = await transaction(starrocks.feUrl, 'begin', headers);
    const first = await load(csvRows(1, ROW_COUNT));
    const second = await load(csvRows(ROW_COUNT + 1, 1));
    const commit = await transaction(starrocks.feUrl, 'commit', headers);

    expect(begin.Status).toBe('OK');
    expect(first.status).toBe(200);
    expect(first.json()).toMatchObject({ Status: 'OK', Label: 'big_txn' });
    expect(second.json()).toMatchObject({ Status: 'OK', Label: 'big_txn' });
    expect(commit).toMatchObject({
      Status: 'OK',
      NumberTotalRows: ROW_COUNT + 1,
      NumberLoadedRows: ROW_COUNT + 1,
    });
    expect(starrocks.rows('db', 'pk')).toHaveLength(ROW_COUNT + 1);
  });

  it('counts 300k filtered rows of a transaction load', async () => {
    const headers = { label: 'big_filtered', db: 'db', table: 'pk' };
    const badRows = `${Array.from({ length: ROW_COUNT }, (_, index) => `x${index}\tcity`).join('\n')}\n`;

    await transaction(starrocks.feUrl, 'begin', headers);
    const load = await putFollowingRedirect(`${starrocks.feUrl}/api/transaction/load`, {
      body: badRows,
      headers: { Authorization: basicAuth(), ...headers, column_separator: '\\t', max_filter_ratio: '1' },
    });
    const commit = await transaction(starrocks.feUrl, 'commit', headers);

    expect(load.json().Status).toBe('OK');
    expect(commit).toMatchObject({ Status: 'OK', NumberTotalRows: ROW_COUNT, NumberFilteredRows: ROW_COUNT });
  });
});
