import { LRUCache } from 'lru-cache';
import { get, put, type Json } from '../ecs.js';
import { addressMatcher, DEFAULT_INTERNAL_NETWORKS } from '../../shared/ip.js';

/**
 * `network.direction` as Elasticsearch's `network_direction` processor sets it from `source.ip` and
 * `destination.ip`: internal (both inside), outbound (from inside out), inbound (from outside in),
 * external (neither). A request in an access log was received by the platform: without a
 * `destination.ip`, its destination counts as internal.
 */
export function createNetworkDirection(networks: readonly string[] = DEFAULT_INTERNAL_NETWORKS): (document: Json) => void {
  // Answers per address, the most recently used kept: the list check costs more than the rest of the stage,
  // and clients repeat.
  const isInternal = addressMatcher(networks);
  const answers = new LRUCache<string, boolean>({ max: 10_000 });
  const inside = (ip: string): boolean => {
    let answer = answers.get(ip);
    if (answer === undefined) {
      answer = isInternal(ip);
      answers.set(ip, answer);
    }
    return answer;
  };
  return (document) => {
    const source = get(document, 'source.ip');
    if (typeof source !== 'string') return;
    const destination = get(document, 'destination.ip');
    const from = inside(source);
    const to = typeof destination === 'string' ? inside(destination) : true;
    put(document, 'network.direction', from ? (to ? 'internal' : 'outbound') : to ? 'inbound' : 'external');
  };
}
