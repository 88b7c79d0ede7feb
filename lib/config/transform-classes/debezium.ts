/**
 * The Debezium transforms in the catalogue: the StarRocks connector's `AddOpFieldForDebeziumRecord`
 * and Debezium's `ExtractNewRecordState` with every option a sink needs, by Debezium's own names:
 * `delete.tombstone.handling.mode` (Debezium ≥ 2.5) or the older `drop.tombstones` /
 * `delete.handling.mode` (Debezium ≤ 3.1 semantics), `add.fields`, `add.headers`, their prefixes,
 * `route.by.field`, `drop.fields.*` and `replace.null.with.default`.
 */
import type { TransformClass, TransformOptionReader } from '../transform-spec.ts';
import type { Report } from '../values.ts';

export const ADD_OP_FIELD_CLASS = 'com.starrocks.connector.kafka.transforms.AddOpFieldForDebeziumRecord';
export const EXTRACT_NEW_RECORD_STATE_CLASS = 'io.debezium.transforms.ExtractNewRecordState';

/** `delete.handling.mode` (Debezium ≤ 3.1). */
export const DELETE_HANDLING_MODES = ['drop', 'rewrite', 'none'] as const;
export type DeleteHandlingMode = (typeof DELETE_HANDLING_MODES)[number];

/** `delete.tombstone.handling.mode` (Debezium ≥ 2.5), every value Debezium's enum has. */
export const DELETE_TOMBSTONE_HANDLING_MODES = [
  'drop',
  'tombstone',
  'rewrite',
  'rewrite-with-tombstone',
  'delete-to-tombstone',
] as const;
export type DeleteTombstoneHandlingMode = (typeof DELETE_TOMBSTONE_HANDLING_MODES)[number];

/** The prefix of added fields and headers by default (`add.fields.prefix`, `add.headers.prefix`). */
export const METADATA_PREFIX = '__';

/** The column StarRocks reads as its upsert (0) / delete (1) flag, which AddOpField writes. */
export const STARROCKS_OP_COLUMN = '__op';

/**
 * One `add.fields` / `add.headers` entry: where the value is read in the change event and the name
 * it is written under.
 */
export interface FieldReference {
  /** The entry as configured (for errors). */
  readonly entry: string;
  /**
   * The envelope field holding the value (`source`, `transaction`, or the one the entry names);
   * undefined for the envelope's own `op`, `ts_ms`, `ts_us`, `ts_ns`.
   */
  readonly struct: string | undefined;
  readonly field: string;
  /** The prefix plus `field`, `<struct>_<field>` when qualified, or the entry's new name. */
  readonly newName: string;
}

/** `drop.fields.*`: fields named by a header are removed from the value (and the key). */
export interface DropFields {
  readonly headerName: string;
  readonly fromKey: boolean;
  readonly keepSchemaCompatible: boolean;
}

export interface ExtractNewRecordStateSpec {
  readonly kind: 'extractNewRecordState';
  /** `delete.tombstone.handling.mode`; undefined when not given (the legacy options then apply). */
  readonly deleteTombstoneHandlingMode?: DeleteTombstoneHandlingMode | undefined;
  /** `drop.tombstones` (Debezium ≤ 3.1). */
  readonly dropTombstones: boolean;
  /** `delete.handling.mode` (Debezium ≤ 3.1). */
  readonly deleteHandlingMode: DeleteHandlingMode;
  readonly addFields?: readonly FieldReference[];
  readonly addHeaders?: readonly FieldReference[];
  /** `route.by.field`: the image field whose value becomes the topic. */
  readonly routeByField?: string | undefined;
  readonly dropFields?: DropFields | undefined;
  /** `replace.null.with.default`: a rewritten image takes its schema defaults for nulls. */
  readonly replaceNullWithDefault?: boolean;
  /** `drop.fields.from.key` with a header name: the key is read and written. */
  readonly readsKey?: boolean;
}

export type DebeziumTransformSpec = { readonly kind: 'addOpField' } | ExtractNewRecordStateSpec;

const addOpField: TransformClass<Extract<DebeziumTransformSpec, { kind: 'addOpField' }>> = {
  classes: [ADD_OP_FIELD_CLASS],
  options: {},
  parse: () => ({ kind: 'addOpField' }),
};

const LEGACY_OPTIONS = ['drop.tombstones', 'delete.handling.mode'] as const;

const extractNewRecordState: TransformClass<ExtractNewRecordStateSpec> = {
  classes: [EXTRACT_NEW_RECORD_STATE_CLASS],
  options: {
    'delete.tombstone.handling.mode': {
      default: 'tombstone',
      doc: 'What deletes and tombstones become: drop, tombstone, rewrite (`__deleted`), rewrite-with-tombstone, delete-to-tombstone. Without it, the Debezium ≤ 3.1 options below apply.',
    },
    'drop.tombstones': { default: 'true', doc: 'Tombstones are skipped (Debezium ≤ 3.1 name).' },
    'delete.handling.mode': {
      default: 'drop',
      doc: 'What a delete loads: drop, rewrite (`__deleted`), none (Debezium ≤ 3.1 name).',
    },
    'add.fields': {
      default: '',
      doc: 'Change event fields added to the row: `op`, `ts_ms`, `source.<field>`, `transaction.<field>`, a bare source field (`table`, `lsn`), each optionally `:<newName>`.',
    },
    'add.fields.prefix': { default: METADATA_PREFIX, doc: 'Prefix of the added fields.' },
    'add.headers': { default: '', doc: 'Change event fields added as headers (as add.fields).' },
    'add.headers.prefix': { default: METADATA_PREFIX, doc: 'Prefix of the added headers.' },
    'route.by.field': { default: '', doc: "The image field whose value becomes the record's topic." },
    'drop.fields.header.name': {
      default: '',
      doc: 'A header listing fields to remove from the value.',
    },
    'drop.fields.from.key': { default: 'false', doc: 'Also remove those fields from the key.' },
    'drop.fields.keep.schema.compatible': {
      default: 'true',
      doc: 'Remove only the listed fields the schema marks optional.',
    },
    'replace.null.with.default': {
      default: 'true',
      doc: 'A rewritten image takes its schema default for a null field.',
    },
  },
  parse: (_className, options) => {
    const deleteTombstoneHandlingMode = parseDeleteTombstoneHandling(options);
    const addFields = fieldReferences(options, 'add.fields', 'add.fields.prefix');
    checkUniqueNames(options, addFields);
    const dropFields = parseDropFields(options);
    const routeByField = options.string('route.by.field', '');
    const addHeaders = fieldReferences(options, 'add.headers', 'add.headers.prefix');
    const replaceNullWithDefault = options.boolean('replace.null.with.default', true);
    // Options left at their defaults stay out of the spec: the seed's chain parses as it always did.
    return {
      kind: 'extractNewRecordState',
      deleteTombstoneHandlingMode,
      dropTombstones: options.boolean('drop.tombstones', true),
      deleteHandlingMode: options.choice('delete.handling.mode', DELETE_HANDLING_MODES, 'drop'),
      routeByField: routeByField === '' ? undefined : routeByField,
      dropFields,
      ...(addFields.length > 0 && { addFields }),
      ...(addHeaders.length > 0 && { addHeaders }),
      ...(!replaceNullWithDefault && { replaceNullWithDefault }),
      ...(dropFields?.fromKey === true && { readsKey: true }),
    };
  },
};

/**
 * `delete.tombstone.handling.mode`, refused beside the options it replaced: Debezium 2.5–3.1 took the
 * new option and silently ignored the old ones, and 3.2 removed them, so a config with both says
 * two different things.
 */
function parseDeleteTombstoneHandling(
  options: TransformOptionReader,
): DeleteTombstoneHandlingMode | undefined {
  if (options.raw('delete.tombstone.handling.mode') === undefined) return undefined;
  const mode = options.choice('delete.tombstone.handling.mode', DELETE_TOMBSTONE_HANDLING_MODES, 'tombstone');
  for (const legacy of LEGACY_OPTIONS) {
    if (options.raw(legacy) === undefined) continue;
    options.problem(
      legacy,
      `cannot be given with ${options.prefix}delete.tombstone.handling.mode, which replaces it (Debezium 2.5–3.1 ignored ${legacy} when both were set; 3.2 removed it); remove ${options.prefix}${legacy}`,
    );
  }
  return mode;
}

/** The envelope field an unqualified name is read from, as Debezium decides it. */
function structOf(field: string): string | undefined {
  switch (field) {
    case 'id':
    case 'total_order':
    case 'data_collection_order':
      return 'transaction';
    case 'op':
    case 'ts_ms':
    case 'ts_us':
    case 'ts_ns':
      return undefined;
    case 'updateDescription':
      return 'updateDescription';
    default:
      return 'source';
  }
}

const ENTRY_FORM =
  'expected <field>, <struct>.<field>, optionally followed by :<newName> (e.g. op, source.ts_ms, lsn:LSN)';

/** The entries of `add.fields` / `add.headers`, each resolved as Debezium resolves it. */
function fieldReferences(
  options: TransformOptionReader,
  option: 'add.fields' | 'add.headers',
  prefixOption: string,
): FieldReference[] {
  const prefix = options.string(prefixOption, METADATA_PREFIX) ?? METADATA_PREFIX;
  const references: FieldReference[] = [];
  for (const entry of options.list(option)) {
    const reference = fieldReference(entry, prefix);
    if (reference === undefined) options.problem(option, `entry "${entry}" is not valid; ${ENTRY_FORM}`);
    else references.push(reference);
  }
  return references;
}

/**
 * One entry, or undefined when it is not of the documented form. Debezium reads `a.b.c` as `a.b` and
 * `op:` as `op`; here such entries are refused, as they are most likely typos.
 */
function fieldReference(entry: string, prefix: string): FieldReference | undefined {
  const parts = entry.split(':');
  const [path, rename] = parts;
  if (parts.length > 2 || path === undefined || rename === '') return undefined;
  const names = path.split('.');
  if (names.length > 2 || names.some((n) => n === '')) return undefined;
  const [first, second] = names as [string, string | undefined];
  const field = second ?? first;
  const struct = second === undefined ? structOf(first) : first;
  const newName = prefix + (rename ?? (second === undefined ? field : `${struct}_${field}`));
  return { entry, struct, field, newName };
}

/** Two entries writing one name would declare the field twice (Connect refuses such a schema). */
function checkUniqueNames(options: TransformOptionReader, references: readonly FieldReference[]): void {
  const seen = new Map<string, string>();
  for (const { entry, newName } of references) {
    const earlier = seen.get(newName);
    if (earlier !== undefined) {
      options.problem(
        'add.fields',
        `entries "${earlier}" and "${entry}" both add the field "${newName}"; rename one (<field>:<newName>)`,
      );
    } else seen.set(newName, entry);
  }
}

function parseDropFields(options: TransformOptionReader): DropFields | undefined {
  const headerName = options.string('drop.fields.header.name', '') ?? '';
  const fromKey = options.boolean('drop.fields.from.key', false);
  const keepSchemaCompatible = options.boolean('drop.fields.keep.schema.compatible', true);
  return headerName === '' ? undefined : { headerName, fromKey, keepSchemaCompatible };
}

/** A configured transform as the cross-check sees it (its name and kind). */
interface NamedTransform {
  readonly kind: string;
  readonly name: string;
}

/**
 * Checks the Debezium transforms against each other: `AddOpFieldForDebeziumRecord` writes StarRocks'
 * `__op` (0 upsert, 1 delete), so an unwrap that also adds a field named `__op` (`add.fields=op`
 * with the default prefix) would overwrite the flag with Debezium's "c"/"u"/"d"/"r" (or declare
 * the field twice), and StarRocks would filter or misapply every row.
 */
export function checkDebeziumTransforms(transforms: readonly NamedTransform[], report: Report): void {
  const addOp = transforms.find((t) => t.kind === 'addOpField');
  if (addOp === undefined) return;
  for (const t of transforms) {
    if (t.kind !== 'extractNewRecordState') continue;
    const clash = ((t as NamedTransform & ExtractNewRecordStateSpec).addFields ?? []).find(
      (r) => r.newName === STARROCKS_OP_COLUMN,
    );
    if (clash === undefined) continue;
    report(
      `transforms.${t.name}.add.fields`,
      `entry "${clash.entry}" adds the field ${STARROCKS_OP_COLUMN}, which transform "${addOp.name}" (AddOpFieldForDebeziumRecord) already writes as StarRocks' upsert/delete flag (0/1); Debezium's op code ("c", "u", "d", "r") there would make StarRocks filter or misapply the rows. Keep both by setting transforms.${t.name}.add.fields.prefix (e.g. "_" gives _op) or renaming the entry (e.g. op:dbz_op gives __dbz_op)`,
    );
  }
}

export const DEBEZIUM_TRANSFORMS: readonly TransformClass<DebeziumTransformSpec>[] = [
  addOpField,
  extractNewRecordState,
] as readonly TransformClass[] as readonly TransformClass<DebeziumTransformSpec>[];
