import { CAT_COLUMNS } from '../cat-columns.js';
import { CLUSTER_NAME, EMULATED_VERSION, type EmulatedNode, NODE_NAME, wantsReplicas } from '../emulated-node.js';
import { badRequest } from '../errors.js';
import { matchesPattern } from '../glob.js';
import { allocationRows, formatTimeValue, nodeRow, sizeIn } from '../node-cat.js';
import { catReply, type Reply, type Request, type Route, truthy } from '../router.js';
import type { Index } from '../store.js';

/** The `_cat` APIs. */
export function catRoutes(route: Route, node: EmulatedNode): void {
  const c = node.cluster;
  route('GET', '/_cat/health', (request) => {
    const yellow = wantsReplicas(c.indices.values());
    const now = Date.now();
    const row = { epoch: String(Math.floor(now / 1000)), timestamp: new Date(now).toISOString().slice(11, 19), cluster: CLUSTER_NAME, status: yellow ? 'yellow' : 'green', 'node.total': '1', 'node.data': '1', shards: String(c.indices.size), pri: String(c.indices.size), relo: '0', init: '0', unassign: String(yellow ? c.indices.size : 0), 'unassign.pri': '0', pending_tasks: '0', max_task_wait_time: '-', active_shards_percent: yellow ? '50.0%' : '100.0%' };
    return catReply(request, [row], CAT_COLUMNS.health);
  });
  const catIndices = (request: Request): Reply => {
    // Closed indices are listed too (`expand_wildcards` defaults to all here), without figures, as Elasticsearch lists them.
    const indices = c.resolve(request.params.index, { expandHidden: request.query.expand_wildcards === 'all' || request.params.index !== undefined, allowNoIndices: true, expandClosed: true });
    const bytes = sizeIn(request.query.bytes);
    const size = (index: Index): string => (index.closed ? '' : bytes(index.bytes));
    const wanted = request.query.health;
    if (wanted !== undefined && !['green', 'yellow', 'red'].includes(wanted)) throw badRequest(`unknown cluster health status [${wanted}]`);
    const rows = indices
      .filter((index) => wanted === undefined || (index.replicas > 0 ? 'yellow' : 'green') === wanted)
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((index) => ({
        health: index.replicas > 0 ? 'yellow' : 'green',
        status: index.closed ? 'close' : 'open',
        index: index.name,
        uuid: index.uuid,
        pri: index.settings['index.number_of_shards'] ?? '1',
        rep: index.settings['index.number_of_replicas'] ?? '1',
        'docs.count': index.closed ? '' : String(index.view.size),
        'docs.deleted': index.closed ? '' : '0',
        'store.size': size(index),
        'pri.store.size': size(index),
        'dataset.size': size(index),
        'creation.date': index.settings['index.creation_date'] ?? '',
        'creation.date.string': index.settings['index.creation_date'] === undefined ? '' : new Date(Number(index.settings['index.creation_date'])).toISOString(),
      }));
    return catReply(request, rows, CAT_COLUMNS.indices);
  };
  const catCount = (request: Request): Reply => {
    const now = Date.now();
    const docs = c.resolve(request.params.index, { allowNoIndices: true }).reduce((sum, index) => sum + index.view.size, 0);
    return catReply(request, [{ epoch: String(Math.floor(now / 1000)), timestamp: new Date(now).toISOString().slice(11, 19), count: String(docs) }], CAT_COLUMNS.count);
  };
  route('GET', '/_cat/count', catCount);
  route('GET', '/_cat/count/{index}', catCount);
  const catAliases = (request: Request): Reply => {
    const names = request.params.name?.split(',');
    const rows = [...c.indices.values()].flatMap((index) =>
      [...index.aliases].filter(([alias]) => names === undefined || names.some((name) => matchesPattern(name, alias))).map(([alias, definition]) => ({ alias, index: index.name, filter: definition.filter ? '*' : '-', 'routing.index': definition.index_routing ?? '-', 'routing.search': definition.search_routing ?? '-', is_write_index: definition.is_write_index === undefined ? '-' : String(definition.is_write_index) })),
    );
    return catReply(request, rows, CAT_COLUMNS.aliases);
  };
  route('GET', '/_cat/aliases', catAliases);
  route('GET', '/_cat/aliases/{name}', catAliases);
  route('GET', '/_cat/indices', catIndices);
  route('GET', '/_cat/indices/{index}', catIndices);
  nodeCatRoutes(route, node);
}

/** The `_cat` APIs about the node, its shards and templates: what an operator lists first on a cluster. */
export function nodeCatRoutes(route: Route, node: EmulatedNode): void {
  const c = node.cluster;
  const catNode = { id: node.nodeId.slice(0, 4), host: '127.0.0.1', ip: '127.0.0.1', node: NODE_NAME };
  // The master's full id, as RestMasterAction shows it (`_cat/nodes` shows four characters unless `full_id`).
  route('GET', '/_cat/master', (request) => catReply(request, [{ ...catNode, id: node.nodeId }], CAT_COLUMNS.master));
  route('GET', '/_cat/nodes', (request) => {
    const description = { ...catNode, id: node.nodeId, pid: process.pid, port: 9300, httpAddress: `${node.httpAddress()}`, version: EMULATED_VERSION, fullId: truthy(request.query.full_id) };
    return catReply(request, [nodeRow(description, node.nodeFigures.readings(), sizeIn(request.query.bytes))], CAT_COLUMNS.nodes);
  });
  route('GET', '/_cat/thread_pool', (request) => catReply(request, node.threadPools(), CAT_COLUMNS.thread_pool));
  route('GET', '/_cat/thread_pool/{pools}', (request) => {
    const wanted = (request.params.pools as string).split(',');
    return catReply(request, node.threadPools().filter((row) => wanted.some((pattern) => matchesPattern(pattern, row.name as string))), CAT_COLUMNS.thread_pool);
  });
  route('GET', '/_cat/allocation', (request) => {
    const disk = node.nodeFigures.disk();
    return catReply(request, allocationRows(catNode, c.resolve(undefined, { expandHidden: true, expandClosed: true }), disk, sizeIn(request.query.bytes)), CAT_COLUMNS.allocation);
  });
  // No plugin is installed: the list is empty, as on a default distribution.
  route('GET', '/_cat/plugins', (request) => catReply(request, [], CAT_COLUMNS.plugins));
  const catShards = (request: Request): Reply => {
    const indices = c.resolve(request.params.index, { expandHidden: true, allowNoIndices: true }).sort((a, b) => a.name.localeCompare(b.name));
    const bytes = sizeIn(request.query.bytes);
    const never = { 'unassigned.reason': '', 'unassigned.at': '', 'unassigned.for': '', 'unassigned.details': '' };
    const rows = indices.flatMap((index) => {
      const primary = { index: index.name, shard: '0', prirep: 'p', state: 'STARTED', docs: String(index.view.size), store: bytes(index.bytes), dataset: bytes(index.bytes), ip: catNode.ip, id: node.nodeId.slice(0, 4), node: NODE_NAME, ...never };
      // A replica never starts on one node: it is listed unassigned since its index was made (or read back at start), as a one-node cluster lists it.
      const since = Number(index.settings['index.creation_date'] ?? c.now());
      const unassigned = { 'unassigned.reason': index.readFromDisk ? 'CLUSTER_RECOVERED' : 'INDEX_CREATED', 'unassigned.at': new Date(since).toISOString(), 'unassigned.for': formatTimeValue(c.now() - since), 'unassigned.details': '' };
      const replicas = Array.from({ length: index.replicas }, () => ({ index: index.name, shard: '0', prirep: 'r', state: 'UNASSIGNED', docs: '', store: '', dataset: '', ip: '', id: '', node: '', ...unassigned }));
      return [primary, ...replicas];
    });
    return catReply(request, rows, CAT_COLUMNS.shards);
  };
  route('GET', '/_cat/shards', catShards);
  route('GET', '/_cat/shards/{index}', catShards);
  const catTemplates = (request: Request): Reply => {
    const pattern = request.params.name;
    const rows = [...c.indexTemplates]
      .filter(([name]) => pattern === undefined || matchesPattern(pattern, name))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, template]) => ({ name, index_patterns: `[${template.index_patterns.join(', ')}]`, order: String(template.priority ?? 0), version: template.version === undefined ? '' : String(template.version), composed_of: `[${(template.composed_of ?? []).join(', ')}]` }));
    // Legacy templates are listed with their order and no components.
    const legacy = [...c.legacyTemplates.templates]
      .filter(([name]) => pattern === undefined || matchesPattern(pattern, name))
      .map(([name, template]) => ({ name, index_patterns: `[${template.index_patterns.join(', ')}]`, order: String(template.order), version: template.version === undefined ? '' : String(template.version), composed_of: '' }));
    return catReply(request, [...rows, ...legacy].sort((a, b) => a.name.localeCompare(b.name)), CAT_COLUMNS.templates);
  };
  route('GET', '/_cat/templates', catTemplates);
  route('GET', '/_cat/templates/{name}', catTemplates);
}
