import { defineApi } from '../../api.js';
import { ErrorCode } from '../../errors.js';

/** One broker coordinates every group and every transactional id (key type 0 or 1). */
export default defineApi('find-coordinator', 'FindCoordinator', { min: 0, max: 2 }, (_raw, { broker }) => ({
  throttleTimeMs: 0,
  errorCode: ErrorCode.NONE,
  errorMessage: null,
  nodeId: broker.nodeId,
  host: broker.host,
  port: broker.port,
}));
