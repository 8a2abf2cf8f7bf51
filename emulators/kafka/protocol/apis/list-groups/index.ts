import { defineApi } from '../../api.js';
import { ErrorCode } from '../../errors.js';

/** Versions 3+ are flexible: not advertised (librdkafka's ranges would otherwise pick them). */
export default defineApi('list-groups', 'ListGroups', { min: 0, max: 2 }, (_request, { broker }) => ({
  throttleTimeMs: 0,
  errorCode: ErrorCode.NONE,
  groups: broker.groups.list().map((group) => ({ groupId: group.groupId, protocolType: group.protocolType, groupState: group.state })),
}));
