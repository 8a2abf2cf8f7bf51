import { defineApi } from '../../api.js';
import { ErrorCode } from '../../errors.js';

interface DescribeTransactionsRequest {
  transactionalIds: string[];
}

/** Each transactional id's state, producer, timeout, start and partitions; an unknown one TRANSACTIONAL_ID_NOT_FOUND. */
export default defineApi('describe-transactions', 'DescribeTransactions', { min: 0, max: 0 }, (raw, { broker }) => {
  const request = raw as unknown as DescribeTransactionsRequest;
  return {
    throttleTimeMs: 0,
    transactionStates: request.transactionalIds.map((transactionalId) => {
      const found = broker.transactions.summary(transactionalId);
      if (found === undefined) {
        return { errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, transactionalId, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1n, producerId: -1n, producerEpoch: -1, topics: [] };
      }
      const topics = new Map<string, number[]>();
      for (const { topic, partition } of found.partitions) topics.set(topic, [...(topics.get(topic) ?? []), partition]);
      return {
        errorCode: ErrorCode.NONE,
        transactionalId,
        transactionState: found.state,
        transactionTimeoutMs: found.timeoutMs,
        transactionStartTimeMs: BigInt(found.startedAt),
        producerId: found.producerId,
        producerEpoch: found.producerEpoch,
        topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
      };
    }),
  };
});
