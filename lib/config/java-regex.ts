/**
 * `topics.regex` (and the transforms' patterns) are Java `Pattern`s (Kafka Connect matches `topics.regex` with `Matcher.matches()`, the whole
 * topic name). This file reads Java's syntax and writes a JavaScript pattern (unicode mode) that
 * matches the same topic names, or says why it cannot: a construct that JavaScript reads
 * differently or not at all is refused rather than silently given another meaning.
 *
 * Translated: `\Q…\E` quoting (each character escaped), `\x{h…}`, octal `\0oo`, `\A`, `\z`, `\Z`
 * (topic names hold no line terminator, so they are `^` and `$`), a `]` first in a class, escaped
 * punctuation such as `\-`, a lone `{` or `}` that Java reads as itself.
 * Refused: possessive quantifiers (`a*+`) and atomic groups (`(?>…)`), which JavaScript lacks;
 * embedded flags (`(?i)`, `(?i:…)`); Unicode and POSIX classes (`\p{Lower}`: Java's names are not
 * JavaScript's); class union and intersection (`[a-z[0-9]]`, `&&`); `\G`, `\h`, `\v`, `\R`, `\X`,
 * `\N{…}`, `\e`, `\a` and any escape Java does not define.
 */
import { shortened } from './shown-values.ts';

/**
 * A JavaScript pattern source matching what the Java pattern matches, or why there is none: the
 * pattern is `invalid` (Java refuses it too) or uses a Java construct `unsupported` here.
 */
export type TranslatedPattern =
  | { readonly source: string }
  | { readonly problem: string; readonly kind: RefusalKind };

type RefusalKind = 'invalid' | 'unsupported';

/** Characters escaped to stand for themselves outside a class (unicode mode allows only these). */
const SYNTAX_CHARACTERS = new Set('^$\\.*+?()[]{}|/');

/** Inside a class, `-` too. */
const CLASS_SYNTAX_CHARACTERS = new Set([...SYNTAX_CHARACTERS, '-']);

/** Escapes with the same meaning in both (for topic names, which are ASCII without spaces). */
const SAME_ESCAPES = new Set(['d', 'D', 's', 'S', 'w', 'W', 't', 'n', 'r', 'f']);

/** Anchors Java writes as escapes, as JavaScript writes them (no multiline mode, no line breaks). */
const ANCHOR_ESCAPES: Readonly<Record<string, string>> = { A: '^', z: '$', Z: '$' };

/**
 * Java escapes refused by letter, with why; an empty reason means the generic one. Any letter not
 * here nor translated is not an escape Java knows.
 */
const REFUSED_ESCAPES: Readonly<Record<string, string>> = {
  p: "Java's character properties (\\p{…}) have other names than JavaScript's; write the class out, e.g. [a-z]",
  P: "Java's character properties (\\P{…}) have other names than JavaScript's; write the class out, e.g. [^a-z]",
  G: '\\G (the end of the previous match) has no meaning for one topic name',
  E: '\\E without \\Q',
  a: '',
  e: '',
  h: '',
  H: '',
  v: '',
  V: '',
  R: '',
  X: '',
  N: '',
};

/** A parse in progress: the pattern, where it is, what has been written and what is open. */
interface Reader {
  readonly pattern: string;
  at: number;
  readonly out: string[];
  groups: number;
  /** Index where the open class's items begin (after `[` and `^`); -1 outside a class. */
  classStart: number;
  /** What the last token was, for possessive and lazy quantifiers. */
  last: 'atom' | 'quantifier' | 'lazy' | 'other';
}

class Refusal extends Error {
  readonly kind: RefusalKind;

  constructor(message: string, kind: RefusalKind) {
    super(message);
    this.kind = kind;
  }
}

/**
 * The JavaScript source for a Java pattern, to be compiled with the `u` flag, or a short reason
 * (naming the character where it stopped) why it cannot be. Groups are balanced in the result, so
 * it can be wrapped in `^(?:…)$` without escaping the wrapper.
 *
 * @example translateJavaPattern('orders\\-\\Q.v1\\E') // { source: 'orders-\\.v1' }
 */
export function translateJavaPattern(pattern: string): TranslatedPattern {
  const reader: Reader = { pattern, at: 0, out: [], groups: 0, classStart: -1, last: 'other' };
  try {
    while (reader.at < pattern.length) {
      const next = reader.classStart >= 0 ? readClassToken(reader) : readToken(reader);
      reader.out.push(next.text);
      reader.at += next.length;
      reader.last = next.last;
    }
    if (reader.classStart >= 0) throw new Refusal('a character class "[" is not closed', 'invalid');
    if (reader.groups > 0)
      throw new Refusal(`${reader.groups} group${reader.groups > 1 ? 's are' : ' is'} not closed`, 'invalid');
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    return { problem: error.message, kind: error.kind };
  }
  return { source: reader.out.join('') };
}

/** Refuses a pattern Java refuses too. */
function refuse(reader: Reader, reason: string): never {
  throw new Refusal(`at character ${reader.at + 1}: ${reason}`, 'invalid');
}

/** Refuses a construct Java accepts but this sink cannot match as Java does. */
function refuseConstruct(reader: Reader, reason: string): never {
  throw new Refusal(`at character ${reader.at + 1}: ${reason}`, 'unsupported');
}

/** One token outside a class. */
function readToken(reader: Reader): Token {
  const c = reader.pattern[reader.at] as string;
  if (c === '\\') return readEscape(reader, false);
  if (c === '[') return openClass(reader);
  if (c === '(') return openGroup(reader);
  if (c === ')') {
    if (reader.groups === 0) refuse(reader, '")" closes a group that was never opened');
    reader.groups--;
    return token(')', 1, 'atom');
  }
  if (c === '*' || c === '+' || c === '?') return readQuantifier(reader, c, 1);
  if (c === '{') {
    const repeat = /^\{(\d+)(,(\d*))?\}/.exec(reader.pattern.slice(reader.at));
    if (repeat === null)
      refuse(reader, '"{" is not a repetition {n}, {n,} or {n,m}; write \\{ for the character');
    const [text, min, , max] = repeat;
    if (max !== undefined && max !== '' && Number(max) < Number(min)) {
      refuse(reader, `${text} repeats at most fewer times than at least`);
    }
    return readQuantifier(reader, text, text.length);
  }
  // Java reads a lone "}" or "]" as itself; JavaScript's unicode mode wants it escaped.
  if (c === '}' || c === ']') return token(`\\${c}`, 1, 'atom');
  return token(c, 1, c === '|' || c === '^' ? 'other' : 'atom');
}

/** `*`, `+`, `?` or `{…}`: lazy when followed by `?`, possessive (refused) when followed by `+`. */
function readQuantifier(reader: Reader, text: string, length: number): Token {
  if (reader.last === 'quantifier' && text === '?') return token('?', 1, 'lazy');
  if (reader.last === 'quantifier' && text === '+') {
    refuseConstruct(
      reader,
      'possessive quantifiers (*+, ++, ?+, {n}+) do not exist in JavaScript; drop the "+"',
    );
  }
  if (reader.last !== 'atom') refuse(reader, `"${text}" repeats nothing`);
  return token(text, length, 'quantifier');
}

function openGroup(reader: Reader): Token {
  const rest = reader.pattern.slice(reader.at);
  reader.groups++;
  if (!rest.startsWith('(?')) return token('(', 1, 'other');
  const kind = /^\(\?(?::|=|!|<=|<!|<[A-Za-z][A-Za-z0-9]*>)/.exec(rest)?.[0];
  if (kind !== undefined) return token(kind, kind.length, 'other');
  if (rest.startsWith('(?>')) {
    refuseConstruct(reader, 'atomic groups (?>…) do not exist in JavaScript; use a plain group (…)');
  }
  if (/^\(\?[idmsuxU-]/.test(rest)) {
    refuseConstruct(
      reader,
      'embedded flags such as (?i) or (?i:…) do not read the same in JavaScript; write the cases out, e.g. [Oo]rders',
    );
  }
  refuse(reader, '"(?" starts no group Java knows');
}

function openClass(reader: Reader): Token {
  const negated = reader.pattern[reader.at + 1] === '^';
  const opening = negated ? '[^' : '[';
  reader.classStart = reader.at + opening.length;
  return token(opening, opening.length, 'other');
}

/** One token inside a class. */
function readClassToken(reader: Reader): Token {
  const c = reader.pattern[reader.at] as string;
  if (c === '\\') return readEscape(reader, true);
  if (c === ']') {
    // Java reads "]" first in a class as itself; JavaScript would close an empty class.
    if (reader.at === reader.classStart) return token('\\]', 1, 'other');
    reader.classStart = -1;
    return token(']', 1, 'atom');
  }
  if (c === '[') {
    refuseConstruct(
      reader,
      "a class inside a class (Java's union, [a-z[0-9]]) does not exist in JavaScript; write one class, [a-z0-9]",
    );
  }
  if (c === '&' && reader.pattern[reader.at + 1] === '&') {
    refuseConstruct(reader, 'class intersection (&&) does not exist in JavaScript; write the class out');
  }
  return token(c, 1, 'other');
}

/** An escape, in or outside a class: translated, kept or refused. */
function readEscape(reader: Reader, inClass: boolean): Token {
  const d = reader.pattern[reader.at + 1];
  if (d === undefined) refuse(reader, 'the pattern ends in a lone backslash');
  if (!/[A-Za-z0-9]/.test(d)) return token(literal(d, inClass), 2, 'atom');
  if (SAME_ESCAPES.has(d)) return token(`\\${d}`, 2, 'atom');
  if ((d === 'b' || d === 'B') && !inClass) return token(`\\${d}`, 2, 'other');
  const anchor = ANCHOR_ESCAPES[d];
  if (anchor !== undefined && !inClass) return token(anchor, 2, 'other');
  if (d === 'Q') return readQuoted(reader, inClass);
  if (d === 'x' || d === 'u' || d === '0') return readCodePoint(reader, d, inClass);
  if (d === 'c' && /[A-Za-z]/.test(reader.pattern[reader.at + 2] ?? '')) {
    return token(reader.pattern.slice(reader.at, reader.at + 3), 3, 'atom');
  }
  if (/[1-9]/.test(d) && !inClass) {
    const reference = /^\\[1-9][0-9]*/.exec(reader.pattern.slice(reader.at))?.[0] as string;
    return token(reference, reference.length, 'atom');
  }
  if (d === 'k' && !inClass) {
    const reference = /^\\k<[A-Za-z][A-Za-z0-9]*>/.exec(reader.pattern.slice(reader.at))?.[0];
    if (reference !== undefined) return token(reference, reference.length, 'atom');
  }
  const refused = REFUSED_ESCAPES[d];
  if (refused === undefined) refuse(reader, `\\${d} is not an escape Java knows`);
  refuseConstruct(
    reader,
    refused || `\\${d} is refused: JavaScript reads it differently, and no topic name holds what it matches`,
  );
}

/** `\Q…\E` (or to the end): every character as itself. */
function readQuoted(reader: Reader, inClass: boolean): Token {
  const start = reader.at + 2;
  const end = reader.pattern.indexOf('\\E', start);
  const quoted = reader.pattern.slice(start, end < 0 ? undefined : end);
  const text = [...quoted].map((c) => literal(c, inClass)).join('');
  const length = (end < 0 ? reader.pattern.length : end + 2) - reader.at;
  return token(text, length, quoted === '' ? reader.last : 'atom');
}

/** `\xhh`, `\x{h…}`, `\uhhhh` and Java's octal `\0o`, `\0oo`, `\0ooo` (at most 0377). */
function readCodePoint(reader: Reader, d: string, inClass: boolean): Token {
  const rest = reader.pattern.slice(reader.at);
  const form =
    d === 'x'
      ? /^\\x(?:([0-9A-Fa-f]{2})|\{([0-9A-Fa-f]{1,6})\})/.exec(rest)
      : d === 'u'
        ? /^\\u([0-9A-Fa-f]{4})/.exec(rest)
        : /^\\0([0-3][0-7]{2}|[0-7]{1,2})/.exec(rest);
  if (form === null) refuse(reader, `\\${d} is not followed by a character code Java reads`);
  const digits = (form[1] ?? form[2]) as string;
  const codePoint = Number.parseInt(digits, d === '0' ? 8 : 16);
  if (codePoint > 0x10ffff) refuse(reader, `\\x{${digits}} is beyond U+10FFFF`);
  return token(`\\u{${codePoint.toString(16)}}`, form[0].length, inClass ? 'other' : 'atom');
}

/** `c` escaped as unicode mode needs to read it as itself. */
function literal(c: string, inClass: boolean): string {
  return (inClass ? CLASS_SYNTAX_CHARACTERS : SYNTAX_CHARACTERS).has(c) ? `\\${c}` : c;
}

/** What one step of the parse writes, how many pattern characters it reads, and what it was. */
interface Token {
  readonly text: string;
  readonly length: number;
  readonly last: Reader['last'];
}

function token(text: string, length: number, last: Reader['last']): Token {
  return { text, length, last };
}

/** A Java pattern compiled: `whole` matches as Java's `matches()` (the whole text), `source` is the translation. */
export interface CompiledJavaPattern {
  readonly whole: RegExp;
  readonly source: string;
}

/**
 * A Java pattern from the config, translated and compiled; undefined after reporting `key` when Java
 * would refuse it or it uses a construct this sink cannot match as Java does.
 */
export function compileJavaPattern(
  key: string,
  text: string,
  problem: (key: string, message: string) => void,
): CompiledJavaPattern | undefined {
  const shown = `"${shortened(text)}"`;
  const translated = translateJavaPattern(text);
  if ('problem' in translated) {
    const what =
      translated.kind === 'invalid'
        ? 'is not a valid regular expression'
        : 'uses a Java construct this sink refuses, as it cannot match it as Java does';
    problem(key, `${shown} ${what}: ${translated.problem}`);
    return undefined;
  }
  try {
    new RegExp(translated.source, 'u');
    return { whole: new RegExp(`^(?:${translated.source})$`, 'u'), source: translated.source };
  } catch (error) {
    problem(key, `${shown} is not a valid regular expression: ${regexErrorReason(error)}`);
    return undefined;
  }
}

/** The reason of a RegExp syntax error without the pattern V8 quotes before it ("/…/u: reason"). */
function regexErrorReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return /\/[a-z]*: ([^:]+)$/.exec(message)?.[1] ?? 'it does not compile';
}
