import { currentDateTime } from './column-types.ts';

/** The columns of SHOW ALTER TABLE COLUMN, in StarRocks' order. */
export const ALTER_JOB_COLUMNS = [
  'JobId',
  'TableName',
  'CreateTime',
  'FinishTime',
  'IndexName',
  'IndexId',
  'OriginIndexId',
  'SchemaVersion',
  'TransactionId',
  'State',
  'Msg',
  'Progress',
  'Timeout',
] as const;

export type AlterJobColumn = (typeof ALTER_JOB_COLUMNS)[number];

/** One SHOW ALTER TABLE COLUMN row: StarRocks sends every value as text (or NULL). */
export type AlterJobRow = Readonly<Record<AlterJobColumn, string | null>>;

/** StarRocks' `alter_table_timeout_second` default. */
const ALTER_TIMEOUT_SECONDS = '86400';

interface AlterJob {
  readonly jobId: number;
  readonly database: string;
  readonly tableName: string;
  readonly createTime: string;
  readonly indexId: number;
  finishTime: string | null;
  /** SHOW ALTER TABLE COLUMN polls left before the job finishes; 0 once FINISHED. */
  pollsLeft: number;
  readonly apply: () => void;
}

/**
 * ALTER TABLE … ADD COLUMN jobs. A job normally finishes when it is created (fast schema
 * evolution); a job started with `runningPolls` > 0 stays RUNNING, with its columns not yet in the
 * table, until the `runningPolls`-th SHOW ALTER TABLE COLUMN of its database, which finishes it first.
 */
export class AlterJobs {
  private readonly jobs: AlterJob[] = [];
  private nextId = 20000;

  start(database: string, tableName: string, runningPolls: number, apply: () => void): void {
    const jobId = ++this.nextId;
    const job: AlterJob = {
      jobId,
      database,
      tableName,
      createTime: currentDateTime(),
      indexId: jobId + 1,
      finishTime: null,
      pollsLeft: runningPolls,
      apply,
    };
    this.jobs.push(job);
    this.nextId++;
    if (runningPolls <= 0) this.finish(job);
  }

  /** The RUNNING job of a table, if any (a second ALTER must wait for it). */
  running(database: string, tableName: string): number | undefined {
    return this.jobs.find(
      (job) => job.database === database && job.tableName === tableName && job.pollsLeft > 0,
    )?.jobId;
  }

  /** Counts one poll for every RUNNING job of `database`, then lists its jobs, oldest first. */
  poll(database: string): AlterJobRow[] {
    for (const job of this.jobs) {
      if (job.database !== database || job.pollsLeft <= 0) continue;
      job.pollsLeft--;
      if (job.pollsLeft === 0) this.finish(job);
    }
    return this.jobs.filter((job) => job.database === database).map((job) => rowOf(job));
  }

  private finish(job: AlterJob): void {
    job.pollsLeft = 0;
    job.apply();
    job.finishTime = currentDateTime();
  }
}

function rowOf(job: AlterJob): AlterJobRow {
  const finished = job.pollsLeft === 0;
  return {
    JobId: String(job.jobId),
    TableName: job.tableName,
    CreateTime: job.createTime,
    FinishTime: job.finishTime,
    IndexName: job.tableName,
    IndexId: String(job.indexId),
    OriginIndexId: String(job.indexId - 1),
    SchemaVersion: '1:0',
    TransactionId: String(job.jobId),
    State: finished ? 'FINISHED' : 'RUNNING',
    Msg: '',
    Progress: null,
    Timeout: ALTER_TIMEOUT_SECONDS,
  };
}
