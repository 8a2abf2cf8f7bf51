import { defineApi } from '../../api.js';

/** Empty groups are deleted with their committed offsets; a group with members is refused (NON_EMPTY_GROUP). */
export default defineApi('delete-groups', 'DeleteGroups', { min: 0, max: 2 }, (raw, { broker }) => {
  const { groupsNames } = raw as unknown as { groupsNames: string[] };
  return { throttleTimeMs: 0, results: groupsNames.map((groupId) => ({ groupId, errorCode: broker.groups.deleteGroup(groupId) })) };
});
