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

function replicasOf(index: Index): number {
  return Number(index.settings['index.number_of_replicas'] ?? 0);
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
      index: index.name, shard: '0', prirep: 'p', ip: node.ip, segment: '_0', generation: '0', 'docs.count': String(index.view.size), 'docs.deleted': '0',
      size: bytes(index.bytes), 'size.memory': bytes(0), committed: 'true', searchable: 'true', version: EMULATED_LUCENE_VERSION, compound: 'false',
    }));
}

/**
 * `_shard_stores`: the copies of each shard whose health `status` asks for (yellow and red by default). A primary
 * is the only copy; an index that wants replicas is yellow.
 */
export function shardStores(indices: Index[], node: NodeDescription, status: string | undefined): Json {
  const wanted = (status ?? 'yellow,red').split(',');
  const listed = wanted.includes('all') ? indices : indices.filter((index) => wanted.includes(replicasOf(index) > 0 ? 'yellow' : 'green'));
  return {
    indices: Object.fromEntries(listed.map((index) => [index.name, { shards: { '0': { stores: [{ [node.id]: nodeOf(node), allocation_id: allocationId(index), allocation: 'primary' }] } } }])),
  };
}
