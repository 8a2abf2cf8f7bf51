import { defineApi } from '../../api.js';
import { ErrorCode } from '../../errors.js';

interface LeaveGroupRequest {
  groupId: string;
  memberId: string;
  members: Array<{ memberId: string; groupInstanceId: string | null }>;
}

/** v0-2 name one member; v3 a batch, each with its own error; v4 is flexible, v5 gives each member's reason (not kept). */
export default defineApi('leave-group', 'LeaveGroup', { min: 0, max: 5 }, (raw, { broker, version }) => {
  const request = raw as unknown as LeaveGroupRequest;
  if (version < 3) {
    const [errorCode] = broker.groups.leave(request.groupId, [{ memberId: request.memberId, groupInstanceId: null }]);
    return { throttleTimeMs: 0, errorCode: errorCode ?? ErrorCode.NONE, members: [] };
  }
  const errors = broker.groups.leave(request.groupId, request.members.map((member) => ({ memberId: member.memberId, groupInstanceId: member.groupInstanceId || null })));
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    members: request.members.map((member, index) => ({ memberId: member.memberId, groupInstanceId: member.groupInstanceId, errorCode: errors[index] ?? ErrorCode.NONE })),
  };
});
