import { readFileSync } from 'node:fs';

/**
 * Reads a connector config file as users have them: the Kafka Connect REST body
 * (`{"name": ..., "config": {...}}`), a flat JSON object, or a `.properties` file such as
 * `connect-StarRocks-sink.properties`. JSON numbers and booleans become their text, as Kafka
 * Connect reads them; any other non-string value is an error naming its key.
 */
export function readConnectorConfig(path: string): Record<string, string> {
  const text = readFileSync(path, 'utf8');
  if (/\.properties$/i.test(path) || !/^\s*\{/.test(text)) return parseProperties(text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Error(`${path} is not a JSON object of connector settings`);
  const object = parsed as Record<string, unknown>;
  const rest = typeof object.config === 'object' && object.config !== null && !Array.isArray(object.config);
  const config = rest ? (object.config as Record<string, unknown>) : object;
  const out: Record<string, string> = {};
  if (rest && typeof object.name === 'string') out.name = object.name;
  const problems: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (typeof value === 'string') out[key] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') out[key] = String(value);
    else
      problems.push(
        `${key}: must be a string, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`,
      );
  }
  if (problems.length > 0) throw new Error(`${path}: ${problems.join('; ')}`);
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
