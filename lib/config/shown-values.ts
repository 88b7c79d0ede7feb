/**
 * How config values may appear in problem messages: never the user info of a URL (whatever sits
 * before an `@`, where a password goes), and never more than the start of a long value.
 */

/** What a message shows in place of the user info of a URL. */
export const HIDDEN_USERINFO = '***';

/** How many characters of a long value a message shows. */
export const SHOWN_VALUE_MAX = 100;

/**
 * Whether `text` may carry user info: any `@` counts. A URL parser reads `http://u:p/q?r@h` as the
 * host `u` and a path, so the parser's own view cannot be trusted to find the password: no key the
 * sink reads a URL or a host from has a use for `@`, so its mere presence is enough.
 */
export function hasUserinfo(text: string): boolean {
  return text.includes('@');
}

/**
 * `text` with everything between the start (or a `scheme://`) and the last `@` replaced by `***`:
 * `http://loader:ab/cd?ef@fe:8030` → `http://***@fe:8030`. Text without `@` is returned as it is.
 */
export function hideUserinfo(text: string): string {
  const at = text.lastIndexOf('@');
  if (at < 0) return text;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(text)?.[0] ?? '';
  return `${scheme}${HIDDEN_USERINFO}${text.slice(at)}`;
}

/**
 * The user-info parts of the given values: what a message must never contain. Each is given whole
 * and in pieces (split at commas and colons, but for the pieces shown after the `@`), since list
 * parsers split values before they look at them.
 */
export function userinfoSecrets(values: Iterable<string>): string[] {
  const secrets = new Set<string>();
  for (const value of values) {
    const at = value.lastIndexOf('@');
    if (at < 0) continue;
    const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(value)?.[0] ?? '';
    const userinfo = value.slice(scheme.length, at);
    if (userinfo !== '') secrets.add(userinfo);
    // List parsers split at commas, and user info is "user:password". A piece that is also in
    // the part after the "@" (a port, say) is shown anyway.
    const shown = value.slice(at);
    for (const piece of userinfo.split(/[,:]/)) {
      const trimmed = piece.trim().replace(/^\/\//, '');
      if (trimmed.length >= 2 && !shown.includes(trimmed)) secrets.add(trimmed);
    }
  }
  // Longest first, so a whole secret is hidden before any piece of it.
  return [...secrets].sort((a, b) => b.length - a.length);
}

/**
 * `message` with each of `secrets` replaced by `***`; `secrets` longest first, so a whole secret is
 * hidden before any piece of it. Config messages and the load stage's credential scrub share it.
 */
export function hideSecrets(message: string, secrets: readonly string[]): string {
  let hidden = message;
  for (const secret of secrets) hidden = hidden.replaceAll(secret, HIDDEN_USERINFO);
  return hidden;
}

/**
 * `text` for a message: as it is when short, else its first {@link SHOWN_VALUE_MAX} characters and
 * its length, so a 200 KB value does not become a 200 KB message.
 */
export function shortened(text: string): string {
  if (text.length <= SHOWN_VALUE_MAX) return text;
  return `${text.slice(0, SHOWN_VALUE_MAX)}… (${text.length} characters)`;
}

/** Whether a config value is, or holds, a URL: one with `://` anywhere in it. */
export function isUrlShaped(text: string): boolean {
  return text.includes('://');
}

/**
 * A `JSON.parse` error as text that holds no piece of the input: V8 quotes the text around the
 * fault in some versions ("Unexpected token … "…" is not valid JSON"), and that text may be a
 * password. Only the position is kept.
 */
export function jsonErrorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (!message.includes('"')) return message;
  const position = /position \d+(?: \(line \d+ column \d+\))?/.exec(message)?.[0];
  return position === undefined ? 'not valid JSON' : `not valid JSON at ${position}`;
}
