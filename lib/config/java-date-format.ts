/**
 * Java `SimpleDateFormat` patterns (TimestampConverter's and TimestampRouter's `format`), compiled
 * once into a formatter and a parser that behave as `SimpleDateFormat` does in the UTC time zone
 * under an English (US) default locale: month, weekday, era and AM/PM names in English; weeks start
 * on Sunday and week 1 of a year is the week holding January 1 (for `Y`).
 *
 * As Java's `GregorianCalendar` does, dates before 1582-10-15 are in the Julian calendar, and
 * parsing is lenient: out-of-range fields roll over (`2024-02-30` is March 1), `S` counts
 * milliseconds (not a fraction), a two-digit `yy` year lands within 80 years before and 20 after
 * the moment the format was compiled, and text after the pattern's end is ignored.
 *
 * Letters: G y Y M L d D E u H k K h a m s S z Z X; `'…'` quotes text and `''` is a quote.
 * Refused: `w`, `W` and `F` (week and weekday-in-month numbers), which this sink does not support,
 * and every other ASCII letter (Java refuses them too). When parsing, `z` reads UTC and GMT names
 * and numeric offsets, not the names of other time zones.
 */

/** A compiled pattern: UTC epoch milliseconds to text and back. */
export interface JavaDateFormat {
  /** The pattern as written. */
  readonly pattern: string;
  /** The instant's text, as `SimpleDateFormat.format` writes it. */
  readonly format: (epochMillis: number) => string;
  /**
   * The instant the text names, as `SimpleDateFormat.parse` reads it (trailing text ignored), or
   * undefined when the text does not match the pattern.
   */
  readonly parse: (text: string) => number | undefined;
}

/** Raised for a pattern Java refuses or this sink does not support; the message says which. */
export class JavaDateFormatError extends Error {}

/**
 * The pattern compiled; throws a {@link JavaDateFormatError} when it is unusable.
 *
 * @param now epoch milliseconds the two-digit year window is counted from (Java: construction time).
 * @example
 * const iso = compileJavaDateFormat("yyyy-MM-dd'T'HH:mm:ss.SSSZ");
 * iso.format(0); // "1970-01-01T00:00:00.000+0000"
 */
export function compileJavaDateFormat(pattern: string, now: number = Date.now()): JavaDateFormat {
  const items = compilePattern(pattern);
  const centuryStart = addYears(now, -80);
  return {
    pattern,
    format: (epochMillis) => formatItems(items, epochMillis),
    parse: (text) => parseItems(items, text, centuryStart),
  };
}

/**
 * Why the pattern cannot be used (for a config error), or undefined when it compiles.
 *
 * @example
 * javaDateFormatProblem('yyyy-ww'); // `pattern "yyyy-ww": letter 'w' (week of year) is not supported; …`
 */
export function javaDateFormatProblem(pattern: string): string | undefined {
  try {
    compilePattern(pattern);
    return undefined;
  } catch (error) {
    if (error instanceof JavaDateFormatError) return error.message;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// The pattern

type Item = { readonly literal: string } | { readonly letter: string; readonly count: number };

const SUPPORTED_LETTERS = new Set('GyYMLdDEuHkKhamsSzZX');

const UNSUPPORTED_LETTERS: Readonly<Record<string, string>> = {
  w: 'week of year',
  W: 'week of month',
  F: 'day of week in month',
};

const SUPPORTED_LIST = 'G y Y M L d D E u H k K h a m s S z Z X';

/** Letters read as numbers when parsing (counting the numeric forms of M and L). */
function isNumericField(item: Item): boolean {
  if (!('letter' in item)) return false;
  if (item.letter === 'M' || item.letter === 'L') return item.count <= 2;
  return 'yYdDuHkKhmsS'.includes(item.letter);
}

function compilePattern(pattern: string): Item[] {
  const items: Item[] = [];
  let literal = '';
  const flushLiteral = () => {
    if (literal !== '') items.push({ literal });
    literal = '';
  };
  let i = 0;
  while (i < pattern.length) {
    const c = pattern.charAt(i);
    if (c === "'") {
      if (pattern.charAt(i + 1) === "'") {
        literal += "'";
        i += 2;
        continue;
      }
      const end = quotedEnd(pattern, i + 1);
      literal += pattern.slice(i + 1, end).replaceAll("''", "'");
      i = end + 1;
      continue;
    }
    if (!/[A-Za-z]/.test(c)) {
      literal += c;
      i++;
      continue;
    }
    checkLetter(pattern, c);
    let count = 1;
    while (pattern.charAt(i + count) === c) count++;
    if (c === 'X' && count > 3) {
      throw new JavaDateFormatError(`pattern "${pattern}": 'X' takes 1 to 3 letters, not ${count}`);
    }
    flushLiteral();
    items.push({ letter: c, count });
    i += count;
  }
  flushLiteral();
  return items;
}

/** The index of the quote closing the quoted text starting at `from` (`''` inside is a quote). */
function quotedEnd(pattern: string, from: number): number {
  let j = from;
  while (j < pattern.length) {
    if (pattern.charAt(j) === "'") {
      if (pattern.charAt(j + 1) !== "'") return j;
      j += 2;
    } else j++;
  }
  throw new JavaDateFormatError(`pattern "${pattern}" has an unterminated quote`);
}

function checkLetter(pattern: string, c: string): void {
  if (SUPPORTED_LETTERS.has(c)) return;
  const unsupported = UNSUPPORTED_LETTERS[c];
  if (unsupported !== undefined) {
    throw new JavaDateFormatError(
      `pattern "${pattern}": letter '${c}' (${unsupported}) is not supported; supported letters: ${SUPPORTED_LIST}`,
    );
  }
  throw new JavaDateFormatError(
    `pattern "${pattern}": '${c}' is not a SimpleDateFormat pattern letter; supported letters: ${SUPPORTED_LIST} (quote literal text with '…')`,
  );
}

// ---------------------------------------------------------------------------------------------
// The calendar: proleptic Gregorian from 1582-10-15, Julian before it (GregorianCalendar's default)

const MILLIS_PER_DAY = 86_400_000;
/** 1582-10-15, the first Gregorian day, as days since 1970-01-01. */
const CUTOVER_DAY = -141_427;

interface CivilDate {
  /** The proleptic year: 0 is 1 BC. */
  readonly year: number;
  /** 1–12. */
  readonly month: number;
  readonly day: number;
}

function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

function gregorianDays(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = floorDiv(y, 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = floorDiv(153 * (month + (month > 2 ? -3 : 9)) + 2, 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + floorDiv(yearOfEra, 4) - floorDiv(yearOfEra, 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function julianDays(year: number, month: number, day: number): number {
  const a = floorDiv(14 - month, 12);
  const y = year + 4800 - a;
  const m = month + 12 * a - 3;
  const julianDayNumber = day + floorDiv(153 * m + 2, 5) + 365 * y + floorDiv(y, 4) - 32_083;
  return julianDayNumber - 2_440_588;
}

function gregorianCivil(days: number): CivilDate {
  const z = days + 719_468;
  const era = floorDiv(z, 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = floorDiv(
    dayOfEra - floorDiv(dayOfEra, 1460) + floorDiv(dayOfEra, 36_524) - floorDiv(dayOfEra, 146_096),
    365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + floorDiv(yearOfEra, 4) - floorDiv(yearOfEra, 100));
  const mp = floorDiv(5 * dayOfYear + 2, 153);
  const day = dayOfYear - floorDiv(153 * mp + 2, 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

function julianCivil(days: number): CivilDate {
  const c = days + 2_440_588 + 32_082;
  const d = floorDiv(4 * c + 3, 1461);
  const e = c - floorDiv(1461 * d, 4);
  const m = floorDiv(5 * e + 2, 153);
  return {
    year: d - 4800 + floorDiv(m, 10),
    month: m + 3 - 12 * floorDiv(m, 10),
    day: e - floorDiv(153 * m + 2, 5) + 1,
  };
}

function civilOf(days: number): CivilDate {
  return days >= CUTOVER_DAY ? gregorianCivil(days) : julianCivil(days);
}

/**
 * Days since the epoch of a civil date; the month and day may be out of range (lenient). As in
 * GregorianCalendar, the calendar is chosen by the year as given, before a month beyond December
 * rolls it over: after 1582 Gregorian, before it Julian, in 1582 by which side of the cutover
 * the Gregorian reading falls.
 */
function daysOf(year: number, month: number, day: number): number {
  const normalizedYear = year + floorDiv(month - 1, 12);
  const normalizedMonth = month - 1 - floorDiv(month - 1, 12) * 12 + 1;
  const gregorian = gregorianDays(normalizedYear, normalizedMonth, 1) + day - 1;
  if (year > 1582 || (year === 1582 && gregorian >= CUTOVER_DAY)) return gregorian;
  return julianDays(normalizedYear, normalizedMonth, 1) + day - 1;
}

/** 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
function weekdayOf(days: number): number {
  return (((days + 4) % 7) + 7) % 7;
}

/** The year of the Saturday closing the date's Sunday–Saturday week (US week rules). */
function weekYearOf(days: number): number {
  return civilOf(days + 6 - weekdayOf(days)).year;
}

/** The Sunday starting week 1 of a week year (the week holding its January 1). */
function firstWeekStart(weekYear: number): number {
  const january1 = daysOf(weekYear, 1, 1);
  return january1 - weekdayOf(january1);
}

function addYears(epochMillis: number, years: number): number {
  const days = floorDiv(epochMillis, MILLIS_PER_DAY);
  const civil = civilOf(days);
  const sameDay = daysOf(civil.year + years, civil.month, civil.day);
  return sameDay * MILLIS_PER_DAY + (epochMillis - days * MILLIS_PER_DAY);
}

// ---------------------------------------------------------------------------------------------
// Formatting

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** The fields of one instant, computed once per format call. */
interface Fields {
  readonly days: number;
  readonly civil: CivilDate;
  readonly millisOfDay: number;
}

function formatItems(items: readonly Item[], epochMillis: number): string {
  const days = floorDiv(epochMillis, MILLIS_PER_DAY);
  const fields: Fields = { days, civil: civilOf(days), millisOfDay: epochMillis - days * MILLIS_PER_DAY };
  let text = '';
  for (const item of items)
    text += 'literal' in item ? item.literal : formatField(item.letter, item.count, fields);
  return text;
}

function padded(value: number, count: number): string {
  return String(value).padStart(count, '0');
}

/** `yy` keeps the last two digits; other counts pad to at least `count` digits, after any sign. */
function formatYearNumber(year: number, count: number): string {
  const sign = year < 0 ? '-' : '';
  const digits = Math.abs(year);
  return sign + (count === 2 ? padded(digits % 100, 2) : padded(digits, count));
}

/** `y` writes the year of the era (1 BC is 1). */
function formatYear(year: number, count: number): string {
  return formatYearNumber(year > 0 ? year : 1 - year, count);
}

function formatField(letter: string, count: number, { days, civil, millisOfDay }: Fields): string {
  const hour = Math.floor(millisOfDay / 3_600_000);
  switch (letter) {
    case 'G':
      return civil.year > 0 ? 'AD' : 'BC';
    case 'y':
      return formatYear(civil.year, count);
    case 'Y':
      // Java writes the week year as a signed proleptic year (1 BC is 0), not a year of the era.
      return formatYearNumber(weekYearOf(days), count);
    case 'M':
    case 'L': {
      const name = MONTHS[civil.month - 1] ?? '';
      if (count >= 4) return name;
      return count === 3 ? name.slice(0, 3) : padded(civil.month, count);
    }
    case 'd':
      return padded(civil.day, count);
    case 'D':
      return padded(days - daysOf(civil.year, 1, 1) + 1, count);
    case 'E': {
      const name = WEEKDAYS[weekdayOf(days)] ?? '';
      return count >= 4 ? name : name.slice(0, 3);
    }
    case 'u':
      return padded(weekdayOf(days) === 0 ? 7 : weekdayOf(days), count);
    case 'H':
      return padded(hour, count);
    case 'k':
      return padded(hour === 0 ? 24 : hour, count);
    case 'K':
      return padded(hour % 12, count);
    case 'h':
      return padded(hour % 12 === 0 ? 12 : hour % 12, count);
    case 'a':
      return hour < 12 ? 'AM' : 'PM';
    case 'm':
      return padded(Math.floor(millisOfDay / 60_000) % 60, count);
    case 's':
      return padded(Math.floor(millisOfDay / 1000) % 60, count);
    case 'S':
      return padded(millisOfDay % 1000, count);
    case 'z':
      return count >= 4 ? 'Coordinated Universal Time' : 'UTC';
    case 'Z':
      return '+0000';
    default: // 'X': the zone is UTC, which ISO 8601 writes as Z at every width
      return 'Z';
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing

/** What the text set, each with the order it was last set in (Java's calendar field stamps). */
interface ParsedFields {
  readonly values: Map<string, number>;
  readonly stamps: Map<string, number>;
  nextStamp: number;
  ambiguousYear: boolean;
}

function setField(fields: ParsedFields, name: string, value: number): void {
  fields.values.set(name, value);
  fields.stamps.set(name, fields.nextStamp++);
}

function parseItems(items: readonly Item[], text: string, centuryStart: number): number | undefined {
  const fields: ParsedFields = { values: new Map(), stamps: new Map(), nextStamp: 1, ambiguousYear: false };
  let position = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as Item;
    if ('literal' in item) {
      if (!text.startsWith(item.literal, position)) return undefined;
      position += item.literal.length;
      continue;
    }
    const next = items[i + 1];
    // Java reads a numeric field's letter count as its width only when a numeric field follows.
    const obeyCount = next !== undefined && isNumericField(next);
    const end = parseField(item, text, position, obeyCount, fields, centuryStart);
    if (end === undefined) return undefined;
    position = end;
  }
  // DateFormat.parse(String) refuses text of which nothing was read (an empty pattern reads nothing).
  if (position === 0) return undefined;
  const instant = resolveInstant(fields);
  if (fields.ambiguousYear && instant < centuryStart) {
    fields.values.set('year', (fields.values.get('year') ?? 0) + 100);
    return resolveInstant(fields);
  }
  return instant;
}

/** Parses one field at `start` (after spaces and tabs); the index after it, or undefined. */
function parseField(
  item: { readonly letter: string; readonly count: number },
  text: string,
  from: number,
  obeyCount: boolean,
  fields: ParsedFields,
  centuryStart: number,
): number | undefined {
  let start = from;
  while (text.charAt(start) === ' ' || text.charAt(start) === '\t') start++;
  if (start >= text.length) return undefined;
  if (isNumericField(item)) {
    // Java counts the letters from where the field began, spaces skipped before it included.
    const limit = obeyCount ? from + item.count : text.length;
    if (limit > text.length) return undefined;
    const match = /^-?\d+/.exec(text.slice(start, limit));
    if (match === null) return undefined;
    const end = start + match[0].length;
    setNumericField(item, Number(match[0]), match[0], fields, centuryStart);
    return end;
  }
  return parseTextField(item, text, from, start, fields);
}

function setNumericField(
  item: { readonly letter: string; readonly count: number },
  value: number,
  digits: string,
  fields: ParsedFields,
  centuryStart: number,
): void {
  switch (item.letter) {
    case 'y':
      setField(fields, 'year', twoDigitYear(item.count, value, digits, fields, centuryStart));
      return;
    case 'Y':
      setField(fields, 'weekYear', twoDigitYear(item.count, value, digits, fields, centuryStart));
      return;
    case 'M':
    case 'L':
      setField(fields, 'month', value);
      return;
    case 'd':
      setField(fields, 'dayOfMonth', value);
      return;
    case 'D':
      setField(fields, 'dayOfYear', value);
      return;
    case 'u':
      // 1 (Monday) … 7 (Sunday); Java passes a number outside 1–7 to the calendar as its own
      // weekday number (1 = Sunday), which rolls over leniently.
      setField(fields, 'dayOfWeek', value === 7 ? 0 : value >= 1 && value <= 6 ? value : value - 1);
      return;
    case 'H':
      setField(fields, 'hourOfDay', value);
      return;
    case 'k':
      setField(fields, 'hourOfDay', value === 24 ? 0 : value);
      return;
    case 'K':
      setField(fields, 'hour', value);
      return;
    case 'h':
      setField(fields, 'hour', value === 12 ? 0 : value);
      return;
    case 'm':
      setField(fields, 'minute', value);
      return;
    case 's':
      setField(fields, 'second', value);
      return;
    default: // 'S'
      setField(fields, 'millisecond', value);
  }
}

/** A `y`/`yy` year of exactly two digits lands in the 100 years from `centuryStart`. */
function twoDigitYear(
  count: number,
  value: number,
  digits: string,
  fields: ParsedFields,
  centuryStart: number,
): number {
  if (count > 2 || !/^\d\d$/.test(digits)) return value;
  const startYear = civilOf(floorDiv(centuryStart, MILLIS_PER_DAY)).year;
  const ambiguous = startYear % 100;
  fields.ambiguousYear = value === ambiguous;
  return value + Math.floor(startYear / 100) * 100 + (value < ambiguous ? 100 : 0);
}

const AM_PM = ['AM', 'PM'];
const ERAS = ['BC', 'AD'];

const MONTH_NAMES = [...MONTHS, ...MONTHS.map((m) => m.slice(0, 3))];
const WEEKDAY_NAMES = [...WEEKDAYS, ...WEEKDAYS.map((d) => d.slice(0, 3))];

/**
 * A text field: names are matched where the field began (`from`: Java skips spaces before a field
 * but matches names at its original start, so " Mon" does not read as Monday), zones after the
 * skipped spaces (`start`).
 */
function parseTextField(
  item: { readonly letter: string; readonly count: number },
  text: string,
  from: number,
  start: number,
  fields: ParsedFields,
): number | undefined {
  switch (item.letter) {
    case 'G':
      return matchName(text, from, ERAS, (index) => setField(fields, 'era', index));
    case 'M':
    case 'L':
      return matchName(text, from, MONTH_NAMES, (index) => setField(fields, 'month', (index % 12) + 1));
    case 'E':
      return matchName(text, from, WEEKDAY_NAMES, (index) => setField(fields, 'dayOfWeek', index % 7));
    case 'a':
      return matchName(text, from, AM_PM, (index) => setField(fields, 'ampm', index));
    case 'X':
      return parseIsoZone(text, start, item.count, fields);
    default: // 'z' and 'Z'
      return parseZone(text, start, fields);
  }
}

/** The longest of `names` at `start`, in any case (as Java's matchString picks). */
function matchName(
  text: string,
  start: number,
  names: readonly string[],
  set: (index: number) => void,
): number | undefined {
  let best = -1;
  let bestLength = 0;
  names.forEach((name, index) => {
    const candidate = text.slice(start, start + name.length);
    if (name.length > bestLength && candidate.toLowerCase() === name.toLowerCase()) {
      best = index;
      bestLength = name.length;
    }
  });
  if (best < 0) return undefined;
  set(best);
  return start + bestLength;
}

const ZONE_NAMES = ['Coordinated Universal Time', 'Greenwich Mean Time', 'UTC'];

function parseZone(text: string, start: number, fields: ParsedFields): number | undefined {
  const sign = signAt(text, start);
  if (sign !== 0) return parseNumericZone(text, start + 1, sign, 0, false, fields);
  if (text.slice(start, start + 3).toUpperCase() === 'GMT') {
    const afterGmt = start + 3;
    const gmtSign = signAt(text, afterGmt);
    if (gmtSign === 0) {
      setField(fields, 'zoneOffset', 0);
      return afterGmt;
    }
    return parseNumericZone(text, afterGmt + 1, gmtSign, 0, true, fields);
  }
  // UTC and GMT use one name for standard and daylight time, so Java leaves the offset to the
  // format's zone (UTC) or to an offset read earlier: the name sets nothing.
  return matchName(text, start, ZONE_NAMES, () => undefined);
}

function parseIsoZone(text: string, start: number, count: number, fields: ParsedFields): number | undefined {
  if (text.charAt(start) === 'Z') {
    setField(fields, 'zoneOffset', 0);
    return start + 1;
  }
  const sign = signAt(text, start);
  if (sign === 0) return undefined;
  return parseNumericZone(text, start + 1, sign, count, count === 3, fields);
}

function signAt(text: string, index: number): number {
  const c = text.charAt(index);
  return c === '+' ? 1 : c === '-' ? -1 : 0;
}

/**
 * An offset `hh[[:]mm]` after its sign: `colon` wants `hh:mm` (one hour digit allowed when `count`
 * is 0); otherwise two hour digits; `count` 1 (ISO `X`) stops after the hours.
 */
function parseNumericZone(
  text: string,
  from: number,
  sign: number,
  count: number,
  colon: boolean,
  fields: ParsedFields,
): number | undefined {
  let index = from;
  const digitAt = (i: number) => (/\d/.test(text.charAt(i)) ? Number(text.charAt(i)) : undefined);
  const first = digitAt(index++);
  if (first === undefined) return undefined;
  let hours = first;
  const second = digitAt(index);
  if (second !== undefined) {
    hours = hours * 10 + second;
    index++;
  } else if (count > 0 || !colon || index >= text.length) return undefined;
  if (hours > 23) return undefined;
  let minutes = 0;
  if (count !== 1) {
    if (colon) {
      if (text.charAt(index) !== ':') return undefined;
      index++;
    }
    const tens = digitAt(index);
    const units = digitAt(index + 1);
    if (tens === undefined || units === undefined) return undefined;
    minutes = tens * 10 + units;
    if (minutes > 59) return undefined;
    index += 2;
  }
  setField(fields, 'zoneOffset', sign * (hours * 60 + minutes) * 60_000);
  return index;
}

/** Java's stamp of a field set from several (UNSET = 0 when any is unset). */
function aggregateStamp(a: number, b: number): number {
  return a === 0 || b === 0 ? 0 : Math.max(a, b);
}

/** The instant the parsed fields name, resolved as GregorianCalendar resolves them (lenient). */
function resolveInstant(fields: ParsedFields): number {
  const value = (name: string, fallback: number) => fields.values.get(name) ?? fallback;
  const stamp = (name: string) => fields.stamps.get(name) ?? 0;
  const days = resolveDays(fields, value, stamp);
  const hourOfDayStamp = stamp('hourOfDay');
  const hourStamp = aggregateStamp(stamp('hour'), stamp('ampm'));
  let best = Math.max(hourStamp, hourOfDayStamp);
  if (best === 0) best = Math.max(stamp('hour'), stamp('ampm'));
  const hours =
    best === 0 || best === hourOfDayStamp ? value('hourOfDay', 0) : value('hour', 0) + 12 * value('ampm', 0);
  return (
    days * MILLIS_PER_DAY +
    hours * 3_600_000 +
    value('minute', 0) * 60_000 +
    value('second', 0) * 1000 +
    value('millisecond', 0) -
    value('zoneOffset', 0)
  );
}

function resolveDays(
  fields: ParsedFields,
  value: (name: string, fallback: number) => number,
  stamp: (name: string) => number,
): number {
  const dayOfWeek = fields.values.get('dayOfWeek');
  if (stamp('weekYear') > stamp('year')) {
    // Java sets a week date from the week year, week 1 and the weekday (first day: Sunday): the
    // month and day of month are not consulted.
    return firstWeekStart(value('weekYear', 1970)) + (dayOfWeek ?? 0);
  }
  const yearOfEra = value('year', 1970);
  const year = value('era', 1) === 0 ? 1 - yearOfEra : yearOfEra;
  if (stamp('dayOfYear') > stamp('dayOfMonth')) return daysOf(year, 1, 1) + value('dayOfYear', 1) - 1;
  const month = value('month', 1);
  if (stamp('dayOfMonth') === 0 && dayOfWeek !== undefined) {
    // A weekday alone names its first occurrence in the month.
    const first = daysOf(year, month, 1);
    return first + ((((dayOfWeek - weekdayOf(first)) % 7) + 7) % 7);
  }
  return daysOf(year, month, value('dayOfMonth', 1));
}
