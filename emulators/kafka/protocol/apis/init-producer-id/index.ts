import { defineApi } from '../../api.js';
import { ErrorCode } from '../../errors.js';

interface InitProducerIdRequest {
  transactionalId: string | null;
  transactionTimeoutMs: number;
  producerId: bigint;
  producerEpoch: number;
}

/**
 * An idempotent producer gets a new id at epoch 0 on every call, as Kafka gives one to a producer without a
 * transactional id; a transactional producer gets its id's producer id at the next epoch (the coordinator's).
 */
export default defineApi('init-producer-id', 'InitProducerId', { min: 0, max: 4 }, (raw, { broker, version }) => {
  const request = raw as unknown as InitProducerIdRequest;
  if (request.transactionalId === null) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: broker.producerIds.allocate(), producerEpoch: 0 };
  }
  const expected = version >= 3 ? { producerId: request.producerId, epoch: request.producerEpoch } : { producerId: -1n, epoch: -1 };
  return { throttleTimeMs: 0, ...broker.transactions.initProducerId(request.transactionalId, request.transactionTimeoutMs, expected, version) };
});
