import { describe, expect, it } from 'vitest';
import { translateJavaPattern } from '../../../lib/config/java-regex.ts';
import { parseSinkConfig } from '../../../lib/config/sink-config.ts';
import { seedConfig } from '../../fixtures/events.ts';
import { problemsOf } from '../../support/config-problems.ts';

/**
 * `topics.regex` is a Java pattern matched against the whole topic name: it cannot escape the
 * whole-name match, Java's syntax is read as Java reads it (or refused where JavaScript differs),
 * and its messages stay short whatever its length.
 */

/** The seed config with `topics.regex` instead of `topics` and no topic map (its topic may not match). */
function regexConfig(pattern: string): Record<string, string> {
  const { topics: _topics, 'starrocks.topic2table.map': _map, ...seed } = seedConfig();
  return { ...seed, 'topics.regex': pattern };
}

function topicsRegexOf(pattern: string): RegExp {
  const regex = parseSinkConfig(regexConfig(pattern)).topicsRegex;
  if (regex === undefined) throw new Error('expected a topics.regex');
  return regex;
}

function problemsOfPattern(pattern: string): { key: string; message: string }[] {
  return problemsOf(regexConfig(pattern));
}

describe('topics.regex', () => {
  it('refuses a pattern that would close the whole-name group and accept any topic ending in test', () => {
    expect(problemsOfPattern('orders)|(test')).toEqual([
      {
        key: 'topics.regex',
        message:
          '"orders)|(test" is not a valid regular expression: at character 7: ")" closes a group that was never opened',
      },
    ]);
  });

  it.each([
    ['orders|test', ['orders', 'test'], ['evil_test', 'test_evil', 'ordersx', 'xorders']],
    ['(orders)|(test)', ['orders', 'test'], ['evil_test', 'orders_test']],
    ['te.t', ['test', 'te-t'], ['tes', 'atest', 'testx']],
    ['orders\\-\\Q.v1\\E', ['orders-.v1'], ['orders-xv1']],
    ['\\Qa.b', ['a.b'], ['axb']],
    ['[\\Q-]\\E]+', ['-]-', ']'], ['a']],
    ['[]a]+', [']a]', 'a'], ['b']],
    [
      '\\x{6F}rders|\\x6Frders2|\\u006Frders3|\\0157rders4',
      ['orders', 'orders2', 'orders3', 'orders4'],
      ['xrders'],
    ],
    ['\\Aorders\\z', ['orders'], ['orders.v1']],
    ['db\\.public\\..+', ['db.public.customers'], ['db.public.', 'dbxpublic.customers']],
    ['(?<p>ab)\\k<p>', ['abab'], ['ab']],
    ['a{2,3}?b', ['aab', 'aaab'], ['ab', 'aaaab']],
    ['x}y]', ['x}y]'], ['xy']],
    ['a\\_b\\#c', ['a_b#c'], ['ab#c']],
  ])('reads %s as Java does', (pattern, matching, notMatching) => {
    const regex = topicsRegexOf(pattern);

    for (const topic of matching) expect(regex.test(topic), topic).toBe(true);
    for (const topic of notMatching) expect(regex.test(topic), topic).toBe(false);
  });

  it.each([
    ['orders*+', 'at character 8: possessive quantifiers'],
    ['(?>orders)', 'atomic groups (?>…) do not exist in JavaScript'],
    ['(?i)orders', 'embedded flags such as (?i)'],
    ['(?i:orders)', 'embedded flags such as (?i)'],
    ['\\p{Lower}+', "Java's character properties (\\p{…})"],
    ['[a-z[0-9]]+', "a class inside a class (Java's union"],
    ['[a-z&&[^q]]+', 'class intersection (&&)'],
    ['orders\\h', '\\h is refused: JavaScript reads it differently'],
    ['orders\\v', '\\v is refused'],
    ['\\Gorders', '\\G (the end of the previous match)'],
  ])('refuses %s, which Java accepts but JavaScript reads otherwise', (pattern, reason) => {
    const problems = problemsOfPattern(pattern);

    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toContain('uses a Java construct this sink refuses');
    expect(problems[0]?.message).toContain(reason);
  });

  it.each([
    ['(unclosed', '1 group is not closed'],
    ['[a-z', 'a character class "[" is not closed'],
    ['orders\\', 'the pattern ends in a lone backslash'],
    ['*orders', '"*" repeats nothing'],
    ['orders{x', '"{" is not a repetition'],
    ['a{3,2}', '{3,2} repeats at most fewer times than at least'],
    ['orders\\y', '\\y is not an escape Java knows'],
    ['(?#x)', '"(?" starts no group Java knows'],
    ['[z-a]', 'Range out of order in character class'],
  ])('refuses the invalid pattern %s', (pattern, reason) => {
    const problems = problemsOfPattern(pattern);

    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toContain('is not a valid regular expression');
    expect(problems[0]?.message).toContain(reason);
  });

  it('keeps the message short for a 200 KB pattern', () => {
    const error = problemsOfPattern(`(${'a'.repeat(200_000)}`);

    expect(error[0]?.message).toBe(
      `"(${'a'.repeat(99)}… (200001 characters)" is not a valid regular expression: 1 group is not closed`,
    );
  });

  it('quotes no pattern from the engine error', () => {
    const problems = problemsOfPattern(`[z-a]${'x'.repeat(500)}`);

    expect(problems[0]?.message).toMatch(/: Range out of order in character class$/);
    expect(problems[0]?.message.length).toBeLessThan(300);
  });

  it('shows at most the start of a long pattern when a mapped topic does not match it', () => {
    const pattern = `orders${'x'.repeat(1000)}`;
    const { topics: _topics, ...seed } = seedConfig({ 'topics.regex': pattern });

    let message = '';
    try {
      parseSinkConfig(seed);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(
      `maps topic "test", which does not match topics.regex "orders${'x'.repeat(94)}… (1006 characters)"`,
    );
  });
});

describe('translateJavaPattern', () => {
  it('writes a source whose groups are balanced, to be wrapped in ^(?:…)$', () => {
    expect(translateJavaPattern('orders\\-\\Q.v1\\E|(a)')).toEqual({ source: 'orders-\\.v1|(a)' });
  });
});
