import { join } from 'node:path';
import { LRUCache } from 'lru-cache';
import { packageRoot } from '../../shared/paths.js';
import { deepFreeze, get, put, type Json } from '../ecs.js';
import { loadUapParser, versionText } from './uap.js';

/** uap-core's expressions as the npm package `uap-core` ships them (Apache-2.0). */
export const DEFAULT_UA_REGEXES = join(packageRoot, 'node_modules', 'uap-core', 'regexes.yaml');

/**
 * `user_agent.*` from `user_agent.original`, as Elasticsearch's `user_agent` processor writes them: `name`
 * ("Other" when nothing matches), `version` (major.minor.patch.build while present), `os.name`, and
 * `os.version` with `os.full` when the OS has a version, `device.name` ("Spider" for crawlers, "Other" when
 * unknown). Parsing is cached and the cache is bounded: a fleet sends few distinct agents many times.
 */
export function createUserAgent(regexes = DEFAULT_UA_REGEXES, cacheSize = 10_000): (document: Json) => void {
  const parser = loadUapParser(regexes);
  const cache = new LRUCache<string, Json>({ max: cacheSize });
  const parse = (original: string): Json => {
    const hit = cache.get(original);
    if (hit !== undefined) return hit;
    const { agent, os, device } = parser.parse(original);
    const parsed: Json = { name: agent?.name ?? 'Other' };
    put(parsed, 'version', versionText(agent));
    if (os !== undefined) {
      put(parsed, 'os.name', os.name);
      const version = versionText(os);
      put(parsed, 'os.version', version);
      if (version !== undefined) put(parsed, 'os.full', `${os.name} ${version}`);
    }
    put(parsed, 'device.name', device?.name ?? 'Other');
    cache.set(original, deepFreeze(parsed));
    return parsed;
  };
  return (document) => {
    const original = get(document, 'user_agent.original');
    if (typeof original !== 'string' || original === '') return;
    // The parsed parts are frozen and shared; the document's own user_agent object holds them and the original.
    document.user_agent = { ...parse(original), original };
  };
}
