import { badRequest, EsError } from './errors.js';
import type { Cluster, Index, Json } from './store.js';

/**
 * `GET _health_report[/<indicator>]` as a one-node Elasticsearch 9 answers it: the nine indicators of the default
 * distribution in its order, each with its status, symptom, details (unless `verbose=false`), impacts and diagnosis,
 * in the words of Elasticsearch's indicator services. What the emulator has decides them: a replica never assigned
 * on one node makes `shards_availability` yellow (with the tier capacity diagnosis), a `read_only_allow_delete`
 * block makes `disk` red, ILM stopped with policies makes `ilm` yellow. The rest is green, as on a healthy node
 * with no repository and no SLM policy.
 */

type Status = 'green' | 'unknown' | 'yellow' | 'red';

interface Indicator {
  status: Status;
  symptom: string;
  details?: Json;
  impacts?: Json[];
  diagnosis?: Json[];
}

export interface HealthReportInput {
  cluster: Cluster;
  node: { id: string; name: string };
  clusterName: string;
  slmRunning: boolean;
}

const ORDER: Status[] = ['green', 'unknown', 'yellow', 'red'];
const INDICATORS = ['master_is_stable', 'repository_integrity', 'disk', 'shards_capacity', 'file_settings', 'shards_availability', 'data_stream_lifecycle', 'slm', 'ilm'] as const;
type IndicatorName = (typeof INDICATORS)[number];

export function healthReport(input: HealthReportInput, feature: string | undefined, query: Record<string, string | undefined>): Json {
  const verbose = query.verbose !== 'false';
  const size = query.size === undefined ? 1000 : Number(query.size);
  if (!Number.isInteger(size) || size < 0) throw badRequest('The size parameter must be a positive integer');
  const names = feature === undefined ? [...INDICATORS] : feature.split(',');
  for (const name of names) if (!(INDICATORS as readonly string[]).includes(name)) throw new EsError(404, 'resource_not_found_exception', `Did not find indicator ${name}`);
  const indicators = Object.fromEntries(names.map((name) => [name, render(indicator(name as IndicatorName, input, size), verbose)]));
  const worst = Object.values(indicators).reduce<Status>((status, each) => (ORDER.indexOf((each as { status: Status }).status) > ORDER.indexOf(status) ? (each as { status: Status }).status : status), 'green');
  return { ...(feature === undefined ? { status: worst } : {}), cluster_name: input.clusterName, indicators };
}

/** HealthIndicatorResult.toXContent: details and diagnosis only when verbose, impacts and diagnosis only when any. */
function render(result: Indicator, verbose: boolean): Json {
  return {
    status: result.status,
    symptom: result.symptom,
    ...(verbose && result.details !== undefined ? { details: result.details } : {}),
    ...(result.impacts !== undefined && result.impacts.length > 0 ? { impacts: result.impacts } : {}),
    ...(verbose && result.diagnosis !== undefined && result.diagnosis.length > 0 ? { diagnosis: result.diagnosis } : {}),
  };
}

function indicator(name: IndicatorName, input: HealthReportInput, size: number): Indicator {
  const { cluster } = input;
  switch (name) {
    case 'master_is_stable': {
      const master = { node_id: input.node.id, name: input.node.name };
      return { status: 'green', symptom: 'The cluster has a stable master node', details: { current_master: master, recent_masters: [master] } };
    }
    case 'repository_integrity':
      return { status: 'green', symptom: 'No snapshot repositories configured.' };
    case 'disk':
      return disk(cluster, size);
    case 'shards_capacity': {
      const perNode = Number(cluster.clusterSettings['cluster.max_shards_per_node'] ?? 1000);
      const frozen = Number(cluster.clusterSettings['cluster.max_shards_per_node.frozen'] ?? 3000);
      return { status: 'green', symptom: 'The cluster has enough room to add new shards.', details: { data: { max_shards_in_cluster: perNode }, frozen: { max_shards_in_cluster: frozen } } };
    }
    case 'file_settings':
      return { status: 'green', symptom: 'No file-based setting changes have occurred' };
    case 'shards_availability':
      return shardsAvailability([...cluster.indices.values()], size);
    case 'data_stream_lifecycle':
      return { status: 'green', symptom: 'Data streams are executing their lifecycles without issues', details: { stagnating_backing_indices_count: 0, total_backing_indices_in_error: 0 } };
    case 'slm':
      return { status: 'green', symptom: 'No Snapshot Lifecycle Management policies configured', details: { slm_status: input.slmRunning ? 'RUNNING' : 'STOPPED', policies: 0 } };
    case 'ilm':
      return ilm(cluster);
  }
}

function id(indicatorName: string, kind: 'diagnosis' | 'impact', name: string): string {
  return `elasticsearch:health:${indicatorName}:${kind}:${name}`;
}

const plural = (count: number, one: string, many: string): string => `${count} ${count === 1 ? one : many}`;

/** ShardsAvailabilityHealthIndicatorService: every primary started, every replica unassigned (SameShardAllocationDecider). */
function shardsAvailability(indices: Index[], size: number): Indicator {
  const unassigned = indices.filter((index) => index.replicas > 0);
  const replicas = unassigned.reduce((sum, index) => sum + index.replicas, 0);
  const details = {
    unassigned_primaries: 0, initializing_primaries: 0, creating_primaries: 0, restarting_primaries: 0, started_primaries: indices.length,
    unassigned_replicas: replicas, initializing_replicas: 0, creating_replicas: 0, restarting_replicas: 0, started_replicas: 0,
  };
  if (replicas === 0) return { status: 'green', symptom: 'This cluster has all shards available.', details };
  const names = unassigned.map((index) => index.name).sort();
  // The data tier an index prefers: a data stream's backing index the hot tier, any other the content tier.
  const byTier = new Map<string, string[]>();
  for (const index of unassigned) {
    const tier = index.settings['index.routing.allocation.include._tier_preference']?.split(',')[0] ?? (index.dataStream === undefined ? 'data_content' : 'data_hot');
    byTier.set(tier, [...(byTier.get(tier) ?? []), index.name].sort());
  }
  return {
    status: 'yellow',
    symptom: `This cluster has ${plural(replicas, 'unavailable replica shard', 'unavailable replica shards')}.`,
    details,
    impacts: [{
      id: id('shards_availability', 'impact', 'replica_unassigned'), severity: 2,
      description: `Searches might be slower than usual. Fewer redundant copies of the data exist on ${plural(names.length, 'index', 'indices')} [${truncated(names)}].`,
      impact_areas: ['search'],
    }],
    diagnosis: [...byTier].map(([tier, affected]) => ({
      id: id('shards_availability', 'diagnosis', `increase_tier_capacity_for_allocations:tier:${tier}`),
      cause: `Elasticsearch isn't allowed to allocate some shards from these indices to any of the nodes in the desired data tier because there are not enough nodes in the [${tier}] tier to allocate each shard copy on a different node.`,
      action: 'Increase the number of nodes in this tier or decrease the number of replica shards in the affected indices.',
      help_url: 'https://ela.st/tier-capacity',
      affected_resources: { indices: affected.slice(0, size) },
    })),
  };
}

/** DiskHealthIndicatorService: the node's disk is reported healthy; an index the flood stage blocked makes it red. */
function disk(cluster: Cluster, size: number): Indicator {
  const blocked = [...cluster.indices.values()].filter((index) => index.settings['index.blocks.read_only_allow_delete'] === 'true').map((index) => index.name).sort();
  const details = { indices_with_readonly_block: blocked.length, nodes_with_enough_disk_space: 1, nodes_with_unknown_disk_status: 0, nodes_over_high_watermark: 0, nodes_over_flood_stage_watermark: 0 };
  if (blocked.length === 0) return { status: 'green', symptom: 'The cluster has enough available disk space.', details };
  const one = blocked.length === 1;
  return {
    status: 'red',
    symptom: `${blocked.length} ${one ? 'index is' : 'indices are'} not allowed to be updated. The cluster is recovering and ingest capabilities should be restored within a few minutes.`,
    details,
    impacts: [{ id: id('disk', 'impact', 'ingest_capability_unavailable'), severity: 1, description: `Cannot insert or update documents in the affected indices [${truncated(blocked)}].`, impact_areas: ['ingest'] }],
    diagnosis: [{
      id: id('disk', 'diagnosis', 'add_disk_capacity_data_nodes'),
      cause: `${blocked.length} ${one ? 'index resides' : 'indices reside'} on nodes that have run or are likely to run out of disk space, this can temporarily disable writing on ${one ? 'this index' : 'these indices'}.`,
      action: 'Enable autoscaling (if applicable), add disk capacity or free up disk space to resolve this. If you have already taken action please wait for the rebalancing to complete.',
      help_url: 'https://ela.st/fix-data-disk',
      affected_resources: { indices: blocked.slice(0, size) },
    }],
  };
}

/** IlmHealthIndicatorService: no policy, running, or stopped (the emulator's runner never leaves an index stagnating). */
function ilm(cluster: Cluster): Indicator {
  const details = { ilm_status: cluster.ilmRunning ? 'RUNNING' : 'STOPPED', policies: cluster.policies.size, stagnating_indices: 0 };
  if (cluster.policies.size === 0) return { status: 'green', symptom: 'No Index Lifecycle Management policies configured', details };
  if (cluster.ilmRunning) return { status: 'green', symptom: 'Index Lifecycle Management is running', details };
  return {
    status: 'yellow',
    symptom: 'Index Lifecycle Management is not running',
    details,
    impacts: [{
      id: id('ilm', 'impact', 'automation_disabled'), severity: 3,
      description: 'Automatic index lifecycle and data retention management is disabled. The performance and stability of the cluster could be impacted.',
      impact_areas: ['deployment_management'],
    }],
    diagnosis: [{ id: id('ilm', 'diagnosis', 'ilm_disabled'), cause: 'Index Lifecycle Management is stopped', action: 'Start Index Lifecycle Management using [POST /_ilm/start].', help_url: 'https://ela.st/fix-ilm' }],
  };
}

/** HealthIndicatorDisplayValues.getTruncatedIndices: at most ten names, then how many more. */
function truncated(names: string[]): string {
  const shown = names.slice(0, 10).join(', ');
  return names.length > 10 ? `${shown}, ...` : shown;
}
