import { parseTimeValue } from '../../../shared/time-value.js';
import { ClusterStateView, clusterStats } from '../cluster-state.js';
import { CLUSTER_NAME, type EmulatedNode, NODE_NAME, wantsReplicas } from '../emulated-node.js';
import { badRequest } from '../errors.js';
import { healthReport } from '../health-report.js';
import { ingestStats } from '../ingest.js';
import { ok, type Reply, type Request, type Route } from '../router.js';
import { flattenSettings, type Index, type Json, nestSettings } from '../store.js';

/**
 * `_remote/info` for the `cluster.remote.<alias>.*` settings (RemoteConnectionInfo): sniff mode unless `mode` says
 * proxy, with the defaults of a 9.x node, and none connected.
 */
function remoteClusters(settings: Record<string, string>): Json {
  const aliases = new Set<string>();
  for (const key of Object.keys(settings)) {
    const alias = /^cluster\.remote\.([^.]+)\.(?:seeds|proxy_address|mode)$/.exec(key)?.[1];
    if (alias !== undefined) aliases.add(alias);
  }
  return Object.fromEntries([...aliases].sort().map((alias) => {
    const get = (name: string): string | undefined => settings[`cluster.remote.${alias}.${name}`];
    const list = (value: string | undefined): string[] => (value === undefined || value === '' ? [] : value.split(',').map((each) => each.trim()));
    const skip = get('skip_unavailable') !== 'false';
    const common = { initial_connect_timeout: settings['cluster.remote.initial_connect_timeout'] ?? '30s', skip_unavailable: skip };
    if ((get('mode') ?? 'sniff') === 'proxy') {
      return [alias, { connected: false, mode: 'proxy', proxy_address: get('proxy_address') ?? '', server_name: get('server_name') ?? '', num_proxy_sockets_connected: 0, max_proxy_socket_connections: Number(get('proxy_socket_connections') ?? 18), ...common }];
    }
    return [alias, { connected: false, mode: 'sniff', seeds: list(get('seeds')), num_nodes_connected: 0, max_connections_per_cluster: Number(settings['cluster.remote.connections_per_cluster'] ?? 3), ...common }];
  }));
}

/**
 * `level=indices` adds each index's health, `level=shards` each index's one shard's too (ClusterIndexHealth and
 * ClusterShardHealth): the primary active, its replicas unassigned, as on one node.
 */
function healthLevels(indices: Index[], level: string | undefined): Json {
  if (level === undefined || level === 'cluster') return {};
  if (level !== 'indices' && level !== 'shards') throw badRequest(`level parameter must be one of [cluster] or [indices] or [shards] but was [${level}]`);
  const counts = (index: Index): Json => ({ status: index.replicas > 0 ? 'yellow' : 'green' });
  const moving = (index: Index): Json => ({ relocating_shards: 0, initializing_shards: 0, unassigned_shards: index.replicas, unassigned_primary_shards: 0 });
  return {
    indices: Object.fromEntries([...indices].sort((a, b) => a.name.localeCompare(b.name)).map((index) => [index.name, {
      ...counts(index), number_of_shards: 1, number_of_replicas: index.replicas, active_primary_shards: 1, active_shards: 1, ...moving(index),
      ...(level === 'shards' ? { shards: { 0: { ...counts(index), primary_active: true, active_shards: 1, ...moving(index) } } } : {}),
    }])),
  };
}

/** Cluster health, settings, node stats, and the licence and features a client checks before it writes. */
export function clusterRoutes(route: Route, node: EmulatedNode): void {
  const c = node.cluster;
  // A basic licence, as a new cluster of the default distribution has one: Logstash's and Beats' outputs ask for it
  // (an answer of 404 reads as the OSS distribution, which they refuse), Kibana shows it.
  const issued = Date.now();
  const license = { uid: node.clusterUuid, type: 'basic', status: 'active' };
  route('GET', '/_license', () => ok({ license: { status: 'active', uid: license.uid, type: 'basic', issue_date: new Date(issued).toISOString(), issue_date_in_millis: issued, max_nodes: 1000, max_resource_units: null, issued_to: CLUSTER_NAME, issuer: 'elasticsearch', start_date_in_millis: -1 } }));
  // The features the emulator has: only those a client may rely on (ILM, data streams), the others absent.
  route('GET', '/_xpack', () => ok({ build: { hash: 'sluice', date: '2026-01-01T00:00:00.000Z' }, license: { ...license, mode: 'basic' }, features: { ilm: { available: true, enabled: true }, data_streams: { available: true, enabled: true }, security: { available: true, enabled: node.security !== undefined } }, tagline: 'You know, for X' }));
  const health = async (request: Request): Promise<Reply> => {
    const indices = request.params.index === undefined ? [...c.indices.values()] : c.resolve(request.params.index, { expandHidden: true });
    const yellow = wantsReplicas(indices);
    const status = yellow ? 'yellow' : 'green';
    const wanted = request.query.wait_for_status;
    const rank = { green: 0, yellow: 1, red: 2 };
    const timedOut = wanted !== undefined && rank[status] > (rank[wanted as keyof typeof rank] ?? 2);
    if (timedOut) await new Promise((resolve) => setTimeout(resolve, Math.min(parseTimeValue(request.query.timeout ?? '30s') ?? 30_000, 30_000)));
    const body = {
      cluster_name: CLUSTER_NAME,
      status,
      timed_out: timedOut,
      number_of_nodes: 1,
      number_of_data_nodes: 1,
      active_primary_shards: indices.length,
      active_shards: indices.length,
      relocating_shards: 0,
      initializing_shards: 0,
      unassigned_shards: indices.reduce((sum, index) => sum + index.replicas, 0),
      unassigned_primary_shards: 0,
      delayed_unassigned_shards: 0,
      number_of_pending_tasks: 0,
      number_of_in_flight_fetch: 0,
      task_max_waiting_in_queue_millis: 0,
      active_shards_percent_as_number: indices.length === 0 ? 100 : (100 * indices.length) / (indices.length + indices.reduce((sum, index) => sum + index.replicas, 0)),
      ...healthLevels(indices, request.query.level),
    };
    return { status: timedOut ? 408 : 200, body };
  };
  const report = (request: Request): Reply => ok(healthReport({ cluster: c, node: { id: node.nodeId, name: NODE_NAME }, clusterName: CLUSTER_NAME, slmRunning: node.snapshots.slmRunning }, request.params.feature, request.query));
  route('GET', '/_health_report', report);
  route('GET', '/_health_report/{feature}', report);
  route('GET', '/_cluster/health', health);
  route('GET', '/_cluster/health/{index}', health);
  route('GET', '/_cluster/settings', () => ok({ persistent: nestSettings(c.clusterSettings), transient: {} }));
  route('PUT', '/_cluster/settings', (request) => {
    const body = request.json;
    const applied: Record<string, string> = {};
    for (const scope of ['persistent', 'transient']) {
      for (const [key, value] of Object.entries(flattenSettings(body[scope] as Json | undefined, ' ', true)).map(([k, v]) => [k.trim(), v] as const)) {
        // A null resets the setting to its default, as it does in Elasticsearch.
        if (value === 'null') delete c.clusterSettings[key];
        else {
          applied[key] = value;
          c.clusterSettings[key] = value;
        }
      }
    }
    c.journal?.meta();
    node.settingsChanged();
    return ok({ acknowledged: true, persistent: nestSettings(applied), transient: {} });
  });
  const state = new ClusterStateView(c, node.identity());
  route('GET', '/_cluster/state', () => ok(state.render(undefined, undefined)));
  route('GET', '/_cluster/state/{metrics}', (request) => ok(state.render(request.params.metrics, undefined)));
  route('GET', '/_cluster/state/{metrics}/{index}', (request) => ok(state.render(request.params.metrics, request.params.index)));
  route('GET', '/_cluster/stats', () => {
    const yellow = wantsReplicas(c.indices.values());
    return ok(clusterStats(c, node.identity(), node.nodeFigures, yellow ? 'yellow' : 'green'));
  });
  const info = (request: Request): Reply => {
    const known = ['_all', 'http', 'ingest', 'thread_pool', 'script'];
    const targets = (request.params.target ?? '_all').split(',');
    const unknown = targets.filter((target) => !known.includes(target));
    if (unknown.length > 0) throw badRequest(`request [${request.path}] contains unrecognized target: [${unknown.join(', ')}]`);
    const all = targets.includes('_all');
    const pools = node.threadPools();
    const sections: Record<string, () => unknown> = {
      http: () => node.httpStats(),
      ingest: () => ingestStats(c.pipelines),
      thread_pool: () => Object.fromEntries(pools.map((pool) => [pool.name, { threads: 0, queue: 0, active: 0, rejected: 0, largest: 0, completed: 0 }])),
      script: () => ({ compilations: 0, cache_evictions: 0, compilation_limit_triggered: 0 }),
    };
    return ok({ cluster_name: CLUSTER_NAME, ...Object.fromEntries(Object.entries(sections).filter(([name]) => all || targets.includes(name)).map(([name, section]) => [name, section()])) });
  };
  route('GET', '/_info/{target}', info);
  // Cluster state updates are applied as they come: none ever waits.
  route('GET', '/_cluster/pending_tasks', () => ok({ tasks: [] }));
  // Remote clusters named in the cluster settings, never connected: the emulator opens no transport connection.
  route('GET', '/_remote/info', () => ok(remoteClusters(c.clusterSettings)));
}
