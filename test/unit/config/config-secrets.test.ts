import { describe, expect, it } from 'vitest';
import { hideUserinfo, jsonErrorText, userinfoSecrets } from '../../../lib/config/shown-values.ts';
import { parseSinkConfig, parseSinkConfigJson } from '../../../lib/config/sink-config.ts';
import { ConfigError } from '../../../lib/errors.ts';
import { seedConfig } from '../../fixtures/events.ts';

/**
 * A config error never shows what sits before the `@` of a URL (the password of a URL with user
 * info), even where the URL parser would read the password as a path or a query.
 */

function errorOf(input: unknown): ConfigError {
  try {
    parseSinkConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('config errors and URL user info', () => {
  it.each([
    ['http://loader:ab/cd?ef@fe:8030', 'ab/cd?ef', '"http://***@fe:8030"'],
    ['loader:ab/cd?ef@fe:8030', 'ab/cd?ef', '"***@fe:8030"'],
    ['https://loader:pa#ss@fe:8443', 'pa#ss', '"https://***@fe:8443"'],
    ['http://loader:p@ss@fe:8030', 'p@ss', '"http://***@fe:8030"'],
    ['fe1:8030,http://loader:s3,cret@fe2:8030', 's3,cret', '"***@fe2:8030"'],
    ['http://loader:s3cret@fe:8030/api', 's3cret', '"http://***@fe:8030/api"'],
    ['http://loader:%2Fs3cret@fe:8030', '%2Fs3cret', '"http://***@fe:8030"'],
  ])('starrocks.http.url=%s: refused without the password', (url, password, shown) => {
    const error = errorOf(seedConfig({ 'starrocks.http.url': url }));

    expect(error.problems).toEqual([
      {
        key: 'starrocks.http.url',
        message: expect.stringContaining(`${shown} carries credentials in the URL`),
      },
    ]);
    expect(error.message).not.toContain(password);
    expect(error.message).not.toContain('loader');
  });

  it('refuses user info in the dead-letter queue URL without showing it', () => {
    const error = errorOf(
      seedConfig({
        'errors.tolerance': 'all',
        'errors.deadletterqueue.sqs.url': 'https://key:s3/cr?et@sqs.us-east-1.amazonaws.com/123456789012/dlq',
      }),
    );

    expect(error.problems).toEqual([
      {
        key: 'errors.deadletterqueue.sqs.url',
        message: expect.stringContaining(
          '"https://***@sqs.us-east-1.amazonaws.com/123456789012/dlq" carries credentials in the URL',
        ),
      },
    ]);
    expect(error.message).not.toContain('s3/cr?et');
  });

  it.each([
    ['topics', 'http://loader:s3cr3tpw@fe:8030'],
    ['topics.regex', 'http://loader:s3cr3tpw@fe(:8030'],
    ['starrocks.topic2table.map', 'http://loader:s3cr3tpw@fe:8030'],
    ['starrocks.database.name', 'http://loader:s3cr3tpw@fe'],
    ['errors.deadletterqueue.s3.bucket', 'http://loader:s3cr3tpw@fe'],
    ['sink.properties.format', 'http://loader:s3cr3tpw@fe'],
  ])('hides the user info of a URL given to %s, whose parser quotes its value', (key, value) => {
    const error = errorOf(seedConfig({ [key]: value }));

    expect(error.problems.length).toBeGreaterThan(0);
    expect(error.message).not.toContain('s3cr3tpw');
    expect(error.message).not.toContain('loader');
  });

  it('keeps the message of a value with an "@" that is no URL as it is', () => {
    const error = errorOf(seedConfig({ 'starrocks.database.name': 'me@db' }));

    expect(error.problems[0]?.message).toContain('"me@db" is not a valid StarRocks database name');
  });

  it('does not quote SINK_CONFIG text in its JSON error', () => {
    const text = '{"starrocks.http.url":"fe:8030","starrocks.password":"hunter2hunter2" oops}';

    expect(() => parseSinkConfigJson(text)).toThrow(
      /^SINK_CONFIG has 1 problem:\n {2}- SINK_CONFIG: is not valid JSON/,
    );
    try {
      parseSinkConfigJson(text);
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
  });
});

describe('shown values', () => {
  it.each([
    ['http://u:p@h:1', 'http://***@h:1'],
    ['u:p@h', '***@h'],
    ['http://u:a/b?c@d@h', 'http://***@h'],
    ['fe:8030', 'fe:8030'],
  ])('hideUserinfo(%j) is %j', (text, shown) => {
    expect(hideUserinfo(text)).toBe(shown);
  });

  it('lists user info whole and in pieces, longest first', () => {
    expect(userinfoSecrets(['http://loader:s3,cret@fe', 'no-at-all'])).toEqual([
      'loader:s3,cret',
      'loader',
      'cret',
      's3',
    ]);
  });

  it.each([
    [new SyntaxError('Unexpected token \'o\', "{"a":"hunter2" oops}" is not valid JSON'), 'not valid JSON'],
    [
      new SyntaxError(
        'Unexpected token \'o\', "…hunter2" oops}" is not valid JSON at position 17 (line 1 column 18)',
      ),
      'not valid JSON at position 17 (line 1 column 18)',
    ],
    [
      new SyntaxError("Expected ',' or '}' after property value in JSON at position 38"),
      "Expected ',' or '}' after property value in JSON at position 38",
    ],
  ])('jsonErrorText keeps no quoted input: %s', (error, text) => {
    expect(jsonErrorText(error)).toBe(text);
  });
});
