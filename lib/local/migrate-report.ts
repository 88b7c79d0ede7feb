/**
 * The plain report `npm run migrate` prints: every input key under kept, changed, dropped or
 * refused with its reason, the values still needed and their flags, the sink's other problems,
 * the notes, and the verdict. No value of any key is shown, so no credential can be.
 */
import type { Disposition, KeyOutcome, Migration } from './migrate.ts';

const HEADINGS: Readonly<Record<Disposition, string>> = {
  kept: 'kept: written to sinkConfig as given',
  changed: 'changed: written elsewhere in the file, or differently',
  dropped: 'dropped: not written',
  refused: 'refused: the sink would not start with these; fix them in the file',
};

/** What was read and where the file went, for the first line. */
export interface ReportContext {
  readonly input: string;
  readonly form: string;
  readonly worker?: string;
  /** The path written, or `-` for standard output. */
  readonly out: string;
}

/** The report as text lines joined by newlines. */
export function formatMigrationReport(migration: Migration, context: ReportContext): string {
  const lines: string[] = [];
  const worker = context.worker === undefined ? '' : ` + worker config ${context.worker}`;
  const target = context.out === '-' ? 'standard output' : context.out;
  lines.push(`migrate: ${context.input} (${context.form})${worker} → ${target}`, '');
  const width = Math.min(48, Math.max(...migration.outcomes.map((o) => label(o).length), 10) + 2);
  for (const disposition of ['kept', 'changed', 'dropped', 'refused'] as const) {
    const group = migration.outcomes.filter((o) => o.disposition === disposition);
    if (group.length === 0) continue;
    lines.push(`${HEADINGS[disposition]} (${group.length})`);
    for (const o of group) lines.push(`  ${label(o).padEnd(width)}${o.reason}`.trimEnd());
    lines.push('');
  }
  if (migration.needed.length > 0) {
    lines.push(`still needed (${migration.needed.length}): written as "<REQUIRED: …>" placeholders`);
    for (const n of migration.needed) lines.push(`  ${n.path.padEnd(width)}give ${n.flag}: ${n.why}`);
    lines.push('');
  }
  if (migration.otherProblems.length > 0) {
    lines.push(`other problems (${migration.otherProblems.length})`);
    for (const p of migration.otherProblems) lines.push(`  ${p}`);
    lines.push('');
  }
  if (migration.notes.length > 0) {
    lines.push('notes');
    for (const n of migration.notes) lines.push(`  - ${n}`);
    lines.push('');
  }
  lines.push(verdict(migration, context.out));
  return lines.join('\n');
}

function label(o: KeyOutcome): string {
  return o.from === 'worker' ? `${o.key} (worker)` : o.key;
}

function verdict(migration: Migration, out: string): string {
  if (migration.deployable) {
    const file = out === '-' ? '<the file>' : out;
    return `deployable: npm run build && SINK_DEPLOY_CONFIG=${file} npx cdk deploy`;
  }
  const reasons = [
    migration.needed.length > 0 ? `${migration.needed.length} value(s) still needed` : '',
    count(migration.outcomes.filter((o) => o.disposition === 'refused').length, 'key(s) refused'),
    count(migration.otherProblems.length, 'other problem(s)'),
  ].filter((r) => r !== '');
  return `NOT deployable yet: ${reasons.join(', ')}. Fix them and run migrate again.`;
}

function count(n: number, what: string): string {
  return n === 0 ? '' : `${n} ${what}`;
}
