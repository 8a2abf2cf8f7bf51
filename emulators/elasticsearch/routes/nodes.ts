import * as os from 'node:os';
import { CLUSTER_NAME, EMULATED_VERSION, type EmulatedNode, NODE_NAME, NODE_ROLES } from '../emulated-node.js';
import { badRequest } from '../errors.js';
import { ingestStats } from '../ingest.js';
import { unrecognized } from '../rest-params.js';
import { ok, type Reply, type Request, type Route } from '../router.js';

/** The sections node info can be asked for (RestNodesInfoAction's metrics); the emulator has http, os, process, ingest and plugins. */
const NODE_INFO_METRICS = new Set(['_all', '_none', 'aggregations', 'http', 'indices', 'ingest', 'jvm', 'os', 'plugins', 'process', 'remote_cluster_server', 'settings', 'thread_pool', 'transport']);

/** The `_nodes` APIs: the one node's info, stats and hot threads. */
export function nodeRoutes(route: Route, node: EmulatedNode): void {
  route('GET', '/_nodes/stats', () => nodeStats(node));
  route('GET', '/_nodes/stats/{metric}', () => nodeStats(node));
  route('GET', '/_nodes/_local/stats', () => nodeStats(node));
  // Hot threads as text, its header as HotThreads writes it; no thread is listed: the emulator's one JavaScript thread is
  // the one answering, and it samples no stacks.
  const hotThreads = (request: Request): Reply => {
    const type = request.query.type ?? 'cpu';
    if (!['cpu', 'wait', 'block', 'mem'].includes(type)) throw badRequest(`type not supported [${type}]`);
    const nodeText = `{${NODE_NAME}}{${node.nodeId}}{${node.nodeId.slice(0, 22)}}{127.0.0.1}{127.0.0.1}{127.0.0.1:9300}{dim}{${EMULATED_VERSION}}`;
    const header = `Hot threads at ${new Date().toISOString()}, interval=${request.query.interval ?? '500ms'}, busiestThreads=${request.query.threads ?? '3'}, ignoreIdleThreads=${request.query.ignore_idle_threads ?? 'true'}:`;
    return { status: 200, text: `::: ${nodeText}\n   ${header}\n   \n` };
  };
  route('GET', '/_nodes/hot_threads', hotThreads);
  route('GET', '/_nodes/{selector}/hot_threads', hotThreads);
  // No secure setting is kept (no keystore): every node reloads nothing, successfully.
  const reloadSecure = (): Reply => ok({ _nodes: { total: 1, successful: 1, failed: 0 }, cluster_name: CLUSTER_NAME, nodes: { [node.nodeId]: { name: NODE_NAME } } });
  route('POST', '/_nodes/reload_secure_settings', reloadSecure);
  route('POST', '/_nodes/{selector}/reload_secure_settings', reloadSecure);
  // Node info: Kibana checks every node's version against its own before it starts (nodes.*.version, http.publish_address, ip).
  route('GET', '/_nodes', (request) => nodeInfo(node, request));
  route('GET', '/_nodes/{selector}', (request) => nodeInfo(node, request));
  route('GET', '/_nodes/{selector}/{metric}', (request) => nodeInfo(node, request));
}


/**
 * `_nodes[/<nodes>][/<metrics>]`: the node's identity, and the sections the metrics name (all without). A lone path
 * part is metrics when each of its names is one, else nodes, as RestNodesInfoAction reads it; `plugins` has the
 * modules too.
 */
function nodeInfo(node: EmulatedNode, request: Request): Reply {
  const { selector, metric } = request.params;
  const lone = metric === undefined && selector?.split(',').every((name) => NODE_INFO_METRICS.has(name)) === true;
  const metrics = metric?.split(',') ?? (lone ? selector?.split(',') : undefined);
  const unknown = (metrics ?? []).filter((name) => !NODE_INFO_METRICS.has(name));
  if (unknown.length > 0) throw unrecognized(request.path, 'metric', unknown, NODE_INFO_METRICS);
  const wanted = (section: string): boolean => metrics === undefined || metrics.includes('_all') || metrics.includes(section);
  const address = `${node.httpAddress()}`;
  const sections: Record<string, unknown> = {
    http: { bound_address: [address], publish_address: address, max_content_length_in_bytes: node.maxContentLength },
    os: { name: os.type(), arch: os.arch(), version: os.release(), available_processors: os.availableParallelism(), allocated_processors: os.availableParallelism() },
    process: { id: process.pid, mlockall: false },
    // The processors a pipeline may use, as Elasticsearch's processor reference says to list them
    // (`_nodes/ingest?filter_path=nodes.*.ingest.processors`): only the one the emulator runs; no plugin or module.
    ingest: { processors: [{ type: 'set' }] },
    plugins: [],
    modules: [],
  };
  const shown = Object.fromEntries(Object.entries(sections).filter(([section]) => wanted(section === 'modules' ? 'plugins' : section)));
  return ok({
    _nodes: { total: 1, successful: 1, failed: 0 },
    cluster_name: CLUSTER_NAME,
    nodes: {
      [node.nodeId]: {
        name: NODE_NAME,
        transport_address: '127.0.0.1:9300',
        host: '127.0.0.1',
        ip: '127.0.0.1',
        version: EMULATED_VERSION,
        build_flavor: 'default',
        build_type: 'emulator',
        build_hash: 'sluice',
        roles: NODE_ROLES,
        attributes: {},
        ...shown,
      },
    },
  });
}

function nodeStats(node: EmulatedNode): Reply {
  const docs = [...node.cluster.indices.values()].reduce((sum, index) => sum + index.view.size, 0);
  const bytes = [...node.cluster.indices.values()].reduce((sum, index) => sum + index.bytes, 0);
  const figures = node.nodeFigures;
  return ok({
    _nodes: { total: 1, successful: 1, failed: 0 },
    cluster_name: CLUSTER_NAME,
    nodes: {
      [node.nodeId]: {
        timestamp: Date.now(),
        name: NODE_NAME,
        transport_address: '127.0.0.1:9300',
        host: '127.0.0.1',
        ip: '127.0.0.1:9300',
        roles: NODE_ROLES,
        indices: {
          docs: { count: docs, deleted: 0 },
          store: { size_in_bytes: bytes },
          indexing: { index_total: node.stats.indexTotal, index_time_in_millis: Math.round(node.stats.indexTimeMs), index_failed: 0 },
          search: { query_total: node.stats.queryTotal, query_time_in_millis: Math.round(node.stats.queryTimeMs) },
        },
        os: figures.os(),
        http: node.httpStats(),
        ingest: ingestStats(node.cluster.pipelines),
        process: figures.process(),
        jvm: figures.jvm(),
        fs: figures.fs(),
      },
    },
  });
}
