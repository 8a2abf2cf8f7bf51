import { parseTimeValue } from '../../../shared/time-value.js';
import { CLUSTER_NAME, EMULATED_VERSION, type EmulatedNode, NODE_NAME } from '../emulated-node.js';
import { badRequest } from '../errors.js';
import { runLifecycle } from '../ilm.js';
import { EMULATED_LUCENE_VERSION } from '../node-cat.js';
import { ok, type Route } from '../router.js';

/** The emulator's own endpoints (faults, the clock, a lifecycle run now) and the root: first, so that no index route takes them. */
export function emulatorRoutes(route: Route, node: EmulatedNode): void {
  const c = node.cluster;
  route('GET', '/_emulator/faults', () => ok(node.describeFaults()));
  route(['PUT', 'POST'], '/_emulator/faults', (request) => {
    const body = request.json;
    if (body.bulk_rejections !== undefined) node.faults.bulkRejections = Number(body.bulk_rejections);
    if (body.unavailable_ms !== undefined) node.faults.unavailableUntil = Date.now() + Number(body.unavailable_ms);
    if (body.latency_ms !== undefined) node.faults.latencyMs = Number(body.latency_ms);
    if (body.bulk_item_reject_ratio !== undefined) node.faults.bulkItemRejectRatio = Math.min(1, Math.max(0, Number(body.bulk_item_reject_ratio)));
    return ok(node.describeFaults());
  });
  route('DELETE', '/_emulator/faults', () => {
    Object.assign(node.faults, { bulkRejections: 0, unavailableUntil: 0, latencyMs: 0, bulkItemRejectRatio: 0 });
    return ok(node.describeFaults());
  });
  route('GET', '/_emulator/clock', () => ok({ now: c.now(), now_iso: new Date(c.now()).toISOString(), offset_ms: c.clockOffset }));
  route('POST', '/_emulator/clock', (request) => {
    const body = request.json;
    const by = body.advance === undefined ? 0 : parseTimeValue(String(body.advance));
    if (by === undefined) throw badRequest(`cannot parse [advance] value [${String(body.advance)}], expected a time value such as 30d`);
    c.clockOffset += by;
    c.journal?.meta();
    // Advancing the clock runs the lifecycle at once, as if the polls in between had happened.
    const moves = runLifecycle(c);
    return ok({ now: c.now(), now_iso: new Date(c.now()).toISOString(), offset_ms: c.clockOffset, lifecycle_moves: moves });
  });
  route('POST', '/_emulator/ilm/_run', () => ok({ lifecycle_moves: runLifecycle(c) }));

  route('GET', '/', () =>
    ok({
      name: NODE_NAME,
      cluster_name: CLUSTER_NAME,
      cluster_uuid: node.clusterUuid,
      version: {
        number: EMULATED_VERSION,
        build_flavor: 'default',
        build_type: 'emulator',
        build_hash: 'sluice',
        build_date: '2026-01-01T00:00:00.000Z',
        build_snapshot: false,
        lucene_version: EMULATED_LUCENE_VERSION,
        minimum_wire_compatibility_version: '8.19.0',
        minimum_index_compatibility_version: '8.0.0',
      },
      tagline: 'You Know, for Search',
    }),
  );
}
