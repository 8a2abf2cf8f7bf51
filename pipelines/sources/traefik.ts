import { z } from 'zod';
import { addTag, durationNs, hostPort, routeTemplate, urlFields, type Json } from '../ecs.js';
import { RejectedError } from '../types.js';
import { baseDocument, eventTime, keepRest, validate, type NormaliseContext } from './common.js';

/** Traefik's JSON access log (accessLog.format=json), with the request headers it was told to keep. */
export const traefikRecord = z
  .object({
    time: z.union([z.string(), z.number()]).optional(),
    StartUTC: z.string().optional(),
    ClientAddr: z.string().optional(),
    ClientHost: z.string().optional(),
    RequestMethod: z.string().min(1),
    RequestPath: z.string(),
    RequestProtocol: z.string().optional(),
    RequestHost: z.string().optional(),
    DownstreamStatus: z.number().int().min(0).max(999),
    Duration: z.union([z.number().nonnegative(), z.string()]).optional(),
    RequestContentSize: z.number().int().nonnegative().optional(),
    DownstreamContentSize: z.number().int().nonnegative().optional(),
    RouterName: z.string().optional(),
    ServiceName: z.string().optional(),
    EntryPointName: z.string().optional(),
    OriginStatus: z.number().int().optional(),
    OriginDuration: z.number().optional(),
    RetryAttempts: z.number().int().optional(),
    TLSVersion: z.string().optional(),
    'request_User-Agent': z.string().optional(),
    'request_X-Forwarded-For': z.string().optional(),
    request_Referer: z.string().optional(),
    request_Authorization: z.string().optional(),
  })
  .passthrough();

const KNOWN = new Set(Object.keys(traefikRecord.shape));

/** Traefik's own fields under `traefik.*`, by their ECS-style names. */
const TRAEFIK_FIELDS = [
  ['router_name', 'RouterName'],
  ['service_name', 'ServiceName'],
  ['entry_point', 'EntryPointName'],
  ['origin_status', 'OriginStatus'],
  ['origin_duration', 'OriginDuration'],
  ['retry_attempts', 'RetryAttempts'],
  ['tls_version', 'TLSVersion'],
] as const;

/**
 * The busiest source (every request passes the edge), so its objects are built directly rather than through
 * `put`, field by field: a third less time for this stage. As with `put`, absent and empty values are left out.
 */
export function normaliseTraefik(record: Json, context: NormaliseContext): Json {
  const log = validate(traefikRecord, record);
  const document = baseDocument('rendiff.traefik', eventTime(log.time ?? log.StartUTC, 'time', context), context, 'traefik');
  const address = log.ClientAddr ?? log.ClientHost;
  if (address) {
    const client = hostPort(address);
    const source: Json = {};
    if (client.ip) source.ip = client.ip;
    if (client.port !== undefined) source.port = client.port;
    source.address = address;
    document.source = source;
  }

  const request: Json = { method: log.RequestMethod.toUpperCase() };
  if (log.RequestContentSize !== undefined) request.body = { bytes: log.RequestContentSize };
  if (log.request_Referer) request.referrer = log.request_Referer;
  const response: Json = { status_code: log.DownstreamStatus };
  if (log.DownstreamContentSize !== undefined) response.body = { bytes: log.DownstreamContentSize };
  const http: Json = { request };
  const version = log.RequestProtocol?.replace(/^HTTP\//, '');
  if (version) http.version = version;
  http.response = response;
  document.http = http;

  const url = urlFields(log.RequestPath);
  const urlObject: Json = {};
  if (log.RequestHost) urlObject.domain = log.RequestHost;
  if (url.original) urlObject.original = url.original;
  urlObject.path = url.path;
  if (url.query !== undefined) urlObject.query = url.query;
  document.url = urlObject;
  if (!url.decodedOk) addTag(document, 'url_decode_failed');

  const event = document.event as Json;
  if (log.Duration !== undefined) {
    const ns = durationNs(log.Duration);
    if (ns === undefined) throw new RejectedError('validate', `field Duration: expected nanoseconds or a duration such as "150ms", got ${JSON.stringify(log.Duration)}`);
    event.duration = ns;
  }
  if (log['request_User-Agent']) document.user_agent = { original: log['request_User-Agent'] };

  const rendiff: Json = { route: routeTemplate(url.path) };
  if (log['request_X-Forwarded-For']) rendiff.forwarded_for = log['request_X-Forwarded-For'];
  // An Authorization header is a secret: only its presence is kept, redaction handles any echo elsewhere.
  if (log.request_Authorization !== undefined) rendiff.authorization_present = true;
  document.rendiff = rendiff;

  let traefik: Json | undefined;
  for (const [name, field] of TRAEFIK_FIELDS) {
    const value = log[field];
    if (value !== undefined && value !== '') (traefik ??= {})[name] = value;
  }
  if (traefik !== undefined) document.traefik = traefik;

  event.category = ['web'];
  event.type = ['access'];
  event.outcome = log.DownstreamStatus >= 400 ? 'failure' : 'success';
  keepRest(document, log as Json, KNOWN, 'traefik');
  return document;
}
