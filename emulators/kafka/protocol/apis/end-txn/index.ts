import { defineApi } from '../../api.js';
import type { TransactionalProducer } from '../../../transactions.js';

interface EndTxnRequest extends TransactionalProducer {
  committed: boolean;
}

/** Commits or aborts the producer's open transaction; the markers are written before the answer. */
export default defineApi('end-txn', 'EndTxn', { min: 0, max: 3 }, (raw, { broker, version }) => {
  const request = raw as unknown as EndTxnRequest;
  return { throttleTimeMs: 0, errorCode: broker.transactions.end(request, request.committed, version) };
});
