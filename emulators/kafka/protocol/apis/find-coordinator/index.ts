import { defineApi } from '../../api.js';
import { ErrorCode } from '../../errors.js';
import type { Struct } from '../../schema.js';

/**
 * One broker coordinates every group and every transactional id (key type 0 or 1). A group's coordinator is the
 * leader of its partition of `__consumer_offsets`, so Kafka creates that topic when a group first looks for one.
 * From v4 a request asks for several keys at once (KIP-699), each answered in `coordinators`.
 */
export default defineApi('find-coordinator', 'FindCoordinator', { min: 0, max: 5 }, (raw, { broker, version }): Struct => {
  if (raw.keyType === 0 || raw.keyType === undefined) broker.offsetsTopic.ensure();
  const coordinator = { nodeId: broker.nodeId, host: broker.host, port: broker.port, errorCode: ErrorCode.NONE, errorMessage: null };
  if (version >= 4) return { throttleTimeMs: 0, coordinators: (raw.coordinatorKeys as string[]).map((key) => ({ key, ...coordinator })) };
  return { throttleTimeMs: 0, ...coordinator };
});
