import type { TransformConfig, TransformSpec } from '../../config/transforms.ts';
import type { TransformStep } from './connect-record.ts';

/**
 * How a family of transforms is made ready: for each spec kind, the function that turns one
 * configured transform into its step (once per config, at the first batch; regexes and formats are
 * compiled then, not per record).
 */
export type StepFactories<S extends TransformSpec> = {
  readonly [K in S['kind']]: (config: Extract<TransformConfig, { kind: K }>) => TransformStep;
};
