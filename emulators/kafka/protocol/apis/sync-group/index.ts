import { defineApi } from '../../api.js';
import { ErrorCode } from '../../errors.js';

interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  assignments: Array<{ memberId: string; assignment: Buffer }>;
  protocolType: string | null;
  protocolName: string | null;
}

/**
 * Followers wait here until the leader sends the assignments. v4+ are flexible; from v5 the member names the
 * protocol type and name it joined with, and one the group does not have is INCONSISTENT_GROUP_PROTOCOL, as Kafka checks.
 */
export default defineApi('sync-group', 'SyncGroup', { min: 0, max: 5 }, async (raw, { broker, version }) => {
  const request = raw as unknown as SyncGroupRequest;
  if (version >= 5) {
    const group = broker.groups.describe(request.groupId);
    const differs = (asked: string | null, actual: string | null) => asked !== null && actual !== null && asked !== actual;
    if (differs(request.protocolType, group.protocolType) || differs(request.protocolName, group.protocolName)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
    }
  }
  const result = await broker.groups.sync(request.groupId, request.generationId, request.memberId, request.groupInstanceId || null, request.assignments);
  return { throttleTimeMs: 0, errorCode: result.errorCode, protocolType: result.protocolType, protocolName: result.protocolName, assignment: result.assignment };
});
