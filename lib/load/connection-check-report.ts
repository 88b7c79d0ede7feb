/**
 * The connection check's report: one line per check (ok, warn, FAIL, or skip for a check that
 * could not run), its plain-text form and the exit code a script reads.
 */

/** `skip`: the check could not run (say why and what would let it run). */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

/** One check's outcome: what was checked, and what was found or what to do. */
export interface CheckLine {
  readonly status: CheckStatus;
  /** What was checked: `FE http://fe1:8030`, `table orders`, `credentials`, … */
  readonly subject: string;
  /** What was found; for warn and fail, what to do. Never a password. */
  readonly message: string;
}

/** The whole check. */
export interface ConnectionReport {
  readonly lines: readonly CheckLine[];
  /**
   * The check could not run at all: the config is invalid, the credentials could not be read, or
   * no FE answered. Its lines say why.
   */
  readonly couldNotRun: boolean;
}

/** How each status is printed, all of one width. */
const STATUS_TEXT: Readonly<Record<CheckStatus, string>> = {
  ok: 'ok  ',
  warn: 'warn',
  fail: 'FAIL',
  skip: 'skip',
};

/**
 * The report as text, one line per check, and a last line that sums it up.
 *
 * @example
 * formatCheckReport(report)
 * // ok   FE http://fe1:8030: reachable, StarRocks 3.3.5
 * // FAIL table orders: does not exist in example_db; create it, or route the topic elsewhere
 * // 1 FAIL, 0 warn, 5 ok
 */
export function formatCheckReport(report: ConnectionReport): string {
  const lines = report.lines.map((l) => `${STATUS_TEXT[l.status]} ${l.subject}: ${l.message}`);
  const count = (status: CheckStatus) => report.lines.filter((l) => l.status === status).length;
  const summary = report.couldNotRun
    ? 'the check could not run (exit code 2)'
    : `${count('fail')} FAIL, ${count('warn')} warn, ${count('skip')} skip, ${count('ok')} ok`;
  return [...lines, summary].join('\n');
}

/**
 * 0: nothing failed (warnings and skips included, unless `strict`); 1: a check failed; 2: the
 * check could not run (bad config, unreadable credentials, no FE answered).
 */
export function checkExitCode(report: ConnectionReport, strict = false): 0 | 1 | 2 {
  if (report.couldNotRun) return 2;
  const bad = strict ? ['fail', 'warn', 'skip'] : ['fail'];
  return report.lines.some((l) => bad.includes(l.status)) ? 1 : 0;
}
