import { randomUUID } from 'node:crypto';
import { AsyncSearches } from './async-search.js';
import type { NodeIdentity } from './cluster-state.js';
import { SearchContexts } from './contexts.js';
import { NodeFigures } from './node-figures.js';
import { threadPoolRows } from './node-cat.js';
import type { NodeDescription } from './shard-info.js';
import { Snapshots } from './snapshots.js';
import type { Cluster, Index, Json } from './store.js';
import { Tasks } from './tasks.js';
import type { Security } from './security.js';

export const EMULATED_VERSION = '9.4.0';

export const CLUSTER_NAME = 'sluice-emulator';
export const NODE_NAME = 'sluice-emulator-node';
export const NODE_ROLES = ['data', 'ingest', 'master'];

export interface Faults {
  /** The next N bulk requests answer 429. */
  bulkRejections: number;
  /** Every request but /_emulator answers 503 until this time (real clock). */
  unavailableUntil: number;
  latencyMs: number;
  /** Share of bulk items answered 429, deterministically spread. */
  bulkItemRejectRatio: number;
  itemsSeen: number;
}

/** Whether an index asks for a replica, which one node never assigns: the cluster is yellow then, as a real single node is. */
export function wantsReplicas(indices: Iterable<Index>): boolean {
  for (const index of indices) if (index.replicas > 0) return true;
  return false;
}

/** What the node's HTTP side tells the APIs: where it listens, its body limit, and what a change of cluster settings reschedules. */
export interface NodeSettings {
  dataDir: string;
  maxContentLength: number;
  httpAddress: () => string;
  settingsChanged: () => void;
  /** The file realm's users, when security is on (every request then authenticates). */
  security?: Security | undefined;
}

/**
 * The one node's state beside its cluster: identity, counters, search contexts, tasks and injected faults, and the
 * refreshes requests wait for. The API groups in `routes/` share it.
 */
export class EmulatedNode {
  readonly nodeId = randomUUID().replaceAll('-', '').slice(0, 22);
  readonly clusterUuid = randomUUID();
  readonly faults: Faults = { bulkRejections: 0, unavailableUntil: 0, latencyMs: 0, bulkItemRejectRatio: 0, itemsSeen: 0 };
  readonly stats = { indexTotal: 0, indexTimeMs: 0, queryTotal: 0, queryTimeMs: 0 };
  /** HTTP connections, as node stats' and `_info`'s `http` sections count them. */
  readonly connections = { opened: 0, open: 0 };
  readonly contexts = new SearchContexts();
  readonly asyncSearches = new AsyncSearches();
  readonly snapshots = new Snapshots();
  readonly tasks = new Tasks(this.nodeId);
  readonly nodeFigures: NodeFigures;
  readonly maxContentLength: number;
  readonly httpAddress: () => string;
  readonly settingsChanged: () => void;
  readonly security: Security | undefined;
  private readonly refreshWaiters = new Map<string, Array<() => void>>();

  constructor(readonly cluster: Cluster, settings: NodeSettings) {
    this.nodeFigures = new NodeFigures(settings.dataDir);
    this.maxContentLength = settings.maxContentLength;
    this.httpAddress = settings.httpAddress;
    this.settingsChanged = settings.settingsChanged;
    this.security = settings.security;
  }

  periodicRefresh(): void {
    const now = Date.now();
    for (const index of this.cluster.indices.values()) {
      const interval = index.refreshIntervalMs;
      if (interval < 0 || now - index.lastRefresh < interval) continue;
      if (index.changed) index.refresh();
      else index.lastRefresh = now;
      const waiters = this.refreshWaiters.get(index.name);
      if (waiters) {
        this.refreshWaiters.delete(index.name);
        for (const resolve of waiters) resolve();
      }
    }
  }

  /** `refresh=true` refreshes now; `wait_for` waits for the next scheduled refresh (at most a second). */
  async applyRefresh(mode: string | undefined, indices: Iterable<Index>): Promise<void> {
    if (mode === undefined || mode === 'false') return;
    const list = [...new Set(indices)];
    if (mode === 'wait_for') {
      await Promise.all(
        list.map((index) => new Promise<void>((resolve) => {
          const waiters = this.refreshWaiters.get(index.name) ?? [];
          waiters.push(resolve);
          this.refreshWaiters.set(index.name, waiters);
          setTimeout(() => {
            index.refresh();
            resolve();
          }, Math.max(1000, index.refreshIntervalMs)).unref();
        })),
      );
      return;
    }
    for (const index of list) index.refresh();
  }

  description(): NodeDescription {
    return { id: this.nodeId, host: '127.0.0.1', ip: '127.0.0.1', node: NODE_NAME, transportAddress: '127.0.0.1:9300', roles: NODE_ROLES, version: EMULATED_VERSION };
  }

  identity(): NodeIdentity {
    return { ...this.description(), clusterName: CLUSTER_NAME, clusterUuid: this.clusterUuid };
  }

  threadPools(): Array<Record<string, string>> {
    return threadPoolRows({ ...this.description(), pid: process.pid, port: 9300 });
  }

  httpStats(): Json {
    return { current_open: this.connections.open, total_opened: this.connections.opened, clients: [] };
  }

  describeFaults(): Json {
    return {
      bulk_rejections: this.faults.bulkRejections,
      unavailable_ms: Math.max(0, this.faults.unavailableUntil - Date.now()),
      latency_ms: this.faults.latencyMs,
      bulk_item_reject_ratio: this.faults.bulkItemRejectRatio,
    };
  }
}
