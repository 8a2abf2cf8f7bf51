import type { Config } from '../shared/config.js';
import { createClientAddress, createGeoip } from './enrich/geoip.js';
import { createLoginClassifier } from './enrich/login.js';
import { createRedactor } from './enrich/redact.js';
import { tagSecurity } from './enrich/security.js';
import { createUserAgent } from './enrich/user-agent.js';
import { createNetworkDirection } from './enrich/network-direction.js';
import type { Json } from './ecs.js';
import type { Enricher } from './pipeline.js';

/**
 * The enrichers in their order: the client address behind trusted proxies, GeoIP, user agent, login
 * attempts, security signatures (on the values as sent), and redaction last, so that nothing leaves unredacted.
 */
export async function createEnrichers(config: Pick<Config, 'geoip' | 'trustedProxies' | 'redact' | 'loginPaths' | 'uaRegexes' | 'internalNetworks'>): Promise<{ enrichers: Enricher[]; close(): void }> {
  const geoip = await createGeoip({ cityDb: config.geoip.cityDb, asnDb: config.geoip.asnDb });
  const redactor = createRedactor(config.redact);
  const named = (stage: string, enrich: Enricher): Enricher => Object.assign((document: Json, line: string) => enrich(document, line), { stage });
  return {
    enrichers: [named('client_address', createClientAddress(config.trustedProxies)), named('geoip', geoip.enrich), named('network_direction', createNetworkDirection(config.internalNetworks)), named('user_agent', createUserAgent(config.uaRegexes)), named('login', createLoginClassifier(config.loginPaths)), named('security', tagSecurity), named('redact', redactor.document)],
    close: () => geoip.close(),
  };
}
