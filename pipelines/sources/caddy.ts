import { isJsonObject } from '../../shared/json-object.js';
import { hostPort, put, type Json } from '../ecs.js';
import type { NormaliseContext } from './common.js';
import { normaliseWebServerRecord } from './traefik.js';

/**
 * Caddy's access log (the `log` directive; JSON, its default encoder when the output is not a terminal): one record per
 * request from the logger `http.log.access[.<name>]`, message "handled request", `ts` when it was written (epoch
 * seconds by default, or text by `time_format`), `request` (`remote_ip`, `remote_port`, `client_ip` since 2.7, `proto`,
 * `method`, `host`, `uri`, `headers` as lists of values, `tls` with `version` and `cipher_suite` as the numbers of the
 * TLS record, `proto` the negotiated ALPN and `server_name` the SNI), `bytes_read` (the body, since 2.7), `user_id`,
 * `duration` (seconds by default, or Go's duration text), `size`, `status` (0: the connection closed before an answer),
 * `resp_headers`. Checked against Debian's Caddy 2.6 (test/caddy-logs.test.ts) and the fields Caddy documents for
 * later versions.
 */

/** Go's crypto/tls names of the suites it negotiates (crypto/tls/cipher_suites.go): ECS's `tls.cipher` gives the name. */
const CIPHER_SUITES: ReadonlyMap<number, string> = new Map([
  [0x0005, 'TLS_RSA_WITH_RC4_128_SHA'], [0x000a, 'TLS_RSA_WITH_3DES_EDE_CBC_SHA'], [0x002f, 'TLS_RSA_WITH_AES_128_CBC_SHA'],
  [0x0035, 'TLS_RSA_WITH_AES_256_CBC_SHA'], [0x003c, 'TLS_RSA_WITH_AES_128_CBC_SHA256'], [0x009c, 'TLS_RSA_WITH_AES_128_GCM_SHA256'],
  [0x009d, 'TLS_RSA_WITH_AES_256_GCM_SHA384'], [0xc007, 'TLS_ECDHE_ECDSA_WITH_RC4_128_SHA'], [0xc009, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA'],
  [0xc00a, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA'], [0xc011, 'TLS_ECDHE_RSA_WITH_RC4_128_SHA'], [0xc012, 'TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA'],
  [0xc013, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'], [0xc014, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA'], [0xc023, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256'],
  [0xc027, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256'], [0xc02f, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'], [0xc02b, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'],
  [0xc030, 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'], [0xc02c, 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'], [0xcca8, 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256'],
  [0xcca9, 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'], [0x1301, 'TLS_AES_128_GCM_SHA256'], [0x1302, 'TLS_AES_256_GCM_SHA384'],
  [0x1303, 'TLS_CHACHA20_POLY1305_SHA256'],
]);

/** The TLS record's version number (0x0301 … 0x0304) as ECS's `tls.version`. */
const TLS_VERSIONS: ReadonlyMap<number, string> = new Map([[0x0301, '1.0'], [0x0302, '1.1'], [0x0303, '1.2'], [0x0304, '1.3']]);

/** What Caddy's record adds to the web server's access document: the TLS handshake's protocol and server name, the logger. */
interface CaddyExtras {
  nextProtocol: string | undefined;
  serverName: string | undefined;
  resumed: boolean | undefined;
  logger: string | undefined;
}

/** Whether a JSON record is Caddy's access record: checked by a field Traefik's and nginx's records never have. */
export function isCaddyAccessRecord(written: Json): boolean {
  const request = written.request;
  if (!isJsonObject(request) || typeof request.method !== 'string' || typeof request.uri !== 'string' || typeof written.status !== 'number') return false;
  return typeof written.logger === 'string' ? written.logger.startsWith('http.log.access') : written.msg === 'handled request';
}

/** Whether a JSON record is one of Caddy's own logs (zap's fields: `level`, `ts` in epoch seconds, `msg`; no `time`, which Traefik's has). */
export function isCaddyRecord(written: Json): boolean {
  return typeof written.ts === 'number' && typeof written.msg === 'string' && typeof written.level === 'string' && written.time === undefined;
}

/** A header's values as one text, as HTTP joins repeated headers (RFC 9110 §5.3); undefined when it has none. */
function headerText(values: unknown): string | undefined {
  if (!Array.isArray(values)) return typeof values === 'string' && values !== '' ? values : undefined;
  const texts = values.filter((value): value is string => typeof value === 'string');
  return texts.length === 0 ? undefined : texts.join(', ');
}

/**
 * Caddy's record as the fields of the access record the other web servers' formats give (traefik-common.ts), so its
 * document is theirs: the request and response headers as Traefik names the ones it keeps (`request_<Name>`,
 * `downstream_<Name>`), the peer as `ClientAddr` and the client Caddy believes in (`client_ip`, behind trusted
 * proxies) as `ClientHost`. The other fields are kept under their names.
 */
function caddyAccessRecord(written: Json): { record: Json; extras: CaddyExtras } {
  const { request: requestValue, resp_headers: responseHeaders, logger, ts, status, size, bytes_read: bytesRead, duration, user_id: userId, ...rest } = written;
  const request = requestValue as Json;
  const record: Json = { ...rest };
  const { remote_ip: remoteIp, remote_port: remotePort, client_ip: clientIp, proto, method, host, uri, headers, tls, ...requestRest } = request;
  if (typeof remoteIp === 'string' && remoteIp !== '') {
    record.ClientAddr = remoteIp.includes(':') ? `[${remoteIp}]` : remoteIp;
    if (typeof remotePort === 'string' && /^\d+$/.test(remotePort)) record.ClientAddr = `${record.ClientAddr as string}:${remotePort}`;
  }
  const client = typeof clientIp === 'string' && clientIp !== '' ? clientIp : remoteIp;
  if (typeof client === 'string' && client !== '') record.ClientHost = client;
  if (typeof userId === 'string' && userId !== '') record.ClientUsername = userId;
  if (ts !== undefined) record.time = ts as Json[string];
  record.RequestMethod = method;
  record.RequestPath = uri;
  if (typeof proto === 'string') record.RequestProtocol = proto;
  if (typeof host === 'string' && host !== '') {
    const { ip: name, port } = hostPort(host);
    record.RequestAddr = host;
    record.RequestHost = name;
    if (port !== undefined) record.RequestPort = port;
  }
  record.RequestScheme = isJsonObject(tls) ? 'https' : 'http';
  // Status 0: the client went away before an answer was written; there is no status to report.
  if (typeof status === 'number' && status > 0) record.DownstreamStatus = status;
  if (typeof size === 'number') record.DownstreamContentSize = size;
  if (typeof bytesRead === 'number') record.RequestContentSize = bytesRead;
  if (typeof duration === 'number') record.RequestSeconds = duration;
  else if (typeof duration === 'string') record.Duration = duration;
  for (const [prefix, given] of [['request_', headers], ['downstream_', responseHeaders]] as const) {
    if (!isJsonObject(given)) continue;
    for (const [name, values] of Object.entries(given)) {
      const text = headerText(values);
      // Caddy logs a credential header empty or as REDACTED: only that it was sent is kept (traefik.ts).
      if (text !== undefined || name === 'Authorization') record[`${prefix}${name}`] = text ?? '';
    }
  }
  for (const [name, value] of Object.entries(requestRest)) record[`request_${name}`] = value;
  const handshake = isJsonObject(tls) ? tls : undefined;
  if (typeof handshake?.version === 'number' && TLS_VERSIONS.has(handshake.version)) record.TLSVersion = TLS_VERSIONS.get(handshake.version);
  if (typeof handshake?.cipher_suite === 'number') record.TLSCipher = CIPHER_SUITES.get(handshake.cipher_suite) ?? `0x${handshake.cipher_suite.toString(16).padStart(4, '0')}`;
  const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
  return {
    record,
    extras: { nextProtocol: text(handshake?.proto), serverName: text(handshake?.server_name), resumed: typeof handshake?.resumed === 'boolean' ? handshake.resumed : undefined, logger: text(logger) },
  };
}

/** Caddy's access record as the access document of `dataset`, with what only Caddy's record tells in its ECS places. */
export function normaliseCaddyRecord(written: Json, context: NormaliseContext, dataset: string): Json {
  const { record, extras } = caddyAccessRecord(written);
  const document = normaliseWebServerRecord(record, context, dataset);
  put(document, 'tls.next_protocol', extras.nextProtocol);
  put(document, 'tls.resumed', extras.resumed);
  put(document, 'tls.client.server_name', extras.serverName);
  put(document, 'log.logger', extras.logger);
  return document;
}
