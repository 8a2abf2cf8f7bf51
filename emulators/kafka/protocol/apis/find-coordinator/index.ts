import { defineApi } from '../../api.js';
import { ErrorCode } from '../../errors.js';
import { TRANSACTIONS_UNSUPPORTED } from '../init-producer-id/index.js';

const TRANSACTION_KEY_TYPE = 1;

/** One broker coordinates every group; a transaction coordinator is refused, as for a transactional id a client may not use. */
export default defineApi('find-coordinator', 'FindCoordinator', { min: 0, max: 2 }, (raw, { broker }) => {
  if (raw['keyType'] === TRANSACTION_KEY_TYPE) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, errorMessage: TRANSACTIONS_UNSUPPORTED, nodeId: -1, host: '', port: -1 };
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, nodeId: broker.nodeId, host: broker.host, port: broker.port };
});
