import { setImmediate } from 'node:timers/promises';
import type { CacheUse } from '../shared/cache-use.js';
import { ENRICHERS, type Config, type EnricherName } from '../shared/config.js';
import { createClientAddress, createGeoip } from './enrich/geoip.js';
import { createLoginClassifier } from './enrich/login.js';
import { createRedactor } from './enrich/redact.js';
import { loadCrsInTurns } from './enrich/crs/ruleset.js';
import { createSecurityTagger, crsOptionsOf, type SecurityTagger } from './enrich/security.js';
import { createUserAgent } from './enrich/user-agent.js';
import { createNetworkDirection } from './enrich/network-direction.js';
import type { Json } from './ecs.js';
import type { Enricher } from './pipeline.js';

/**
 * The enrichers in their order: the client address behind trusted proxies, GeoIP, user agent, login
 * attempts, security signatures (on the values as sent), and redaction last, so that nothing leaves unredacted.
 */
export async function createEnrichers(
  config: Pick<Config, 'geoip' | 'trustedProxies' | 'redact' | 'loginPaths' | 'uaRegexes' | 'internalNetworks' | 'crs'> & Partial<Pick<Config, 'enrichers' | 'cacheDir'>>,
  signal?: AbortSignal,
): Promise<{ enrichers: Enricher[]; close(): void; security: SecurityTagger | undefined; asnCache: CacheUse | undefined }> {
  const wanted = new Set<EnricherName>(config.enrichers ?? ENRICHERS);
  // The GeoIP databases are the largest thing a worker holds: not loaded when the enricher is off.
  const geoip = wanted.has('geoip') ? await createGeoip({ cityDb: config.geoip.cityDb, asnDb: config.geoip.asnDb, asnCacheDir: config.cacheDir }) : undefined;
  /**
   * Loading is synchronous work of a second or two in all: between its parts (GeoIP, then each CRS rule file)
   * the event loop turns, so that Ctrl-C during a start is heard, and an interrupted start stops loading.
   */
  const turn = async (): Promise<void> => {
    await setImmediate();
    if (signal?.aborted === true) {
      geoip?.close();
      throw signal.reason;
    }
  };
  await turn();
  // CRS's rules compile at load (about half a second, in turns); only when the stage runs.
  const security = wanted.has('security') ? createSecurityTagger(config.crs, await loadCrsInTurns({ ...crsOptionsOf(config.crs), cacheDir: config.cacheDir }, turn)) : undefined;
  await turn();
  const factories: Record<EnricherName, () => Enricher> = {
    client_address: () => createClientAddress(config.trustedProxies),
    geoip: () => (geoip as NonNullable<typeof geoip>).enrich,
    network_direction: () => createNetworkDirection(config.internalNetworks),
    user_agent: () => createUserAgent(config.uaRegexes),
    login: () => createLoginClassifier(config.loginPaths),
    security: () => security as SecurityTagger,
    redact: () => createRedactor(config.redact).document,
  };
  const named = (stage: EnricherName): Enricher => {
    const enrich = factories[stage]();
    return Object.assign((document: Json, line: string) => enrich(document, line), { stage });
  };
  return { enrichers: ENRICHERS.filter((stage) => wanted.has(stage)).map(named), close: () => geoip?.close(), security, asnCache: geoip?.asnCache };
}
