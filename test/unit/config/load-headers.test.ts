import { validateHeaderValue } from 'node:http';
import { describe, expect, it } from 'vitest';
import { parseSinkConfig } from '../../../lib/config/sink-config.ts';
import { seedConfig } from '../../fixtures/events.ts';
import { problemsOf } from '../../support/config-problems.ts';

/**
 * `sink.properties.*` values are checked at cold start against what an HTTP header can carry, so
 * a value Node would refuse at every request (ERR_INVALID_CHAR) is a config error naming the key;
 * separators and delimiters are written in StarRocks' `\xNN` hex form instead.
 */

const CSV = {
  'sink.properties.format': 'csv',
  'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
} as const;

describe('sink.properties.* header values', () => {
  it.each([
    [
      'columns',
      'id,城市',
      '"城" (U+57CE) at character 4 of "id,城市"',
      'leave it out and let each JSON key name its column',
    ],
    ['jsonpaths', '["$.id","$.ville_é"]', '"é" (U+00E9)', 'give the column an ASCII name'],
    ['where', "city = 'München'", '"ü" (U+00FC)', 'use ASCII only'],
    [
      'timezone',
      'Asia/Shanghai\u0001',
      'the control character U+0001 at character 14 of "Asia/Shanghai\\u0001"',
      'remove it',
    ],
    ['max_filter_ratio', '0.1\u007f', 'the control character U+007F', 'remove it'],
    ['timeout', '60\r\nx-evil: 1', 'the control character U+000D', 'remove it'],
    ['merge_condition', 'v\u0000', 'the control character U+0000', 'remove it'],
    ['columns', 'id,\u{1F600}', '"\u{1F600}" (U+1F600)', 'give the column an ASCII name'],
  ])('refuses %s=%j at cold start, naming the key and the character', (header, value, where, fix) => {
    const problems = problemsOf(seedConfig({ [`sink.properties.${header}`]: value }));

    expect(problems).toHaveLength(1);
    expect(problems[0]?.key).toBe(`sink.properties.${header}`);
    expect(problems[0]?.message).toContain(where);
    expect(problems[0]?.message).toContain(fix);
  });

  it('keeps printable ASCII and tabs as they are', () => {
    const config = parseSinkConfig(
      seedConfig({
        'sink.properties.columns': 'id, name,\tscore, __op = 0',
        'sink.properties.timeout': '600',
      }),
    );

    expect(config.loadHeaders.columns).toBe('id, name,\tscore, __op = 0');
    expect(config.loadHeaders.timeout).toBe('600');
  });

  it.each([
    ['column_separator', '\u0001', '\\x01'],
    ['column_separator', '\u007f', '\\x7F'],
    ['column_separator', ' ', '\\x20'],
    ['column_separator', '\t', '\\x09'],
    ['column_separator', '|§|', '\\x7CC2A77C'],
    ['column_separator', '城', '\\xE59F8E'],
    ['row_delimiter', '\u0002', '\\x02'],
    ['row_delimiter', '\r\n', '\\x0D0A'],
  ])('writes %s=%j in the hex form %s', (header, value, sent) => {
    const config = parseSinkConfig(seedConfig({ ...CSV, [`sink.properties.${header}`]: value }));

    expect(config.loadHeaders[header]).toBe(sent);
  });

  it.each([
    ['|', '|'],
    ['\\x01', '\\x01'],
    ['\\t', '\\t'],
  ])('sends the column separator %j as it is', (value, sent) => {
    expect(
      parseSinkConfig(seedConfig({ ...CSV, 'sink.properties.column_separator': value })).loadHeaders
        .column_separator,
    ).toBe(sent);
  });

  it('writes rows with the delimiter it sends: a raw character and its hex form are the same bytes', () => {
    const raw = parseSinkConfig(seedConfig({ ...CSV, 'sink.properties.row_delimiter': '§\u0001' }));
    const hex = parseSinkConfig(seedConfig({ ...CSV, 'sink.properties.row_delimiter': '\\xC2A701' }));

    expect(raw.loadHeaders.row_delimiter).toBe('\\xC2A701');
    expect(raw.rowDelimiter).toBe('§\u0001');
    expect(hex.rowDelimiter).toBe('§\u0001');
  });

  it.each([
    ['row_delimiter', '\\xFF', 'is not a delimiter; use characters, or the hex of their UTF-8 bytes'],
    ['row_delimiter', '\\x0', 'is not a delimiter'],
    ['column_separator', '\\x0G', 'is not a delimiter'],
    ['column_separator', '', 'is empty'],
    ['column_separator', 'ab'.repeat(26), 'is 52 bytes; StarRocks takes at most 50'],
    ['column_separator', '\ud800', 'lone UTF-16 surrogate'],
  ])('refuses %s=%j', (header, value, message) => {
    const problems = problemsOf(seedConfig({ ...CSV, [`sink.properties.${header}`]: value }));

    expect(problems).toEqual([
      { key: `sink.properties.${header}`, message: expect.stringContaining(message) },
    ]);
  });

  it('passes only values that Node sends as they are, for every character up to U+02FF and a few beyond', () => {
    const characters = [
      ...Array.from({ length: 0x300 }, (_, code) => String.fromCodePoint(code)),
      '城',
      '\u2028',
      '\u{1F600}',
      '\ufeff',
    ];
    for (const character of characters) {
      for (const header of ['columns', 'column_separator', 'row_delimiter']) {
        let sent = '';
        try {
          sent =
            parseSinkConfig(seedConfig({ ...CSV, [`sink.properties.${header}`]: `a${character}b` }))
              .loadHeaders[header] ?? '';
        } catch {
          continue;
        }
        const which = `${header} with U+${character.codePointAt(0)}`;
        expect(sent, which).not.toBe('');
        expect(() => validateHeaderValue(header, sent), which).not.toThrow();
        expect(sent, which).toMatch(/^[\t\x20-\x7e]*$/);
      }
    }
  });
});
