import { describe, expect, it } from 'vitest';
import { type ColumnType, compareValues, convertValue } from '../../../lib/local/stand-in/column-types.ts';
import { JsonNumber, parseJsonDocuments, stringifyJson } from '../../../lib/local/stand-in/json-text.ts';

describe('compareValues', () => {
  it.each<[ColumnType, string | number | boolean | null, string | number | boolean | null, number]>([
    [{ name: 'BIGINT' }, '9007199254740993', 9007199254740992, 1],
    [{ name: 'INT' }, -5, 3, -1],
    [{ name: 'DECIMAL', precision: 10, scale: 2 }, '10.50', '9.99', 1],
    [{ name: 'DECIMAL', precision: 10, scale: 2 }, '-1.00', '-1.00', 0],
    [{ name: 'DOUBLE' }, 1.5, 2.5, -1],
    [{ name: 'BOOLEAN' }, true, false, 1],
    [{ name: 'DATETIME' }, '2024-01-01 00:00:00.000001', '2024-01-01 00:00:00', 1],
    [{ name: 'VARCHAR', length: 10 }, 'a', 'b', -1],
    [{ name: 'INT' }, null, 0, -1],
    [{ name: 'INT' }, null, null, 0],
  ])('orders %j: %j vs %j → %i', (type, a, b, expected) => {
    expect(Math.sign(compareValues(type, a, b))).toBe(expected);
  });
});

describe('convertValue', () => {
  it.each<[ColumnType, string | JsonNumber, unknown]>([
    [
      { name: 'LARGEINT' },
      '-170141183460469231731687303715884105728',
      '-170141183460469231731687303715884105728',
    ],
    [{ name: 'LARGEINT' }, '170141183460469231731687303715884105728', undefined],
    [{ name: 'INT' }, new JsonNumber('1e2'), 100],
    [{ name: 'INT' }, new JsonNumber('2147483648'), undefined],
    [{ name: 'FLOAT' }, new JsonNumber('1e39'), undefined],
    [{ name: 'DOUBLE' }, 'NaN', undefined],
    [{ name: 'DECIMAL', precision: 5, scale: 2 }, '-0.005', '-0.01'],
    [{ name: 'DATE' }, '20240131', '2024-01-31'],
    [{ name: 'DATE' }, '2024-01-31 23:59:59', '2024-01-31'],
    [{ name: 'DATETIME' }, '2024-01-31 24:00:00', undefined],
    [{ name: 'DATETIME' }, '2024-01-31T10:00:00+02:00', undefined],
    [{ name: 'JSON' }, 'not json', undefined],
  ])('converts %j %j from CSV to %j (undefined = fails)', (type, raw, expected) => {
    const result = convertValue(type, raw, 'c', 'csv');

    expect(result.ok ? result.value : undefined).toEqual(expected);
  });
});

describe('JSON reader', () => {
  it('keeps number digits, decodes escapes and keeps the first duplicated key', () => {
    const [doc] = parseJsonDocuments('{"n":12345678901234567890.10,"s":"a\\"b\\\\c\\u00e9\\n","n":1}');

    expect(stringifyJson(doc ?? null)).toBe('{"n":12345678901234567890.10,"s":"a\\"b\\\\cé\\n"}');
  });

  it.each([
    ['{"a":1', /expected ',' or '}'/],
    ['{"a":tru}', /unexpected token/],
    ['["a\u0001"]', /control character in string/],
    ['"abc', /unterminated string/],
    ['{"a":"\\q"}', /bad escape/],
    ['[1 2]', /expected ',' or ']'/],
    ['{a:1}', /expected a string key/],
  ])('rejects %j', (text, message) => {
    expect(() => parseJsonDocuments(text)).toThrow(message);
  });
});
