import type { EmulatedNode } from '../emulated-node.js';
import { catReply, ok, type Route } from '../router.js';

/** Snapshot repositories, snapshots and SLM: none kept (`snapshots.ts`). */
export function snapshotRoutes(route: Route, node: EmulatedNode): void {
  const snapshots = node.snapshots;
  route('GET', '/_snapshot', () => ok(snapshots.repositories(undefined)));
  route('GET', '/_snapshot/_status', () => ok({ snapshots: [] }));
  route('GET', '/_snapshot/{repository}', (request) => ok(snapshots.repositories(request.params.repository)));
  route(['PUT', 'POST'], '/_snapshot/{repository}', (request) => snapshots.putRepository(request.params.repository as string));
  route('GET', '/_snapshot/{repository}/{snapshot}', (request) => ok(snapshots.snapshots(request.params.repository as string)));
  route('GET', '/_cat/repositories', (request) => catReply(request, [], ['id', 'type']));
  route('GET', '/_slm/status', () => ok(snapshots.slmStatus()));
  route('GET', '/_slm/stats', () => ok(snapshots.slmStats()));
  route('GET', '/_slm/policy', () => ok(snapshots.slmPolicies(undefined)));
  route('GET', '/_slm/policy/{id}', (request) => ok(snapshots.slmPolicies(request.params.id)));
  route('PUT', '/_slm/policy/{id}', (request) => snapshots.putSlmPolicy(request.json));
  route('POST', '/_slm/start', () => {
    snapshots.slmRunning = true;
    return ok({ acknowledged: true });
  });
  route('POST', '/_slm/stop', () => {
    snapshots.slmRunning = false;
    return ok({ acknowledged: true });
  });
}
