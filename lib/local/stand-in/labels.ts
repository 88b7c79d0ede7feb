export const LABEL_STATES = ['PREPARE', 'PREPARED', 'COMMITTED', 'VISIBLE', 'ABORTED', 'UNKNOWN'] as const;
export type LabelState = (typeof LABEL_STATES)[number];

/** StarRocks' FeNameFormat.LABEL_REGEX. */
export const LABEL_PATTERN = /^[-\w]{1,128}$/;

/** The FE's and the BE's answer to a label that does not match {@link LABEL_PATTERN}. */
export function labelFormatError(label: string): string {
  return `Label format error. regex: ${LABEL_PATTERN.source}, label: ${label}`;
}

export interface LabelEntry {
  readonly label: string;
  readonly txnId: number;
  state: Exclude<LabelState, 'UNKNOWN'>;
  reason: string;
  /** Until then a VISIBLE entry still reports PREPARED (the "lost response" fault). */
  runningUntil?: number;
  /** A PREPARE entry past this instant is aborted, as the FE's timeout checker does. */
  timeoutAt?: number;
  finishedSeq?: number;
}

/** `ExistingJobStatus` for a `Label Already Exists` answer (LabelAlreadyUsedException's mapping). */
export function existingJobStatus(state: LabelState): 'RUNNING' | 'FINISHED' {
  return state === 'COMMITTED' || state === 'VISIBLE' ? 'FINISHED' : 'RUNNING';
}

/**
 * Labels per database with StarRocks' reuse and retention rules: a label of a load that is not ABORTED
 * cannot be reused; at most `keepMax` labels are held per database, the oldest finished ones forgotten
 * first (label_keep_max_num). Age-based expiry (label_keep_max_second, 3 days) is not modelled.
 */
export class LabelStore {
  private readonly databases = new Map<string, Map<string, LabelEntry>>();
  private finishCounter = 0;
  private readonly keepMax: number;

  constructor(keepMax: number) {
    this.keepMax = keepMax;
  }

  get(database: string, label: string): LabelEntry | undefined {
    const entry = this.databases.get(database)?.get(label);
    if (entry?.state === 'PREPARE' && entry.timeoutAt !== undefined && Date.now() > entry.timeoutAt) {
      this.finish(database, entry, 'ABORTED', 'timeout by txn manager');
    }
    return entry;
  }

  state(database: string, label: string): LabelState {
    const entry = this.get(database, label);
    if (entry === undefined) return 'UNKNOWN';
    return reportedState(entry);
  }

  /**
   * The state to report for a label that cannot be reused (its load is not ABORTED), or `undefined`
   * when the label is free.
   */
  inUse(database: string, label: string): Exclude<LabelState, 'UNKNOWN'> | undefined {
    const entry = this.get(database, label);
    if (entry === undefined || entry.state === 'ABORTED') return undefined;
    return reportedState(entry);
  }

  /** Records a new transaction for the label; the caller has checked that the label is free. */
  begin(database: string, label: string, txnId: number, timeoutMs?: number): LabelEntry {
    let labels = this.databases.get(database);
    if (labels === undefined) {
      labels = new Map();
      this.databases.set(database, labels);
    }
    const entry: LabelEntry = { label, txnId, state: 'PREPARE', reason: '' };
    if (timeoutMs !== undefined) entry.timeoutAt = Date.now() + timeoutMs;
    labels.delete(label);
    labels.set(label, entry);
    this.evict(labels);
    return entry;
  }

  finish(database: string, entry: LabelEntry, state: 'VISIBLE' | 'ABORTED', reason = ''): void {
    entry.state = state;
    entry.reason = reason;
    entry.finishedSeq = ++this.finishCounter;
    const labels = this.databases.get(database);
    if (labels !== undefined) this.evict(labels);
  }

  dropDatabase(database: string): void {
    this.databases.delete(database);
  }

  private evict(labels: Map<string, LabelEntry>): void {
    while (labels.size > this.keepMax) {
      let oldest: LabelEntry | undefined;
      for (const entry of labels.values()) {
        if (
          entry.finishedSeq !== undefined &&
          (oldest?.finishedSeq ?? Number.POSITIVE_INFINITY) > entry.finishedSeq
        ) {
          oldest = entry;
        }
      }
      if (oldest === undefined) return;
      labels.delete(oldest.label);
    }
  }
}

function reportedState(entry: LabelEntry): Exclude<LabelState, 'UNKNOWN'> {
  if (entry.state === 'VISIBLE' && entry.runningUntil !== undefined && Date.now() < entry.runningUntil) {
    return 'PREPARED';
  }
  return entry.state;
}
