import { describe, expect, it } from 'vitest';
import { rawJson } from '../../../../lib/convert/exact-json.ts';
import { parseHeaderLiteral } from '../../../../lib/convert/transforms/kafka-routing-header-literal.ts';

const typed = (type: string) => ({ type, optional: false });
const logical = (type: string, name: string) => ({
  type,
  optional: false,
  name: `org.apache.kafka.connect.data.${name}`,
  version: 1,
});
const array = (items: object | null) =>
  items === null ? { type: 'array', optional: false } : { type: 'array', optional: false, items };
const map = (keys: object | null, values: object | null) => ({
  type: 'map',
  optional: false,
  ...(keys === null ? {} : { keys }),
  ...(values === null ? {} : { values }),
});
const decimal = (scale: number) => ({ ...logical('bytes', 'Decimal'), parameters: { scale: String(scale) } });

describe('parseHeaderLiteral (Connect Values.parseString)', () => {
  it.each([
    ['', typed('string'), ''],
    ['null', null, null],
    ['true', typed('boolean'), true],
    ['false', typed('boolean'), false],
    ['True', typed('string'), 'True'],
    ['42', typed('int8'), 42],
    ['+5', typed('int8'), 5],
    ['-128', typed('int8'), -128],
    ['128', typed('int16'), 128],
    ['300.0', typed('int16'), 300],
    ['1.', typed('int8'), 1],
    ['0e-5', typed('int8'), 0],
    ['66000', typed('int32'), 66000],
    ['2147483648', typed('int64'), 2147483648],
    ['9007199254740993', typed('int64'), rawJson('9007199254740993')],
    ['-9223372036854775808', typed('int64'), rawJson('-9223372036854775808')],
    ['1.1', typed('float32'), Math.fround(1.1)],
    ['-1.5e-3', typed('float32'), Math.fround(-1.5e-3)],
    ['1e20', typed('float32'), Math.fround(1e20)],
    ['1e39', typed('float64'), 1e39],
    ['99999999999999999999', decimal(0), 'BWvHXi1jD///'],
    ['-99999999999999999999', decimal(0), '+pQ4odKc8AAB'],
    ['1e400', decimal(-400), 'AQ=='],
    ['2024-03-05', logical('int32', 'Date'), 19787],
    ['2024-13-01', logical('int32', 'Date'), 20089],
    ['06:07:08.009Z', logical('int32', 'Time'), 22028009],
    ['2024-03-05T06:07:08.009Z', logical('int64', 'Timestamp'), 1709618828009],
    ['12:30', typed('int8'), 12],
    ['1,2,3', typed('int8'), 1],
    ['3 apples', typed('string'), '3 apples'],
    ['0x1F', typed('string'), '0x1F'],
    ['.5', typed('string'), '.5'],
    ['hello:world', typed('string'), 'hello:world'],
    ['2019-08-23T14\\:34\\:54.346Z', logical('int64', 'Timestamp'), 1566570894346],
    ['"quoted"', typed('string'), '"quoted"'],
    ['null=', typed('string'), 'null='],
    ['\uffff', typed('string'), '\uffff'],
    ['1e999999999999', typed('string'), '1e999999999999'],
  ])('reads %j as its Connect type', (literal, schema, value) => {
    expect(parseHeaderLiteral(literal)).toEqual({ schema, value });
  });

  it.each([
    ['[1,2]', array(typed('int8')), [1, 2]],
    ['[1, 300]', array(typed('int16')), [1, 300]],
    ['[1, 1.5]', array(typed('float32')), [1, 1.5]],
    ['[1, 9007199254740993]', array(typed('int64')), [1, rawJson('9007199254740993')]],
    ['[0.1, 9007199254740993]', array(typed('float32')), [Math.fround(0.1), Math.fround(2 ** 53)]],
    ['["a", "b, c"]', array(typed('string')), ['a', 'b, c']],
    ['[true, false]', array(typed('boolean')), [true, false]],
    ['[300, "four", 1, 2]', array(null), [300, 'four', 1, 2]],
    ['[null]', array(null), [null]],
    ['[]', array(null), []],
    ['[ ]', array(null), []],
    ['[[1], [2, 3]]', array(array(typed('int8'))), [[1], [2, 3]]],
    ['["2024-03-05", 1]', array(logical('int32', 'Date')), [19787, 1]],
    [
      '[2024-03-05T06:07:08.009Z, 2024-03-05]',
      array(logical('int64', 'Timestamp')),
      [1709618828009, 1709596800000],
    ],
    ['[06:07:08.009Z, 5]', array(logical('int32', 'Time')), [22028009, 5]],
    ['[1,2]x', array(typed('int8')), [1, 2]],
    ['{"a": 1, "b": 300}', map(typed('string'), typed('int16')), { a: 1, b: 300 }],
    ['{"a": 1, "a": 2, "b": 3}', map(typed('string'), typed('int8')), { a: 2, b: 3 }],
    ['{3: null}', map(typed('int8'), null), [[3, null]]],
    [
      '{1: 1, 2: 1, 300: 300, "four": 1}',
      map(null, null),
      [
        [1, 1],
        [2, 1],
        [300, 300],
        ['four', 1],
      ],
    ],
    ['{}', map(null, null), {}],
    ['{"a": []}', map(typed('string'), array(null)), { a: [] }],
  ])('reads %j as Connect reads an array or a map', (literal, schema, value) => {
    expect(parseHeaderLiteral(literal)).toEqual({ schema, value });
  });

  it.each([
    ['[1, null]'],
    ['[null, 1]'],
    ['[1, 2, 3,,,]'],
    ['[foo]'],
    ['[0 1 2]'],
    ['[1, 2'],
    ['[06:07:08.009Z, -5]'],
    ['[2024-03-05, 1.5]'],
    ['{null: 3}'],
    ['{foo: 3}'],
    ['{3: foo}'],
    ['{6:9 4:20}'],
    ['{"a": 1, "b": null}'],
  ])('keeps %j as text, as Connect does when it is no array or map it can type', (literal) => {
    expect(parseHeaderLiteral(literal)).toEqual({ schema: typed('string'), value: literal });
  });

  it('reads a huge exponent as a Decimal without expanding it', () => {
    expect(parseHeaderLiteral('1e999999999')).toEqual({ schema: decimal(-999999999), value: 'AQ==' });
  });
});
