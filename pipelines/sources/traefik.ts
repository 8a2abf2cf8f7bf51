import { z } from 'zod';
import { latencyBucket } from '../../shared/latency-histogram.js';
import { addTag, durationNs, hostPort, nanoseconds, routeTemplate, urlFields, type Json } from '../ecs.js';
import { RejectedError } from '../types.js';
import { isIP } from 'node:net';
import { formatTimestamp } from '../timestamps.js';
import { baseDocument, eventTime, keepRest, validator, type NormaliseContext } from './common.js';
import { traefikCommonRecord, unescapedServerRecord, webServerRecord } from './traefik-common.js';
import { isJsonObject } from '../../shared/json-object.js';

/** Numbers as Traefik writes them, bounded where a long holds them exactly (past that a value is corrupt, and refused). */
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const integer = z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
const nanosecondCount = z.number().nonnegative().max(Number.MAX_SAFE_INTEGER);

/**
 * Traefik's JSON access log (accessLog.format=json), field by field as Traefik names and types them
 * (pkg/middlewares/accesslog/logdata.go): durations are integer nanoseconds, `StartUTC` has nanoseconds,
 * ports are strings ("-" when absent), and its logger adds `time` (when the line was written, whole
 * seconds), `level`, `msg` and `entryPointName` (lower-case e). Headers come as `request_<Name>`,
 * `origin_<Name>` and `downstream_<Name>` when the configuration keeps them.
 */
export const traefikRecord = z
  .object({
    time: z.union([z.string(), z.number()]).optional(),
    StartUTC: z.string().optional(),
    StartLocal: z.string().optional(),
    ClientAddr: z.string().optional(),
    ClientHost: z.string().optional(),
    ClientPort: z.union([z.string(), z.number()]).optional(),
    ClientUsername: z.string().optional(),
    RequestMethod: z.string().min(1),
    RequestPath: z.string(),
    RequestProtocol: z.string().optional(),
    RequestScheme: z.string().optional(),
    RequestHost: z.string().optional(),
    RequestAddr: z.string().optional(),
    RequestPort: z.union([z.string(), z.number()]).optional(),
    DownstreamStatus: z.number().int().min(0).max(999),
    Duration: z.union([nanosecondCount, z.string()]).optional(),
    RequestContentSize: count.optional(),
    DownstreamContentSize: count.optional(),
    OriginContentSize: count.optional(),
    RequestCount: count.optional(),
    GzipRatio: z.number().min(-3.4e38).max(3.4e38).optional(),
    RouterName: z.string().optional(),
    ServiceName: z.string().optional(),
    ServiceURL: z.string().optional(),
    ServiceAddr: z.string().optional(),
    entryPointName: z.string().optional(),
    OriginStatus: integer.optional(),
    OriginDuration: nanosecondCount.optional(),
    Overhead: nanosecondCount.optional(),
    RetryAttempts: integer.optional(),
    TLSVersion: z.string().optional(),
    TLSCipher: z.string().optional(),
    TLSClientSubject: z.string().optional(),
    TraceId: z.string().optional(),
    SpanId: z.string().optional(),
    trace_id: z.string().optional(),
    span_id: z.string().optional(),
    level: z.string().optional(),
    msg: z.string().optional(),
    'request_User-Agent': z.string().optional(),
    'request_X-Forwarded-For': z.string().optional(),
    'request_X-Request-Id': z.string().optional(),
    'request_Content-Type': z.string().optional(),
    'downstream_Content-Type': z.string().optional(),
    request_Referer: z.string().optional(),
    request_Authorization: z.string().optional(),
    /** A web server's request line that is not one (traefik-common.ts): it has no method or target. */
    RequestLine: z.string().optional(),
    /** ingress-nginx's `$request_length` (request line, headers and body) and `$request_time` (traefik-common.ts). */
    RequestLength: count.optional(),
    RequestSeconds: z.number().min(0).optional(),
  })
  .passthrough();

const validateTraefik = validator(traefikRecord);
/** A line of the common format (traefik-common.ts) lacks the client's status when Traefik answered itself. */
const commonRecord = traefikRecord.partial({ DownstreamStatus: true, RequestMethod: true, RequestPath: true });
const validateCommon = validator(commonRecord);
type TraefikLog = z.infer<typeof commonRecord>;
const KNOWN = new Set(Object.keys(traefikRecord.shape));

/** Go's url.URL fields as encoding/json writes them (the user info, unexported, comes out as `{}`). */
const GO_URL_TEXT = ['Scheme', 'Opaque', 'Host', 'Path', 'RawPath', 'RawQuery', 'Fragment', 'RawFragment'] as const;

/**
 * Traefik 2 writes `ServiceURL` as Go's url.URL marshalled field by field ({"Scheme":"http","Opaque":"",
 * "User":null,"Host":"10.0.0.6:80",…}, traefik/traefik#10891); Traefik 3 writes its text. The object becomes
 * the text url.URL's String() gives, without user info (not recoverable, and no place for a secret).
 * An object of other fields is returned as it is, for validation to refuse with its reason.
 */
function goUrlText(url: Json): unknown {
  for (const field of GO_URL_TEXT) if (url[field] !== undefined && typeof url[field] !== 'string') return url;
  if (typeof url.Host !== 'string') return url;
  const { Scheme = '', Opaque = '', Host = '', Path = '', RawPath = '', RawQuery = '', Fragment = '', RawFragment = '' } = url as Record<string, string | undefined>;
  let result = Scheme === '' ? '' : `${Scheme}:`;
  if (Opaque !== '') result += Opaque;
  else {
    if (Scheme !== '' || Host !== '') result += `//${Host}`;
    const path = RawPath || Path;
    result += path !== '' && !path.startsWith('/') && Host !== '' ? `/${path}` : path;
  }
  if (RawQuery !== '' || url.ForceQuery === true) result += `?${RawQuery}`;
  if (Fragment !== '') result += `#${RawFragment || Fragment}`;
  return result;
}

/** Traefik's own fields under `traefik.*`, by their ECS-style names (durations in ns, as event.duration). */
const TRAEFIK_FIELDS = [
  ['router_name', 'RouterName'],
  ['service_name', 'ServiceName'],
  ['service_url', 'ServiceURL'],
  ['entry_point', 'entryPointName'],
  ['origin_status', 'OriginStatus'],
  ['origin_duration', 'OriginDuration'],
  ['origin_content_size', 'OriginContentSize'],
  ['overhead', 'Overhead'],
  ['retry_attempts', 'RetryAttempts'],
  ['request_count', 'RequestCount'],
  ['gzip_ratio', 'GzipRatio'],
] as const;

/** A Traefik value that means "none": absent, empty, or its "-" placeholder. */
function present(value: string | number | undefined): value is string | number {
  return value !== undefined && value !== '' && value !== '-';
}

/** The UTC offset written in a local RFC 3339 time (`…+02:00`, `…Z`), as ECS's `event.timezone`. */
function offsetOf(local: string | undefined): string | undefined {
  const match = local === undefined ? null : /(Z|[+-]\d{2}:\d{2})$/.exec(local);
  if (match === null) return undefined;
  return match[1] === 'Z' ? '+00:00' : match[1];
}

/** TLS as ECS writes it: `tls.version` "1.3" with `version_protocol` "tls", the cipher, the client's subject. */
function tlsFields(log: TraefikLog): Json | undefined {
  if (!log.TLSVersion && !log.TLSCipher && !log.TLSClientSubject) return undefined;
  const tls: Json = {};
  if (log.TLSVersion) {
    tls.version = log.TLSVersion;
    tls.version_protocol = 'tls';
  }
  if (log.TLSCipher) tls.cipher = log.TLSCipher;
  if (log.TLSClientSubject) tls.client = { subject: log.TLSClientSubject };
  return tls;
}

/** Where Traefik sent the request: `ServiceAddr` (ip:port) as ECS `destination`. */
function destinationOf(address: string | undefined): Json | undefined {
  if (!address) return undefined;
  const { ip, port } = hostPort(address);
  const destination: Json = { address };
  if (isIP(ip) !== 0) destination.ip = ip;
  else destination.domain = ip;
  if (port !== undefined) destination.port = port;
  return destination;
}

/**
 * A record of Traefik's JSON format as its document. Traefik 2's `ServiceURL` object is replaced by its text in
 * the record itself: the record is the pipeline's own parse of the message, read by nothing after this, and
 * every line of a Traefik 2 proxy has one (copying the record, with the closures the conversion made, cost
 * 0.2–0.3 µs of the 7.2–7.7 a line of the Traefik 2 fixture takes through the pipeline without enrichers).
 */
/** Traefik 1's names for what Traefik 2 calls routers and services (its logdata.go), read as the later ones. */
const TRAEFIK1_NAMES = [
  ['FrontendName', 'RouterName'],
  ['BackendName', 'ServiceName'],
  ['BackendURL', 'ServiceURL'],
  ['BackendAddr', 'ServiceAddr'],
] as const;

function renameTraefik1(record: Json): void {
  for (const [old, current] of TRAEFIK1_NAMES) {
    if (record[old] === undefined) continue;
    if (record[current] === undefined) record[current] = record[old];
    delete record[old];
  }
}

export function normaliseTraefik(record: Json, context: NormaliseContext): Json {
  renameTraefik1(record);
  if (isJsonObject(record.ServiceURL)) record.ServiceURL = goUrlText(record.ServiceURL as Json) as Json[string];
  return traefikDocument(validateTraefik(record), context);
}

/** A line of Traefik's common format as its document, or undefined when the line is not in that format. */
export function normaliseTraefikCommon(line: string, context: NormaliseContext): Json | undefined {
  const record = traefikCommonRecord(line);
  return record === undefined ? undefined : traefikDocument(validateCommon(record), context);
}

/** Who wrote an access line: Traefik, into its stream with its own fields, or another web server. */
interface AccessServer {
  dataset: string;
  service: string | undefined;
  traefikFields: boolean;
}
const TRAEFIK: AccessServer = { dataset: 'rendiff.traefik', service: 'traefik', traefikFields: true };

/**
 * Any web server's access line in the combined log format (nginx's and Apache's `combined`, Traefik's genericCLF) or
 * Apache's `common` as
 * an access document of `dataset`: the request, client, status, size, referrer and agent in their ECS places, none
 * of Traefik's own fields; undefined for a line of another format. A line with Traefik's six fields is Traefik's.
 */
export function normaliseWebServerLine(line: string, context: NormaliseContext, dataset: string): Json | undefined {
  const record = webServerRecord(line);
  return record === undefined || record.Duration !== undefined ? undefined : normaliseWebServerRecord(unescapedServerRecord(record), context, dataset);
}

/** A web server's access record, from its text line or another format (nginx's JSON: nginx-json.ts). */
export function normaliseWebServerRecord(record: Json, context: NormaliseContext, dataset: string): Json {
  return traefikDocument(validateCommon(record), context, { dataset, service: undefined, traefikFields: false });
}

/**
 * Traefik logs the X-Forwarded-For header, when a request has one, as `ClientHost` (in every version's logger.go),
 * so a ClientHost other than ClientAddr's host, or a list, is that header: the client-address enricher then finds the
 * client behind trusted proxies even when the headers themselves are not logged (Traefik drops them by default).
 */
function forwardedByClientHost(log: TraefikLog, peer: string | undefined): string | undefined {
  const host = log.ClientHost;
  if (!present(host)) return undefined;
  return log.ClientAddr === undefined ? (host.includes(',') ? host : undefined) : host === peer ? undefined : host;
}

/** The common format has only ClientHost: of a forwarded list, the hop nearest Traefik stands for the peer. */
function nearestHop(host: string | undefined): string | undefined {
  if (host === undefined || !host.includes(',')) return host;
  return host.slice(host.lastIndexOf(',') + 1).trim();
}

/** Whether an object built here got any field: without the array Object.keys makes, three times per access event. */
function hasFields(object: Json): boolean {
  for (const _key in object) return true;
  return false;
}

/**
 * The busiest source (every request passes the edge), so its objects are built directly rather than through
 * `put`, field by field: a third less time for this stage. As with `put`, absent and empty values are left out.
 */
function traefikDocument(log: TraefikLog, context: NormaliseContext, server: AccessServer = TRAEFIK): Json {
  // When the request started, with its sub-second part: `time` is only when the line was written, in seconds.
  // `fields.names.StartUTC=drop` leaves StartLocal, the same instant with Traefik's offset.
  const [startField, start] = log.StartUTC !== undefined ? ['StartUTC', log.StartUTC] : log.StartLocal !== undefined ? ['StartLocal', log.StartLocal] : ['time', log.time];
  const document = baseDocument(server.dataset, eventTime(start, startField, context), context, server.service);
  const address = log.ClientAddr ?? nearestHop(log.ClientHost);
  let peer: string | undefined;
  if (address) {
    const client = hostPort(address);
    peer = client.ip;
    const source: Json = {};
    // A client that is not an address (a proxy's placeholder, a name) stays as `source.address` only.
    if (client.ip && isIP(client.ip) !== 0) source.ip = client.ip;
    if (client.port !== undefined) source.port = client.port;
    else if (present(log.ClientPort) && /^\d+$/.test(String(log.ClientPort))) source.port = Number(log.ClientPort);
    source.address = address;
    document.source = source;
  }
  const destination = destinationOf(log.ServiceAddr);
  if (destination !== undefined) document.destination = destination;
  if (present(log.ClientUsername)) document.user = { name: log.ClientUsername };
  const tls = tlsFields(log);
  if (tls !== undefined) document.tls = tls;

  const request: Json = {};
  if (log.RequestMethod !== undefined) request.method = log.RequestMethod.toUpperCase();
  if (log.RequestContentSize !== undefined) request.body = { bytes: log.RequestContentSize };
  if (log.RequestLength !== undefined) request.bytes = log.RequestLength;
  if (log.request_Referer) request.referrer = log.request_Referer;
  if (log['request_X-Request-Id']) request.id = log['request_X-Request-Id'];
  if (log['request_Content-Type']) request.mime_type = log['request_Content-Type'];
  const response: Json = {};
  if (log.DownstreamStatus !== undefined) response.status_code = log.DownstreamStatus;
  if (log.DownstreamContentSize !== undefined) response.body = { bytes: log.DownstreamContentSize };
  if (log['downstream_Content-Type']) response.mime_type = log['downstream_Content-Type'];
  const http: Json = {};
  if (hasFields(request)) http.request = request;
  const version = log.RequestProtocol?.replace(/^HTTP\//, '');
  if (version) http.version = version;
  if (log.DownstreamStatus !== undefined || log.DownstreamContentSize !== undefined || response.mime_type !== undefined) http.response = response;
  if (hasFields(http)) document.http = http;

  const url = log.RequestPath === undefined ? undefined : urlFields(log.RequestPath);
  const urlObject: Json = {};
  if (log.RequestHost) urlObject.domain = log.RequestHost;
  if (log.RequestScheme) urlObject.scheme = log.RequestScheme;
  if (present(log.RequestPort) && /^\d+$/.test(String(log.RequestPort))) urlObject.port = Number(log.RequestPort);
  if (url?.original) urlObject.original = url.original;
  if (url !== undefined) urlObject.path = url.path;
  if (url?.query !== undefined) urlObject.query = url.query;
  if (url?.extension !== undefined) urlObject.extension = url.extension;
  if (hasFields(urlObject)) document.url = urlObject;
  if (url !== undefined && !url.decodedOk) addTag(document, 'url_decode_failed');

  const event = document.event as Json;
  const seconds = log.RequestSeconds === undefined ? undefined : nanoseconds(log.RequestSeconds * 1e9);
  if (seconds !== undefined) event.duration = seconds;
  if (log.Duration !== undefined) {
    const ns = durationNs(log.Duration);
    if (ns === undefined) throw new RejectedError('validate', `field Duration: expected nanoseconds or a duration such as "150ms", got ${JSON.stringify(log.Duration)}`);
    event.duration = ns;
  }
  if (startField !== 'time') event.start = document['@timestamp'];
  if (log.time !== undefined && startField !== 'time') {
    const written = eventTime(log.time, 'time', context);
    event.created = formatTimestamp(written);
  }
  const timezone = offsetOf(log.StartLocal);
  if (timezone !== undefined) event.timezone = timezone;
  const traceId = log.trace_id ?? log.TraceId;
  if (traceId) document.trace = { id: traceId };
  const spanId = log.span_id ?? log.SpanId;
  if (spanId) document.span = { id: spanId };
  if (log['request_User-Agent']) document.user_agent = { original: log['request_User-Agent'] };

  const rendiff: Json = url === undefined ? {} : { route: routeTemplate(url.path) };
  if (log.RequestLine !== undefined) {
    // Not HTTP: a TLS handshake sent to a plain port, a scanner's probe. Kept as logged, and findable by its tag.
    rendiff.request_line = log.RequestLine;
    addTag(document, 'invalid_request_line');
  }
  // The fixed log-scale bucket of the request's duration: the SLI rollups sum these per minute and route.
  if (typeof event.duration === 'number') rendiff.latency_bucket = latencyBucket(event.duration);
  const forwardedFor = log['request_X-Forwarded-For'] || forwardedByClientHost(log, peer);
  if (forwardedFor) rendiff.forwarded_for = forwardedFor;
  // An Authorization header is a secret: only its presence is kept, redaction handles any echo elsewhere.
  if (log.request_Authorization !== undefined) rendiff.authorization_present = true;
  document.rendiff = rendiff;

  let traefik: Json | undefined;
  for (const [name, field] of server.traefikFields ? TRAEFIK_FIELDS : []) {
    const value = log[field];
    if (value !== undefined && value !== '') (traefik ??= {})[name] = value;
  }
  if (traefik !== undefined) document.traefik = traefik;

  event.category = ['web'];
  event.type = ['access'];
  event.outcome = log.DownstreamStatus === undefined ? 'unknown' : log.DownstreamStatus >= 400 ? 'failure' : 'success';
  keepRest(document, log as Json, KNOWN, server.traefikFields ? 'traefik' : 'rendiff');
  return document;
}
