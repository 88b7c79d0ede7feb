import type { PendingContent, RowError, RowOp, Table } from './catalog.ts';
import { type Context, storeErrorLog } from './context.ts';
import type { LoadSpec } from './load-spec.ts';

export interface Evaluation {
  readonly ok: boolean;
  /** `OK`, or why the load fails. */
  readonly message: string;
  readonly pending: PendingContent;
  readonly total: number;
  readonly loaded: number;
  readonly filtered: number;
  readonly errorUrl: string | undefined;
}

/**
 * Decides a load as the BE does after reading it: work out the table's next content, count filtered
 * rows (read errors plus rows that cannot apply), and fail when they exceed `max_filter_ratio`.
 * Nothing changes until the caller commits `pending`.
 */
export function evaluateLoad(
  context: Context,
  table: Table,
  spec: LoadSpec,
  ops: readonly RowOp[],
  readErrors: readonly RowError[],
): Evaluation {
  const pending = table.prepare(
    ops,
    spec.mergeCondition === undefined ? {} : { mergeCondition: spec.mergeCondition },
  );
  const errors = [...readErrors, ...pending.errors];
  const total = ops.length + readErrors.length;
  const filtered = errors.length;
  const errorUrl = storeErrorLog(context, errors);
  // The BE compares filtered > (filtered + loaded) * max_filter_ratio; the message must stay verbatim.
  const ok = filtered <= total * spec.maxFilterRatio;
  return {
    ok,
    message: ok ? 'OK' : 'too many filtered rows',
    pending,
    total,
    loaded: total - filtered,
    filtered,
    errorUrl,
  };
}
