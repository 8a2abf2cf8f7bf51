import { UAParser } from 'ua-parser-js';
import { deepFreeze, get, put, type Json } from '../ecs.js';

/**
 * `user_agent.*` from `user_agent.original`, parsed by ua-parser-js 1.x (MIT; the 2.x line is AGPL, so it
 * is pinned below 2). Parsing is cached: a fleet sends few distinct user agents many times.
 */
export function createUserAgent(cacheSize = 10_000): (document: Json) => void {
  const cache = new Map<string, Json>();
  const parse = (original: string): Json => {
    const hit = cache.get(original);
    if (hit !== undefined) return hit;
    const result = new UAParser(original).getResult();
    const parsed: Json = {};
    put(parsed, 'name', result.browser.name ?? 'Other');
    put(parsed, 'version', result.browser.version);
    put(parsed, 'os.name', result.os.name);
    put(parsed, 'os.version', result.os.version);
    put(parsed, 'os.full', result.os.name === undefined ? undefined : [result.os.name, result.os.version].filter(Boolean).join(' '));
    put(parsed, 'device.name', [result.device.vendor, result.device.model].filter(Boolean).join(' ') || 'Other');
    if (cache.size >= cacheSize) cache.delete(cache.keys().next().value as string);
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
