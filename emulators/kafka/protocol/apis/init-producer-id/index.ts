import { defineApi } from '../../api.js';
import { ErrorCode } from '../../errors.js';

interface InitProducerIdRequest {
  transactionalId: string | null;
}

/** What a transactional producer is told: transactions are refused as Kafka refuses a transactional id it may not use. */
export const TRANSACTIONS_UNSUPPORTED = 'Transactions are not supported by the Sluice Kafka emulator; idempotent producers are.';

/**
 * An idempotent producer's id, epoch 0. As Kafka does for a producer without a transactional id, every
 * call gets a new id (v3+'s producer id and epoch only matter to transactional producers).
 */
export default defineApi('init-producer-id', 'InitProducerId', { min: 0, max: 4 }, (raw, { broker }) => {
  const request = raw as unknown as InitProducerIdRequest;
  if (request.transactionalId !== null) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1n, producerEpoch: -1 };
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: broker.producerIds.allocate(), producerEpoch: 0 };
});
