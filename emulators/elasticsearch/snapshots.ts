import { badRequest, EsError, resourceNotFound } from './errors.js';
import type { Json } from './store.js';

/**
 * Snapshots and snapshot lifecycle (SLM). The emulator keeps no snapshots and has no repository to keep them in,
 * so it answers as a cluster with no repository registered does: exporters and operators' scripts ask these
 * first (prometheus-elasticsearch-exporter's snapshot and SLM collectors), and an empty answer is the true one.
 * Registering a repository is refused by name; an SLM policy is refused as Elasticsearch refuses it when its
 * repository does not exist.
 */
export class Snapshots {
  /** SLM's operation mode: `_slm/stop` and `_slm/start` switch it, as ILM's. */
  slmRunning = true;

  repositories(name: string | undefined): Json {
    if (name !== undefined && name !== '_all' && name !== '*') throw repositoryMissing(name.split(',')[0] ?? name);
    return {};
  }

  /** `GET _snapshot/<repository>/<snapshot>`: no repository holds any. */
  snapshots(repository: string): Json {
    if (repository === '_all' || repository === '*') return { snapshots: [], total: 0, remaining: 0 };
    throw repositoryMissing(repository.split(',')[0] ?? repository);
  }

  putRepository(name: string): never {
    throw badRequest(`registering the snapshot repository [${name}] is valid in Elasticsearch but not supported by the emulator, which keeps no snapshots`);
  }

  slmStatus(): Json {
    return { operation_mode: this.slmRunning ? 'RUNNING' : 'STOPPED' };
  }

  /** SnapshotLifecycleStats as Elasticsearch renders it for a cluster whose SLM never ran. */
  slmStats(): Json {
    return {
      retention_runs: 0,
      retention_failed: 0,
      retention_timed_out: 0,
      retention_deletion_time: '0s',
      retention_deletion_time_millis: 0,
      total_snapshots_taken: 0,
      total_snapshots_failed: 0,
      total_snapshots_deleted: 0,
      total_snapshot_deletion_failures: 0,
      policy_stats: [],
    };
  }

  slmPolicies(ids: string | undefined): Json {
    if (ids !== undefined && ids !== '_all' && ids !== '*') throw resourceNotFound(`snapshot lifecycle policy or policies [${ids.split(',').join(', ')}] not found, no policies are configured`);
    return {};
  }

  /** Elasticsearch checks the policy's repository before it keeps the policy: none exists here. */
  putSlmPolicy(body: Json): never {
    const repository = body.repository;
    if (typeof repository !== 'string' || repository === '') throw new EsError(400, 'action_request_validation_exception', `Validation Failed: 1: invalid repository name [${typeof repository === 'string' ? repository : 'null'}]: cannot be empty;`);
    throw badRequest(`no such repository [${repository}]`);
  }
}

function repositoryMissing(name: string): EsError {
  return new EsError(404, 'repository_missing_exception', `[${name}] missing`);
}
