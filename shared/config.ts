import { accessSync, constants, readdirSync, readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { packageRoot } from './paths.js';
import { parseByteSize } from './byte-size.js';
import { topicNameProblem } from './kafka-topic.js';
import { parseTimeValue, positiveDuration } from './time-value.js';
import { DEFAULT_INTERNAL_NETWORKS } from './ip.js';
import { maskUrlPasswords } from './url-password.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** A user mistake in the configuration: reported as one line per bad setting, never as a stack trace. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

// ---------------------------------------------------------------------------------------------
// Value parsers. Each names what it expected, because that text ends up in front of the operator.
// ---------------------------------------------------------------------------------------------

const PORT_EXPECTED = 'expected an integer TCP port from 1 to 65535';

function parsePort(value: string): number | string {
  if (!/^\d+$/.test(value)) return PORT_EXPECTED;
  const port = Number(value);
  return port >= 1 && port <= 65535 ? port : PORT_EXPECTED;
}

const port = z.string().transform((value, ctx) => {
  const parsed = parsePort(value);
  if (typeof parsed === 'string') {
    ctx.addIssue(parsed);
    return z.NEVER;
  }
  return parsed;
});

function list(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

const HOST_PORT = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)):([^:]*)$/;
const BROKERS_EXPECTED = 'expected comma-separated host:port pairs such as "kafka-1:9092,kafka-2:9092"';

const brokers = z.string().transform((value, ctx) => {
  const items = list(value);
  if (items.length === 0) {
    ctx.addIssue(`${BROKERS_EXPECTED}; got no broker`);
    return z.NEVER;
  }
  for (const item of items) {
    const scheme = /^([A-Za-z_]+):\/\//.exec(item);
    if (scheme) {
      // A listener as server.properties writes it (PLAINTEXT://, SASL_SSL://): kafkajs takes host:port; the protocol is other settings'.
      ctx.addIssue(`${BROKERS_EXPECTED}; "${item}" has a scheme: write "${item.slice(scheme[0].length)}" (KAFKA_SSL and KAFKA_SASL_MECHANISM say TLS and SASL)`);
      return z.NEVER;
    }
    const match = HOST_PORT.exec(item);
    if (!match) {
      ctx.addIssue(`${BROKERS_EXPECTED}; "${item}" has no port`);
      return z.NEVER;
    }
    if (typeof parsePort(match[3] ?? '') === 'string') {
      ctx.addIssue(`${BROKERS_EXPECTED}; "${item}" has port "${match[3]}", ${PORT_EXPECTED}`);
      return z.NEVER;
    }
  }
  return items;
});

const TOPIC_EXPECTED = 'expected Kafka topic names: 1 to 249 of letters, digits, ".", "_" and "-", not "." or ".."';

function isTopic(name: string): boolean {
  return topicNameProblem(name) === undefined;
}

const topic = z.string().refine(isTopic, TOPIC_EXPECTED);

const topics = z.string().transform((value, ctx) => {
  const items = list(value);
  const bad = items.find((name) => !isTopic(name));
  if (items.length === 0 || bad !== undefined) {
    ctx.addIssue(bad === undefined ? `${TOPIC_EXPECTED}; got none` : `${TOPIC_EXPECTED}; "${bad}" is not one`);
    return z.NEVER;
  }
  return items;
});

const URLS_EXPECTED = 'expected an http:// or https:// URL such as "https://es.example.com:9200", or several, comma-separated';

/** One node's URL; its credentials (https://elastic:changeme@es:9200, as the clients take them) apart, so that no URL printed or logged holds a password. */
function nodeUrl(value: string): { url: string; user: { username: string; password: string } | undefined } | string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${URLS_EXPECTED}; "${value}" is not a URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return /^[\w.-]+:\d+$/.test(value) ? `${URLS_EXPECTED}; "${value}" has no scheme: write "http://${value}"` : `${URLS_EXPECTED}; "${url.protocol}" is neither`;
  }
  let user: { username: string; password: string } | undefined;
  try {
    user = url.username === '' ? undefined : { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
  } catch {
    // The URL parser keeps a `%` not followed by two hex digits; the credentials cannot be read back.
    return `${URLS_EXPECTED}; its user or password has a % not followed by two hex digits (write % as %25)`;
  }
  url.username = '';
  url.password = '';
  return { url: url.href.replace(/\/+$/, ''), user };
}

/** The cluster's nodes (the client spreads requests over them and retries another when one fails), and the user their URLs give. */
const elasticsearchUrls = z.string().transform((value, ctx) => {
  const nodes = list(value).map(nodeUrl);
  const bad = nodes.find((node) => typeof node === 'string');
  if (bad !== undefined || nodes.length === 0) {
    ctx.addIssue(bad ?? `${URLS_EXPECTED}; got none`);
    return z.NEVER;
  }
  const parsed = nodes as Array<Exclude<(typeof nodes)[number], string>>;
  const users = new Set(parsed.map((node) => JSON.stringify(node.user ?? null)));
  if (users.size > 1) {
    ctx.addIssue(`${URLS_EXPECTED}; the URLs give different credentials: one cluster takes one user`);
    return z.NEVER;
  }
  return { urls: parsed.map((node) => node.url), user: parsed[0]?.user };
});

function absolute(path: string): string {
  return isAbsolute(path) ? path : resolve(process.cwd(), path);
}

/** Checked at start so that a typo in a path fails now, not at the first event that needs the file. */
const readableFile = z.string().transform((value, ctx) => {
  const path = absolute(value);
  try {
    if (!statSync(path).isFile()) {
      ctx.addIssue(`expected a readable file; ${path} is not a regular file`);
      return z.NEVER;
    }
    accessSync(path, constants.R_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable (permission denied)' : `cannot be read (${code ?? 'unknown error'})`;
    ctx.addIssue(`expected a readable file; ${path} ${why}`);
    return z.NEVER;
  }
  return path;
});

/** The demo month's volume when SLUICE_DEMO_EVENTS is not set (README: how long its backfill takes). */
export const DEMO_EVENTS = 500_000;

/** Elastic's data stream naming scheme: the namespace is lower case, has no "-" and none of \/*?"<>|,# or space. */
const namespace = z
  .string()
  .refine(
    (value) => /^[a-z0-9][a-z0-9_.]*$/.test(value) && Buffer.byteLength(value) <= 100,
    'expected a data stream namespace: lower-case letters, digits, "_" and ".", starting with a letter or digit, at most 100 bytes, no "-"',
  );

const timeZone = z.string().refine((value) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}, 'expected an IANA time zone such as "UTC" or "Europe/Berlin"');

const nonEmpty = z.string().min(1, 'expected a non-empty value');

/** Addresses or CIDR blocks of proxies whose X-Forwarded-For is believed. */
const cidrs = z.string().transform((value, ctx) => {
  const items = list(value);
  const bad = items.find((item) => {
    const [address = '', prefix] = item.split('/');
    const version = isIP(address);
    return version === 0 || (prefix !== undefined && !(/^\d+$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128)));
  });
  if (bad !== undefined) {
    ctx.addIssue(`expected comma-separated IP addresses or CIDR blocks such as "10.0.0.0/8,::1"; "${bad}" is neither`);
    return z.NEVER;
  }
  return items;
});

const SOURCE_NAMES = ['app', 'traefik', 'worker', 'postgres', 'generic'] as const;
type SourceName = (typeof SOURCE_NAMES)[number];

/** `topic=source` pairs: which pipeline a topic's messages go to. */
const topicSources = z.string().transform((value, ctx) => {
  const mapping: Record<string, SourceName> = {};
  for (const item of list(value)) {
    const [topicName = '', source = ''] = item.split('=').map((part) => part.trim());
    if (!isTopic(topicName) || !(SOURCE_NAMES as readonly string[]).includes(source)) {
      ctx.addIssue(`expected comma-separated topic=source pairs, the source one of ${SOURCE_NAMES.join(', ')}; "${item}" is not one`);
      return z.NEVER;
    }
    mapping[topicName] = source as SourceName;
  }
  return mapping;
});

/** What redaction can remove (pipelines/enrich/redact.ts); each rule replaces what it finds with `[REDACTED:<rule>]`. */
export const REDACTION_RULES = ['email', 'card', 'iban', 'jwt', 'token', 'secret'] as const;
export type RedactionRule = (typeof REDACTION_RULES)[number];
const redactRules = z.string().transform((value, ctx) => {
  if (value.trim() === 'none') return [];
  const items = list(value);
  const bad = items.find((item) => !(REDACTION_RULES as readonly string[]).includes(item));
  if (bad !== undefined) {
    ctx.addIssue(`expected "none" or comma-separated redaction rules from ${REDACTION_RULES.join(', ')}; "${bad}" is not one`);
    return z.NEVER;
  }
  return items as RedactionRule[];
});

/** The pipeline's enrichers, in the order they run (pipelines/enrichers.ts). */
export const ENRICHERS = ['client_address', 'geoip', 'network_direction', 'user_agent', 'login', 'security', 'redact'] as const;
export type EnricherName = (typeof ENRICHERS)[number];

const enricherList = z.string().transform((value, ctx) => {
  if (value.trim() === 'all') return [...ENRICHERS];
  if (value.trim() === 'none') return [];
  const items = list(value);
  const bad = items.find((item) => !(ENRICHERS as readonly string[]).includes(item));
  if (bad !== undefined) {
    ctx.addIssue(`expected "all", "none" or comma-separated enrichers from ${ENRICHERS.join(', ')}; "${bad}" is not one`);
    return z.NEVER;
  }
  return items as EnricherName[];
});

/** An Elasticsearch time value for ILM ages (`30d`, `12h`). */
const timeValue = z.string().regex(/^\d+(d|h|m|s)$/, 'expected an Elasticsearch time value such as "30d" or "12h"');

/** An Elasticsearch byte size for rollover (`50gb`). */
const byteSize = z.string().regex(/^\d+(b|kb|mb|gb|tb)$/i, 'expected an Elasticsearch byte size such as "50gb"');

/** A duration for Sluice's own timers (`500ms`, `1s`, `30s`), in ms. */
const duration = positiveDuration;

/** A size in bytes for Sluice's own buffers (`5mb`, `256mb`), in bytes. */
const bytes = z.string().transform((value, ctx) => {
  const size = parseByteSize(value);
  if (size === undefined || size < 1024) {
    ctx.addIssue('expected a size of at least 1kb such as "512kb", "5mb" or "1gb"');
    return z.NEVER;
  }
  return size;
});

function positiveInteger(max: number) {
  return z.string().transform((value, ctx) => {
    const number = Number(value);
    if (!/^\d+$/.test(value) || number < 1 || number > max) {
      ctx.addIssue(`expected an integer from 1 to ${max}`);
      return z.NEVER;
    }
    return number;
  });
}

const flag = z.enum(['true', 'false'], 'expected true or false').transform((value) => value === 'true');
/** A switch also written as 1/0, as SLUICE_DEMO=0 is. */
const onOff = z.enum(['true', 'false', '1', '0'], 'expected true, false, 1 or 0').transform((value) => value === 'true' || value === '1');

function nonNegativeInteger(max: number) {
  return z.string().transform((value, ctx) => {
    const number = Number(value);
    if (!/^\d+$/.test(value) || number > max) {
      ctx.addIssue(`expected an integer from 0 to ${max}`);
      return z.NEVER;
    }
    return number;
  });
}

/** A case-insensitive regular expression, compiled at start so that a typo is a configuration error. */
const pattern = z.string().transform((value, ctx) => {
  try {
    return new RegExp(value, 'i');
  } catch (error) {
    ctx.addIssue(`expected a regular expression: ${(error as Error).message}`);
    return z.NEVER;
  }
});

/** CRS rule ids, as SecRuleRemoveById takes them: `942100, 920300-920310` (commas or blanks). */
export function parseRuleIds(value: string): number[] | string {
  const ids: number[] = [];
  for (const part of value.split(/[\s,]+/).filter((item) => item !== '')) {
    const match = /^(\d{1,9})(?:-(\d{1,9}))?$/.exec(part);
    if (match === null) return `expected rule ids or ranges such as "942100, 920300-920310"; not one: ${part}`;
    const from = Number(match[1]);
    const to = Number(match[2] ?? match[1]);
    if (to < from || to - from > 100_000) return `expected a range from a lower to a higher id; not one: ${part}`;
    for (let id = from; id <= to; id += 1) ids.push(id);
  }
  return ids;
}

const ruleIds = z.string().transform((value, ctx) => {
  const ids = parseRuleIds(value);
  if (typeof ids === 'string') {
    ctx.addIssue(ids);
    return z.NEVER;
  }
  return ids;
});

/** A directory that holds CRS's REQUEST-*.conf files, checked at start. */
const crsDirectory = z.string().transform((value, ctx) => {
  const path = absolute(value);
  try {
    if (!statSync(path).isDirectory() || !readdirSync(path).some((name) => /^REQUEST-9\d\d-.*\.conf$/.test(name))) {
      ctx.addIssue(`expected a directory of CRS rule files (REQUEST-9xx-*.conf); ${path} has none`);
      return z.NEVER;
    }
  } catch {
    ctx.addIssue(`expected a directory of CRS rule files; ${path} does not exist or cannot be read`);
    return z.NEVER;
  }
  return path;
});

/** A file of rule ids to leave out: ids and ranges, or `SecRuleRemoveById` lines as in a ModSecurity config; `#` comments. */
const crsExcludeFile = readableFile.transform((path, ctx) => {
  const ids: number[] = [];
  const lines = readFileSync(path, 'utf8').split('\n');
  for (const [index, line] of lines.entries()) {
    const text = line.replace(/#.*/, '').trim().replace(/^SecRuleRemoveById\s+/i, '');
    if (text === '') continue;
    const parsed = parseRuleIds(text.replace(/"/g, ''));
    if (typeof parsed === 'string') {
      ctx.addIssue(`${path}:${index + 1}: ${parsed}`);
      return z.NEVER;
    }
    ids.push(...parsed);
  }
  return ids;
});

/** HTTP methods separated by blanks, as crs-setup.conf's tx.allowed_methods. */
const httpMethods = z.string().regex(/^\s*[A-Z]+(\s+[A-Z]+)*\s*$/, 'expected HTTP methods in capitals separated by spaces, such as "GET HEAD POST"').transform((value) => value.trim().replace(/\s+/g, ' '));

/** A behaviour threshold: `count/window` (`10/5m`: ten in five minutes), or `off`. */
const threshold = z.string().transform((value, ctx) => {
  // null, not undefined: zod would put the default in place of an undefined result.
  if (value.trim() === 'off') return null;
  const match = /^(\d+)\/(.+)$/.exec(value.trim());
  const windowMs = match === null ? undefined : parseTimeValue(match[2] as string);
  if (match === null || Number(match[1]) < 1 || windowMs === undefined || windowMs < 10_000 || windowMs > 86_400_000 || windowMs % 1000 !== 0) {
    ctx.addIssue('expected "off" or count/window, such as "10/5m" (a count of at least 1 in a window of whole seconds from 10s to 1d)');
    return z.NEVER;
  }
  return { count: Number(match[1]), windowMs };
});

/** Index names or patterns for searches (`logs-rendiff.traefik-*`). */
const indexPatterns = z.string().transform((value, ctx) => {
  const items = list(value);
  const bad = items.find((item) => !/^[^\s\\/?"<>|#]+$/.test(item));
  if (items.length === 0 || bad !== undefined) {
    ctx.addIssue(`expected comma-separated index names or patterns such as "logs-rendiff.traefik-*"${bad === undefined ? '' : `; "${bad}" is not one`}`);
    return z.NEVER;
  }
  return items;
});

export const API_ROLES = ['reader', 'admin'] as const;
export type ApiRole = (typeof API_ROLES)[number];
export interface ApiKey {
  role: ApiRole;
  key: string;
}

/** `admin:KEY` or `reader:KEY`; a key without a role prefix is a reader's. */
const apiKeys = z.string().transform((value, ctx) => {
  const keys = list(value).map((item): ApiKey => {
    const match = /^(reader|admin):(.*)$/.exec(item);
    return match ? { role: match[1] as ApiRole, key: match[2] as string } : { role: 'reader', key: item };
  });
  if (keys.length === 0 || keys.some(({ key }) => key.length < 16)) {
    ctx.addIssue('expected comma-separated API keys of at least 16 characters each, each optionally prefixed with its role (admin:KEY, reader:KEY; reader when none)');
    return z.NEVER;
  }
  return keys;
});

/** Login endpoints of common frameworks and of the seed's API (`/api/v1/auth/login`), by the end of the path. */
const LOGIN_PATHS = /(^|\/)(login|log-in|signin|sign-in|sign_in|authenticate|wp-login\.php|oauth2?\/token|auth\/token)\/?$/i;

// ---------------------------------------------------------------------------------------------
// The contract: every variable of DESIGN.md, with its default. Empty values count as unset.
// ---------------------------------------------------------------------------------------------

const settingsSchema = z.object({
  KAFKA_BROKERS: brokers.optional(),
  KAFKA_TOPICS: topics.default(['logs-app', 'logs-traefik', 'logs-worker', 'logs-postgres']),
  KAFKA_GROUP_ID: nonEmpty.default('sluice-ingest'),
  KAFKA_GROUP_INSTANCE_ID: z.string().trim().min(1).max(249, 'expected at most 249 characters').optional(),
  KAFKA_DLQ_TOPIC: topic.default('sluice-dlq'),
  KAFKA_SSL: flag.default(false),
  KAFKA_CA_FILE: readableFile.optional(),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512'], 'expected plain, scram-sha-256 or scram-sha-512').optional(),
  KAFKA_SASL_USERNAME: nonEmpty.optional(),
  KAFKA_SASL_PASSWORD: nonEmpty.optional(),
  ELASTICSEARCH_URL: elasticsearchUrls.optional(),
  ELASTICSEARCH_API_KEY: nonEmpty.optional(),
  ELASTICSEARCH_USERNAME: nonEmpty.optional(),
  ELASTICSEARCH_PASSWORD: nonEmpty.optional(),
  ELASTICSEARCH_CA_FILE: readableFile.optional(),
  SLUICE_NAMESPACE: namespace.default('default'),
  SLUICE_EVENT_NAMESPACES: z
    .string()
    .transform((value, ctx) => {
      const names = list(value);
      const bad = names.filter((name) => !namespace.safeParse(name).success);
      if (bad.length > 0) ctx.addIssue(`expected comma-separated data stream namespaces (lower case, no "-"); not one: ${bad.join(', ')}`);
      return names;
    })
    .default(['demo']),
  SLUICE_DEMO: onOff.default(true),
  SLUICE_DEMO_EVENTS: positiveInteger(100_000_000).default(DEMO_EVENTS),
  SLUICE_DEMO_RATE: nonNegativeInteger(1_000_000).default(20),
  SLUICE_DEMO_SEED: positiveInteger(2 ** 31).default(1),
  GEOIP_CITY_DB: readableFile.optional(),
  GEOIP_ASN_DB: readableFile.optional(),
  SLUICE_UA_REGEXES: readableFile.optional(),
  SLUICE_SLO_FILE: readableFile.optional(),
  SLUICE_NOTIFY_FILE: readableFile.optional(),
  SLUICE_API_PORT: port.default(8080),
  SLUICE_API_HOST: nonEmpty.default('127.0.0.1'),
  SLUICE_API_KEYS: apiKeys.optional(),
  SLUICE_REPORT_TZ: timeZone.default('UTC'),
  SLUICE_API_RATE_LIMIT: positiveInteger(1_000_000).default(600),
  SLUICE_API_TAIL_MAX_CLIENTS: positiveInteger(10_000).default(50),
  LOG_LEVEL: z.enum(LOG_LEVELS, `expected one of ${LOG_LEVELS.join(', ')}`).default('info'),
  LOG_FORMAT: z.enum(LOG_FORMATS, `expected one of ${LOG_FORMATS.join(', ')}`).optional(),
  SLUICE_DATA_DIR: nonEmpty.default('.sluice-data'),
  SLUICE_CACHE_DIR: nonEmpty.optional(),
  SLUICE_TOPIC_SOURCES: topicSources.default({}),
  SLUICE_TRUSTED_PROXIES: cidrs.default([]),
  SLUICE_INTERNAL_NETWORKS: cidrs.optional(),
  SLUICE_REDACT: redactRules.default([...REDACTION_RULES]),
  SLUICE_ENRICHERS: enricherList.default([...ENRICHERS]),
  SLUICE_LOGS_POLICY: nonEmpty.default('sluice-logs'),
  SLUICE_LOGS_RETENTION: timeValue.optional(),
  SLUICE_LOGS_WARM_AFTER: timeValue.optional(),
  SLUICE_LOGS_ROLLOVER_MAX_AGE: timeValue.optional(),
  SLUICE_LOGS_ROLLOVER_MAX_SIZE: byteSize.optional(),
  SLUICE_SECURITY_RETENTION: timeValue.optional(),
  SLUICE_ROLLUPS_RETENTION: timeValue.optional(),
  KAFKA_SESSION_TIMEOUT: duration.default(30_000),
  SLUICE_BULK_MAX_BYTES: bytes.default(5 * 1024 * 1024),
  SLUICE_BULK_MAX_DOCS: positiveInteger(100_000).default(5000),
  SLUICE_BULK_FLUSH_INTERVAL: duration.default(1000),
  SLUICE_BULK_CONCURRENCY: positiveInteger(64).default(2),
  SLUICE_BULK_MAX_RETRIES: positiveInteger(100).default(8),
  SLUICE_INGEST_MAX_INFLIGHT: bytes.default(256 * 1024 * 1024),
  SLUICE_SHUTDOWN_TIMEOUT: duration.default(30_000),
  SLUICE_INGEST_WORKERS: positiveInteger(64).optional(),
  SLUICE_INGEST_WARMUP: nonNegativeInteger(100_000).default(0),
  SLUICE_INGEST_METRICS_PORT: port.default(9464),
  SLUICE_INGEST_METRICS_HOST: nonEmpty.default('127.0.0.1'),
  SLUICE_ILM_APPLY: flag.default(true),
  SLUICE_LOGIN_PATHS: pattern.default(LOGIN_PATHS),
  SLUICE_CRS_PARANOIA: positiveInteger(4).default(1),
  SLUICE_CRS_THRESHOLD: positiveInteger(10_000).default(5),
  SLUICE_CRS_DIR: crsDirectory.optional(),
  SLUICE_CRS_EXCLUDE: ruleIds.default([]),
  SLUICE_CRS_EXCLUDE_FILE: crsExcludeFile.optional(),
  SLUICE_CRS_ALLOWED_METHODS: httpMethods.default('GET HEAD POST OPTIONS PUT PATCH DELETE'),
  SLUICE_DETECT_BRUTE_FORCE: threshold.default({ count: 10, windowMs: 300_000 }),
  SLUICE_DETECT_404_SCAN: threshold.default({ count: 30, windowMs: 60_000 }),
  SLUICE_DETECT_FLOOD: threshold.default({ count: 1200, windowMs: 60_000 }),
  SLUICE_DETECT_INDICES: indexPatterns.optional(),
  SLUICE_DETECT_INTERVAL: duration.default(60_000),
  SLUICE_DETECT_LOOKBACK: duration.default(900_000),
  SLUICE_DETECT_METRICS_PORT: port.default(9465),
  SLUICE_DETECT_METRICS_HOST: nonEmpty.default('127.0.0.1'),
  SLUICE_ROLLUP_INTERVAL: duration.default(60_000),
  SLUICE_ROLLUP_LOOKBACK: duration.default(7_200_000),
  SLUICE_REPORT_GRACE: duration.default(3_600_000),
  SLUICE_ROLLUP_METRICS_PORT: port.default(9466),
  SLUICE_ROLLUP_METRICS_HOST: nonEmpty.default('127.0.0.1'),
});

type Settings = z.output<typeof settingsSchema>;

export type SettingName = keyof z.input<typeof settingsSchema>;
export const SETTING_NAMES = Object.keys(settingsSchema.shape) as SettingName[];

/** Settings whose values never appear in output, logs or error messages. */
export const SECRET_SETTINGS: ReadonlySet<SettingName> = new Set([
  'ELASTICSEARCH_API_KEY',
  'ELASTICSEARCH_PASSWORD',
  'KAFKA_SASL_PASSWORD',
  'SLUICE_API_KEYS',
]);

export interface Config {
  kafka: {
    /** Undefined: Sluice starts its embedded Kafka emulator (local mode). */
    brokers: string[] | undefined;
    topics: string[];
    groupId: string;
    /** Static membership (group.instance.id): a restarted worker gets its partitions back without a rebalance. */
    groupInstanceId: string | undefined;
    dlqTopic: string;
    /** Which pipeline a topic's messages go to; a topic not named here is routed by its name, then by shape. */
    topicSources: Record<string, SourceName>;
    /** TLS to the brokers, with an optional CA bundle. */
    tls: { caFile: string | undefined } | undefined;
    /** SASL authentication. */
    sasl: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string } | undefined;
  };
  elasticsearch: {
    /** The cluster's nodes; undefined: Sluice starts its embedded Elasticsearch emulator (local mode). */
    urls: string[] | undefined;
    auth: { apiKey: string } | { username: string; password: string } | undefined;
    caFile: string | undefined;
  };
  namespace: string;
  /** Namespaces an event may choose with its own `data_stream.namespace` (SLUICE_EVENT_NAMESPACES). */
  eventNamespaces: string[];
  /** The local mode's demo (SLUICE_DEMO*): whether it runs, the backfilled month's volume, the live rate and the seed. */
  demo: { enabled: boolean; events: number; eventsPerSecond: number; seed: number };
  geoip: { cityDb: string | undefined; asnDb: string | undefined };
  sloFile: string;
  /** The networks `network.direction` counts as internal (SLUICE_INTERNAL_NETWORKS). */
  internalNetworks: string[];
  /** uap-core's `regexes.yaml` for user agents (SLUICE_UA_REGEXES), as the user_agent processor's `regex_file`. */
  uaRegexes: string;
  /** The HTTP API: listener, keys with roles, requests per minute per key (or address), live-tail clients. */
  api: { host: string; port: number; keys: ApiKey[]; rateLimitPerMinute: number; tailMaxClients: number };
  reportTimeZone: string;
  logLevel: LogLevel;
  /** JSON lines for machines; `pretty` for a person at a terminal (the default when stdout is one). */
  logFormat: LogFormat;
  dataDir: string;
  /** What Sluice derives from its data files to start faster, kept between starts (SLUICE_CACHE_DIR): the ASN ranges (IPv4 at start, IPv6 on the first IPv6 address), the CRS screen's analyses. */
  cacheDir: string;
  /** Proxies whose X-Forwarded-For is believed for the client address. */
  trustedProxies: string[];
  /** Redaction rules applied to every document before it is indexed. */
  redact: RedactionRule[];
  /** Which enrichers run (SLUICE_ENRICHERS); all by default. */
  enrichers: EnricherName[];
  /** Which lifecycle policy the log data streams use, and retention overrides of the files in ilm/. */
  ilm: {
    logsPolicy: string;
    logs: { retention?: string | undefined; warmAfter?: string | undefined; rolloverMaxAge?: string | undefined; rolloverMaxSize?: string | undefined };
    securityRetention: string | undefined;
    rollupsRetention: string | undefined;
  };
  /** The ingest service: consumer session, bulk indexer, memory bound, shutdown, its metrics listener. */
  ingest: {
    sessionTimeoutMs: number;
    bulk: { maxBytes: number; maxDocs: number; flushIntervalMs: number; concurrency: number; maxRetries: number };
    maxInflightBytes: number;
    shutdownTimeoutMs: number;
    /** Consumer-group members `sluice ingest` runs, each a process of its own; default the number of cores. */
    workers: number;
    /** Synthetic lines run through the pipeline before joining the group, so that the first real ones find it compiled (0: none). */
    warmUpEvents: number;
    metrics: { host: string; port: number };
    /** Install ilm/ (policies and templates) at start, as `sluice ilm apply` does. */
    applyIlm: boolean;
  };
  /** Request paths that are login attempts: tagged `event.category: authentication` by the pipeline. */
  loginPaths: RegExp;
  /** The OWASP CRS evaluator: paranoia level, inbound threshold, rule directory, rule ids left out, allowed methods. */
  crs: { paranoia: number; threshold: number; dir: string | undefined; exclude: number[]; allowedMethods: string };
  /** Behaviour-over-time detectors (brute force, 404 scans, floods) over Elasticsearch aggregates. */
  detect: {
    bruteForce: Threshold | undefined;
    scan404: Threshold | undefined;
    flood: Threshold | undefined;
    /** What the detectors search: the access logs, where every request of every ingest worker lands. */
    indices: string[];
    intervalMs: number;
    /** Closed windows that ended this recently are evaluated (again) on each run, so late documents count. */
    lookbackMs: number;
    metrics: { host: string; port: number };
  };
  /** The SLI rollups and the monthly reporter (`sluice rollup`). */
  rollup: {
    /** How often the trailing window is recomputed. */
    intervalMs: number;
    /** The trailing window recomputed on each run, so late events are absorbed. */
    lookbackMs: number;
    /** How long after a month ends its report is issued (frozen) automatically. */
    reportGraceMs: number;
    metrics: { host: string; port: number };
    /** The notifier's receivers and routes (YAML); none: Sluice sends no notification itself. */
    notifyFile: string | undefined;
  };
  /** True when neither Kafka nor Elasticsearch is configured: everything runs on the embedded emulators. */
  localMode: boolean;
  /** Where each explicitly given setting came from ("environment" or the configuration file's path). */
  origins: Partial<Record<SettingName, string>>;
}

/** At least `count` in a window of `windowMs`, per source address. */
export interface Threshold {
  count: number;
  windowMs: number;
}

export interface LoadOptions {
  /** A configuration file given on the command line; otherwise SLUICE_CONFIG_FILE names one. */
  file?: string | undefined;
  /** The verb serves the HTTP API, which outside local mode must not run without API keys. */
  servesApi?: boolean;
  /** More checks of the whole configuration (the lifecycle files with their settings), reported with the rest. */
  checks?: ReadonlyArray<(config: Config) => string[]>;
}

/** Levenshtein distance, for "did you mean" on a misspelt setting name. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The known setting closest to an unknown name, when it is close enough to be a typo. */
export function closestSetting(name: string): SettingName | undefined {
  let best: { name: SettingName; distance: number } | undefined;
  for (const known of SETTING_NAMES) {
    const d = distance(name.toUpperCase(), known);
    if (best === undefined || d < best.distance) best = { name: known, distance: d };
  }
  return best !== undefined && best.distance <= Math.max(2, Math.floor(name.length / 5)) ? best.name : undefined;
}

function unknownSetting(name: string, where: string): string {
  const suggestion = closestSetting(name);
  return `${where}unknown setting "${name}"${suggestion === undefined ? '; run "sluice config --help" or see docs/configuration.md for the list' : `; did you mean ${suggestion}?`}`;
}

/**
 * Environment variables that look like Sluice's but are none of them: any SLUICE_ name, and near misses of
 * the Kafka, Elasticsearch and GeoIP settings (KAFKA_BROKER). Other tools' KAFKA_HEAP_OPTS are left alone.
 */
function strayVariables(env: NodeJS.ProcessEnv): string[] {
  return Object.keys(env).filter((name) => {
    if ((SETTING_NAMES as string[]).includes(name) || name === 'SLUICE_CONFIG_FILE') return false;
    if (name.startsWith('SLUICE_')) return true;
    return /^(KAFKA|ELASTICSEARCH|GEOIP)_/.test(name) && closestSetting(name) !== undefined;
  });
}

type RawValue = { value: string; origin: string };

function readConfigFile(path: string): Map<SettingName, RawValue> {
  const file = absolute(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([`SLUICE_CONFIG_FILE=${JSON.stringify(path)}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`]);
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new ConfigError([`${file}: not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`]);
  }
  if (document === null || document === undefined) return new Map();
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigError([`${file}: expected a mapping of setting names to values, such as "KAFKA_BROKERS: kafka:9092"`]);
  }
  const values = new Map<SettingName, RawValue>();
  const problems: string[] = [];
  for (const [key, value] of Object.entries(document)) {
    if (!(SETTING_NAMES as string[]).includes(key)) {
      problems.push(unknownSetting(key, `${file}: `));
    } else if (Array.isArray(value) && value.every((item) => typeof item === 'string' || typeof item === 'number')) {
      values.set(key as SettingName, { value: value.join(','), origin: file });
    } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      values.set(key as SettingName, { value: String(value), origin: file });
    } else {
      problems.push(`${file}: setting "${key}" must be a string, a number or a list of them`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return values;
}

function shown(name: SettingName, value: string): string {
  // A URL's password masked, as `sluice config` masks the auth it becomes.
  return SECRET_SETTINGS.has(name) ? '"[REDACTED]"' : JSON.stringify(maskUrlPasswords(value, '[REDACTED]'));
}

/**
 * Reads every setting once, from the environment over an optional file, and validates all of them, each on
 * its own, then the rules between them and the given checks, so one run reports every problem at once.
 * Throws ConfigError naming variable, value and expectation.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: LoadOptions = {}): Config {
  const filePath = options.file ?? (env.SLUICE_CONFIG_FILE || undefined);
  const raw = filePath === undefined ? new Map<SettingName, RawValue>() : readConfigFile(filePath);
  for (const name of SETTING_NAMES) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') raw.set(name, { value: value.trim(), origin: 'environment' });
  }
  const describe = (name: SettingName, message: string): string => {
    const given = raw.get(name);
    if (given === undefined) return `${name}: ${message}`;
    const where = given.origin === 'environment' ? '' : ` (in ${given.origin})`;
    return `${name}=${shown(name, given.value)}${where}: ${message}`;
  };

  const problems = strayVariables(env).map((name) => unknownSetting(name, 'environment: '));
  const failed = new Set<SettingName>();
  const parsed: Record<string, unknown> = {};
  for (const name of SETTING_NAMES) {
    const schema = settingsSchema.shape[name];
    const result = schema.safeParse(raw.get(name)?.value);
    if (result.success) {
      parsed[name] = result.data;
      continue;
    }
    problems.push(describe(name, result.error.issues[0]?.message ?? 'invalid value'));
    failed.add(name);
    // The default stands in, so that the rules between settings and the checks still run.
    parsed[name] = schema.safeParse(undefined).data;
  }
  const settings = parsed as Settings;
  for (const [name, message, involved] of crossChecks(settings, options)) {
    if (!involved.some((setting) => failed.has(setting))) problems.push(describe(name, message));
  }
  const config = toConfig(settings, Object.fromEntries([...raw].map(([name, { origin }]) => [name, origin])));
  for (const check of options.checks ?? []) problems.push(...check(config));
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Rules that involve more than one setting: each names the setting to change and every setting it reads. */
function crossChecks(s: Settings, options: LoadOptions): Array<[SettingName, string, SettingName[]]> {
  const found: Array<[SettingName, string, SettingName[]]> = [];
  if (s.KAFKA_TOPICS.includes(s.KAFKA_DLQ_TOPIC)) {
    found.push(['KAFKA_DLQ_TOPIC', `must not be one of KAFKA_TOPICS, or dead letters would be consumed again`, ['KAFKA_TOPICS', 'KAFKA_DLQ_TOPIC']]);
  }
  if (s.ELASTICSEARCH_API_KEY !== undefined && (s.ELASTICSEARCH_USERNAME !== undefined || s.ELASTICSEARCH_PASSWORD !== undefined)) {
    found.push(['ELASTICSEARCH_API_KEY', 'expected either an API key or ELASTICSEARCH_USERNAME/ELASTICSEARCH_PASSWORD, not both', ['ELASTICSEARCH_API_KEY', 'ELASTICSEARCH_USERNAME', 'ELASTICSEARCH_PASSWORD']]);
  }
  const sasl = [s.KAFKA_SASL_MECHANISM, s.KAFKA_SASL_USERNAME, s.KAFKA_SASL_PASSWORD];
  if (sasl.some((v) => v !== undefined) && sasl.some((v) => v === undefined)) {
    found.push(['KAFKA_SASL_MECHANISM', 'KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD go together: give all three or none', ['KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD']]);
  }
  if (s.ELASTICSEARCH_URL?.user !== undefined && (s.ELASTICSEARCH_API_KEY !== undefined || s.ELASTICSEARCH_USERNAME !== undefined)) {
    found.push(['ELASTICSEARCH_URL', `holds a user, and ${s.ELASTICSEARCH_API_KEY === undefined ? 'ELASTICSEARCH_USERNAME' : 'ELASTICSEARCH_API_KEY'} is set too: give the credentials once`, ['ELASTICSEARCH_URL', 'ELASTICSEARCH_API_KEY', 'ELASTICSEARCH_USERNAME']]);
  }
  if ((s.ELASTICSEARCH_USERNAME === undefined) !== (s.ELASTICSEARCH_PASSWORD === undefined)) {
    const missing = s.ELASTICSEARCH_USERNAME === undefined ? 'ELASTICSEARCH_USERNAME' : 'ELASTICSEARCH_PASSWORD';
    found.push([missing, `is required when ${missing === 'ELASTICSEARCH_USERNAME' ? 'ELASTICSEARCH_PASSWORD' : 'ELASTICSEARCH_USERNAME'} is set`, ['ELASTICSEARCH_USERNAME', 'ELASTICSEARCH_PASSWORD']]);
  }
  const localMode = s.KAFKA_BROKERS === undefined && s.ELASTICSEARCH_URL === undefined;
  if (options.servesApi === true && !localMode && s.SLUICE_API_KEYS === undefined) {
    found.push(['SLUICE_API_KEYS', 'is required when KAFKA_BROKERS or ELASTICSEARCH_URL is set (outside local mode the API needs keys)', ['SLUICE_API_KEYS', 'KAFKA_BROKERS', 'ELASTICSEARCH_URL']]);
  }
  const longest = Math.max(...[s.SLUICE_DETECT_BRUTE_FORCE, s.SLUICE_DETECT_404_SCAN, s.SLUICE_DETECT_FLOOD].map((rule) => rule?.windowMs ?? 0));
  if (s.SLUICE_DETECT_LOOKBACK < longest + s.SLUICE_DETECT_INTERVAL) {
    found.push(['SLUICE_DETECT_LOOKBACK', `must be at least the longest detector window (${longest / 1000}s) plus SLUICE_DETECT_INTERVAL (${s.SLUICE_DETECT_INTERVAL / 1000}s), or windows would be skipped`, ['SLUICE_DETECT_LOOKBACK', 'SLUICE_DETECT_INTERVAL', 'SLUICE_DETECT_BRUTE_FORCE', 'SLUICE_DETECT_404_SCAN', 'SLUICE_DETECT_FLOOD']]);
  }
  if (s.SLUICE_ROLLUP_LOOKBACK < 2 * s.SLUICE_ROLLUP_INTERVAL) {
    found.push(['SLUICE_ROLLUP_LOOKBACK', `must be at least twice SLUICE_ROLLUP_INTERVAL (${s.SLUICE_ROLLUP_INTERVAL / 1000}s), or minutes between two runs would never be recomputed`, ['SLUICE_ROLLUP_LOOKBACK', 'SLUICE_ROLLUP_INTERVAL']]);
  }
  return found;
}

function toConfig(s: Settings, origins: Partial<Record<SettingName, string>>): Config {
  const auth =
    s.ELASTICSEARCH_API_KEY !== undefined
      ? { apiKey: s.ELASTICSEARCH_API_KEY }
      : s.ELASTICSEARCH_USERNAME !== undefined && s.ELASTICSEARCH_PASSWORD !== undefined
        ? { username: s.ELASTICSEARCH_USERNAME, password: s.ELASTICSEARCH_PASSWORD }
        : s.ELASTICSEARCH_URL?.user;
  return {
    kafka: {
      brokers: s.KAFKA_BROKERS,
      topics: s.KAFKA_TOPICS,
      groupId: s.KAFKA_GROUP_ID,
      groupInstanceId: s.KAFKA_GROUP_INSTANCE_ID,
      dlqTopic: s.KAFKA_DLQ_TOPIC,
      topicSources: s.SLUICE_TOPIC_SOURCES,
      // TLS when asked for, or when a CA is given (MSK, Confluent Cloud and Aiven all speak TLS).
      tls: s.KAFKA_SSL || s.KAFKA_CA_FILE !== undefined ? { caFile: s.KAFKA_CA_FILE } : undefined,
      sasl: s.KAFKA_SASL_MECHANISM !== undefined && s.KAFKA_SASL_USERNAME !== undefined && s.KAFKA_SASL_PASSWORD !== undefined ? { mechanism: s.KAFKA_SASL_MECHANISM, username: s.KAFKA_SASL_USERNAME, password: s.KAFKA_SASL_PASSWORD } : undefined,
    },
    elasticsearch: { urls: s.ELASTICSEARCH_URL?.urls, auth, caFile: s.ELASTICSEARCH_CA_FILE },
    namespace: s.SLUICE_NAMESPACE,
    eventNamespaces: s.SLUICE_EVENT_NAMESPACES,
    demo: { enabled: s.SLUICE_DEMO, events: s.SLUICE_DEMO_EVENTS, eventsPerSecond: s.SLUICE_DEMO_RATE, seed: s.SLUICE_DEMO_SEED },
    geoip: { cityDb: s.GEOIP_CITY_DB, asnDb: s.GEOIP_ASN_DB },
    sloFile: s.SLUICE_SLO_FILE ?? resolve(packageRoot, 'slo.yaml'),
    uaRegexes: s.SLUICE_UA_REGEXES ?? resolve(packageRoot, 'node_modules', 'uap-core', 'regexes.yaml'),
    api: { host: s.SLUICE_API_HOST, port: s.SLUICE_API_PORT, keys: s.SLUICE_API_KEYS ?? [], rateLimitPerMinute: s.SLUICE_API_RATE_LIMIT, tailMaxClients: s.SLUICE_API_TAIL_MAX_CLIENTS },
    reportTimeZone: s.SLUICE_REPORT_TZ,
    logLevel: s.LOG_LEVEL,
    logFormat: s.LOG_FORMAT ?? (process.stdout.isTTY === true ? 'pretty' : 'json'),
    dataDir: absolute(s.SLUICE_DATA_DIR),
    cacheDir: s.SLUICE_CACHE_DIR === undefined ? resolve(packageRoot, 'node_modules', '.cache', 'sluice') : absolute(s.SLUICE_CACHE_DIR),
    trustedProxies: s.SLUICE_TRUSTED_PROXIES,
    internalNetworks: s.SLUICE_INTERNAL_NETWORKS ?? DEFAULT_INTERNAL_NETWORKS,
    redact: s.SLUICE_REDACT,
    enrichers: s.SLUICE_ENRICHERS,
    ilm: {
      logsPolicy: s.SLUICE_LOGS_POLICY,
      logs: { retention: s.SLUICE_LOGS_RETENTION, warmAfter: s.SLUICE_LOGS_WARM_AFTER, rolloverMaxAge: s.SLUICE_LOGS_ROLLOVER_MAX_AGE, rolloverMaxSize: s.SLUICE_LOGS_ROLLOVER_MAX_SIZE },
      securityRetention: s.SLUICE_SECURITY_RETENTION,
      rollupsRetention: s.SLUICE_ROLLUPS_RETENTION,
    },
    ingest: {
      sessionTimeoutMs: s.KAFKA_SESSION_TIMEOUT,
      bulk: { maxBytes: s.SLUICE_BULK_MAX_BYTES, maxDocs: s.SLUICE_BULK_MAX_DOCS, flushIntervalMs: s.SLUICE_BULK_FLUSH_INTERVAL, concurrency: s.SLUICE_BULK_CONCURRENCY, maxRetries: s.SLUICE_BULK_MAX_RETRIES },
      maxInflightBytes: s.SLUICE_INGEST_MAX_INFLIGHT,
      shutdownTimeoutMs: s.SLUICE_SHUTDOWN_TIMEOUT,
      workers: s.SLUICE_INGEST_WORKERS ?? availableParallelism(),
      warmUpEvents: s.SLUICE_INGEST_WARMUP,
      metrics: { host: s.SLUICE_INGEST_METRICS_HOST, port: s.SLUICE_INGEST_METRICS_PORT },
      applyIlm: s.SLUICE_ILM_APPLY,
    },
    loginPaths: s.SLUICE_LOGIN_PATHS,
    crs: {
      paranoia: s.SLUICE_CRS_PARANOIA,
      threshold: s.SLUICE_CRS_THRESHOLD,
      dir: s.SLUICE_CRS_DIR,
      exclude: [...s.SLUICE_CRS_EXCLUDE, ...(s.SLUICE_CRS_EXCLUDE_FILE ?? [])],
      allowedMethods: s.SLUICE_CRS_ALLOWED_METHODS,
    },
    detect: {
      bruteForce: s.SLUICE_DETECT_BRUTE_FORCE ?? undefined,
      scan404: s.SLUICE_DETECT_404_SCAN ?? undefined,
      flood: s.SLUICE_DETECT_FLOOD ?? undefined,
      indices: s.SLUICE_DETECT_INDICES ?? [`logs-rendiff.traefik-${s.SLUICE_NAMESPACE}`],
      intervalMs: s.SLUICE_DETECT_INTERVAL,
      lookbackMs: s.SLUICE_DETECT_LOOKBACK,
      metrics: { host: s.SLUICE_DETECT_METRICS_HOST, port: s.SLUICE_DETECT_METRICS_PORT },
    },
    rollup: {
      intervalMs: s.SLUICE_ROLLUP_INTERVAL,
      lookbackMs: s.SLUICE_ROLLUP_LOOKBACK,
      reportGraceMs: s.SLUICE_REPORT_GRACE,
      metrics: { host: s.SLUICE_ROLLUP_METRICS_HOST, port: s.SLUICE_ROLLUP_METRICS_PORT },
      notifyFile: s.SLUICE_NOTIFY_FILE,
    },
    localMode: s.KAFKA_BROKERS === undefined && s.ELASTICSEARCH_URL === undefined,
    origins,
  };
}

/** The configuration as an operator may see it: secrets replaced, so it can be pasted into a ticket. */
export function describeConfig(config: Config): Record<string, unknown> {
  const auth = config.elasticsearch.auth;
  return {
    ...config,
    elasticsearch: {
      ...config.elasticsearch,
      auth: auth === undefined ? undefined : 'apiKey' in auth ? { apiKey: '[REDACTED]' } : { username: auth.username, password: '[REDACTED]' },
    },
    kafka: { ...config.kafka, sasl: config.kafka.sasl === undefined ? undefined : { ...config.kafka.sasl, password: '[REDACTED]' } },
    api: { ...config.api, keys: config.api.keys.map(({ role }) => ({ role, key: '[REDACTED]' })) },
    loginPaths: config.loginPaths.source,
  };
}
