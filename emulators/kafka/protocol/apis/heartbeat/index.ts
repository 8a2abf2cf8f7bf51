import { defineApi } from '../../api.js';

interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

/**
 * Keeps a member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin, FENCED_INSTANCE_ID that its instance id
 * was taken over. v4 is v3 made flexible.
 */
export default defineApi('heartbeat', 'Heartbeat', { min: 0, max: 4 }, (raw, { broker }) => {
  const request = raw as unknown as HeartbeatRequest;
  return { throttleTimeMs: 0, errorCode: broker.groups.heartbeat(request.groupId, request.generationId, request.memberId, request.groupInstanceId || null) };
});
