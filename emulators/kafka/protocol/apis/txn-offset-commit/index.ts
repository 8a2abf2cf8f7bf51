import { defineApi } from '../../api.js';
import { ErrorCode } from '../../errors.js';
import type { TransactionalProducer } from '../../../transactions.js';
import { answerCommits, type CommitTopics } from '../offset-commit/index.js';

interface TxnOffsetCommitRequest extends TransactionalProducer {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  topics: CommitTopics;
}

/**
 * Offsets committed inside a transaction (a consume-transform-produce loop): held until the transaction ends,
 * applied if it commits. v3 carries the member's generation, checked as for OffsetCommit (KIP-447).
 */
export default defineApi('txn-offset-commit', 'TxnOffsetCommit', { min: 0, max: 3 }, (raw, { broker, version }) => {
  const request = raw as unknown as TxnOffsetCommitRequest;
  const groupError = version >= 3 ? broker.groups.checkCommit(request.groupId, request.generationId, request.memberId, request.groupInstanceId || null) : ErrorCode.NONE;
  const topics = answerCommits(broker, request.topics, groupError, version >= 2, (topic, partition, value) => broker.transactions.commitOffset(request, request.groupId, topic, partition, value));
  return { throttleTimeMs: 0, topics };
});
