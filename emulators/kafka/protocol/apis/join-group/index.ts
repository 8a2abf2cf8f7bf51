import type { JoinRequest } from '../../../groups.js';
import { defineApi } from '../../api.js';

/** The request's fields are the coordinator's, less what the connection and version tell. */
type JoinGroupRequest = Omit<JoinRequest, 'clientId' | 'clientHost' | 'requireKnownMemberId'>;

/** Waits, as Kafka does, until every member has joined or the rebalance timeout runs out. */
export default defineApi('join-group', 'JoinGroup', { min: 0, max: 5 }, async (raw, { broker, version, clientId, clientHost }) => {
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
  });
  return {
    throttleTimeMs: 0,
    errorCode: result.errorCode,
    generationId: result.generationId,
    protocolType: result.protocolType,
    // Not nullable before v7.
    protocolName: result.protocolName ?? '',
    leader: result.leader,
    memberId: result.memberId,
    members: result.members,
  };
});
