import { type Enum, type Namespace, parse, Root, Type } from 'protobufjs';
import type { RegistrySchema } from '../decode/schema-registry/registry-schema.ts';

/**
 * A registry's `.proto` text compiled at run time: the schema and the files it imports (its
 * references, the google/protobuf well-known types protobufjs ships, and the google/type and
 * confluent types Confluent's registry knows without a reference) parsed into one protobufjs Root,
 * and the message lists the two wire formats select a message from.
 */

/** The schema's own file, compiled with everything it imports. */
export interface CompiledProtoFile {
  readonly root: Root;
  /** The file's top-level messages in declaration order: what Confluent's first message index counts. */
  readonly topLevel: readonly Type[];
}

const PARSE_OPTIONS = { keepCase: true } as const;

/**
 * Files a schema imports without a reference: google/protobuf's well-known types, and those of
 * Confluent's registry KNOWN_DEPENDENCIES (ProtobufSchema, confluentinc/schema-registry
 * protobuf-provider) whose types carry values a row needs. They are written out here rather than
 * taken from protobufjs' bundled `common` set, which names Struct's and Value's fields in camelCase
 * where the rows need the .proto names. google/protobuf/descriptor.proto holds only what
 * confluent/meta.proto's `extend`s need: options are read from the parsed text.
 */
const BUILT_IN_FILES: ReadonlyMap<string, string> = new Map([
  [
    'google/protobuf/timestamp.proto',
    'syntax = "proto3"; package google.protobuf; message Timestamp { int64 seconds = 1; int32 nanos = 2; }',
  ],
  [
    'google/protobuf/duration.proto',
    'syntax = "proto3"; package google.protobuf; message Duration { int64 seconds = 1; int32 nanos = 2; }',
  ],
  ['google/protobuf/empty.proto', 'syntax = "proto3"; package google.protobuf; message Empty {}'],
  [
    'google/protobuf/field_mask.proto',
    'syntax = "proto3"; package google.protobuf; message FieldMask { repeated string paths = 1; }',
  ],
  [
    'google/protobuf/any.proto',
    'syntax = "proto3"; package google.protobuf; message Any { string type_url = 1; bytes value = 2; }',
  ],
  [
    'google/protobuf/struct.proto',
    `syntax = "proto3"; package google.protobuf;
     message Struct { map<string, Value> fields = 1; }
     message Value {
       oneof kind {
         NullValue null_value = 1; double number_value = 2; string string_value = 3;
         bool bool_value = 4; Struct struct_value = 5; ListValue list_value = 6;
       }
     }
     enum NullValue { NULL_VALUE = 0; }
     message ListValue { repeated Value values = 1; }`,
  ],
  [
    'google/protobuf/wrappers.proto',
    `syntax = "proto3"; package google.protobuf;
     message DoubleValue { double value = 1; }
     message FloatValue { float value = 1; }
     message Int64Value { int64 value = 1; }
     message UInt64Value { uint64 value = 1; }
     message Int32Value { int32 value = 1; }
     message UInt32Value { uint32 value = 1; }
     message BoolValue { bool value = 1; }
     message StringValue { string value = 1; }
     message BytesValue { bytes value = 1; }`,
  ],
  [
    'google/protobuf/descriptor.proto',
    `syntax = "proto2"; package google.protobuf;
     message FileOptions { extensions 1000 to max; }
     message MessageOptions { extensions 1000 to max; }
     message FieldOptions { extensions 1000 to max; }
     message OneofOptions { extensions 1000 to max; }
     message EnumOptions { extensions 1000 to max; }
     message EnumValueOptions { extensions 1000 to max; }
     message ServiceOptions { extensions 1000 to max; }
     message MethodOptions { extensions 1000 to max; }`,
  ],
  [
    'confluent/meta.proto',
    `syntax = "proto3"; package confluent; import "google/protobuf/descriptor.proto";
     message Meta { string doc = 1; map<string, string> params = 2; repeated string tags = 3; repeated Rule rules = 4; }
     message Rule { string name = 1; string doc = 2; string expr = 3; string sql = 4; }
     extend google.protobuf.FileOptions { Meta file_meta = 1088; }
     extend google.protobuf.MessageOptions { Meta message_meta = 1088; }
     extend google.protobuf.FieldOptions { Meta field_meta = 1088; }
     extend google.protobuf.EnumOptions { Meta enum_meta = 1088; }
     extend google.protobuf.EnumValueOptions { Meta enum_value_meta = 1088; }`,
  ],
  [
    'confluent/type/decimal.proto',
    `syntax = "proto3"; package confluent.type;
     message Decimal { bytes value = 1; uint32 precision = 2; int32 scale = 3; }`,
  ],
  [
    'google/type/date.proto',
    `syntax = "proto3"; package google.type; message Date { int32 year = 1; int32 month = 2; int32 day = 3; }`,
  ],
  [
    'google/type/timeofday.proto',
    `syntax = "proto3"; package google.type;
     message TimeOfDay { int32 hours = 1; int32 minutes = 2; int32 seconds = 3; int32 nanos = 4; }`,
  ],
  [
    'google/type/dayofweek.proto',
    `syntax = "proto3"; package google.type;
     enum DayOfWeek { DAY_OF_WEEK_UNSPECIFIED = 0; MONDAY = 1; TUESDAY = 2; WEDNESDAY = 3; THURSDAY = 4; FRIDAY = 5; SATURDAY = 6; SUNDAY = 7; }`,
  ],
  [
    'google/type/month.proto',
    `syntax = "proto3"; package google.type;
     enum Month { MONTH_UNSPECIFIED = 0; JANUARY = 1; FEBRUARY = 2; MARCH = 3; APRIL = 4; MAY = 5; JUNE = 6; JULY = 7; AUGUST = 8; SEPTEMBER = 9; OCTOBER = 10; NOVEMBER = 11; DECEMBER = 12; }`,
  ],
  [
    'google/type/latlng.proto',
    `syntax = "proto3"; package google.type; message LatLng { double latitude = 1; double longitude = 2; }`,
  ],
  [
    'google/type/money.proto',
    `syntax = "proto3"; package google.type; message Money { string currency_code = 1; int64 units = 2; int32 nanos = 3; }`,
  ],
]);

/**
 * Parses `schema.text` and every file it imports into one Root and resolves it. Throws a plain
 * Error naming the file and the problem when the text does not parse, an import is neither a
 * reference nor a known file, or a type does not resolve.
 */
export function compileProtoFile(schema: RegistrySchema): CompiledProtoFile {
  const references = referenceTexts(schema);
  const root = new Root();
  const imports = parseFile(root, '(the schema)', schema.text);
  // Each file's top-level messages are listed before a later file can add to its package.
  let topLevel = messagesOf(imports.namespace);
  const wrapped = publicImportWrapped(schema.text, imports);
  const loaded = new Set<string>();
  const load = (path: string, weak: boolean, importer: string): void => {
    if (loaded.has(path)) return;
    loaded.add(path);
    const text = references.get(path) ?? BUILT_IN_FILES.get(path);
    if (text !== undefined) {
      const nested = parseFile(root, path, text);
      if (path === wrapped) topLevel = messagesOf(nested.namespace);
      for (const next of nested.imports) load(next, false, path);
      for (const next of nested.weakImports) load(next, true, path);
      return;
    }
    if (weak) return;
    throw new Error(
      `${importer} imports "${path}", which is neither among the schema's references (${describeNames(references)}) nor a well-known file; register the schema with its references`,
    );
  };
  for (const path of imports.imports) load(path, false, '(the schema)');
  for (const path of imports.weakImports) load(path, true, '(the schema)');
  try {
    root.resolveAll();
  } catch (error) {
    throw new Error(`the schema does not resolve: ${(error as Error).message}`);
  }
  if (topLevel.length === 0) throw new Error('the schema declares no message');
  return { root, topLevel };
}

/**
 * The file a schema stands for when it is only `import public "x.proto";` (nothing declared, no
 * other import): Confluent's registry then counts message indexes in that file
 * (ProtobufSchema#resolvePublicImportWrapper).
 */
function publicImportWrapped(text: string, file: ParsedFile): string | undefined {
  if (file.namespace.nestedArray.length > 0 || file.imports.length !== 1 || file.weakImports.length > 0) {
    return undefined;
  }
  const only = file.imports[0];
  const publicImport = /\bimport\s+public\s+["']([^"']+)["']/.exec(text);
  return publicImport?.[1] === only ? only : undefined;
}

interface ParsedFile {
  readonly namespace: Namespace;
  readonly imports: readonly string[];
  readonly weakImports: readonly string[];
}

function parseFile(root: Root, path: string, text: string): ParsedFile {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(text, root, PARSE_OPTIONS);
  } catch (error) {
    throw new Error(`${path} does not parse: ${(error as Error).message}`);
  }
  const namespace = parsed.package === undefined ? root : (root.lookup(parsed.package) as Namespace);
  return { namespace, imports: parsed.imports ?? [], weakImports: parsed.weakImports ?? [] };
}

/** Every reference's text under its import path, depth first as the registry resolved them. */
function referenceTexts(schema: RegistrySchema): Map<string, string> {
  const texts = new Map<string, string>();
  const visit = (current: RegistrySchema): void => {
    for (const reference of current.references) {
      if (texts.has(reference.name)) continue;
      texts.set(reference.name, reference.schema.text);
      visit(reference.schema);
    }
  };
  visit(schema);
  return texts;
}

function describeNames(references: ReadonlyMap<string, string>): string {
  if (references.size === 0) return 'it has none';
  return [...references.keys()].map((name) => `"${name}"`).join(', ');
}

/** The message types declared directly in a namespace or message, in declaration order. */
export function messagesOf(namespace: Namespace): Type[] {
  return namespace.nestedArray.filter((nested): nested is Type => nested instanceof Type);
}

/** A message's or enum's full name as Protobuf writes it (no leading dot). */
export function fullNameOf(type: Type | Enum): string {
  return type.fullName.startsWith('.') ? type.fullName.slice(1) : type.fullName;
}

/**
 * The messages AWS Glue's message index counts: every message of the schema's file, nested ones
 * and the entry messages its map fields declare included, sorted by full name. Glue's serializer
 * (awslabs/aws-glue-schema-registry, serializers/protobuf/MessageIndexFinder.java) walks the file
 * descriptor level by level, sorts the descriptors by full name and numbers them from 0; its
 * descriptor comes from Apicurio's FileDescriptorUtils (utils/apicurio), which names a map field's
 * entry message after the field (`toMapEntry`). An entry has no Type here: its slot holds the name.
 */
export function glueMessageList(file: CompiledProtoFile): readonly (Type | string)[] {
  const named: { readonly name: string; readonly message: Type | string }[] = [];
  const visit = (type: Type): void => {
    const name = fullNameOf(type);
    named.push({ name, message: type });
    for (const field of type.fieldsArray) {
      if (field.map)
        named.push({
          name: `${name}.${glueMapEntryName(field.name)}`,
          message: `${name}.${glueMapEntryName(field.name)}`,
        });
    }
    for (const nested of messagesOf(type)) visit(nested);
  };
  for (const type of file.topLevel) visit(type);
  // Java's String.compareTo and JavaScript's default sort both order by UTF-16 code units.
  named.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return named.map((entry) => entry.message);
}

/**
 * Apicurio's `toMapEntry` then a capitalised first letter: `order_lines` → `OrderLinesEntry`
 * (Guava's LOWER_UNDERSCORE → UPPER_CAMEL, which lower-cases the rest of each word), `tags` →
 * `TagsEntry`.
 */
function glueMapEntryName(fieldName: string): string {
  const camel = fieldName.includes('_')
    ? fieldName
        .split('_')
        .map((word) => (word === '' ? '' : word[0]?.toUpperCase() + word.slice(1).toLowerCase()))
        .join('')
    : fieldName;
  const entry = `${camel}Entry`;
  return entry.charAt(0).toUpperCase() + entry.slice(1);
}
