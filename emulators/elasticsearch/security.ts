import { randomBytes, timingSafeEqual } from 'node:crypto';
import { parseTimeValue } from '../../shared/time-value.js';
import { EsError } from './errors.js';
import type { Json } from './store.js';

/** Who a request runs as: a user of the file realm, or the owner of the API key it came with. */
export interface Principal {
  username: string;
  apiKey?: { id: string; name: string };
}

interface ApiKey {
  id: string;
  name: string;
  secret: Buffer;
  owner: string;
  creation: number;
  expiration: number | undefined;
  invalidated: number | undefined;
  metadata: Json;
}

/** What an unauthenticated client is offered, as Elasticsearch lists it in WWW-Authenticate. */
export const WWW_AUTHENTICATE = ['Basic realm="security", charset="UTF-8"', 'Bearer realm="security"', 'ApiKey'];

function unauthorized(reason: string, extra: Record<string, unknown> = {}): EsError {
  return new EsError(401, 'security_exception', reason, { ...extra, header: { 'WWW-Authenticate': WWW_AUTHENTICATE } });
}

function sameSecret(expected: Buffer, given: string): boolean {
  const bytes = Buffer.from(given);
  return bytes.length === expected.length && timingSafeEqual(bytes, expected);
}

/**
 * Elasticsearch's security as a cluster with a file realm of superusers has it: every request authenticates with
 * basic credentials or an API key (`Authorization: ApiKey base64(id:key)`), else 401 with Elasticsearch's reasons
 * and WWW-Authenticate; API keys are created, listed and invalidated by the security API. Roles are not emulated:
 * every user and key may do everything.
 */
export class Security {
  private readonly keys = new Map<string, ApiKey>();

  constructor(private readonly users: ReadonlyMap<string, string>) {}

  /** The principal of a request, or the 401 Elasticsearch answers; `uri` as the request line gave it. */
  authenticate(authorization: string | undefined, uri: string, now: number): Principal {
    const [scheme, credentials] = (authorization ?? '').trim().split(/\s+/, 2);
    if (scheme === undefined || scheme === '' || credentials === undefined) throw unauthorized(`missing authentication credentials for REST request [${uri}]`);
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (scheme.toLowerCase() === 'basic' && colon > 0) {
      const username = decoded.slice(0, colon);
      const password = this.users.get(username);
      if (password !== undefined && sameSecret(Buffer.from(password), decoded.slice(colon + 1))) return { username };
      throw unauthorized(`unable to authenticate user [${username}] for REST request [${uri}]`);
    }
    if (scheme.toLowerCase() === 'apikey' && colon > 0) {
      const id = decoded.slice(0, colon);
      const key = this.keys.get(id);
      const problem = key === undefined ? `unable to find apikey with id ${id}` : key.invalidated !== undefined ? `api key [${id}] has been invalidated` : key.expiration !== undefined && key.expiration <= now ? 'api key is expired' : !sameSecret(key.secret, decoded.slice(colon + 1)) ? `invalid credentials for API key [${id}]` : undefined;
      if (key !== undefined && problem === undefined) return { username: key.owner, apiKey: { id: key.id, name: key.name } };
      throw unauthorized('unable to authenticate with provided credentials and anonymous access is not allowed for this request', { additional_unsuccessful_credentials: `API key: ${problem ?? ''}` });
    }
    throw unauthorized(`missing authentication credentials for REST request [${uri}]`);
  }

  /** `GET _security/_authenticate`. */
  describe(principal: Principal): Json {
    const realm = principal.apiKey === undefined ? { name: 'default_file', type: 'file' } : { name: '_es_api_key', type: '_es_api_key' };
    return {
      username: principal.username,
      roles: principal.apiKey === undefined ? ['superuser'] : [],
      full_name: null,
      email: null,
      metadata: {},
      enabled: true,
      authentication_realm: realm,
      lookup_realm: realm,
      authentication_type: principal.apiKey === undefined ? 'realm' : 'api_key',
      ...(principal.apiKey === undefined ? {} : { api_key: principal.apiKey }),
    };
  }

  /** `POST _security/api_key`: a key owned by the requester, with its secret and the header value to send. */
  createApiKey(owner: Principal, body: { name?: unknown; expiration?: unknown; metadata?: unknown }, now: number): Json {
    if (typeof body.name !== 'string' || body.name === '') throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: api key name is required;');
    let expiration: number | undefined;
    if (body.expiration !== undefined && body.expiration !== null) {
      const ms = typeof body.expiration === 'string' ? parseTimeValue(body.expiration) : undefined;
      if (ms === undefined) throw new EsError(400, 'parse_exception', `failed to parse setting [expiration] with value [${String(body.expiration)}] as a time value`);
      expiration = now + ms;
    }
    const id = randomBytes(15).toString('base64url');
    const secret = randomBytes(16).toString('base64url');
    const metadata = typeof body.metadata === 'object' && body.metadata !== null ? (body.metadata as Json) : {};
    this.keys.set(id, { id, name: body.name, secret: Buffer.from(secret), owner: owner.username, creation: now, expiration, invalidated: undefined, metadata });
    return { id, name: body.name, ...(expiration === undefined ? {} : { expiration }), api_key: secret, encoded: Buffer.from(`${id}:${secret}`).toString('base64') };
  }

  /** `GET _security/api_key`: the keys matching the query, without their secrets; none is an empty list, as ApiKeyService answers. */
  getApiKeys(query: Record<string, string>, now: number): Json {
    const keys = [...this.keys.values()].filter((key) =>
      (query.id === undefined || key.id === query.id) && (query.name === undefined || key.name === query.name) && (query.username === undefined || key.owner === query.username) && (query.active_only !== 'true' || (key.invalidated === undefined && (key.expiration === undefined || key.expiration > now))),
    );
    return {
      api_keys: keys.map((key) => ({
        id: key.id, name: key.name, type: 'rest', creation: key.creation, ...(key.expiration === undefined ? {} : { expiration: key.expiration }),
        invalidated: key.invalidated !== undefined, ...(key.invalidated === undefined ? {} : { invalidation: key.invalidated }), username: key.owner, realm: 'default_file', realm_type: 'file', metadata: key.metadata,
      })),
    };
  }

  /** `DELETE _security/api_key`: by ids, name or owner; a key invalidated before is reported apart. */
  invalidate(body: { id?: unknown; ids?: unknown; name?: unknown; username?: unknown; owner?: unknown }, requester: Principal, now: number): Json {
    const ids = Array.isArray(body.ids) ? body.ids.map(String) : typeof body.id === 'string' ? [body.id] : undefined;
    if (ids === undefined && body.name === undefined && body.username === undefined && body.owner !== true) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: One of [api key id(s), api key name, username, realm name] must be specified if [owner] flag is false;');
    const matched = [...this.keys.values()].filter((key) => (ids === undefined || ids.includes(key.id)) && (body.name === undefined || key.name === body.name) && (body.username === undefined || key.owner === body.username) && (body.owner !== true || key.owner === requester.username));
    const invalidated = matched.filter((key) => key.invalidated === undefined);
    for (const key of invalidated) key.invalidated = now;
    return { invalidated_api_keys: invalidated.map((key) => key.id), previously_invalidated_api_keys: matched.filter((key) => !invalidated.includes(key)).map((key) => key.id), error_count: 0 };
  }
}
