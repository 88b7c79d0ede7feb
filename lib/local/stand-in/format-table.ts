export interface FormatColumn {
  readonly name: string;
  /** Numbers are right-aligned by a MySQL client; by default a column is numeric when its values are. */
  readonly align?: 'left' | 'right';
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function width(text: string): number {
  return [...text].length;
}

function isNumeric(value: unknown): boolean {
  return typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean';
}

/**
 * Renders rows the way the MySQL client prints a result set: a column is as wide as its longest value
 * or name, at least 4 (room for NULL), numbers right-aligned, then `N rows in set (0.00 sec)`; no
 * trailing newline.
 *
 * @example formatRows(['id', 'city'], [{ id: 1, city: 'New York' }])
 */
export function formatRows(
  columns: ReadonlyArray<string | FormatColumn>,
  rows: ReadonlyArray<Record<string, unknown>>,
): string {
  if (rows.length === 0) return 'Empty set (0.00 sec)';
  const specs = columns.map((column) => (typeof column === 'string' ? { name: column } : column));
  const texts = rows.map((row) => specs.map((spec) => cellText(row[spec.name])));
  // A fold, not Math.max(...cells): an argument per row overflows the stack above about 125k rows.
  const widths = specs.map((spec, index) =>
    texts.reduce(
      (widest, cells) => Math.max(widest, width(cells[index] ?? '')),
      Math.max(4, width(spec.name)),
    ),
  );
  const aligns = specs.map(
    (spec) =>
      spec.align ??
      (rows.some((row) => row[spec.name] !== null && row[spec.name] !== undefined) &&
      rows.every(
        (row) => row[spec.name] === null || row[spec.name] === undefined || isNumeric(row[spec.name]),
      )
        ? 'right'
        : 'left'),
  );
  const border = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const line = (cells: readonly string[], align: (index: number) => 'left' | 'right'): string =>
    `|${cells
      .map((cell, index) => {
        const padding = ' '.repeat((widths[index] ?? 0) - width(cell));
        return align(index) === 'right' ? ` ${padding}${cell} ` : ` ${cell}${padding} `;
      })
      .join('|')}|`;
  const out = [
    border,
    line(
      specs.map((spec) => spec.name),
      () => 'left',
    ),
    border,
    ...texts.map((cells) => line(cells, (index) => aligns[index] ?? 'left')),
    border,
    `${rows.length} ${rows.length === 1 ? 'row' : 'rows'} in set (0.00 sec)`,
  ];
  return out.join('\n');
}
