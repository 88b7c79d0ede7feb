import { readFileSync } from 'node:fs';

/**
 * Reads a connector config file as users have them: the Kafka Connect REST body
 * (`{"name": ..., "config": {...}}`), a flat JSON object, or a `.properties` file such as
 * `connect-StarRocks-sink.properties`.
 */
export function readConnectorConfig(path: string): Record<string, string> {
  const text = readFileSync(path, 'utf8');
  if (/\.properties$/i.test(path) || !/^\s*\{/.test(text)) return parseProperties(text);
  const parsed = JSON.parse(text) as Record<string, unknown>;
  const config =
    typeof parsed.config === 'object' && parsed.config !== null
      ? (parsed.config as Record<string, unknown>)
      : parsed;
  const out: Record<string, string> = {};
  if (typeof parsed.name === 'string' && parsed.config !== undefined) out.name = parsed.name;
  for (const [key, value] of Object.entries(config)) out[key] = String(value);
  return out;
}

/** Java `.properties`: `key=value` or `key: value`, `#`/`!` comments, `\` line continuations. */
function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = (lines[i] ?? '').trimStart();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (line.endsWith('\\') && i + 1 < lines.length)
      line = line.slice(0, -1) + (lines[++i] ?? '').trimStart();
    const match = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (match) out[match[1] as string] = (match[2] as string).trimEnd();
  }
  return out;
}
