import { type ErrorCode, LoadError } from '../errors.ts';
import type { FailureDetails, Refusal } from './classify.ts';

/**
 * What ends one attempt at StarRocks (a Stream Load, a transaction, a read of the offsets), and
 * the pause before the next. An {@link AttemptFailure} carries classify.ts's verdict, so the Stream
 * Load client and the transactions decide with the same words whether to try again, at another FE,
 * or give up.
 */

/** A verdict to throw: see {@link Refusal}; `retryable` defaults to `kind === 'retry'`. */
export interface FailureInit {
  readonly kind: 'retry' | 'fail';
  readonly code: ErrorCode;
  readonly summary: string;
  readonly details?: FailureDetails;
  readonly retryable?: boolean;
  readonly failover?: boolean;
  readonly backpressure?: boolean;
  readonly cause?: unknown;
}

/** The failure of one attempt, with whether a later attempt may succeed. */
export class AttemptFailure extends Error {
  readonly code: ErrorCode;
  /** What happened, as the end of "Stream Load into table … (label …) <summary>". */
  readonly summary: string;
  readonly details: FailureDetails;
  /** Another attempt within this invocation may succeed. */
  readonly retry: boolean;
  /** The batch may load when Lambda retries it (a deadline: not now, but then). */
  readonly retryable: boolean;
  /** The FE was not reached: the next one is tried at once. */
  readonly failover: boolean;
  /** StarRocks pushed back (versions, transactions, memory). */
  readonly backpressure: boolean;

  constructor(init: FailureInit | Refusal) {
    super(init.summary, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'AttemptFailure';
    this.code = init.code;
    this.summary = init.summary;
    this.details = init.details ?? {};
    this.retry = init.kind === 'retry';
    this.retryable = init.retryable ?? this.retry;
    this.failover = init.failover ?? false;
    this.backpressure = init.backpressure ?? false;
  }

  /** The same failure, said of what was being done: `<context> <summary>`. */
  during(context: string): AttemptFailure {
    return new AttemptFailure({ ...this.init(), summary: `${context} ${this.summary}` });
  }

  /** The same failure with more of what StarRocks said (the rejected rows behind ErrorURL). */
  withDetails(details: FailureDetails): AttemptFailure {
    return new AttemptFailure({ ...this.init(), details: { ...this.details, ...details } });
  }

  /** The error that reports this failure as the end of the load of `table` under `label`. */
  toLoadError(table: string, label: string): LoadError {
    return new LoadError(
      this.code,
      this.summary,
      { table, label, ...this.details },
      { retryable: this.retryable, cause: this.cause },
    );
  }

  private init(): FailureInit {
    return {
      kind: this.retry ? 'retry' : 'fail',
      code: this.code,
      summary: this.summary,
      details: this.details,
      retryable: this.retryable,
      failover: this.failover,
      backpressure: this.backpressure,
      cause: this.cause,
    };
  }
}

/** The pause before attempt `step + 1`: doubling from `firstMs`, at most `maxMs`. */
export function exponentialDelay(firstMs: number, maxMs: number, step: number): number {
  return Math.min(maxMs, firstMs * 2 ** step);
}

/** Between half and all of `delay`, so that loads failing together do not retry together. */
export function withJitter(delay: number): number {
  return delay / 2 + Math.random() * (delay / 2);
}
