import type { Json } from '../ecs.js';
import { setRequest } from './traefik-common.js';

/**
 * An access record of nginx's JSON log_format (`escape=json`), which names its keys after nginx's variables, as
 * nginx's documentation, ingress-nginx's and most published configurations do: `remote_addr`, `remote_user`,
 * `time_local` or `time_iso8601` (or `msec`), `request` (or `request_method`, `request_uri` or `uri` and `args`,
 * `server_protocol`), `status`, `body_bytes_sent`, `request_length`, `request_time`, `http_referer`, `http_user_agent`,
 * `http_x_forwarded_for`, `request_id`, `host`, `scheme`, `ssl_protocol`, `ssl_cipher`. Given as the fields of the
 * access record the text formats give (traefik-common.ts), so the document is the one its text line makes; every other
 * variable (`upstream_addr`, `upstream_response_time` …) is kept under its name. Undefined for a record without a
 * client, a request and a status. ingress-nginx's documented JSON example names some otherwise (`time`, `method`,
 * `path`, `request_query`, `request_proto`, `vhost`, `http_referrer`, `x_forwarded_for`): read as the variables they hold.
 */
const ALIASES: ReadonlyMap<string, string> = new Map([
  ['time', 'time_iso8601'], ['method', 'request_method'], ['path', 'uri'], ['request_query', 'args'], ['request_proto', 'server_protocol'],
  ['vhost', 'host'], ['http_referrer', 'http_referer'], ['x_forwarded_for', 'http_x_forwarded_for'],
]);

export function nginxJsonRecord(written: Json): Json | undefined {
  if (typeof written.remote_addr !== 'string' || written.status === undefined) return undefined;
  let record = written;
  for (const [alias, variable] of ALIASES) {
    if (Object.hasOwn(written, alias) && !Object.hasOwn(written, variable)) {
      if (record === written) record = { ...written };
      record[variable] = written[alias];
      delete record[alias];
    }
  }
  const { remote_addr: client, status } = record;
  const target = record.request_uri ?? record.uri;
  if (typeof client !== 'string' || (typeof status !== 'string' && typeof status !== 'number') || (typeof record.request !== 'string' && typeof target !== 'string')) return undefined;
  if (!/^\d{3}$/.test(String(status))) return undefined;
  const access: Json = {};
  const rest: Json = {};
  const given = (value: unknown): string | undefined => (typeof value === 'number' ? String(value) : typeof value === 'string' && value !== '' && value !== '-' ? value : undefined);
  const count = (value: unknown): number | undefined => (given(value) !== undefined && /^\d+$/.test(String(value)) ? Number(value) : undefined);
  const seconds = (value: unknown): number | undefined => (given(value) !== undefined && /^\d+(?:\.\d+)?$/.test(String(value)) ? Number(value) : undefined);
  const fields: ReadonlyArray<readonly [string, string, (value: unknown) => unknown]> = [
    ['remote_addr', 'ClientHost', given], ['remote_port', 'ClientPort', given], ['remote_user', 'ClientUsername', given],
    ['time_iso8601', 'StartUTC', given], ['time_local', 'StartUTC', given], ['msec', 'StartUTC', given],
    ['status', 'DownstreamStatus', count], ['body_bytes_sent', 'DownstreamContentSize', count], ['request_length', 'RequestLength', count], ['request_time', 'RequestSeconds', seconds],
    ['http_user_agent', 'request_User-Agent', given], ['http_referer', 'request_Referer', given], ['http_x_forwarded_for', 'request_X-Forwarded-For', given], ['request_id', 'request_X-Request-Id', given],
    ['host', 'RequestHost', given], ['scheme', 'RequestScheme', given], ['ssl_cipher', 'TLSCipher', given],
  ];
  const placed = new Set<string>();
  for (const [variable, field, read] of fields) {
    const value = read(record[variable]);
    if (value === undefined || access[field] !== undefined) continue;
    access[field] = value;
    placed.add(variable);
  }
  const protocol = given(record.ssl_protocol);
  if (protocol !== undefined && /^TLSv1(\.[0-3])?$/.test(protocol)) {
    access.TLSVersion = protocol.slice(4).replace(/^$/, '1.0');
    placed.add('ssl_protocol');
  }
  if (typeof record.request === 'string') {
    setRequest(access, record.request);
    placed.add('request');
  } else {
    const args = given(record.args);
    access.RequestMethod = given(record.request_method);
    access.RequestPath = record.request_uri ?? (args === undefined ? target : `${String(target)}?${args}`);
    access.RequestProtocol = given(record.server_protocol);
    for (const variable of ['request_method', 'request_uri', 'uri', 'args', 'server_protocol']) placed.add(variable);
  }
  for (const [key, value] of Object.entries(record)) if (!placed.has(key) && !Object.hasOwn(access, key)) rest[key] = value;
  for (const key of Object.keys(access)) if (access[key] === undefined) delete access[key];
  return { ...rest, ...access };
}
