import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogFormat, LogLevel } from './config.js';

export type { Logger } from 'pino';

/**
 * Keys whose values are secrets. pino's redact matches whole key names (it compiles paths, not
 * patterns, which keeps logging fast), so the variants of "password", "api key" and the
 * authorization headers that Sluice and its clients use are listed one by one.
 */
const SECRET_KEYS = [
  'password',
  'passwd',
  'db_password',
  'ELASTICSEARCH_PASSWORD',
  'api_key',
  'apiKey',
  'apikey',
  'x-api-key',
  'ELASTICSEARCH_API_KEY',
  'SLUICE_API_KEYS',
  'authorization',
  'Authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'secret',
  'client_secret',
  'token',
  'access_token',
  'refresh_token',
];

/** The depths at which a secret is looked for: top level and up to three objects deep (req.headers.authorization). */
const DEPTHS = ['', '*.', '*.*.', '*.*.*.'];

function pathOf(prefix: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${prefix}${key}` : `${prefix.replace(/\.$/, '')}[${JSON.stringify(key)}]`;
}

export const REDACTED_PATHS = DEPTHS.flatMap((prefix) => SECRET_KEYS.map((key) => pathOf(prefix, key)));

export const REDACTION_MARKER = '[REDACTED]';

/**
 * Sluice's own logger: JSON lines on stdout (or the given stream), level names, ISO time, secrets redacted.
 * `pretty` writes the same records for a person (pino-pretty): time, level, service, message, then fields.
 */
export function createLogger(level: LogLevel, format: LogFormat | DestinationStream = 'json', destination?: DestinationStream): Logger {
  if (typeof format !== 'string') return createLogger(level, 'json', format);
  const options = {
    name: 'sluice',
    level,
    redact: { paths: REDACTED_PATHS, censor: REDACTION_MARKER },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  if (format === 'pretty') {
    const stream = pretty({ destination: destination ?? 1, colorize: destination === undefined && process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name,service', messageFormat: '{if service}[{service}] {end}{msg}', sync: true });
    return pino(options, stream);
  }
  return destination === undefined ? pino(options) : pino(options, destination);
}

/** One child logger per service, so every line says which part of Sluice wrote it. */
export function serviceLogger(root: Logger, service: 'ingest' | 'detect' | 'api' | 'rollup' | 'reporter' | 'emulator' | 'demo' | 'cli'): Logger {
  return root.child({ service });
}
