import type { DebeziumTransformSpec } from '../../config/transform-classes/debezium.ts';
import type { ConnectSchema } from '../connect-schema.ts';
import { TransformSkip, withChanges } from './connect-record.ts';
import { isObjectValue, OP_FIELD, routedChange, withFields } from './debezium-envelope.ts';
import { unwrapStep } from './debezium-unwrap.ts';
import type { StepFactories } from './step-factories.ts';

/**
 * The Debezium transforms, applied by the sink itself: the StarRocks connector's
 * `AddOpFieldForDebeziumRecord` (adds `__op`: 0 upsert, 1 delete, none for a snapshot read) and
 * Debezium's `ExtractNewRecordState` (debezium-unwrap.ts).
 *
 * The envelope is recognised by its shape (`op` plus `before`/`after`), so the transforms work
 * with `schemas.enable` false as well as true; the Java connector silently loaded all-NULL rows in
 * the schemaless case. With a schema, the kept image's schema becomes the value schema, with the
 * added fields declared.
 */

export {
  HEARTBEAT_TOPIC_PREFIX,
  SkipReason,
  TOAST_PLACEHOLDER,
} from './debezium-envelope.ts';

export const DEBEZIUM_STEPS: StepFactories<DebeziumTransformSpec> = {
  addOpField: (config) => (record) => {
    if (!isObjectValue(record)) return record;
    const change = routedChange(record, config.name);
    if (change instanceof TransformSkip) return change;
    const { envelope, route, image } = change;
    if (route.op === null) return record;
    const valueSchema = record.valueSchema;
    return withChanges(record, {
      value: { ...envelope, [route.image]: { ...image, __op: route.op } },
      valueSchema:
        valueSchema === null
          ? null
          : {
              ...valueSchema,
              fields: (valueSchema.fields ?? []).map((f) =>
                f.field === route.image ? (withFields(f, [OP_FIELD]) as ConnectSchema) : f,
              ),
            },
    });
  },
  extractNewRecordState: unwrapStep,
};
