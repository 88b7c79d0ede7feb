import { describe, expect, it } from 'vitest';
import {
  compileJavaDateFormat,
  JavaDateFormatError,
  javaDateFormatProblem,
} from '../../../../lib/config/java-date-format.ts';

/** 2001-07-04T12:08:56.235Z: the instant of SimpleDateFormat's documented examples, in UTC. */
const JULY_4_2001 = Date.UTC(2001, 6, 4, 12, 8, 56, 235);

/** Mid-2026, so that two-digit years land in 1946–2045. */
const NOW = Date.UTC(2026, 5, 1);

const utc = (iso: string) => Date.parse(iso);

describe('compileJavaDateFormat().format', () => {
  it.each([
    ["yyyy.MM.dd G 'at' HH:mm:ss z", '2001.07.04 AD at 12:08:56 UTC'],
    ["EEE, MMM d, ''yy", "Wed, Jul 4, '01"],
    ['h:mm a', '12:08 PM'],
    ["hh 'o''clock' a, zzzz", "12 o'clock PM, Coordinated Universal Time"],
    ['K:mm a, z', '0:08 PM, UTC'],
    ['yyyyy.MMMMM.dd GGG hh:mm aaa', '02001.July.04 AD 12:08 PM'],
    ['EEE, d MMM yyyy HH:mm:ss Z', 'Wed, 4 Jul 2001 12:08:56 +0000'],
    ['yyMMddHHmmssZ', '010704120856+0000'],
    ["yyyy-MM-dd'T'HH:mm:ss.SSSZ", '2001-07-04T12:08:56.235+0000'],
    ["yyyy-MM-dd'T'HH:mm:ss.SSSXXX", '2001-07-04T12:08:56.235Z'],
    ['YYYY-D-u EEEE', '2001-185-3 Wednesday'],
    ['k K H h S SSSS', '12 0 12 12 235 0235'],
    ['LLL L', 'Jul 7'],
    ['yyyy-MM-dd HH:mm:ss.SSS', '2001-07-04 12:08:56.235'],
    ['y yy yyy', '2001 01 2001'],
  ])('writes %s as Java does', (pattern, expected) => {
    expect(compileJavaDateFormat(pattern, NOW).format(JULY_4_2001)).toBe(expected);
  });

  it.each([
    ['the epoch', 0, 'yyyy-MM-dd HH:mm:ss.SSS', '1970-01-01 00:00:00.000'],
    ['before the epoch', -1, 'yyyy-MM-dd HH:mm:ss.SSS', '1969-12-31 23:59:59.999'],
    ['midnight with k (24) and h (12)', utc('2024-01-02T00:30:00Z'), 'k h a', '24 12 AM'],
    ['the week year of a late December day in week 1', utc('2019-12-30T00:00:00Z'), 'YYYY yyyy', '2020 2019'],
    ['the Julian calendar before 1582-10-15', utc('1582-10-14T23:59:59Z'), 'yyyy-MM-dd', '1582-10-04'],
    ['the first Gregorian day', utc('1582-10-15T00:00:00Z'), 'yyyy-MM-dd', '1582-10-15'],
    ['a year before the common era', utc('-000100-03-01T00:00:00Z'), 'yyyy G', '0101 BC'],
    ['a leap day', utc('2024-02-29T00:00:00Z'), 'D MMMM', '60 February'],
    [
      'a week year before the common era as a signed year',
      utc('-000100-03-01T00:00:00Z'),
      'YYYY YY y',
      '-0100 -00 101',
    ],
  ])('writes %s', (_what, millis, pattern, expected) => {
    expect(compileJavaDateFormat(pattern, NOW).format(millis)).toBe(expected);
  });
});

describe('compileJavaDateFormat().parse', () => {
  it.each([
    ["yyyy-MM-dd'T'HH:mm:ss.SSSZ", '2001-07-04T12:08:56.235+0000', JULY_4_2001],
    ["yyyy-MM-dd'T'HH:mm:ss.SSSZ", '2001-07-04T05:08:56.235-0700', JULY_4_2001],
    ["yyyy-MM-dd'T'HH:mm:ss.SSSXXX", '2001-07-04T12:08:56.235Z', JULY_4_2001],
    ["yyyy-MM-dd'T'HH:mm:ss.SSSXXX", '2001-07-04T17:38:56.235+05:30', JULY_4_2001],
    ['yyyy-MM-dd HH:mm:ss.SSSX', '2001-07-04 14:08:56.235+02', JULY_4_2001],
    ['yyyy-MM-dd HH:mm:ss.SSS z', '2001-07-04 13:08:56.235 GMT+1:00', JULY_4_2001],
    ['yyyy-MM-dd HH:mm:ss.SSS z', '2001-07-04 12:08:56.235 UTC', JULY_4_2001],
    ['yyyy-MM-dd HH:mm:ss.SSS z', '2001-07-04 12:08:56.235 gmt', JULY_4_2001],
    ['EEE, d MMM yyyy HH:mm:ss.SSS Z', 'Wed, 4 Jul 2001 12:08:56.235 +0000', JULY_4_2001],
    ['EEE, d MMMM yyyy hh:mm:ss.SSS a', 'wed, 4 JULY 2001 12:08:56.235 pm', JULY_4_2001],
    ['yyyyMMddHHmmssSSS', '20010704120856235', JULY_4_2001],
    ['yyyy-MM-dd', '2024-02-30', utc('2024-03-01T00:00:00Z')],
    ['yyyy-MM-dd', '2024-13-01', utc('2025-01-01T00:00:00Z')],
    ['yyyy-MM-dd', '2024-1-5', utc('2024-01-05T00:00:00Z')],
    ['yyyy-MM-dd', '2024-01-05 and more text', utc('2024-01-05T00:00:00Z')],
    ['yyyy-MM-dd HH', '2024-01-05  7', utc('2024-01-05T07:00:00Z')],
    ['yyyy-MM-dd kk', '2024-01-05 24', utc('2024-01-05T00:00:00Z')],
    ['yyyy-MM-dd HH:mm:ss.SSS', '2024-01-05 00:00:00.5', utc('2024-01-05T00:00:00.005Z')],
    ['yyyy-MM-dd HH:mm:ss.SSSSSS', '2024-01-05 00:00:00.123456', utc('2024-01-05T00:02:03.456Z')],
    ['yyyy-D', '2024-60', utc('2024-02-29T00:00:00Z')],
    ['HH:mm', '13:45', utc('1970-01-01T13:45:00Z')],
    ['yyyy-MM-dd', '1582-10-04', utc('1582-10-14T00:00:00Z')],
    ['yyyy G', '0101 BC', utc('-000101-12-29T00:00:00Z')], // Julian January 1, 101 BC
    ['YYYY-MM-dd', '2019-12-30', utc('2018-12-30T00:00:00Z')],
    ['yy-MM-dd', '45-01-01', utc('2045-01-01T00:00:00Z')],
    ['yy-MM-dd', '47-01-01', utc('1947-01-01T00:00:00Z')],
    ['yy-MM-dd', '46-07-01', utc('1946-07-01T00:00:00Z')],
    ['yy-MM-dd', '46-05-01', utc('2046-05-01T00:00:00Z')],
    ['yyyy-MM-dd', '46-05-01', utc('0046-04-29T00:00:00Z')], // Julian May 1, AD 46
    ['yyyy-MM u', '2024-03 3', utc('2024-03-06T00:00:00Z')],
    ['yyyy-MM u', '2024-03 0', utc('2024-03-02T00:00:00Z')],
    ['dMMMM yyyy', '14February 2024', utc('2024-02-14T00:00:00Z')],
    ['yadd', '2024AM05', utc('2024-01-05T00:00:00Z')],
    ['yyyy-MM-dd HH:mm Z z', '2024-01-05 10:00 +0400 UTC', utc('2024-01-05T06:00:00Z')],
    ['yyyy-MM', '1500-13', utc('1501-01-11T00:00:00Z')], // Julian, as the year given is before 1582
  ])('reads %s from "%s"', (pattern, text, expected) => {
    expect(compileJavaDateFormat(pattern, NOW).parse(text)).toBe(expected);
  });

  it.each([
    ['yyyy-MM-dd', '2024/01/05'],
    ['yyyy-MM-dd', ''],
    ['yyyy-MM-dd', '2024-01-'],
    ['yyyyMMdd', '202401'],
    ['yyyy-MM-dd HH:mm Z', '2024-01-05 10:00 +05'],
    ['yyyy-MM-dd HH:mm XXX', '2024-01-05 10:00 +0500'],
    ['yyyy-MM-dd HH:mm z', '2024-01-05 10:00 PST'],
    ['MMM yyyy', 'Jux 2024'],
    ['', '2024'],
    ['MMM yyyy', ' Apr 2024'],
    ['EEE', ' Wed'],
  ])('does not read %s from "%s"', (pattern, text) => {
    expect(compileJavaDateFormat(pattern, NOW).parse(text)).toBeUndefined();
  });

  it('reads back what it writes', () => {
    const format = compileJavaDateFormat("yyyy-MM-dd'T'HH:mm:ss.SSSZ", NOW);
    for (const millis of [0, -1, JULY_4_2001, utc('1600-02-29T23:59:59.999Z'), utc('9999-12-31T00:00:00Z')]) {
      expect(format.parse(format.format(millis))).toBe(millis);
    }
  });
});

describe('javaDateFormatProblem', () => {
  it.each([["yyyy-MM-dd'T'HH:mm:ss.SSSZ"], ["'literal only'"], ["''"], ['ü日 yyyy'], ['']])(
    'accepts %s',
    (pattern) => {
      expect(javaDateFormatProblem(pattern)).toBeUndefined();
    },
  );

  it.each([
    ['yyyy-ww', /letter 'w' \(week of year\) is not supported; supported letters: G y Y/],
    ['W', /letter 'W' \(week of month\) is not supported/],
    ['F', /letter 'F' \(day of week in month\) is not supported/],
    ['yyyy-MM-ddTHH', /'T' is not a SimpleDateFormat pattern letter.*quote literal text/],
    ["yyyy 'at", /unterminated quote/],
    ['XXXX', /'X' takes 1 to 3 letters, not 4/],
  ])('refuses %s', (pattern, message) => {
    expect(javaDateFormatProblem(pattern)).toMatch(message);
    expect(() => compileJavaDateFormat(pattern)).toThrow(JavaDateFormatError);
  });
});
