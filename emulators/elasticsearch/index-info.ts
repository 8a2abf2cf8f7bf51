/**
 * What the cluster says about its indices as wholes: `_resolve/index` (Kibana asks it when a data view is made) and
 * `_stats` (exporters and dashboards read document counts and store sizes from it); and the maintenance calls whose
 * answer is only their shards (`_flush`, `_forcemerge`, `_cache/clear`), which have nothing to do in memory.
 */
import { badRequest, EsError, indexNotFound } from './errors.js';
import { matchesPattern } from './glob.js';
import { unrecognized } from './rest-params.js';
import type { Cluster, Index, Json } from './store.js';

/** Whether an expression (comma list, wildcards) names `name`; a wildcard reaches a hidden name only when asked. */
function named(parts: string[], name: string, hidden: boolean, expandHidden: boolean): boolean {
  return parts.some((part) => (part.includes('*') ? matchesPattern(part, name) && (!hidden || expandHidden || part.startsWith('.')) : part === name));
}

/** `_resolve/index/<name>`: the indices, aliases and data streams an expression names (ResolveIndexAction), by name. */
export function resolveIndex(cluster: Cluster, expression: string, query: Record<string, string>): Json {
  const parts = expression.split(',').map((part) => part.trim());
  const expandHidden = /\b(?:all|hidden)\b/.test(query.expand_wildcards ?? '');
  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
  const indices = [...cluster.indices.values()].filter((index) => named(parts, index.name, index.hidden, expandHidden));
  const aliases = new Map<string, string[]>();
  for (const index of cluster.indices.values()) for (const alias of index.aliases.keys()) if (named(parts, alias, false, expandHidden)) aliases.set(alias, [...(aliases.get(alias) ?? []), index.name]);
  const streams = [...cluster.dataStreams.values()].filter((stream) => named(parts, stream.name, false, expandHidden));
  if (query.ignore_unavailable !== 'true') {
    for (const part of parts) {
      if (!part.includes('*') && !indices.some((index) => index.name === part) && !aliases.has(part) && !streams.some((stream) => stream.name === part)) throw indexNotFound(part);
    }
  }
  return {
    indices: indices.sort(byName).map((index) => ({
      name: index.name,
      ...(index.aliases.size > 0 ? { aliases: [...index.aliases.keys()].sort() } : {}),
      attributes: index.hidden ? ['hidden', 'open'] : ['open'],
      ...(index.dataStream !== undefined ? { data_stream: index.dataStream } : {}),
    })),
    aliases: [...aliases].map(([name, members]) => ({ name, indices: members.sort() })).sort(byName),
    data_streams: streams.sort(byName).map((stream) => ({ name: stream.name, backing_indices: [...stream.indices], timestamp_field: '@timestamp' })),
  };
}

/** The metrics `_stats` knows (IndicesStatsRequest's flags): the emulator keeps the first three. */
const EMULATED_METRICS = ['docs', 'store', 'flush'];
const OTHER_METRICS = ['indexing', 'get', 'search', 'merge', 'refresh', 'warmer', 'query_cache', 'fielddata', 'completion', 'segments', 'translog', 'request_cache', 'recovery', 'bulk', 'shard_stats', 'mappings', 'dense_vector', 'sparse_vector'];

/** A broadcast request's shards: every copy counts in the total; a replica never starts on one node (yellow). */
export function shardsOf(indices: Index[]): { total: number; successful: number; failed: number } {
  const primaries = indices.reduce((sum, index) => sum + Number(index.settings['index.number_of_shards'] ?? 1), 0);
  const copies = indices.reduce((sum, index) => sum + Number(index.settings['index.number_of_shards'] ?? 1) * (1 + index.replicas), 0);
  return { total: copies, successful: primaries, failed: 0 };
}

function statsOf(indices: Index[], metrics: string[]): Json {
  const count = indices.reduce((sum, index) => sum + index.view.size, 0);
  const bytes = indices.reduce((sum, index) => sum + index.bytes, 0);
  const sections: Json = {
    // Deleted documents are gone at once here: there are no segments to merge them away later.
    docs: { count, deleted: 0, total_size_in_bytes: bytes },
    store: { size_in_bytes: bytes, total_data_set_size_in_bytes: bytes, reserved_in_bytes: 0 },
    // Flushes asked for; none is periodic, as nothing here waits in a translog.
    flush: { total: indices.reduce((sum, index) => sum + index.flushes, 0), periodic: 0, total_time_in_millis: 0 },
  };
  return Object.fromEntries(metrics.map((metric) => [metric, sections[metric]]));
}

/** `_stats[/<metric>]` of the indices an expression names: primaries and total alike (no replica starts on one node). */
export function indexStats(cluster: Cluster, expression: string | undefined, metric: string | undefined, path: string, query: Record<string, string>): Json {
  const asked = metric === undefined || metric === '_all' ? EMULATED_METRICS : metric.split(',');
  const unknown = asked.filter((name) => !EMULATED_METRICS.includes(name) && !OTHER_METRICS.includes(name));
  if (unknown.length > 0) throw unrecognized(path, 'metric', unknown, new Set([...EMULATED_METRICS, ...OTHER_METRICS]));
  const missing = asked.filter((name) => !EMULATED_METRICS.includes(name));
  if (missing.length > 0) throw badRequest(`index statistics [${missing.join(', ')}] are not emulated: the emulator keeps docs, store and flush`);
  const indices = cluster.resolve(expression, { ignoreUnavailable: query.ignore_unavailable === 'true', allowNoIndices: true, expandHidden: /\b(?:all|hidden)\b/.test(query.expand_wildcards ?? '') });
  const all = statsOf(indices, asked);
  return {
    _shards: shardsOf(indices),
    _all: { primaries: all, total: all },
    indices: Object.fromEntries(
      indices.map((index) => {
        const own = statsOf([index], asked);
        const health = index.replicas > 0 ? 'yellow' : 'green';
        return [index.name, { uuid: index.uuid, health, status: 'open', primaries: own, total: own }];
      }),
    ),
  };
}

/** `_flush` (FlushRequest): counted in the flush statistics; the emulator's documents are already where they stay. */
export function flush(indices: Index[], query: Record<string, string | undefined>): Json {
  if (query.force === 'true' && query.wait_if_ongoing === 'false') throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: wait_if_ongoing must be true for a force flush;');
  for (const index of indices) index.flushes += 1;
  return { _shards: shardsOf(indices) };
}

/** `_forcemerge` (ForceMergeRequest's checks): there are no segments to merge, so it is done at once. */
export function forceMerge(indices: Index[], query: Record<string, string | undefined>): Json {
  const maxSegments = query.max_num_segments;
  if (maxSegments !== undefined && !/^-?\d+$/.test(maxSegments)) throw badRequest(`Failed to parse int parameter [max_num_segments] with value [${maxSegments}]`);
  if (query.only_expunge_deletes === 'true' && maxSegments !== undefined && Number(maxSegments) !== -1) {
    throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: cannot set only_expunge_deletes and max_num_segments at the same time, those two parameters are mutually exclusive;');
  }
  return { _shards: shardsOf(indices) };
}

/** `_cache/clear`: the emulator keeps no query, request or field data cache, so every shard is clear at once. */
export function clearCache(indices: Index[]): Json {
  return { _shards: shardsOf(indices) };
}
