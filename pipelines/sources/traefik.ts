import { z } from 'zod';
import { addTag, durationNs, hostPort, put, routeTemplate, urlFields, type Json } from '../ecs.js';
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

export function normaliseTraefik(record: Json, context: NormaliseContext): Json {
  const log = validate(traefikRecord, record);
  const document = baseDocument('rendiff.traefik', eventTime(log.time ?? log.StartUTC, 'time', context), context, 'traefik');
  const client = hostPort(log.ClientAddr ?? log.ClientHost ?? '');
  put(document, 'source.ip', client.ip || undefined);
  put(document, 'source.port', client.port);
  put(document, 'source.address', log.ClientAddr ?? log.ClientHost);
  put(document, 'http.request.method', log.RequestMethod.toUpperCase());
  put(document, 'http.version', log.RequestProtocol?.replace(/^HTTP\//, ''));
  put(document, 'http.response.status_code', log.DownstreamStatus);
  put(document, 'http.request.body.bytes', log.RequestContentSize);
  put(document, 'http.response.body.bytes', log.DownstreamContentSize);
  put(document, 'http.request.referrer', log.request_Referer);
  put(document, 'url.domain', log.RequestHost);
  const url = urlFields(log.RequestPath);
  put(document, 'url.original', url.original);
  put(document, 'url.path', url.path);
  put(document, 'url.query', url.query);
  if (!url.decodedOk) addTag(document, 'url_decode_failed');
  put(document, 'rendiff.route', routeTemplate(url.path));
  if (log.Duration !== undefined) {
    const ns = durationNs(log.Duration);
    if (ns === undefined) throw new RejectedError('validate', `field Duration: expected nanoseconds or a duration such as "150ms", got ${JSON.stringify(log.Duration)}`);
    put(document, 'event.duration', ns);
  }
  put(document, 'user_agent.original', log['request_User-Agent']);
  put(document, 'rendiff.forwarded_for', log['request_X-Forwarded-For']);
  put(document, 'traefik.router_name', log.RouterName);
  put(document, 'traefik.service_name', log.ServiceName);
  put(document, 'traefik.entry_point', log.EntryPointName);
  put(document, 'traefik.origin_status', log.OriginStatus);
  put(document, 'traefik.origin_duration', log.OriginDuration);
  put(document, 'traefik.retry_attempts', log.RetryAttempts);
  put(document, 'traefik.tls_version', log.TLSVersion);
  put(document, 'event.category', ['web']);
  put(document, 'event.type', ['access']);
  put(document, 'event.outcome', log.DownstreamStatus >= 400 ? 'failure' : 'success');
  // An Authorization header is a secret: only its presence is kept, redaction handles any echo elsewhere.
  if (log.request_Authorization !== undefined) put(document, 'rendiff.authorization_present', true);
  keepRest(document, log as Json, KNOWN, 'traefik');
  return document;
}
