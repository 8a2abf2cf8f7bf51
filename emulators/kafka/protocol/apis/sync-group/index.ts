import { defineApi } from '../../api.js';

interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  assignments: Array<{ memberId: string; assignment: Buffer }>;
}

/** Followers wait here until the leader sends the assignments. */
export default defineApi('sync-group', 'SyncGroup', { min: 0, max: 3 }, async (raw, { broker }) => {
  const request = raw as unknown as SyncGroupRequest;
  const result = await broker.groups.sync(request.groupId, request.generationId, request.memberId, request.groupInstanceId || null, request.assignments);
  return { throttleTimeMs: 0, errorCode: result.errorCode, protocolType: result.protocolType, protocolName: result.protocolName, assignment: result.assignment };
});
