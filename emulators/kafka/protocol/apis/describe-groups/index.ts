import { defineApi } from '../../api.js';
import { ErrorCode } from '../../errors.js';

/** An unknown group is reported as Kafka reports it: state Dead, no error. v5 is v4 made flexible. */
export default defineApi('describe-groups', 'DescribeGroups', { min: 0, max: 5 }, (raw, { broker }) => {
  const { groups } = raw as unknown as { groups: string[] };
  return {
    throttleTimeMs: 0,
    groups: groups.map((groupId) => {
      const group = broker.groups.describe(groupId);
      return {
        errorCode: ErrorCode.NONE,
        groupId,
        groupState: group.state,
        protocolType: group.protocolType,
        protocolData: group.protocolName,
        members: group.members.map((member) => ({
          memberId: member.memberId,
          groupInstanceId: member.groupInstanceId,
          clientId: member.clientId,
          clientHost: member.clientHost,
          memberMetadata: member.metadata,
          memberAssignment: member.assignment,
        })),
        authorizedOperations: -2147483648,
      };
    }),
  };
});
