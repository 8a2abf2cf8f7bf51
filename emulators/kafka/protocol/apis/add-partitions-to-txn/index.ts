import { defineApi } from '../../api.js';

interface AddPartitionsToTxnRequest {
  v3AndBelowTransactionalId: string;
  v3AndBelowProducerId: bigint;
  v3AndBelowProducerEpoch: number;
  v3AndBelowTopics: Array<{ name: string; partitions: number[] }>;
}

/**
 * A producer adds the partitions it is about to write to its open transaction. v4+ (one request for many
 * transactions, sent between brokers for KIP-890's verification) is not advertised: only brokers send it.
 */
export default defineApi('add-partitions-to-txn', 'AddPartitionsToTxn', { min: 0, max: 3 }, (raw, { broker, version }) => {
  const request = raw as unknown as AddPartitionsToTxnRequest;
  const wanted = request.v3AndBelowTopics.flatMap(({ name, partitions }) => partitions.map((partition) => ({ topic: name, partition })));
  const producer = { transactionalId: request.v3AndBelowTransactionalId, producerId: request.v3AndBelowProducerId, producerEpoch: request.v3AndBelowProducerEpoch };
  const errors = broker.transactions.addPartitions(producer, wanted, version);
  let index = 0;
  return {
    throttleTimeMs: 0,
    resultsByTopicV3AndBelow: request.v3AndBelowTopics.map(({ name, partitions }) => ({
      name,
      resultsByPartition: partitions.map((partitionIndex) => ({ partitionIndex, partitionErrorCode: errors[index++] })),
    })),
  };
});
