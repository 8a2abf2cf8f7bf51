import { defineApi } from '../../api.js';
import { ErrorCode } from '../../errors.js';

/**
 * Every group with its protocol type; v3+ are flexible. From v4 the answer can be filtered by state, from v5 by
 * type, each case-insensitively as Kafka parses them (every group here is a classic group: no KIP-848 protocol).
 */
export default defineApi('list-groups', 'ListGroups', { min: 0, max: 5 }, (raw, { broker }) => {
  const states = new Set((raw.statesFilter as string[]).map((state) => state.toLowerCase()));
  const types = new Set((raw.typesFilter as string[]).map((type) => type.toLowerCase()));
  const groups = broker.groups.list().filter((group) => (states.size === 0 || states.has(group.state.toLowerCase())) && (types.size === 0 || types.has('classic')));
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    groups: groups.map((group) => ({ groupId: group.groupId, protocolType: group.protocolType, groupState: group.state, groupType: 'classic' })),
  };
});
