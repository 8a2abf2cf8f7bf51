import { createHash } from 'node:crypto';
import * as os from 'node:os';
import { badRequest } from './errors.js';
import { fieldIndex } from './mapping.js';
import type { NodeFigures } from './node-figures.js';
import { allocationId, nodeOf, type NodeDescription } from './shard-info.js';
import { nestSettings, type Cluster, type Index, type Json } from './store.js';

/** What the cluster state and stats APIs say of the one node and its cluster. */
export interface NodeIdentity extends NodeDescription {
  clusterName: string;
  clusterUuid: string;
}

const STATE_METRICS = ['version', 'master_node', 'blocks', 'nodes', 'metadata', 'routing_table', 'routing_nodes'];

/**
 * The cluster state API (`_cluster/state[/<metrics>[/<indices>]]`), drawn from the emulator's own state: one node,
 * every index's metadata, its primary started and its replicas unassigned. The state's version goes up whenever
 * what this API shows has changed since it was last asked, as a real cluster's goes up with each published change.
 */
export class ClusterStateView {
  private version = 0;
  private stateUuid = '';
  private lastDigest = '';

  constructor(
    private readonly cluster: Cluster,
    private readonly node: NodeIdentity,
  ) {}

  render(metrics: string | undefined, expression: string | undefined): Json {
    const wanted = metrics === undefined || metrics === '_all' ? STATE_METRICS : metrics.split(',');
    const unknown = wanted.filter((metric) => !STATE_METRICS.includes(metric));
    if (unknown.length > 0) throw badRequest(`request [/_cluster/state/${metrics ?? ''}] contains unrecognized metric: [${unknown.join(', ')}]`);
    const indices = this.cluster.resolve(expression, { expandHidden: true, expandClosed: true, allowNoIndices: true }).sort((a, b) => a.name.localeCompare(b.name));
    const sections: Record<string, () => unknown> = {
      blocks: () => this.blocks(indices),
      nodes: () => ({ [this.node.id]: nodeOf(this.node) }),
      metadata: () => this.metadata(indices),
      routing_table: () => ({ indices: Object.fromEntries(indices.map((index) => [index.name, { shards: { '0': shardsOf(index, this.node.id) } }])) }),
      routing_nodes: () => ({
        unassigned: indices.flatMap((index) => shardsOf(index, this.node.id).filter((shard) => !shard.primary)),
        nodes: { [this.node.id]: indices.flatMap((index) => shardsOf(index, this.node.id).filter((shard) => shard.primary)) },
      }),
    };
    const body: Json = { cluster_name: this.node.clusterName, cluster_uuid: this.node.clusterUuid };
    const rendered = Object.fromEntries(Object.entries(sections).filter(([name]) => wanted.includes(name)).map(([name, section]) => [name, section()]));
    this.advance(indices);
    if (wanted.includes('version')) Object.assign(body, { version: this.version, state_uuid: this.stateUuid });
    if (wanted.includes('master_node')) body.master_node = this.node.id;
    return Object.assign(body, rendered);
  }

  /** A new version and state id when the metadata or routing changed since the last answer. */
  private advance(indices: Index[]): void {
    const digest = createHash('sha1').update(JSON.stringify([this.metadata(indices), indices.map((index) => [index.name, index.settings['index.number_of_replicas']])])).digest('hex');
    if (digest === this.lastDigest) return;
    this.lastDigest = digest;
    this.version += 1;
    this.stateUuid = digest.slice(0, 22);
  }

  /** Closed indices carry the index-closed block; the index.blocks.* settings their own blocks. */
  private blocks(indices: Index[]): Json {
    const blocks: Record<string, Json> = {};
    const add = (index: Index, id: string, description: string, levels: string[]): void => {
      blocks[index.name] = { ...(blocks[index.name] ?? {}), [id]: { description, retryable: false, levels } };
    };
    for (const index of indices) {
      if (index.closed) add(index, '4', 'index closed', ['read', 'write']);
      if (index.settings['index.blocks.read_only'] === 'true') add(index, '5', 'index read-only (api)', ['write', 'metadata_write']);
      if (index.settings['index.blocks.read'] === 'true') add(index, '7', 'index read (api)', ['read']);
      if (index.settings['index.blocks.write'] === 'true') add(index, '8', 'index write (api)', ['write']);
      if (index.settings['index.blocks.read_only_allow_delete'] === 'true') add(index, '12', 'disk usage exceeded flood-stage watermark, index has read-only-allow-delete block', ['write', 'metadata_write']);
    }
    return Object.keys(blocks).length === 0 ? {} : { indices: blocks };
  }

  private metadata(indices: Index[]): Json {
    const c = this.cluster;
    return {
      cluster_uuid: this.node.clusterUuid,
      cluster_uuid_committed: true,
      cluster_coordination: { term: 1, last_committed_config: [this.node.id], last_accepted_config: [this.node.id], voting_config_exclusions: [] },
      templates: {},
      indices: Object.fromEntries(
        indices.map((index) => [
          index.name,
          {
            state: index.closed ? 'close' : 'open',
            settings: nestSettings(index.settings),
            mappings: { _doc: index.mappings },
            aliases: [...index.aliases.keys()],
            primary_terms: { '0': 1 },
            in_sync_allocations: { '0': [allocationId(index)] },
            rollover_info: {},
            system: false,
          },
        ]),
      ),
      'index-graveyard': { tombstones: [] },
      component_template: { component_template: Object.fromEntries(c.componentTemplates) },
      index_template: { index_template: Object.fromEntries(c.indexTemplates) },
      index_lifecycle: { policies: Object.fromEntries([...c.policies].map(([name, policy]) => [name, { policy: policy.policy, version: policy.version, modified_date: policy.modifiedDate }])), operation_mode: c.ilmRunning ? 'RUNNING' : 'STOPPED' },
      ingest: { pipeline: [...c.pipelines.keys()].map((id) => ({ id })) },
      data_stream: {
        data_stream: Object.fromEntries([...c.dataStreams.values()].map((stream) => [stream.name, { name: stream.name, timestamp_field: { name: '@timestamp' }, indices: stream.indices.map((name) => ({ index_name: name, index_uuid: c.indices.get(name)?.uuid })), generation: stream.generation, hidden: false, replicated: false, system: false, allow_custom_routing: false }])),
        data_stream_aliases: {},
      },
    };
  }
}

interface Shard {
  state: string;
  primary: boolean;
  node: string | null;
  relocating_node: null;
  shard: number;
  index: string;
  allocation_id?: { id: string };
  unassigned_info?: { reason: string; at: string; delayed: boolean; allocation_status: string };
}

/** The index's primary, started on the node, and its replicas, which one node cannot assign. */
function shardsOf(index: Index, nodeId: string): Shard[] {
  const primary: Shard = { state: 'STARTED', primary: true, node: nodeId, relocating_node: null, shard: 0, index: index.name, allocation_id: { id: allocationId(index) } };
  const replicas = Array.from({ length: index.replicas }, (): Shard => ({
    state: 'UNASSIGNED', primary: false, node: null, relocating_node: null, shard: 0, index: index.name,
    unassigned_info: { reason: 'INDEX_CREATED', at: new Date(index.createdAt).toISOString(), delayed: false, allocation_status: 'no_attempt' },
  }));
  return [primary, ...replicas];
}

/** The cluster stats API (`_cluster/stats`): indices, shards, documents, field types, and the node's figures. */
export function clusterStats(cluster: Cluster, node: NodeIdentity, figures: NodeFigures, status: string): Json {
  const indices = [...cluster.indices.values()];
  const open = indices.filter((index) => !index.closed);
  const replicas = indices.map((index) => index.replicas);
  const fieldTypes = new Map<string, { count: number; indices: Set<string> }>();
  for (const index of indices) {
    for (const def of fieldIndex(index.mappings).values()) {
      const entry = fieldTypes.get(def.type) ?? { count: 0, indices: new Set<string>() };
      entry.count += 1;
      entry.indices.add(index.name);
      fieldTypes.set(def.type, entry);
    }
  }
  const bytes = open.reduce((sum, index) => sum + index.bytes, 0);
  const minMaxAvg = (values: number[]): Json => ({ min: values.length === 0 ? 0 : Math.min(...values), max: values.length === 0 ? 0 : Math.max(...values), avg: values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length });
  const osFigures = figures.os() as { mem: Json };
  const processFigures = figures.process() as { cpu: { percent: number }; open_file_descriptors: number };
  const jvm = figures.jvm() as { uptime_in_millis: number; mem: { heap_used_in_bytes: number; heap_max_in_bytes: number } };
  const disk = figures.disk();
  return {
    _nodes: { total: 1, successful: 1, failed: 0 },
    cluster_name: node.clusterName,
    cluster_uuid: node.clusterUuid,
    timestamp: Date.now(),
    status,
    indices: {
      count: indices.length,
      // Replicas are never assigned on one node: every shard that is active is a primary.
      shards: { total: indices.length, primaries: indices.length, replication: 0, index: { shards: minMaxAvg(indices.map(() => 1)), primaries: minMaxAvg(indices.map(() => 1)), replication: minMaxAvg(replicas.map(() => 0)) } },
      docs: { count: open.reduce((sum, index) => sum + index.view.size, 0), deleted: 0, total_size_in_bytes: bytes },
      store: { size_in_bytes: bytes, total_data_set_size_in_bytes: bytes, reserved_in_bytes: 0 },
      mappings: {
        total_field_count: [...fieldTypes.values()].reduce((sum, entry) => sum + entry.count, 0),
        field_types: [...fieldTypes].sort(([a], [b]) => a.localeCompare(b)).map(([name, entry]) => ({ name, count: entry.count, index_count: entry.indices.size, script_count: 0 })),
        runtime_field_types: [],
      },
      versions: indices.length === 0 ? [] : [{ version: node.version, index_count: indices.length, primary_shard_count: indices.length, total_primary_bytes: bytes }],
    },
    nodes: {
      count: { total: 1, coordinating_only: 0, data: 1, ingest: 1, master: 1 },
      versions: [node.version],
      os: { available_processors: os.availableParallelism(), allocated_processors: os.availableParallelism(), names: [{ name: os.type(), count: 1 }], architectures: [{ arch: os.arch(), count: 1 }], mem: osFigures.mem },
      process: { cpu: { percent: processFigures.cpu.percent }, open_file_descriptors: minMaxAvg([processFigures.open_file_descriptors]) },
      jvm: { max_uptime_in_millis: jvm.uptime_in_millis, mem: jvm.mem },
      fs: { total_in_bytes: disk.total, free_in_bytes: disk.free, available_in_bytes: disk.available },
      plugins: [],
      ingest: { number_of_pipelines: cluster.pipelines.size, processor_stats: {} },
    },
  };
}
