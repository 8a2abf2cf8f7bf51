import { defineApi } from '../../api.js';
import { ErrorCode } from '../../errors.js';
import { TRANSACTION_STATES } from '../../../transactions.js';

interface ListTransactionsRequest {
  stateFilters: string[];
  producerIdFilters: bigint[];
  durationFilter: bigint;
}

/** The transactional ids the coordinator knows, filtered by state, producer id and (v1) how long they have run. */
export default defineApi('list-transactions', 'ListTransactions', { min: 0, max: 1 }, (raw, { broker, version }) => {
  const request = raw as unknown as ListTransactionsRequest;
  const longerThanMs = version >= 1 ? Number(request.durationFilter) : -1;
  const found = broker.transactions.list(request.stateFilters, request.producerIdFilters, longerThanMs);
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    unknownStateFilters: request.stateFilters.filter((state) => !TRANSACTION_STATES.includes(state)),
    transactionStates: found.map(({ transactionalId, producerId, state }) => ({ transactionalId, producerId, transactionState: state })),
  };
});
