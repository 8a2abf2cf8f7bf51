import { defineApi } from '../../api.js';
import type { TransactionalProducer } from '../../../transactions.js';

interface AddOffsetsToTxnRequest extends TransactionalProducer {
  groupId: string;
}

/** A producer names the consumer group whose offsets it commits inside its transaction (TxnOffsetCommit follows). */
export default defineApi('add-offsets-to-txn', 'AddOffsetsToTxn', { min: 0, max: 3 }, (raw, { broker, version }) => {
  const request = raw as unknown as AddOffsetsToTxnRequest;
  return { throttleTimeMs: 0, errorCode: broker.transactions.addOffsets(request, request.groupId, version) };
});
