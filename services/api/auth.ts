import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKey, ApiRole } from '../../shared/config.js';

/**
 * API keys with two roles. Keys are compared as SHA-256 digests with timingSafeEqual (equal lengths, constant
 * time), every configured key is checked so the time does not tell which matched, and no key is ever logged.
 * With no key configured (local mode only: the configuration refuses it elsewhere) the API is open.
 */

const digest = (text: string) => createHash('sha256').update(text).digest();

export interface Authenticator {
  open: boolean;
  /** The role of the key a request presents, undefined when it presents none or a wrong one. */
  roleOf(request: FastifyRequest): ApiRole | undefined;
  /** A preHandler that answers 401 without a valid key and 403 when the key's role is below `role`. */
  require(role: ApiRole): (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}

/** The key a request presents: `x-api-key`, `Authorization: ApiKey …` or `Bearer …`, or (WebSockets, which browsers cannot give headers) `?api_key=`. */
function presented(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  const authorization = request.headers.authorization;
  const match = authorization === undefined ? null : /^(?:ApiKey|Bearer)\s+(\S+)$/i.exec(authorization);
  if (match) return match[1];
  const query = request.query as Record<string, unknown> | undefined;
  return typeof query?.api_key === 'string' && query.api_key !== '' ? query.api_key : undefined;
}

export function authenticator(keys: readonly ApiKey[]): Authenticator {
  const known = keys.map(({ role, key }) => ({ role, digest: digest(key) }));
  const roleOf = (request: FastifyRequest): ApiRole | undefined => {
    if (known.length === 0) return 'admin';
    const key = presented(request);
    if (key === undefined) return undefined;
    const offered = digest(key);
    let role: ApiRole | undefined;
    for (const entry of known) if (timingSafeEqual(entry.digest, offered) && role !== 'admin') role = entry.role;
    return role;
  };
  return {
    open: known.length === 0,
    roleOf,
    require(needed) {
      return async (request, reply) => {
        const role = roleOf(request);
        if (role === undefined) {
          await reply.code(401).header('www-authenticate', 'ApiKey').send({ statusCode: 401, error: 'Unauthorized', message: 'an API key is required: x-api-key header or Authorization: ApiKey <key>' });
          return;
        }
        if (needed === 'admin' && role !== 'admin') await reply.code(403).send({ statusCode: 403, error: 'Forbidden', message: 'this route needs an admin key' });
      };
    },
  };
}
