/** Faults the stand-in injects into its next answers; see {@link Faults}. */
export interface Faults {
  /** The next `count` (default 1) BE loads answer `Status` `status` (default `Fail`) with `message`; nothing applied. */
  failNext(opts: { status?: string; message: string; count?: number }): void;
  /** The next `count` BE loads answer only after `ms` milliseconds (the load is applied after the wait). */
  delayNext(opts: { ms: number; count?: number }): void;
  /**
   * The next `count` BE loads lose their connection. `before-apply`: nothing applied, the label stays
   * unused. `after-apply`: the rows are applied and the label reports RUNNING (PREPARED) for
   * `runningForMs` (default 0), then VISIBLE/FINISHED.
   */
  resetNext(opts: { when: 'before-apply' | 'after-apply'; runningForMs?: number; count?: number }): void;
  /** The next `count` BE loads are applied and answer `Publish Timeout` (label COMMITTED). */
  publishTimeoutNext(count?: number): void;
  /** The next `count` FE load requests answer `status` (default 200) with `body` instead of the 307. */
  failFeNext(opts: { status?: number; body?: string; count?: number }): void;
  /**
   * The next `count` transaction commits are slow, as when the caller died with its commit in
   * flight. `before-apply`: the commit waits `ms` before it is processed (the transaction stays
   * open meanwhile, so a rollback wins). `before-visible`: the commit is accepted at once (label
   * COMMITTED) and its rows become visible, and the answer is sent, after `ms`.
   * `onReceived` is called when such a commit arrives.
   */
  delayCommitNext(opts: CommitDelay & { count?: number }): void;
  /**
   * The next `count` ALTER TABLE … ADD COLUMN jobs are slow schema changes instead of fast schema
   * evolution: the ALTER answers OK, the job reads RUNNING and its columns are not in the table until
   * the `polls`-th SHOW ALTER TABLE COLUMN of the database, which shows it FINISHED.
   */
  slowAlterNext(opts: { polls: number; count?: number }): void;
  clear(): void;
}

export interface CommitDelay {
  readonly ms: number;
  readonly phase: 'before-apply' | 'before-visible';
  readonly onReceived?: () => void;
}

export type BeFault =
  | { readonly kind: 'fail'; readonly status: string | undefined; readonly message: string }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'reset'; readonly when: 'before-apply' | 'after-apply'; readonly runningForMs: number }
  | { readonly kind: 'publishTimeout' };

export interface FeFault {
  readonly status: number;
  readonly body: string;
}

const NO_BACKEND_BODY = JSON.stringify(
  { Status: 'FAILED', Message: 'class com.starrocks.common.StarRocksException: No backend alive.' },
  null,
  2,
);

interface Queued<T> {
  readonly fault: T;
  remaining: number;
}

function take<T>(queue: Queued<T>[]): T | undefined {
  const head = queue[0];
  if (head === undefined) return undefined;
  head.remaining--;
  if (head.remaining <= 0) queue.shift();
  return head.fault;
}

function positiveCount(count: number | undefined): number {
  const value = count ?? 1;
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`fault count must be a positive integer, got ${count}`);
  return value;
}

/** FIFO queues of faults: one for BE loads, one for FE load requests. */
export class FaultQueue implements Faults {
  private readonly be: Queued<BeFault>[] = [];
  private readonly fe: Queued<FeFault>[] = [];
  private readonly commits: Queued<CommitDelay>[] = [];
  private readonly alters: Queued<number>[] = [];

  failNext(opts: { status?: string; message: string; count?: number }): void {
    this.be.push({
      fault: { kind: 'fail', status: opts.status, message: opts.message },
      remaining: positiveCount(opts.count),
    });
  }

  delayNext(opts: { ms: number; count?: number }): void {
    this.be.push({ fault: { kind: 'delay', ms: opts.ms }, remaining: positiveCount(opts.count) });
  }

  resetNext(opts: { when: 'before-apply' | 'after-apply'; runningForMs?: number; count?: number }): void {
    this.be.push({
      fault: { kind: 'reset', when: opts.when, runningForMs: opts.runningForMs ?? 0 },
      remaining: positiveCount(opts.count),
    });
  }

  publishTimeoutNext(count?: number): void {
    this.be.push({ fault: { kind: 'publishTimeout' }, remaining: positiveCount(count) });
  }

  failFeNext(opts: { status?: number; body?: string; count?: number }): void {
    this.fe.push({
      fault: { status: opts.status ?? 200, body: opts.body ?? NO_BACKEND_BODY },
      remaining: positiveCount(opts.count),
    });
  }

  delayCommitNext(opts: CommitDelay & { count?: number }): void {
    const { count, ...delay } = opts;
    this.commits.push({ fault: delay, remaining: positiveCount(count) });
  }

  slowAlterNext(opts: { polls: number; count?: number }): void {
    if (!Number.isInteger(opts.polls) || opts.polls < 1) {
      throw new Error(`slowAlterNext polls must be a positive integer, got ${opts.polls}`);
    }
    this.alters.push({ fault: opts.polls, remaining: positiveCount(opts.count) });
  }

  clear(): void {
    this.be.length = 0;
    this.fe.length = 0;
    this.commits.length = 0;
    this.alters.length = 0;
  }

  /** SHOW ALTER polls the next ADD COLUMN job stays RUNNING for, if a slow alter is queued. */
  takeAlter(): number | undefined {
    return take(this.alters);
  }

  takeBe(): BeFault | undefined {
    return take(this.be);
  }

  takeFe(): FeFault | undefined {
    return take(this.fe);
  }

  takeCommit(): CommitDelay | undefined {
    return take(this.commits);
  }
}
