import type { JoinRequest } from '../../../groups.js';
import { defineApi } from '../../api.js';

/** The request's fields are the coordinator's, less what the connection and version tell. */
type JoinGroupRequest = Omit<JoinRequest, 'clientId' | 'clientHost' | 'requireKnownMemberId' | 'supportsSkippingAssignment'>;

/**
 * Waits, as Kafka does, until every member has joined or the rebalance timeout runs out. v6+ are flexible, v7+ give
 * the protocol type, v8+ carry the member's reason (not kept), v9+ can tell a leader to skip the assignment.
 */
export default defineApi('join-group', 'JoinGroup', { min: 0, max: 9 }, async (raw, { broker, version, clientId, clientHost }) => {
  const request = raw as unknown as JoinGroupRequest;
  const result = await broker.groups.join({
    groupId: request.groupId,
    sessionTimeoutMs: request.sessionTimeoutMs,
    // v0 has no rebalance timeout: Kafka uses the session timeout.
    rebalanceTimeoutMs: version >= 1 ? request.rebalanceTimeoutMs : request.sessionTimeoutMs,
    memberId: request.memberId,
    // Before v5 the field does not exist and decodes as ''.
    groupInstanceId: request.groupInstanceId || null,
    protocolType: request.protocolType,
    protocols: request.protocols,
    clientId,
    clientHost,
    requireKnownMemberId: version >= 4,
    supportsSkippingAssignment: version >= 9,
  });
  return {
    throttleTimeMs: 0,
    errorCode: result.errorCode,
    generationId: result.generationId,
    protocolType: result.protocolType,
    // Not nullable before v7.
    protocolName: version >= 7 ? result.protocolName : result.protocolName ?? '',
    leader: result.leader,
    skipAssignment: result.skipAssignment ?? false,
    memberId: result.memberId,
    members: result.members,
  };
});
