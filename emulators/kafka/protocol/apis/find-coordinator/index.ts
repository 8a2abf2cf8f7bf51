import { defineApi } from '../../api.js';
import { ErrorCode } from '../../errors.js';

/**
 * One broker coordinates every group and every transactional id (key type 0 or 1). A group's coordinator is the
 * leader of its partition of `__consumer_offsets`, so Kafka creates that topic when a group first looks for one.
 */
export default defineApi('find-coordinator', 'FindCoordinator', { min: 0, max: 2 }, (raw, { broker }) => {
  if (raw.keyType === 0 || raw.keyType === undefined) broker.offsetsTopic.ensure();
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    nodeId: broker.nodeId,
    host: broker.host,
    port: broker.port,
  };
});
