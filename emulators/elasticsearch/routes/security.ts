import type { EmulatedNode } from '../emulated-node.js';
import { EsError } from '../errors.js';
import { ok, type Request, type Route } from '../router.js';
import type { Principal } from '../security.js';

/** What Elasticsearch answers to the security API when security is off (a basic licence with `xpack.security.enabled: false`). */
function securityOff(): EsError {
  return new EsError(500, 'exception', 'Security must be explicitly enabled when using a [basic] license. Enable security by setting [xpack.security.enabled] to [true] in the elasticsearch.yml file and restart the node.');
}

/** The security API's calls clients make (`emulators/elasticsearch/security.ts`): who am I, and API keys. */
export function securityRoutes(route: Route, node: EmulatedNode): void {
  const secured = (request: Request): { principal: Principal; security: NonNullable<EmulatedNode['security']> } => {
    if (node.security === undefined || request.principal === undefined) throw securityOff();
    return { principal: request.principal, security: node.security };
  };
  route('GET', '/_security/_authenticate', (request) => {
    const { principal, security } = secured(request);
    return ok(security.describe(principal));
  });
  route(['PUT', 'POST'], '/_security/api_key', (request) => {
    const { principal, security } = secured(request);
    return ok(security.createApiKey(principal, request.json, node.cluster.now()));
  }, { bodyRequired: true });
  route('GET', '/_security/api_key', (request) => ok(secured(request).security.getApiKeys(request.query, node.cluster.now())));
  route('DELETE', '/_security/api_key', (request) => {
    const { principal, security } = secured(request);
    return ok(security.invalidate(request.json, principal, node.cluster.now()));
  }, { bodyRequired: true });
}
