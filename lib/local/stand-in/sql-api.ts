import type { ServerResponse } from 'node:http';
import type { Context } from './context.ts';

/**
 * The HTTP SQL API (`POST /api/v1/catalogs/{catalog}/databases/{db}/sql`, StarRocks 3.2+), for
 * the one statement the sink sends: `SELECT <columns> FROM [db.]table`, no WHERE. Answers as
 * StarRocks does, newline-delimited JSON: `connectionId`, `meta`, one `data` line per row,
 * `statistics`. Anything else is refused with the API's error shape.
 */
export const SQL_API_PATH = /^\/api\/v1\/catalogs\/([^/]+)\/databases\/([^/]+)\/sql$/;

const SELECT = /^\s*select\s+(.+?)\s+from\s+`?(\w+)`?(?:\.`?(\w+)`?)?\s*;?\s*$/is;

export function handleSqlApi(context: Context, database: string, body: string, res: ServerResponse): void {
  const fail = (msg: string): void => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ status: 'FAILED', code: '1', msg, message: msg }));
  };
  let query = '';
  try {
    query = String((JSON.parse(body) as { query?: unknown }).query ?? '');
  } catch {
    fail('the body must be JSON {"query": "..."}');
    return;
  }
  const match = SELECT.exec(query);
  if (match === null) {
    fail(`The stand-in's SQL API runs only SELECT <columns> FROM <table>: ${query}`);
    return;
  }
  const [, list = '', first = '', second] = match;
  const db = second === undefined ? database : first;
  const tableName = second ?? first;
  const table = context.catalog.table(db, tableName);
  if (table === undefined) {
    fail(`Getting analyzing error. Detail message: Unknown table '${db}.${tableName}'.`);
    return;
  }
  const all = table.definition.columns.map((c) => c.name);
  const columns = list.trim() === '*' ? all : list.split(',').map((c) => c.trim().replace(/`/g, ''));
  const unknown = columns.find((c) => !all.includes(c));
  if (unknown !== undefined) {
    fail(`Getting analyzing error. Detail message: Column '${unknown}' cannot be resolved.`);
    return;
  }
  const rows = table.records() as Record<string, unknown>[];
  res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
  const lines = [
    { connectionId: 1 },
    { meta: columns.map((name) => ({ name, type: 'unknown' })) },
    ...rows.map((row) => ({ data: columns.map((c) => row[c] ?? null) })),
    { statistics: { scanRows: rows.length, scanBytes: 0, returnRows: rows.length } },
  ];
  res.end(lines.map((l) => JSON.stringify(l)).join('\n'));
}
