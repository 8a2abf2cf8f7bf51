import type { ApiDefinition } from '../api.js';
import addOffsetsToTxn from './add-offsets-to-txn/index.js';
import addPartitionsToTxn from './add-partitions-to-txn/index.js';
import alterConfigs from './alter-configs/index.js';
import apiVersions from './api-versions/index.js';
import createPartitions from './create-partitions/index.js';
import createTopics from './create-topics/index.js';
import deleteGroups from './delete-groups/index.js';
import deleteRecords from './delete-records/index.js';
import deleteTopics from './delete-topics/index.js';
import endTxn from './end-txn/index.js';
import describeConfigs from './describe-configs/index.js';
import describeGroups from './describe-groups/index.js';
import describeLogDirs from './describe-log-dirs/index.js';
import describeProducers from './describe-producers/index.js';
import describeTransactions from './describe-transactions/index.js';
import fetch from './fetch/index.js';
import findCoordinator from './find-coordinator/index.js';
import heartbeat from './heartbeat/index.js';
import incrementalAlterConfigs from './incremental-alter-configs/index.js';
import initProducerId from './init-producer-id/index.js';
import joinGroup from './join-group/index.js';
import leaveGroup from './leave-group/index.js';
import listGroups from './list-groups/index.js';
import listOffsets from './list-offsets/index.js';
import listTransactions from './list-transactions/index.js';
import metadata from './metadata/index.js';
import offsetCommit from './offset-commit/index.js';
import offsetDelete from './offset-delete/index.js';
import offsetFetch from './offset-fetch/index.js';
import produce from './produce/index.js';
import saslAuthenticate from './sasl-authenticate/index.js';
import saslHandshake from './sasl-handshake/index.js';
import syncGroup from './sync-group/index.js';
import txnOffsetCommit from './txn-offset-commit/index.js';

/** Every API the emulator implements, by API key order. */
export const APIS: readonly ApiDefinition[] = [
  produce,
  fetch,
  listOffsets,
  metadata,
  offsetCommit,
  offsetFetch,
  findCoordinator,
  joinGroup,
  heartbeat,
  leaveGroup,
  syncGroup,
  describeGroups,
  listGroups,
  apiVersions,
  createTopics,
  deleteTopics,
  initProducerId,
  addPartitionsToTxn,
  addOffsetsToTxn,
  endTxn,
  txnOffsetCommit,
  describeConfigs,
  alterConfigs,
  incrementalAlterConfigs,
  createPartitions,
  deleteGroups,
  offsetDelete,
  saslHandshake,
  saslAuthenticate,
  deleteRecords,
  describeLogDirs,
  describeProducers,
  describeTransactions,
  listTransactions,
].sort((a, b) => a.key - b.key);
