import { BlockList, isIP } from 'node:net';
import { get, put, type Json } from '../ecs.js';
import { DEFAULT_INTERNAL_NETWORKS } from '../../shared/ip.js';
import { plainAddress } from './geoip.js';


/**
 * `network.direction` as Elasticsearch's `network_direction` processor sets it from `source.ip` and
 * `destination.ip`: internal (both inside), outbound (from inside out), inbound (from outside in),
 * external (neither). A request in an access log was received by the platform: without a
 * `destination.ip`, its destination counts as internal.
 */
export function createNetworkDirection(networks: readonly string[] = DEFAULT_INTERNAL_NETWORKS): (document: Json) => void {
  const internal = new BlockList();
  for (const entry of networks) {
    const [network = '', prefix] = entry.split('/');
    const version = isIP(network) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) internal.addAddress(network, version);
    else internal.addSubnet(network, Number(prefix), version);
  }
  // Answers per address, bounded: a BlockList check costs more than the rest of the stage, and a fleet's
  // clients repeat.
  const answers = new Map<string, boolean>();
  const inside = (ip: string): boolean => {
    const known = answers.get(ip);
    if (known !== undefined) return known;
    const plain = plainAddress(ip);
    const version = isIP(plain);
    const answer = version !== 0 && internal.check(plain, version === 4 ? 'ipv4' : 'ipv6');
    if (answers.size >= 10_000) answers.delete(answers.keys().next().value as string);
    answers.set(ip, answer);
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
