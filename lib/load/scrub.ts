import { hideSecrets } from '../config/shown-values.ts';

/**
 * Scrubbing the sink's own credentials out of text that an answer brought in (StarRocks messages,
 * bodies of 401/500 answers, error logs, Locations). A server may echo the request's headers; what
 * it echoes must not reach an error, a log line or a dead letter.
 */

/** Text with every form of the sink's credentials replaced by `***`. */
export type Scrub = (text: string) => string;

/** A scrub that leaves text as it is: for requests that carry no credentials. */
export const noScrub: Scrub = (text) => text;

/**
 * A scrub of every form in which the credentials of the `Authorization: Basic …` header `authorization`
 * can come back: the header value, the base64 of `user:password`, and the password raw,
 * URL-encoded, JSON-escaped and base64 (standard and URL-safe). An empty password has nothing to scrub.
 *
 * @example
 * credentialScrub(basicAuth({ username: 'root', password: 'pw' }))('echo: pw') // → 'echo: ***'
 */
export function credentialScrub(authorization: string): Scrub {
  const secrets = secretFormsOf(authorization);
  if (secrets.length === 0) return noScrub;
  return (text) => hideSecrets(text, secrets);
}

/** The forms to scrub, longest first so that a longer form is not left half-replaced by a shorter one. */
function secretFormsOf(authorization: string): string[] {
  const forms = new Set<string>();
  const token = /^Basic\s+(.+)$/i.exec(authorization.trim())?.[1];
  if (authorization.trim() !== '') forms.add(authorization.trim());
  if (token !== undefined) {
    forms.add(token);
    const decoded = Buffer.from(token, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const password = colon < 0 ? '' : decoded.slice(colon + 1);
    if (password !== '') for (const form of passwordForms(password)) forms.add(form);
  }
  forms.delete('');
  return [...forms].sort((a, b) => b.length - a.length);
}

function passwordForms(password: string): string[] {
  const base64 = Buffer.from(password).toString('base64');
  return [
    password,
    encodeURIComponent(password),
    encodeURI(password),
    new URLSearchParams({ p: password }).toString().slice(2),
    JSON.stringify(password).slice(1, -1),
    base64,
    base64.replace(/=+$/, ''),
    Buffer.from(password).toString('base64url'),
  ];
}

/**
 * `text` with the `user:password@` part of any URL in it removed. Up to the last `@` of the URL,
 * since a password may hold `/`, `?` or `@`: a path with an `@` loses its start, a secret never leaks.
 */
export function withoutUserinfo(text: string): string {
  return text.replace(/\/\/\S*@/g, '//');
}
