import { ENRICHERS, type Config, type EnricherName } from '../shared/config.js';
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
export async function createEnrichers(config: Pick<Config, 'geoip' | 'trustedProxies' | 'redact' | 'loginPaths' | 'uaRegexes' | 'internalNetworks'> & { enrichers?: EnricherName[] }): Promise<{ enrichers: Enricher[]; close(): void }> {
  const wanted = new Set<EnricherName>(config.enrichers ?? ENRICHERS);
  // The GeoIP databases are the largest thing a worker holds: not loaded when the enricher is off.
  const geoip = wanted.has('geoip') ? await createGeoip({ cityDb: config.geoip.cityDb, asnDb: config.geoip.asnDb }) : undefined;
  const factories: Record<EnricherName, () => Enricher> = {
    client_address: () => createClientAddress(config.trustedProxies),
    geoip: () => (geoip as NonNullable<typeof geoip>).enrich,
    network_direction: () => createNetworkDirection(config.internalNetworks),
    user_agent: () => createUserAgent(config.uaRegexes),
    login: () => createLoginClassifier(config.loginPaths),
    security: () => tagSecurity,
    redact: () => createRedactor(config.redact).document,
  };
  const named = (stage: EnricherName): Enricher => {
    const enrich = factories[stage]();
    return Object.assign((document: Json, line: string) => enrich(document, line), { stage });
  };
  return { enrichers: ENRICHERS.filter((stage) => wanted.has(stage)).map(named), close: () => geoip?.close() };
}
