import { badRequest, EsError } from './errors.js';
import { EMULATED_LUCENE_VERSION, type CatNode } from './node-cat.js';
import type { Index, Json } from './store.js';

/**
 * What the shard-level APIs say of the emulator's indices: each has one primary shard, started on the one node,
 * holding one segment with every searchable document (what a force merge to one segment leaves), and replicas
 * that one node never assigns. Recovery is an empty store for an index made since the start, the existing store
 * for one read back from the data directory.
 */
export interface NodeDescription extends CatNode {
  transportAddress: string;
  roles: string[];
  version: string;
}

export function nodeOf(node: NodeDescription): Json {
  return { name: node.node, ephemeral_id: node.id, transport_address: node.transportAddress, external_id: node.node, attributes: {}, roles: node.roles, version: node.version };
}

export function allocationId(index: Index): string {
  return index.uuid.slice(0, 22);
}

/** `_search_shards`: the shards a search would ask, one group per shard (its primary; replicas are unassigned). */
export function searchShards(indices: Index[], node: NodeDescription): Json {
  return {
    nodes: { [node.id]: nodeOf(node) },
    indices: Object.fromEntries(indices.map((index) => [index.name, {}])),
    shards: indices.map((index) => [{ state: 'STARTED', primary: true, node: node.id, relocating_node: null, shard: 0, index: index.name, allocation_id: { id: allocationId(index) } }]),
  };
}

/** `_recovery`: each primary's recovery, done. */
export function recoveries(indices: Index[], node: NodeDescription, activeOnly: boolean): Json {
  if (activeOnly) return {};
  return Object.fromEntries(
    indices.map((index) => [
      index.name,
      {
        shards: [
          {
            id: 0,
            type: index.readFromDisk ? 'EXISTING_STORE' : 'EMPTY_STORE',
            stage: 'DONE',
            primary: true,
            start_time_in_millis: index.createdAt,
            stop_time_in_millis: index.createdAt,
            total_time_in_millis: 0,
            source: {},
            target: { id: node.id, host: node.host, transport_address: node.transportAddress, ip: node.ip, name: node.node },
            index: { size: { total_in_bytes: index.bytes, reused_in_bytes: index.readFromDisk ? index.bytes : 0, recovered_in_bytes: 0, percent: '100.0%' }, files: { total: 0, reused: 0, recovered: 0, percent: '100.0%' }, total_time_in_millis: 0, source_throttle_time_in_millis: 0, target_throttle_time_in_millis: 0 },
            translog: { recovered: 0, total: 0, percent: '100.0%', total_on_start: 0, total_time_in_millis: 0 },
            verify_index: { check_index_time_in_millis: 0, total_time_in_millis: 0 },
          },
        ],
      },
    ]),
  );
}

/** `_cat/recovery` rows. */
export function recoveryRows(indices: Index[], node: NodeDescription, bytes: (size: number) => string): Array<Record<string, string>> {
  return indices.map((index) => ({
    index: index.name, shard: '0', time: '0s', type: index.readFromDisk ? 'existing_store' : 'empty_store', stage: 'done',
    source_host: 'n/a', source_node: 'n/a', target_host: node.host, target_node: node.node, repository: 'n/a', snapshot: 'n/a',
    files: '0', files_recovered: '0', files_percent: '100.0%', files_total: '0',
    bytes: bytes(0), bytes_recovered: bytes(0), bytes_percent: '100.0%', bytes_total: bytes(index.bytes),
    translog_ops: '0', translog_ops_recovered: '0', translog_ops_percent: '100.0%',
  }));
}

/** The one segment of an index's primary. */
function segmentOf(index: Index): Json {
  return { generation: 0, num_docs: index.view.size, deleted_docs: 0, size_in_bytes: index.bytes, committed: true, search: true, version: EMULATED_LUCENE_VERSION, compound: false, attributes: {} };
}

/** `_segments`. */
export function segments(indices: Index[], node: NodeDescription): Json {
  return {
    _shards: { total: indices.length, successful: indices.length, failed: 0 },
    indices: Object.fromEntries(
      indices.map((index) => [
        index.name,
        { shards: { '0': [{ routing: { state: 'STARTED', primary: true, node: node.id }, num_committed_segments: index.view.size > 0 ? 1 : 0, num_search_segments: index.view.size > 0 ? 1 : 0, segments: index.view.size > 0 ? { _0: segmentOf(index) } : {} }] } },
      ]),
    ),
  };
}

/** `_cat/segments` rows. */
export function segmentRows(indices: Index[], node: NodeDescription, bytes: (size: number) => string): Array<Record<string, string>> {
  return indices
    .filter((index) => index.view.size > 0)
    .map((index) => ({
      index: index.name, shard: '0', prirep: 'p', ip: node.ip, id: node.id, segment: '_0', generation: '0', 'docs.count': String(index.view.size), 'docs.deleted': '0',
      size: bytes(index.bytes), 'size.memory': bytes(0), committed: 'true', searchable: 'true', version: EMULATED_LUCENE_VERSION, compound: 'false',
    }));
}

/**
 * `_shard_stores`: the copies of each shard whose health `status` asks for (yellow and red by default). A primary
 * is the only copy; an index that wants replicas is yellow.
 */
export function shardStores(indices: Index[], node: NodeDescription, status: string | undefined): Json {
  const wanted = (status ?? 'yellow,red').split(',');
  const listed = wanted.includes('all') ? indices : indices.filter((index) => wanted.includes(index.replicas > 0 ? 'yellow' : 'green'));
  return {
    indices: Object.fromEntries(listed.map((index) => [index.name, { shards: { '0': { stores: [{ [node.id]: nodeOf(node), allocation_id: allocationId(index), allocation: 'primary' }] } } }])),
  };
}

/**
 * The cluster allocation explain API for the one node: a primary is started and stays; a replica is unassigned
 * because the same_shard decider forbids a copy on the node that holds the primary (why a one-node cluster is
 * yellow). Without a body, the first unassigned shard is explained, as Elasticsearch picks one.
 */
export function allocationExplain(indices: Index[], node: NodeDescription, body: Json): Json {
  const asked = Object.keys(body).length > 0;
  if (!asked) {
    const waiting = indices.find((index) => index.replicas > 0);
    if (waiting === undefined) throw badRequest('There are no unassigned shards in this cluster. Specify an assigned shard in the request body to explain its allocation.');
    return replicaExplanation(waiting, node);
  }
  const [index] = indices;
  if (index === undefined || typeof body.index !== 'string') throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: index must be specified;');
  if (body.shard !== 0 && body.shard !== '0') throw badRequest(`No shard found for [${index.name}][${String(body.shard)}]`);
  if (body.primary !== true && body.primary !== 'true') {
    if (index.replicas === 0) throw badRequest(`unable to find any unassigned shards to explain [ClusterAllocationExplainRequest[index=${index.name},shard=0,primary?=false]]`);
    return replicaExplanation(index, node);
  }
  return {
    index: index.name, shard: 0, primary: true, current_state: 'started',
    current_node: { id: node.id, name: node.node, transport_address: node.transportAddress, roles: node.roles, weight_ranking: 1 },
    can_remain_on_current_node: 'yes', can_rebalance_cluster: 'yes', can_rebalance_to_other_node: 'no',
    rebalance_explanation: 'Elasticsearch cannot rebalance this shard to another node since there is no node to which allocation is permitted which would improve the cluster balance. If you expect this shard to be rebalanced to another node, find this node in the node-by-node explanation and address the reasons which prevent Elasticsearch from rebalancing this shard there.',
    node_allocation_decisions: [],
  };
}

function replicaExplanation(index: Index, node: NodeDescription): Json {
  return {
    index: index.name, shard: 0, primary: false, current_state: 'unassigned',
    unassigned_info: { reason: 'INDEX_CREATED', at: new Date(index.createdAt).toISOString(), last_allocation_status: 'no_attempt' },
    can_allocate: 'no',
    allocate_explanation: "Elasticsearch isn't allowed to allocate this shard to any of the nodes in the cluster. Choose a node to which you expect this shard to be allocated, find this node in the node-by-node explanation, and address the reasons which prevent Elasticsearch from allocating this shard there.",
    node_allocation_decisions: [
      {
        node_id: node.id, node_name: node.node, transport_address: node.transportAddress, node_attributes: {}, roles: node.roles, node_decision: 'no', weight_ranking: 1,
        deciders: [{ decider: 'same_shard', decision: 'NO', explanation: `a copy of this shard is already allocated to this node [[${index.name}][0], node[${node.id}], [P], s[STARTED], a[id=${allocationId(index)}]]` }],
      },
    ],
  };
}
