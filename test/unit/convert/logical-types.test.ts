import { describe, expect, it } from 'vitest';
import type { ConnectSchema } from '../../../lib/convert/connect-schema.ts';
import { isRawJson, parseJsonExact } from '../../../lib/convert/exact-json.ts';
import { formatInstant, LOGICAL_TYPES } from '../../../lib/convert/logical-types.ts';

/** Parses the payload as the converter does (exact int64), then applies the logical type. */
function convert(name: string, payloadJson: string, parameters?: Record<string, string>): unknown {
  const converter = LOGICAL_TYPES.get(name);
  if (converter === undefined) throw new Error(`no converter for ${name}`);
  const schema: ConnectSchema = { type: 'x', name, ...(parameters ? { parameters } : {}) };
  const out = converter(parseJsonExact(payloadJson), schema);
  return isRawJson(out) ? { raw: out.rawJSON } : out;
}

describe('logical types', () => {
  it.each([
    ['io.debezium.time.Date', '19000', '2022-01-08'],
    ['io.debezium.time.Date', '-1', '1969-12-31'],
    ['io.debezium.time.Date', '-719528', '0000-01-01'],
    ['io.debezium.time.Date', '2932896', '9999-12-31'],
    ['io.debezium.time.Date', '2932897', '10000-01-01'],
    ['io.debezium.time.Date', '-719529', '-0001-12-31'],
    ['io.debezium.time.Date', '-141', '1969-08-13'],
    ['io.debezium.time.Time', '64957123', '18:02:37.123'],
    ['io.debezium.time.MicroTime', '3723000001', '01:02:03.000001'],
    ['io.debezium.time.MicroTime', '0', '00:00:00'],
    ['io.debezium.time.NanoTime', '3723000001000', '01:02:03.000001'],
    ['io.debezium.time.Timestamp', '1714283798721', '2024-04-28 05:56:38.721'],
    ['io.debezium.time.MicroTimestamp', '1529507596945104', '2018-06-20 15:13:16.945104'],
    ['io.debezium.time.MicroTimestamp', '-1', '1969-12-31 23:59:59.999999'],
    ['io.debezium.time.MicroTimestamp', '9223372036825200000', '9999-12-31 23:59:59.999999'],
    ['io.debezium.time.MicroTimestamp', '-9223372036832400000', '0000-01-01 00:00:00'],
    ['io.debezium.time.NanoTimestamp', '1717000000123456789', '2024-05-29 16:26:40.123456'],
    ['io.debezium.time.ZonedTimestamp', '"2024-01-02T03:04:05.123456Z"', '2024-01-02 03:04:05.123456'],
    ['io.debezium.time.ZonedTimestamp', '"2024-01-02T03:04:05Z"', '2024-01-02 03:04:05'],
    ['io.debezium.time.ZonedTimestamp', '"2024-01-02T03:04:05.5+02:00"', '2024-01-02 01:04:05.5'],
    ['io.debezium.time.ZonedTimestamp', '"infinity"', '9999-12-31 23:59:59.999999'],
    ['io.debezium.time.ZonedTimestamp', '"-infinity"', '0000-01-01 00:00:00'],
    ['io.debezium.time.ZonedTime', '"10:15:30.123456Z"', '10:15:30.123456'],
    ['io.debezium.time.IsoDate', '"2017-09-15Z"', '2017-09-15'],
    ['org.apache.kafka.connect.data.Date', '0', '1970-01-01'],
    ['org.apache.kafka.connect.data.Time', '86399999', '23:59:59.999'],
    ['org.apache.kafka.connect.data.Timestamp', '0', '1970-01-01 00:00:00'],
  ])('renders %s %s as "%s"', (name, payload, expected) => {
    expect(convert(name, payload)).toBe(expected);
  });

  it.each([
    ['"MDk="', '2', '123.45'],
    ['"z8c="', '2', '-123.45'],
    ['"BiY="', '2', '15.74'],
    ['"AA=="', '0', '0'],
    ['"AJw="', '2', '1.56'],
    ['12.5', '1', '12.5'],
  ])('renders Decimal %s at scale %s as the exact number %s', (payload, scale, expected) => {
    expect(convert('org.apache.kafka.connect.data.Decimal', payload, { scale })).toEqual(
      typeof expected === 'string' && payload.startsWith('"') ? { raw: expected } : 12.5,
    );
  });

  it('renders VariableScaleDecimal {scale, value} as an exact number', () => {
    expect(convert('io.debezium.data.VariableScaleDecimal', '{"scale":1,"value":"Dw=="}')).toEqual({
      raw: '1.5',
    });
    expect(convert('io.debezium.data.VariableScaleDecimal', '{"scale":0,"value":"AQ=="}')).toEqual({
      raw: '1',
    });
  });

  it('loads a json/jsonb document as its text, so a document that is a string stays a string', () => {
    expect(convert('io.debezium.data.Json', '"{\\"a\\": [1, 2.50]}"')).toBe('{"a": [1, 2.50]}');
    expect(convert('io.debezium.data.Json', '"\\"42\\""')).toBe('"42"');
  });

  it.each([
    ['io.debezium.time.Time', '86400000'],
    ['io.debezium.time.MicroTime', '86400000000'],
    ['io.debezium.time.NanoTime', '86400000000000'],
  ])("keeps PostgreSQL's time 24:00:00 (%s %s) as the end of the day", (name, payload) => {
    expect(convert(name, payload)).toBe('24:00:00');
  });

  it.each([
    ['io.debezium.time.Date', '"yesterday"', 'expected an integer'],
    ['io.debezium.time.ZonedTimestamp', '"2024-01-02 03:04"', 'is not an ISO-8601 instant'],
    ['io.debezium.data.VariableScaleDecimal', '{"scale":1}', 'expected {"scale", "value"}'],
    ['org.apache.kafka.connect.data.Decimal', 'true', 'expected base64 bytes or a number'],
  ])('refuses %s %s', (name, payload, message) => {
    expect(() => convert(name, payload, { scale: '2' })).toThrow(message);
  });
});

describe('timestamps written with number arithmetic', () => {
  const millis = LOGICAL_TYPES.get('org.apache.kafka.connect.data.Timestamp');
  const micros = LOGICAL_TYPES.get('io.debezium.time.MicroTimestamp');
  const schema = { type: 'int64' };

  it('write the same text as the BigInt formatter over the whole safe range', () => {
    // A fixed-seed walk: every value a double holds exactly, both signs, every fraction width.
    let seed = 20261205;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const cases = [
      0, -1, 1, 999, -999, 1000, -1000, 86_400_000_000, -86_400_000_001, 9_007_199_254_740_991,
      -9_007_199_254_740_991,
    ];
    for (let i = 0; i < 20_000; i++) cases.push(Math.floor((next() * 2 - 1) * 9_007_199_254_740_991));
    for (const us of cases) expect(micros?.(us, schema)).toBe(formatInstant(BigInt(us)));
    for (const us of cases.slice(0, 5_000)) {
      const ms = Math.trunc(us / 1000);
      expect(millis?.(ms, schema)).toBe(formatInstant(BigInt(ms) * 1000n));
    }
  });
});
