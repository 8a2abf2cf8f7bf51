import { defineApi } from '../../api.js';
import { ErrorCode } from '../../errors.js';

/** One broker coordinates every group (and would coordinate every transaction). */
export default defineApi('find-coordinator', 'FindCoordinator', { min: 0, max: 2 }, (_request, { broker }) => ({
  throttleTimeMs: 0,
  errorCode: ErrorCode.NONE,
  errorMessage: null,
  nodeId: broker.nodeId,
  host: broker.host,
  port: broker.port,
}));
