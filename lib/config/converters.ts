/**
 * The converter keys: `key.converter` / `value.converter` (JsonConverter, StringConverter or a
 * schema-registry converter), JsonConverter's `schemas.enable` and `replace.null.with.default`, and
 * the registry converters' options under `key.converter.` / `value.converter.`.
 */
import {
  CONVERTER_CLASSES,
  CONVERTER_OPTIONS,
  type ConverterOption,
  IGNORED_CONVERTER_OPTIONS,
  REGISTRY_CONVERTERS,
  SINK_KEYS,
} from './keys.ts';
import { type ConfigSource, checkBoolean, readBoolean, splitList } from './values.ts';

export type ConverterConfig =
  | { readonly kind: 'json'; readonly schemasEnable: boolean; readonly replaceNullWithDefault: boolean }
  | { readonly kind: 'string' }
  | RegistryConverterConfig;

export interface RegistryConverterConfig {
  readonly kind: 'registry';
  readonly format: 'avro' | 'protobuf' | 'json';
  readonly registry: RegistryConnection;
  /** ProtobufConverter's options that change values (Confluent's defaults otherwise). */
  readonly protobuf: ProtobufOptions;
}

/** ProtobufConverter's value options, by their Kafka Connect names' meaning. */
export interface ProtobufOptions {
  readonly wrapperForNullables: boolean;
  readonly intForEnums: boolean;
  readonly generateIndexForUnions: boolean;
  readonly flattenUnions: boolean;
}

export type RegistryConnection = ConfluentRegistryConnection | GlueRegistryConnection;

/** A Confluent-compatible registry: base URLs tried in order, and how to authenticate. */
export interface ConfluentRegistryConnection {
  readonly kind: 'confluent';
  /** Base URLs without user info, e.g. `https://psrc-x.eu-west-1.aws.confluent.cloud`. */
  readonly urls: readonly string[];
  readonly auth: RegistryAuth;
  /** Confluent Cloud's routing headers for bearer auth (`target-sr-cluster`, identity pool). */
  readonly headers: Readonly<Record<string, string>>;
}

export interface GlueRegistryConnection {
  readonly kind: 'glue';
  /** Undefined: the function's region. */
  readonly region: string | undefined;
  readonly endpoint: string | undefined;
}

export type RegistryAuth =
  | { readonly kind: 'none' }
  | { readonly kind: 'basic'; readonly userInfo: string }
  | { readonly kind: 'bearer'; readonly token: string }
  /** Read at cold start from Secrets Manager: `{"username","password"}` or `{"token"}`. */
  | { readonly kind: 'secret'; readonly secretArn: string; readonly scheme: 'basic' | 'bearer' };

/** JsonConverter's options, catalogue keys, which a registry converter does not read. */
const JSON_OPTIONS: readonly string[] = ['schemas.enable', 'replace.null.with.default'];

const VALID_CLASSES = `valid values: ${Object.values(CONVERTER_CLASSES).join(', ')}`;
const IGNORED_OPTIONS: ReadonlySet<string> = new Set(IGNORED_CONVERTER_OPTIONS);

/**
 * How the record keys or values are read. `key.converter.replace.null.with.default` is an ignored
 * key (keys are not loaded), so only the value converter reads it.
 */
export function parseConverter(which: 'key' | 'value', source: ConfigSource): ConverterConfig {
  const key = `${which}.converter` as const;
  const cls = source.get(key) ?? SINK_KEYS[key].default;
  const registryConverter = REGISTRY_CONVERTERS[cls];
  if (registryConverter !== undefined) {
    const options = optionsOf(which, source);
    const registry =
      registryConverter.registry === 'glue'
        ? parseGlueRegistry(which, cls, options, source)
        : parseConfluentRegistry(which, cls, options, source);
    const protobuf = parseProtobufOptions(which, options, source);
    return { kind: 'registry', format: registryConverter.format, registry, protobuf };
  }
  refuseRegistryOptions(which, cls, source);
  if (cls === CONVERTER_CLASSES.string) return { kind: 'string' };
  if (cls !== CONVERTER_CLASSES.json) source.problem(key, `"${cls}" is not supported; ${VALID_CLASSES}`);
  const schemasEnable = readBoolean(source, `${which}.converter.schemas.enable`);
  // Keys are not loaded, so the key converter takes the value converter's default unread.
  const replaceNullWithDefault =
    which === 'value'
      ? readBoolean(source, 'value.converter.replace.null.with.default')
      : SINK_KEYS['value.converter.replace.null.with.default'].default;
  return { kind: 'json', schemasEnable, replaceNullWithDefault };
}

/**
 * JsonConverter's options present beside a registry converter: Kafka Connect hands them to the
 * converter, which does not read them, so they are reported as ignored rather than refused.
 */
export function jsonOptionsIgnored(
  source: ConfigSource,
  converters: { readonly key: ConverterConfig; readonly value: ConverterConfig },
): string[] {
  return (['key', 'value'] as const).flatMap((which) =>
    converters[which].kind === 'registry'
      ? JSON_OPTIONS.map((option) => `${which}.converter.${option}`).filter((key) => source.raw.has(key))
      : [],
  );
}

/** The converter options present (`value.converter.<option>`), by option, without the ignored ones. */
function optionsOf(which: 'key' | 'value', source: ConfigSource): Map<string, string> {
  const prefix = `${which}.converter.`;
  const options = new Map<string, string>();
  for (const [key, value] of source.raw) {
    if (!key.startsWith(prefix)) continue;
    const option = key.slice(prefix.length);
    if (!IGNORED_OPTIONS.has(option)) options.set(option, value);
  }
  return options;
}

/** Every option present that the class does not take is a problem naming those it does take. */
function checkOptionNames(
  which: 'key' | 'value',
  cls: string,
  registry: 'confluent' | 'glue',
  options: ReadonlyMap<string, string>,
  source: ConfigSource,
): void {
  const format = REGISTRY_CONVERTERS[cls]?.format;
  const valid = Object.entries(CONVERTER_OPTIONS)
    .filter(([, spec]) => spec.registry === registry && (!('format' in spec) || spec.format === format))
    .map(([option]) => option);
  for (const option of options.keys()) {
    if (valid.includes(option)) continue;
    // JsonConverter's own options, often left in a pasted config: ignored (jsonOptionsIgnored).
    if (JSON_OPTIONS.includes(option)) continue;
    const spec = (CONVERTER_OPTIONS as Record<string, { registry: string }>)[option];
    const hint =
      spec === undefined
        ? ''
        : ` (it is an option of the ${spec.registry === 'glue' ? 'AWS Glue' : 'Confluent'} converters)`;
    source.problem(
      `${which}.converter.${option}`,
      `is not an option of ${cls}${hint}; valid options: ${valid.map((o) => `${which}.converter.${o}`).join(', ')}`,
    );
  }
}

/** Registry options under a JsonConverter or StringConverter: they would be silently unused. */
function refuseRegistryOptions(which: 'key' | 'value', cls: string, source: ConfigSource): void {
  for (const [option] of optionsOf(which, source)) {
    if (option === 'schemas.enable' || (which === 'value' && option === 'replace.null.with.default'))
      continue;
    const known = Object.hasOwn(CONVERTER_OPTIONS, option);
    source.problem(
      `${which}.converter.${option}`,
      known
        ? `is an option of the schema-registry converters, but ${which}.converter is ${cls}; set ${which}.converter to ${CONVERTER_CLASSES.confluentAvro} (or another registry converter), or remove this key`
        : `is not a known option of ${cls}`,
    );
  }
}

/** ProtobufConverter's value options, each a boolean with Confluent's default. */
function parseProtobufOptions(
  which: 'key' | 'value',
  options: ReadonlyMap<string, string>,
  source: ConfigSource,
): ProtobufOptions {
  const read = (
    option: 'wrapper.for.nullables' | 'int.for.enums' | 'generate.index.for.unions' | 'flatten.unions',
  ) => {
    const fallback: boolean = CONVERTER_OPTIONS[option].default;
    const text = options.get(option);
    if (text === undefined) return fallback;
    return checkBoolean(`${which}.converter.${option}`, text, source.problem) ?? fallback;
  };
  return {
    wrapperForNullables: read('wrapper.for.nullables'),
    intForEnums: read('int.for.enums'),
    generateIndexForUnions: read('generate.index.for.unions'),
    flattenUnions: read('flatten.unions'),
  };
}

function parseConfluentRegistry(
  which: 'key' | 'value',
  cls: string,
  options: ReadonlyMap<string, string>,
  source: ConfigSource,
): ConfluentRegistryConnection {
  checkOptionNames(which, cls, 'confluent', options, source);
  const keyOf = (option: ConverterOption) => `${which}.converter.${option}`;
  const { urls, userInfo } = parseRegistryUrls(keyOf('schema.registry.url'), options, source);
  const auth = parseRegistryAuth(which, options, userInfo, source);
  const headers: Record<string, string> = {};
  const cluster = options.get('bearer.auth.logical.cluster')?.trim();
  const pool = options.get('bearer.auth.identity.pool.id')?.trim();
  if (cluster) headers['target-sr-cluster'] = cluster;
  if (pool) headers['Confluent-Identity-Pool-Id'] = pool;
  return { kind: 'confluent', urls, auth, headers };
}

/**
 * `schema.registry.url`: http(s) base URLs. User info in them is taken out of the URL (it is sent
 * as basic auth when the credentials source is URL, Confluent's default) and never shown.
 */
function parseRegistryUrls(
  key: string,
  options: ReadonlyMap<string, string>,
  source: ConfigSource,
): { urls: string[]; userInfo: string | undefined } {
  const text = options.get('schema.registry.url');
  const entries = splitList(text);
  if (entries.length === 0) {
    source.problem(
      key,
      'is required with a Confluent converter: the registry base URL(s), e.g. https://psrc-xxxxx.region.aws.confluent.cloud',
    );
    return { urls: [], userInfo: undefined };
  }
  const urls: string[] = [];
  const userInfos = new Set<string>();
  entries.forEach((entry, index) => {
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      source.problem(key, `entry ${index + 1} is not a URL; expected http(s)://host[:port][/path]`);
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      source.problem(key, `entry ${index + 1} has scheme "${url.protocol}"; expected http or https`);
      return;
    }
    if (url.search !== '' || url.hash !== '') {
      source.problem(key, `entry ${index + 1} carries a query or fragment; give the base URL only`);
      return;
    }
    if (url.username !== '' || url.password !== '') {
      userInfos.add(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`);
      url.username = '';
      url.password = '';
    }
    urls.push(url.href.replace(/\/+$/, ''));
  });
  if (userInfos.size > 1) {
    source.problem(key, 'the URLs carry different user info; one registry takes one set of credentials');
  }
  return { urls, userInfo: userInfos.values().next().value };
}

function parseRegistryAuth(
  which: 'key' | 'value',
  options: ReadonlyMap<string, string>,
  urlUserInfo: string | undefined,
  source: ConfigSource,
): RegistryAuth {
  const keyOf = (option: ConverterOption) => `${which}.converter.${option}`;
  const basicSource = (options.get('basic.auth.credentials.source') ?? 'URL').trim().toUpperCase();
  const userInfo = options.get('basic.auth.user.info');
  const bearerSource = options.get('bearer.auth.credentials.source')?.trim().toUpperCase();
  const token = options.get('bearer.auth.token');
  const secretArn = options.get('schema.registry.secret.arn')?.trim();

  if (basicSource === 'SASL_INHERIT') {
    source.problem(
      keyOf('basic.auth.credentials.source'),
      "SASL_INHERIT takes the Kafka client's SASL credentials, and the function has no Kafka client; use USER_INFO with schema.registry.secret.arn",
    );
  } else if (basicSource !== 'URL' && basicSource !== 'USER_INFO') {
    source.problem(
      keyOf('basic.auth.credentials.source'),
      `"${basicSource}" is not supported; valid values: URL, USER_INFO`,
    );
  }
  if (bearerSource !== undefined && bearerSource !== 'STATIC_TOKEN') {
    source.problem(
      keyOf('bearer.auth.credentials.source'),
      `"${bearerSource}" is not supported (the function fetches no OAuth tokens); valid values: STATIC_TOKEN, with bearer.auth.token or schema.registry.secret.arn holding {"token"}; or use a Confluent Cloud API key as basic auth`,
    );
  }
  if (secretArn !== undefined && secretArn !== '') {
    if (userInfo !== undefined || token !== undefined || urlUserInfo !== undefined) {
      source.problem(
        keyOf('schema.registry.secret.arn'),
        'is set together with credentials in the config; use one source of registry credentials',
      );
    }
    return { kind: 'secret', secretArn, scheme: bearerSource === undefined ? 'basic' : 'bearer' };
  }
  if (bearerSource !== undefined) {
    if (token === undefined || token === '') {
      source.problem(
        keyOf('bearer.auth.token'),
        'is required with bearer.auth.credentials.source=STATIC_TOKEN, unless schema.registry.secret.arn holds {"token"}',
      );
      return { kind: 'none' };
    }
    return { kind: 'bearer', token };
  }
  if (basicSource === 'USER_INFO') {
    if (userInfo === undefined || !userInfo.includes(':')) {
      source.problem(
        keyOf('basic.auth.user.info'),
        userInfo === undefined
          ? 'is required with basic.auth.credentials.source=USER_INFO ("user:password"), unless schema.registry.secret.arn names a secret'
          : 'must be "user:password"',
      );
      return { kind: 'none' };
    }
    return { kind: 'basic', userInfo };
  }
  if (userInfo !== undefined) {
    source.problem(
      keyOf('basic.auth.user.info'),
      'is read only with basic.auth.credentials.source=USER_INFO (the default, URL, takes the user info of the registry URL)',
    );
  }
  return urlUserInfo === undefined ? { kind: 'none' } : { kind: 'basic', userInfo: urlUserInfo };
}

function parseGlueRegistry(
  which: 'key' | 'value',
  cls: string,
  options: ReadonlyMap<string, string>,
  source: ConfigSource,
): GlueRegistryConnection {
  checkOptionNames(which, cls, 'glue', options, source);
  const region = options.get('region')?.trim() || undefined;
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    source.problem(`${which}.converter.region`, `"${region}" is not an AWS region name (e.g. eu-west-1)`);
  }
  const endpoint = options.get('endpoint')?.trim() || undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^\s/@]+(\/.*)?$/.test(endpoint)) {
    source.problem(`${which}.converter.endpoint`, 'is not an http(s) URL without user info');
  }
  return { kind: 'glue', region, endpoint };
}

/** The registry secrets in the config (user info, tokens): hidden in every problem that quotes a value. */
export function registrySecrets(source: ConfigSource): string[] {
  const secrets: string[] = [];
  for (const which of ['key', 'value']) {
    for (const option of ['basic.auth.user.info', 'bearer.auth.token']) {
      const value = source.get(`${which}.converter.${option}`);
      if (value === undefined || value.length < 2) continue;
      secrets.push(value, ...value.split(':').filter((piece) => piece.length >= 2));
    }
  }
  return secrets;
}
