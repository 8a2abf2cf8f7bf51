import { CAT_COLUMNS } from '../cat-columns.js';
import { CLUSTER_NAME, type EmulatedNode } from '../emulated-node.js';
import { sizeIn } from '../node-cat.js';
import { catReply, ok, type Request, type Route, truthy } from '../router.js';
import { allocationExplain, recoveries, recoveryRows, searchShards, segmentRows, segments, shardStores } from '../shard-info.js';
import type { Index } from '../store.js';

/** Shards, segments and recoveries (`shard-info.ts`), and the `_cat` lists that are empty on one node without snapshots. */
export function shardRoutes(route: Route, node: EmulatedNode): void {
  const c = node.cluster;
  const description = node.description();
  const indicesOf = (request: Request): Index[] => c.resolve(request.params.index, { allowNoIndices: true, ignoreUnavailable: request.query.ignore_unavailable === 'true' });
  for (const prefix of ['', '/{index}']) {
    route(['GET', 'POST'], `${prefix}/_search_shards`, (request) => ok(searchShards(indicesOf(request), description)));
    route('GET', `${prefix}/_recovery`, (request) => ok(recoveries(indicesOf(request), description, truthy(request.query.active_only))));
    route('GET', `${prefix}/_segments`, (request) => ok(segments(indicesOf(request), description)));
    route('GET', `${prefix}/_shard_stores`, (request) => ok(shardStores(indicesOf(request), description, request.query.status)));
  }
  for (const suffix of ['', '/{index}']) {
    route('GET', `/_cat/recovery${suffix}`, (request) => catReply(request, truthy(request.query.active_only) ? [] : recoveryRows(indicesOf(request), description, sizeIn(request.query.bytes)), CAT_COLUMNS.recovery));
    route('GET', `/_cat/segments${suffix}`, (request) => catReply(request, segmentRows(indicesOf(request), description, sizeIn(request.query.bytes)), CAT_COLUMNS.segments));
  }
  route(['GET', 'POST'], '/_cluster/allocation/explain', (request) => {
    const body = request.json;
    const indices = Object.keys(body).length === 0 ? c.resolve(undefined, { expandHidden: true }) : c.resolve(typeof body.index === 'string' ? body.index : '');
    return ok(allocationExplain(indices, description, body));
  });
  // Indices found on disk but not in the cluster state: never, on one node that keeps its own state.
  route('GET', '/_dangling', () => ok({ _nodes: { total: 1, successful: 1, failed: 0 }, cluster_name: CLUSTER_NAME, dangling_indices: [] }));
  route('GET', '/_cat/nodeattrs', (request) => catReply(request, [], ['node', 'host', 'ip', 'attr', 'value']));
  route('GET', '/_cat/fielddata', (request) => catReply(request, [], ['id', 'host', 'ip', 'node', 'field', 'size']));
  route('GET', '/_cat/fielddata/{fields}', (request) => catReply(request, [], ['id', 'host', 'ip', 'node', 'field', 'size']));
  route('GET', '/_cat/pending_tasks', (request) => catReply(request, [], ['insertOrder', 'timeInQueue', 'priority', 'source']));
  const snapshotColumns = ['id', 'repository', 'status', 'start_epoch', 'start_time', 'end_epoch', 'end_time', 'duration', 'indices', 'successful_shards', 'failed_shards', 'total_shards'];
  route('GET', '/_cat/snapshots', (request) => catReply(request, [], snapshotColumns));
  route('GET', '/_cat/snapshots/{repository}', (request) => {
    node.snapshots.snapshots(request.params.repository as string);
    return catReply(request, [], snapshotColumns);
  });
}
