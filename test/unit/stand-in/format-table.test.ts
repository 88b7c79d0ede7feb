import { describe, expect, it } from 'vitest';
import { formatRows } from '../../../lib/local/stand-in/index.ts';

describe('formatRows', () => {
  it('prints a result set like the MySQL client', () => {
    const text = formatRows(
      ['id', 'city', 'score'],
      [
        { id: 1, city: 'New York', score: null },
        { id: 20, city: null, score: 3.5 },
      ],
    );

    expect(text).toBe(
      [
        '+------+----------+-------+',
        '| id   | city     | score |',
        '+------+----------+-------+',
        '|    1 | New York |  NULL |',
        '|   20 | NULL     |   3.5 |',
        '+------+----------+-------+',
        '2 rows in set (0.00 sec)',
      ].join('\n'),
    );
  });

  it('honours explicit alignment, widens to the longest value, and counts one row in the singular', () => {
    const text = formatRows(
      [
        { name: 'k', align: 'right' },
        { name: 'flag', align: 'right' },
      ],
      [{ k: '12345678901234567890', flag: true }],
    );

    expect(text).toBe(
      [
        '+----------------------+------+',
        '| k                    | flag |',
        '+----------------------+------+',
        '| 12345678901234567890 |    1 |',
        '+----------------------+------+',
        '1 row in set (0.00 sec)',
      ].join('\n'),
    );
  });

  it('prints no rows as an empty set', () => {
    expect(formatRows(['id'], [])).toBe('Empty set (0.00 sec)');
  });
});
