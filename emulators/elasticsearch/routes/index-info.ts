import type { EmulatedNode } from '../emulated-node.js';
import { badRequest } from '../errors.js';
import { clearCache, flush, forceMerge, indexStats, resolveIndex } from '../index-info.js';
import { fieldMappings, termsEnum, validateQuery } from '../lookups.js';
import { resizeIndex } from '../resize.js';
import { ok, type Reply, type Request, type Route } from '../router.js';
import { type Index, readable } from '../store.js';
import { asTask } from './tasks.js';

/** `_resolve/index` and `_stats`: before the index routes, whose `/{index}` would take `/_stats`. */
export function indexInfoRoutes(route: Route, node: EmulatedNode): void {
  const c = node.cluster;
  // Index blocks (add and remove index block APIs): kept as the index.blocks.* settings the writes and searches obey.
  const BLOCKS = ['metadata', 'read', 'read_only', 'write'];
  const block = (request: Request, on: boolean): Reply => {
    const name = request.params.block as string;
    if (!BLOCKS.includes(name)) throw badRequest(`No enum constant org.elasticsearch.cluster.metadata.IndexMetadata.APIBlock.${name.toUpperCase()}`);
    const indices = c.resolve(request.params.index);
    for (const index of indices) {
      if (on) index.settings[`index.blocks.${name}`] = 'true';
      else delete index.settings[`index.blocks.${name}`];
    }
    c.journal?.meta();
    return ok({ acknowledged: true, ...(on ? { shards_acknowledged: true } : {}), indices: indices.map((index) => ({ name: index.name, [on ? 'blocked' : 'unblocked']: true })) });
  };
  for (const kind of ['clone', 'shrink', 'split'] as const) {
    route(['PUT', 'POST'], `/{index}/_${kind}/{target}`, (request) => {
      const target = resizeIndex(c, kind, request.params.index as string, request.params.target as string, request.json);
      return ok({ acknowledged: true, shards_acknowledged: true, index: target.name });
    });
  }
  route('POST', '/{index}/_close', (request) => {
    const closed = c.closeIndices(request.params.index as string);
    return ok({ acknowledged: true, shards_acknowledged: true, indices: Object.fromEntries(closed.map((index) => [index.name, { closed: true }])) });
  });
  route('POST', '/{index}/_open', (request) => {
    c.openIndices(request.params.index as string);
    return ok({ acknowledged: true, shards_acknowledged: true });
  });
  route('PUT', '/{index}/_block/{block}', (request) => block(request, true));
  route('DELETE', '/{index}/_block/{block}', (request) => block(request, false));
  route('GET', '/_resolve/index/{name}', (request) => ok(resolveIndex(c, request.params.name as string, request.query)));
  const stats = (request: Request): Reply => ok(indexStats(c, request.params.index, request.params.metric, request.path, request.query));
  route('GET', '/_stats', stats);
  route('GET', '/_stats/{metric}', stats);
  route('GET', '/{index}/_stats', stats);
  route('GET', '/{index}/_stats/{metric}', stats);
  // Broadcast maintenance: wildcards reach hidden indices (data streams' backing indices) as refresh's do.
  const broadcast = (request: Request): Index[] => c.resolve(request.params.index, { expandHidden: true, allowNoIndices: true, ignoreUnavailable: request.query.ignore_unavailable === 'true' });
  route(['GET', 'POST'], '/{index}/_terms_enum', (request) => ok(termsEnum(readable(c.resolve(request.params.index)), request.json, c.now())));
  for (const prefix of ['', '/{index}']) {
    route(['POST', 'GET'], `${prefix}/_flush`, (request) => ok(flush(broadcast(request), request.query)));
    route('POST', `${prefix}/_forcemerge`, (request) => asTask(node, request, 'indices:admin/forcemerge', 'Force-merge indices', () => ok(forceMerge(broadcast(request), request.query))));
    route('POST', `${prefix}/_cache/clear`, (request) => ok(clearCache(broadcast(request))));
    route('GET', `${prefix}/_mapping/field/{fields}`, (request) => ok(fieldMappings(c.resolve(request.params.index, { expandHidden: request.params.index !== undefined }), request.params.fields as string, request.query)));
    route(['GET', 'POST'], `${prefix}/_validate/query`, (request) => ok(validateQuery(readable(c.resolve(request.params.index, { ignoreUnavailable: request.query.ignore_unavailable === 'true' })), request.json, request.query, c.now())));
  }
}
