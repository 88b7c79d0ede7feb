/**
 * What the transform catalogue is made of: a transform class (its class names, its options with
 * their documentation, and how its options become a plain spec), and the reader a class's parser
 * gets for its `transforms.<name>.*` options, with Kafka's ConfigDef rules for each value kind.
 */
import { parseBoolean, type Report, splitList } from './values.ts';

/** What every transform's parsed options have: the kind that picks its step. */
export interface TransformSpecBase {
  readonly kind: string;
}

/** `$Key` and `$Value` variants: which part of the record a transform reads and writes. */
export type RecordPart = 'key' | 'value';

/** One option of a transform class, for errors and the docs. */
export interface TransformOptionDoc {
  /** The default as Kafka's documentation writes it; absent when the option is required. */
  readonly default?: string;
  readonly doc: string;
}

/** A transform class (or a family of `$Key`/`$Value` classes) in the catalogue. */
export interface TransformClass<S extends TransformSpecBase = TransformSpecBase> {
  /** Every class name this entry answers to, exactly as Connect configs write them. */
  readonly classes: readonly string[];
  /** Its options (besides `type`, `predicate` and `negate`, which every transform takes). */
  readonly options: Readonly<Record<string, TransformOptionDoc>>;
  /**
   * Reads the options into a spec; problems go to `options.problem` (all of them, not the first).
   * Undefined when the options are unusable (after reporting why).
   */
  readonly parse: (className: string, options: TransformOptionReader) => S | undefined;
}

/**
 * A class's view of its `transforms.<name>.*` options. Each reader reports a value of the wrong kind
 * under the full key (`transforms.<name>.<option>`) and returns the fallback, so every problem is
 * reported at once. Values follow Kafka's ConfigDef: lists are comma-separated and trimmed,
 * booleans are `true`/`false` in any case, integers are decimal.
 */
export interface TransformOptionReader {
  /** `transforms.<name>.` */
  readonly prefix: string;
  /** The option's text as given (untrimmed), or undefined. */
  readonly raw: (option: string) => string | undefined;
  /** The option's text, trimmed; `fallback` when absent. */
  readonly string: (option: string, fallback?: string) => string | undefined;
  /** A required option's text, trimmed; undefined after reporting it missing or empty. */
  readonly required: (option: string, what: string) => string | undefined;
  readonly list: (option: string, fallback?: readonly string[]) => string[];
  readonly boolean: (option: string, fallback: boolean) => boolean;
  readonly integer: (option: string, fallback: number, min?: number) => number;
  /** One of `values`, compared as Kafka does for the option (`caseInsensitive`: lower-cased). */
  readonly choice: <T extends string>(
    option: string,
    values: readonly T[],
    fallback: T,
    caseInsensitive?: boolean,
  ) => T;
  /** Reports a problem with an option's value, under its full key. */
  readonly problem: (option: string, message: string) => void;
}

/** The reader for the options under `prefix`. */
export function transformOptionReader(
  prefix: string,
  raw: ReadonlyMap<string, string>,
  report: Report,
): TransformOptionReader {
  const get = (option: string) => raw.get(`${prefix}${option}`);
  const problem = (option: string, message: string) => report(`${prefix}${option}`, message);
  return {
    prefix,
    raw: get,
    problem,
    string: (option, fallback) => get(option)?.trim() ?? fallback,
    required(option, what) {
      const text = get(option)?.trim();
      if (text === undefined || text === '') {
        problem(option, `is required: ${what}`);
        return undefined;
      }
      return text;
    },
    list(option, fallback = []) {
      const text = get(option);
      return text === undefined ? [...fallback] : splitList(text);
    },
    boolean(option, fallback) {
      const text = get(option);
      if (text === undefined) return fallback;
      const parsed = parseBoolean(text);
      if (parsed === undefined) problem(option, `"${text}" is not a boolean; valid values: true, false`);
      return parsed ?? fallback;
    },
    integer(option, fallback, min = Number.MIN_SAFE_INTEGER) {
      const text = get(option);
      if (text === undefined) return fallback;
      const n = /^\s*-?\d{1,15}\s*$/.test(text) ? Number(text) : Number.NaN;
      if (!(n >= min)) {
        problem(option, `"${text}" is not an integer${min > Number.MIN_SAFE_INTEGER ? ` ≥ ${min}` : ''}`);
        return fallback;
      }
      return n;
    },
    choice(option, values, fallback, caseInsensitive = true) {
      const text = get(option);
      if (text === undefined) return fallback;
      const wanted = caseInsensitive ? text.trim().toLowerCase() : text.trim();
      const found = values.find((v) => (caseInsensitive ? v.toLowerCase() : v) === wanted);
      if (found === undefined) problem(option, `"${text}" is not valid; valid values: ${values.join(', ')}`);
      return found ?? fallback;
    },
  };
}
