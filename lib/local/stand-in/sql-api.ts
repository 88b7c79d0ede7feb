import type { ServerResponse } from 'node:http';
import type { Context } from './context.ts';
import { DdlError } from './ddl.ts';
import { runQuery } from './sql-statements.ts';
import type { ResultSet, ValueKind } from './virtual-table.ts';

/**
 * The HTTP SQL API (`POST /api/v1/catalogs/{catalog}/databases/{db}/sql`, StarRocks 3.2+), for
 * the statements the sink sends: `SELECT <columns> FROM [db.]table` (no WHERE), and
 * `SELECT … FROM information_schema.columns [WHERE col = 'v' AND …] [ORDER BY …]`, and
 * FROM-less SELECTs such as `SELECT current_version()`. Answers as
 * StarRocks does, newline-delimited JSON: `connectionId`, `meta`, one `data` line per row,
 * `statistics`. Anything else is refused with the API's error shape.
 */
export const SQL_API_PATH = /^\/api\/v1\/catalogs\/([^/]+)\/databases\/([^/]+)\/sql$/;

const INFORMATION_SCHEMA = /\bfrom\s+`?information_schema`?\s*\./i;

/** The SQL API's `meta` type names for the stand-in's value kinds. */
const META_TYPES: Record<ValueKind, string> = {
  text: 'varchar',
  integer: 'bigint',
  double: 'double',
  decimal: 'decimal',
  boolean: 'boolean',
  date: 'date',
  datetime: 'datetime',
};

function sendResult(res: ServerResponse, result: ResultSet): void {
  res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
  const lines = [
    { connectionId: 1 },
    { meta: result.columns.map((column) => ({ name: column.name, type: META_TYPES[column.kind] })) },
    ...result.rows.map((row) => ({ data: row })),
    { statistics: { scanRows: result.rows.length, scanBytes: 0, returnRows: result.rows.length } },
  ];
  res.end(lines.map((l) => JSON.stringify(l)).join('\n'));
}

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
  // information_schema and FROM-less SELECTs (current_version()) go through the shared statements.
  if (INFORMATION_SCHEMA.test(query) || (/^\s*select\s/i.test(query) && !/\bfrom\b/i.test(query))) {
    try {
      const info = { catalog: context.catalog, version: context.version, connectionId: 1 };
      sendResult(res, runQuery(info, { user: '', database }, query));
    } catch (error) {
      if (!(error instanceof DdlError)) throw error;
      fail(`Getting analyzing error. Detail message: ${error.message}.`);
    }
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
