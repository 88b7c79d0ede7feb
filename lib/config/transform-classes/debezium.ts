/**
 * The Debezium transforms in the catalogue: the StarRocks connector's `AddOpFieldForDebeziumRecord`
 * and Debezium's `ExtractNewRecordState` with the options a sink needs.
 */
import type { TransformClass } from '../transform-spec.ts';

export const ADD_OP_FIELD_CLASS = 'com.starrocks.connector.kafka.transforms.AddOpFieldForDebeziumRecord';
export const EXTRACT_NEW_RECORD_STATE_CLASS = 'io.debezium.transforms.ExtractNewRecordState';

export const DELETE_HANDLING_MODES = ['drop', 'rewrite', 'none'] as const;
export type DeleteHandlingMode = (typeof DELETE_HANDLING_MODES)[number];

export type DebeziumTransformSpec =
  | { readonly kind: 'addOpField' }
  | {
      readonly kind: 'extractNewRecordState';
      readonly dropTombstones: boolean;
      readonly deleteHandlingMode: DeleteHandlingMode;
    };

const addOpField: TransformClass<Extract<DebeziumTransformSpec, { kind: 'addOpField' }>> = {
  classes: [ADD_OP_FIELD_CLASS],
  options: {},
  parse: () => ({ kind: 'addOpField' }),
};

const extractNewRecordState: TransformClass<
  Extract<DebeziumTransformSpec, { kind: 'extractNewRecordState' }>
> = {
  classes: [EXTRACT_NEW_RECORD_STATE_CLASS],
  options: {
    'drop.tombstones': { default: 'true', doc: 'Tombstones are skipped (Debezium ≤ 3.1 name).' },
    'delete.handling.mode': {
      default: 'drop',
      doc: 'What a delete loads: drop, rewrite (`__deleted`), none (Debezium ≤ 3.1 name).',
    },
  },
  parse: (_className, options) => ({
    kind: 'extractNewRecordState',
    dropTombstones: options.boolean('drop.tombstones', true),
    deleteHandlingMode: options.choice('delete.handling.mode', DELETE_HANDLING_MODES, 'drop'),
  }),
};

export const DEBEZIUM_TRANSFORMS: readonly TransformClass<DebeziumTransformSpec>[] = [
  addOpField,
  extractNewRecordState,
] as readonly TransformClass[] as readonly TransformClass<DebeziumTransformSpec>[];
