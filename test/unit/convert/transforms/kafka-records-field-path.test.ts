import { describe, expect, it } from 'vitest';
import type { ConnectSchema } from '../../../../lib/convert/connect-schema.ts';
import {
  DataShapeError,
  type FieldPath,
  fieldSchemaAt,
  parseFieldPath,
  structValueAtPath,
  valueAtPath,
} from '../../../../lib/convert/transforms/field-path.ts';

function pathV2(text: string): FieldPath {
  const path = parseFieldPath(text, 'V2');
  if ('problem' in path) throw new Error(path.problem);
  return path;
}

describe('parseFieldPath', () => {
  it.each(['foo.bar.baz', 'foo`bar`', 'foo.`bar.baz`'])('reads V1 %s as one field name', (text) => {
    expect(parseFieldPath(text, 'V1')).toEqual({ text, version: 'V1', steps: [text] });
  });

  it.each([
    ['foobarbaz', ['foobarbaz']],
    ['foo.bar.baz', ['foo', 'bar', 'baz']],
    ['..', ['', '', '']],
    ['foo..', ['foo', '', '']],
    ['.bar.', ['', 'bar', '']],
    ['..baz', ['', '', 'baz']],
    ['foo`bar`baz', ['foo`bar`baz']],
    ['`foo.bar.baz`', ['foo.bar.baz']],
    ['foo.`bar.baz`', ['foo', 'bar.baz']],
    ['`foo.bar`.baz', ['foo.bar', 'baz']],
    ['foo.`bar`.baz', ['foo', 'bar', 'baz']],
    ['foo.``bar.baz`', ['foo', '`bar.baz']],
    ['foo.`bar.baz``', ['foo', 'bar.baz`']],
    ['foo.`ba`r.baz`', ['foo', 'ba`r.baz']],
    ['foo.ba`r.baz', ['foo', 'ba`r', 'baz']],
    ['foo.``bar``.baz', ['foo', '`bar`', 'baz']],
    ['``foo.bar.baz``', ['`foo.bar.baz`']],
    ['foo.`bar\\`.baz`', ['foo', 'bar`.baz']],
    ['foo.`bar.`baz`', ['foo', 'bar.`baz']],
    ['foo.`bar\\`.`baz`', ['foo', 'bar`.`baz']],
    ['foo.`bar\\\\`.\\`baz`', ['foo', 'bar\\`.\\`baz']],
  ])('reads V2 %s as the steps %j', (text, steps) => {
    expect(pathV2(text).steps).toEqual(steps);
  });

  it.each([
    ['`foo.bar.baz', 0],
    ['foo.`bar.baz', 4],
    ['foo.bar.`baz', 8],
    ['foo.bar.`baz\\`', 8],
  ])('refuses V2 %s, naming the unclosed backtick at %i', (text, position) => {
    expect(parseFieldPath(text, 'V2')).toEqual({
      problem: expect.stringContaining(`backtick at position ${position}`),
    });
  });
});

const BAZ: ConnectSchema = {
  type: 'struct',
  optional: true,
  field: 'baz',
  fields: [{ type: 'string', field: 'inner' }],
};
const BAR: ConnectSchema = {
  type: 'struct',
  field: 'foo',
  fields: [
    { type: 'int32', field: 'bar' },
    BAZ,
    { type: 'int32', optional: true, default: 5, field: 'five' },
  ],
};
const SCHEMA: ConnectSchema = { type: 'struct', fields: [BAR] };

describe('field paths in data', () => {
  it.each([
    ['foo.bar', 'bar'],
    ['foo', 'foo'],
    ['un.known', undefined],
    ['foo.unknown', undefined],
    ['unknown', undefined],
  ])('finds the schema of %s in a struct schema', (text, field) => {
    expect(fieldSchemaAt(SCHEMA, pathV2(text))?.field).toBe(field);
  });

  it('refuses to look a field up in a schema that is not a struct', () => {
    expect(() => fieldSchemaAt(SCHEMA, pathV2('foo.bar.deeper'))).toThrow(DataShapeError);
  });

  it.each([
    ['foo.bar', 42],
    ['foo.baz', null],
    ['foo.baz.inner', null],
    ['un.known', null],
    ['foo.unknown', null],
    ['unknown', null],
  ])('reads %s in a Map as %j', (text, expected) => {
    expect(valueAtPath({ foo: { bar: 42, baz: null } }, pathV2(text))).toBe(expected);
  });

  it('refuses a step through schemaless data that is not a Map', () => {
    expect(() => valueAtPath({ foo: 'text' }, pathV2('foo.bar'))).toThrow(
      'Only Map objects supported in absence of schema for [nested field access], found: string',
    );
  });

  it.each([
    ['foo.bar', true, 42],
    ['foo.baz', true, null],
    ['foo.baz.inner', true, null],
    ['foo.five', true, 5],
    ['foo.five', false, null],
    ['unknown', true, null],
  ])('reads %s in a struct (defaults: %s) as %j', (text, withDefault, expected) => {
    const struct = { foo: { bar: 42, baz: null, five: null } };
    expect(structValueAtPath(struct, SCHEMA, pathV2(text), withDefault)).toBe(expected);
  });
});
