import { randomUUID } from 'node:crypto';
import { mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from './protocol/errors.js';
import { RecordFile, type FsyncPolicy } from '../common/record-file.js';
import type { CoordinatorJournal, GroupMetadataRecord } from './offsets-topic.js';

/** The group states Kafka's coordinator reports (DescribeGroups' GroupState). */
export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface Protocol {
  name: string;
  metadata: Buffer;
}

export interface JoinRequest {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: Protocol[];
  clientId: string;
  clientHost: string;
  /** JoinGroup v4+: a new member first gets MEMBER_ID_REQUIRED with its id, and joins again with it. */
  requireKnownMemberId: boolean;
  /** JoinGroup v9+: a static leader that rejoins a stable group is told to skip the assignment (KIP-814). */
  supportsSkippingAssignment: boolean;
}

export interface JoinResult {
  errorCode: ErrorCode;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  memberId: string;
  members: Array<{ memberId: string; groupInstanceId: string | null; metadata: Buffer }>;
  skipAssignment?: boolean;
}

export interface SyncResult {
  errorCode: ErrorCode;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

interface Member {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: Protocol[];
  assignment: Buffer;
  awaitingJoin: ((result: JoinResult) => void) | undefined;
  awaitingSync: ((result: SyncResult) => void) | undefined;
  sessionTimer: NodeJS.Timeout | undefined;
}

interface Group {
  id: string;
  state: GroupState;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leaderId: string | null;
  members: Map<string, Member>;
  /** Ids handed out with MEMBER_ID_REQUIRED, until the member joins with them or its session runs out. */
  pending: Map<string, NodeJS.Timeout>;
  /** Static membership (KIP-345): group.instance.id → the member id that holds it now. */
  staticMembers: Map<string, string>;
  rebalanceTimer: NodeJS.Timeout | undefined;
  /** The first rebalance of an empty group waits this long for more members (group.initial.rebalance.delay.ms). */
  joinNotBefore: number;
}

export interface CommittedOffset {
  offset: bigint;
  leaderEpoch: number;
  metadata: string | null;
}

export interface CoordinatorOptions {
  dataDir: string | undefined;
  fsync: FsyncPolicy;
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  initialRebalanceDelayMs: number;
  /** Groups the coordinator keeps; a new one past it is refused with POLICY_VIOLATION. */
  maxGroups: number;
  /** Kafka's group.max.size: members (and member ids handed out) per group, past it GROUP_MAX_SIZE_REACHED. */
  maxGroupSize: number;
  onRecovery: (path: string, truncatedBytes: number) => void;
  /** Told when a member is removed, and why, for the emulator's log. */
  onMemberRemoved: (groupId: string, memberId: string, reason: string) => void;
  /** Where commits and groups are recorded as Kafka records them (`__consumer_offsets`). */
  journal: CoordinatorJournal;
}

const EMPTY = Buffer.alloc(0);

/** A topic-partition as one map key (committed offsets here, a transaction's partitions in transactions.ts). */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** Kafka's group coordinator for one broker: membership, rebalances, generations and committed offsets. */
export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private readonly offsets = new Map<string, Map<string, CommittedOffset>>();
  private offsetLog: RecordFile | undefined;

  constructor(private readonly options: CoordinatorOptions) {
    if (options.dataDir !== undefined) this.loadOffsets(join(options.dataDir, 'groups'));
  }

  // ---- persistence of committed offsets ----------------------------------------------------------

  private loadOffsets(dir: string): void {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'offsets.log');
    const { file, records, truncatedBytes } = RecordFile.open(path, this.options.fsync);
    if (truncatedBytes > 0) this.options.onRecovery(path, truncatedBytes);
    for (const record of records) {
      const { group, topic, partition, offset, leaderEpoch, metadata, deleted, removed } = JSON.parse(record.toString('utf8')) as {
        group: string;
        topic: string;
        partition: number;
        offset: string;
        leaderEpoch: number;
        metadata: string | null;
        /** A deleted group's tombstone: its offsets before it are gone. */
        deleted?: true;
        /** One partition's offset deleted (OffsetDelete). */
        removed?: true;
      };
      if (deleted === true) this.offsets.delete(group);
      else if (removed === true) this.removeOffset(group, topic, partition);
      else this.storeOffset(group, topic, partition, { offset: BigInt(offset), leaderEpoch, metadata });
    }
    this.offsetLog = file;
    // Rewrite the log with the latest offset of each partition only, so it cannot grow without bound.
    const latest = [...this.offsets].flatMap(([group, map]) => [...map].map(([key, value]) => ({ group, key, value })));
    if (records.length > latest.length * 2 + 1000) {
      file.close();
      const compacted = RecordFile.create(`${path}.compact`, this.options.fsync);
      for (const { group, key, value } of latest) {
        const [topic, partition] = key.split('\u0000') as [string, string];
        compacted.append(this.offsetRecord(group, topic, Number(partition), value));
      }
      compacted.close();
      renameSync(`${path}.compact`, path);
      this.offsetLog = RecordFile.open(path, this.options.fsync).file;
    }
  }

  private offsetRecord(group: string, topic: string, partition: number, value: CommittedOffset): Buffer {
    return Buffer.from(JSON.stringify({ group, topic, partition, offset: String(value.offset), leaderEpoch: value.leaderEpoch, metadata: value.metadata }));
  }

  private removeOffset(group: string, topic: string, partition: number): void {
    const map = this.offsets.get(group);
    map?.delete(partitionKey(topic, partition));
    if (map?.size === 0) this.offsets.delete(group);
  }

  private storeOffset(group: string, topic: string, partition: number, value: CommittedOffset): void {
    let map = this.offsets.get(group);
    if (map === undefined) this.offsets.set(group, (map = new Map()));
    map.set(partitionKey(topic, partition), value);
  }

  // ---- membership ------------------------------------------------------------------------------

  private group(id: string): Group {
    let group = this.groups.get(id);
    if (group === undefined) {
      group = { id, state: 'Empty', generationId: 0, protocolType: null, protocolName: null, leaderId: null, members: new Map(), pending: new Map(), staticMembers: new Map(), rebalanceTimer: undefined, joinNotBefore: 0 };
      this.groups.set(id, group);
    }
    return group;
  }

  private failedJoin(errorCode: ErrorCode, memberId = ''): JoinResult {
    return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId, members: [] };
  }

  join(request: JoinRequest): Promise<JoinResult> {
    if (request.groupId === '') return Promise.resolve(this.failedJoin(ErrorCode.INVALID_GROUP_ID));
    if (!this.groups.has(request.groupId) && this.groups.size >= this.options.maxGroups) return Promise.resolve(this.failedJoin(ErrorCode.POLICY_VIOLATION));
    if (request.sessionTimeoutMs < this.options.minSessionTimeoutMs || request.sessionTimeoutMs > this.options.maxSessionTimeoutMs) {
      return Promise.resolve(this.failedJoin(ErrorCode.INVALID_SESSION_TIMEOUT, request.memberId));
    }
    const group = this.group(request.groupId);
    const joinsAnew = request.memberId === '' && (request.groupInstanceId === null || !group.staticMembers.has(request.groupInstanceId));
    if (joinsAnew && group.members.size + group.pending.size >= this.options.maxGroupSize) return Promise.resolve(this.failedJoin(ErrorCode.GROUP_MAX_SIZE_REACHED));
    if (group.members.size > 0 && (group.protocolType !== request.protocolType || this.commonProtocols(group, request.protocols).length === 0)) {
      return Promise.resolve(this.failedJoin(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, request.memberId));
    }

    if (request.groupInstanceId !== null) {
      const holder = group.staticMembers.get(request.groupInstanceId);
      if (request.memberId === '') {
        const previous = holder === undefined ? undefined : group.members.get(holder);
        if (previous !== undefined) return this.replaceStaticMember(group, previous, request);
        const memberId = `${request.clientId}-${randomUUID()}`;
        group.staticMembers.set(request.groupInstanceId, memberId);
        return this.addMember(group, memberId, request);
      }
      if (holder !== undefined && holder !== request.memberId) return Promise.resolve(this.failedJoin(ErrorCode.FENCED_INSTANCE_ID, request.memberId));
    }
    if (request.memberId === '') {
      const memberId = `${request.clientId}-${randomUUID()}`;
      if (request.requireKnownMemberId) {
        group.pending.set(
          memberId,
          setTimeout(() => {
            group.pending.delete(memberId);
            this.maybeCompleteJoin(group);
          }, request.sessionTimeoutMs),
        );
        return Promise.resolve(this.failedJoin(ErrorCode.MEMBER_ID_REQUIRED, memberId));
      }
      return this.addMember(group, memberId, request);
    }
    const pendingTimer = group.pending.get(request.memberId);
    if (pendingTimer !== undefined) {
      clearTimeout(pendingTimer);
      group.pending.delete(request.memberId);
      return this.addMember(group, request.memberId, request);
    }
    const member = group.members.get(request.memberId);
    if (member === undefined) return Promise.resolve(this.failedJoin(ErrorCode.UNKNOWN_MEMBER_ID, request.memberId));

    // A follower that rejoins a stable group with the same protocols gets the current generation back.
    if (group.state === 'Stable' && member.memberId !== group.leaderId && sameProtocols(member.protocols, request.protocols)) {
      this.touch(group, member);
      return Promise.resolve(this.joinResult(group, member));
    }
    this.updateMember(member, request);
    return new Promise((resolve) => {
      this.awaitJoin(member, resolve);
      if (group.state === 'PreparingRebalance') this.maybeCompleteJoin(group);
      else this.prepareRebalance(group);
    });
  }

  /**
   * A static member that joins again without its member id (it restarted) takes over its instance id: the
   * old member id is fenced (FENCED_INSTANCE_ID) and, in a stable group with the same protocols, the new
   * one gets the current generation and its old assignment at once, without a rebalance (KIP-345).
   */
  private replaceStaticMember(group: Group, previous: Member, request: JoinRequest): Promise<JoinResult> {
    const oldId = previous.memberId;
    const oldLeader = group.leaderId;
    previous.awaitingJoin?.(this.failedJoin(ErrorCode.FENCED_INSTANCE_ID, oldId));
    previous.awaitingJoin = undefined;
    previous.awaitingSync?.({ errorCode: ErrorCode.FENCED_INSTANCE_ID, protocolType: null, protocolName: null, assignment: EMPTY });
    previous.awaitingSync = undefined;
    const member: Member = { ...previous, memberId: `${request.clientId}-${randomUUID()}` };
    group.members.delete(oldId);
    group.members.set(member.memberId, member);
    group.staticMembers.set(request.groupInstanceId as string, member.memberId);
    if (group.leaderId === oldId) group.leaderId = member.memberId;
    this.options.onMemberRemoved(group.id, oldId, `replaced by ${member.memberId}, which joined with the same group.instance.id`);
    if (group.state === 'Stable' && sameProtocols(previous.protocols, request.protocols)) {
      this.updateMember(member, request);
      this.touch(group, member);
      this.store(group);
      // A rejoining leader must not compute an assignment a stable group would ignore: from v9 it is told so and
      // gets the members (KIP-814); before, it gets the old leader id and no members, so that it is no leader.
      if (request.supportsSkippingAssignment) return Promise.resolve({ ...this.joinResult(group, member), skipAssignment: group.leaderId === member.memberId });
      return Promise.resolve({ ...this.joinResult(group, member), leader: oldLeader ?? '', members: [] });
    }
    this.updateMember(member, request);
    return new Promise((resolve) => {
      this.awaitJoin(member, resolve);
      if (group.state === 'PreparingRebalance') this.maybeCompleteJoin(group);
      else this.prepareRebalance(group);
    });
  }

  private addMember(group: Group, memberId: string, request: JoinRequest): Promise<JoinResult> {
    const member: Member = {
      memberId,
      groupInstanceId: request.groupInstanceId,
      clientId: request.clientId,
      clientHost: request.clientHost,
      sessionTimeoutMs: request.sessionTimeoutMs,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs,
      protocolType: request.protocolType,
      protocols: request.protocols,
      assignment: EMPTY,
      awaitingJoin: undefined,
      awaitingSync: undefined,
      sessionTimer: undefined,
    };
    if (group.members.size === 0) group.protocolType = request.protocolType;
    group.members.set(memberId, member);
    return new Promise((resolve) => {
      this.awaitJoin(member, resolve);
      if (group.state === 'PreparingRebalance') this.maybeCompleteJoin(group);
      else this.prepareRebalance(group);
    });
  }

  private updateMember(member: Member, request: JoinRequest): void {
    member.sessionTimeoutMs = request.sessionTimeoutMs;
    member.rebalanceTimeoutMs = request.rebalanceTimeoutMs;
    member.protocols = request.protocols;
    member.clientId = request.clientId;
    member.clientHost = request.clientHost;
  }

  /** While a member waits in JoinGroup its session does not run out (Kafka uses the rebalance timeout then). */
  private awaitJoin(member: Member, resolve: (result: JoinResult) => void): void {
    member.awaitingJoin?.(this.failedJoin(ErrorCode.UNKNOWN_MEMBER_ID, member.memberId));
    member.awaitingJoin = resolve;
    clearTimeout(member.sessionTimer);
    member.sessionTimer = undefined;
  }

  private prepareRebalance(group: Group): void {
    if (group.state === 'CompletingRebalance') {
      for (const member of group.members.values()) this.resolveSync(group, member, ErrorCode.REBALANCE_IN_PROGRESS);
    }
    if (group.state === 'Empty') group.joinNotBefore = Date.now() + this.options.initialRebalanceDelayMs;
    group.state = 'PreparingRebalance';
    const timeout = Math.max(0, ...[...group.members.values()].map((member) => member.rebalanceTimeoutMs));
    clearTimeout(group.rebalanceTimer);
    group.rebalanceTimer = setTimeout(() => this.completeJoin(group, true), timeout);
    this.maybeCompleteJoin(group);
  }

  private maybeCompleteJoin(group: Group): void {
    if (group.state !== 'PreparingRebalance') return;
    const everyoneJoined = [...group.members.values()].every((member) => member.awaitingJoin !== undefined) && group.pending.size === 0;
    if (!everyoneJoined) return;
    const wait = group.joinNotBefore - Date.now();
    if (wait > 0) {
      clearTimeout(group.rebalanceTimer);
      group.rebalanceTimer = setTimeout(() => this.maybeCompleteJoin(group), wait);
      return;
    }
    this.completeJoin(group, false);
  }

  private completeJoin(group: Group, timedOut: boolean): void {
    if (group.state !== 'PreparingRebalance') return;
    clearTimeout(group.rebalanceTimer);
    group.rebalanceTimer = undefined;
    if (timedOut) {
      for (const member of [...group.members.values()]) {
        if (member.awaitingJoin === undefined) this.removeMember(group, member, 'did not rejoin within the rebalance timeout', false);
      }
      for (const timer of group.pending.values()) clearTimeout(timer);
      group.pending.clear();
    }
    group.generationId += 1;
    if (group.members.size === 0) {
      group.state = 'Empty';
      group.protocolName = null;
      group.leaderId = null;
      this.store(group);
      return;
    }
    group.protocolName = this.chooseProtocol(group);
    if (group.leaderId === null || !group.members.has(group.leaderId)) group.leaderId = group.members.keys().next().value ?? null;
    group.state = 'CompletingRebalance';
    for (const member of group.members.values()) {
      const resolve = member.awaitingJoin;
      member.awaitingJoin = undefined;
      member.assignment = EMPTY;
      this.touch(group, member);
      resolve?.(this.joinResult(group, member));
    }
  }

  private joinResult(group: Group, member: Member): JoinResult {
    const isLeader = member.memberId === group.leaderId;
    return {
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      memberId: member.memberId,
      members: isLeader
        ? [...group.members.values()].map((each) => ({
            memberId: each.memberId,
            groupInstanceId: each.groupInstanceId,
            metadata: each.protocols.find((protocol) => protocol.name === group.protocolName)?.metadata ?? EMPTY,
          }))
        : [],
    };
  }

  private commonProtocols(group: Group, candidate: Protocol[]): string[] {
    return candidate.map((protocol) => protocol.name).filter((name) => [...group.members.values()].every((member) => member.protocols.some((protocol) => protocol.name === name)));
  }

  /** Kafka's vote: each member names its first protocol that every member supports; the most named wins. */
  private chooseProtocol(group: Group): string | null {
    const members = [...group.members.values()];
    const supportedByAll = (name: string): boolean => members.every((member) => member.protocols.some((protocol) => protocol.name === name));
    const votes = new Map<string, number>();
    for (const member of members) {
      const choice = member.protocols.find((protocol) => supportedByAll(protocol.name));
      if (choice !== undefined) votes.set(choice.name, (votes.get(choice.name) ?? 0) + 1);
    }
    let best: string | null = null;
    for (const [name, count] of votes) if (best === null || count > (votes.get(best) ?? 0)) best = name;
    return best;
  }

  /** Restarts the member's session: without a heartbeat, sync or join within it, the member is expelled. */
  private touch(group: Group, member: Member): void {
    clearTimeout(member.sessionTimer);
    member.sessionTimer = setTimeout(() => {
      member.sessionTimer = undefined;
      if (group.members.get(member.memberId) === member && member.awaitingJoin === undefined) {
        this.removeMember(group, member, `session timeout of ${member.sessionTimeoutMs} ms expired`, true);
      }
    }, member.sessionTimeoutMs);
  }

  private removeMember(group: Group, member: Member, reason: string, rebalance: boolean): void {
    clearTimeout(member.sessionTimer);
    group.members.delete(member.memberId);
    if (member.groupInstanceId !== null && group.staticMembers.get(member.groupInstanceId) === member.memberId) group.staticMembers.delete(member.groupInstanceId);
    member.awaitingJoin?.(this.failedJoin(ErrorCode.UNKNOWN_MEMBER_ID, member.memberId));
    member.awaitingJoin = undefined;
    member.awaitingSync?.({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, protocolType: null, protocolName: null, assignment: EMPTY });
    member.awaitingSync = undefined;
    this.options.onMemberRemoved(group.id, member.memberId, reason);
    if (!rebalance) return;
    if (group.state === 'PreparingRebalance') this.maybeCompleteJoin(group);
    else if (group.members.size === 0 && group.pending.size === 0) {
      group.state = 'Empty';
      group.generationId += 1;
      group.leaderId = null;
      group.protocolName = null;
      this.store(group);
    } else this.prepareRebalance(group);
  }

  /** The group as Kafka records it at each change of its members or their assignment (GroupMetadataValue). */
  private store(group: Group): void {
    const record: GroupMetadataRecord = {
      group: group.id,
      protocolType: group.protocolType ?? '',
      generation: group.generationId,
      protocol: group.protocolName,
      leader: group.leaderId,
      currentStateTimestamp: Date.now(),
      members: [...group.members.values()].map((member) => ({
        memberId: member.memberId,
        groupInstanceId: member.groupInstanceId,
        clientId: member.clientId,
        clientHost: member.clientHost,
        rebalanceTimeoutMs: member.rebalanceTimeoutMs,
        sessionTimeoutMs: member.sessionTimeoutMs,
        subscription: member.protocols.find((protocol) => protocol.name === group.protocolName)?.metadata ?? EMPTY,
        assignment: member.assignment,
      })),
    };
    this.options.journal.groupStored(record);
  }

  private resolveSync(group: Group, member: Member, errorCode: ErrorCode): void {
    const resolve = member.awaitingSync;
    member.awaitingSync = undefined;
    resolve?.({ errorCode, protocolType: group.protocolType, protocolName: group.protocolName, assignment: errorCode === ErrorCode.NONE ? member.assignment : EMPTY });
  }

  /** Common checks of SyncGroup, Heartbeat and OffsetCommit: a fenced instance id, the member and its generation. */
  private check(groupId: string, memberId: string, generationId: number, groupInstanceId: string | null): { group: Group; member: Member } | ErrorCode {
    const group = this.groups.get(groupId);
    if (groupInstanceId !== null && group !== undefined) {
      const holder = group.staticMembers.get(groupInstanceId);
      if (holder !== undefined && holder !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
    }
    const member = group?.members.get(memberId);
    if (group === undefined || member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    return { group, member };
  }

  sync(groupId: string, generationId: number, memberId: string, groupInstanceId: string | null, assignments: Array<{ memberId: string; assignment: Buffer }>): Promise<SyncResult> {
    const checked = this.check(groupId, memberId, generationId, groupInstanceId);
    if (typeof checked === 'number') return Promise.resolve({ errorCode: checked, protocolType: null, protocolName: null, assignment: EMPTY });
    const { group, member } = checked;
    if (group.state === 'PreparingRebalance') return Promise.resolve({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, protocolType: null, protocolName: null, assignment: EMPTY });
    this.touch(group, member);
    if (group.state === 'Stable') return Promise.resolve({ errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment });
    return new Promise((resolve) => {
      member.awaitingSync = resolve;
      if (memberId !== group.leaderId) return;
      for (const each of group.members.values()) each.assignment = assignments.find((entry) => entry.memberId === each.memberId)?.assignment ?? EMPTY;
      group.state = 'Stable';
      this.store(group);
      for (const each of group.members.values()) this.resolveSync(group, each, ErrorCode.NONE);
    });
  }

  heartbeat(groupId: string, generationId: number, memberId: string, groupInstanceId: string | null): ErrorCode {
    const checked = this.check(groupId, memberId, generationId, groupInstanceId);
    if (typeof checked === 'number') return checked;
    const { group, member } = checked;
    this.touch(group, member);
    return group.state === 'PreparingRebalance' ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  /** LeaveGroup; v3 may name a static member by its instance id alone (an empty member id), as admin tools do. */
  leave(groupId: string, leaving: Array<{ memberId: string; groupInstanceId: string | null }>): ErrorCode[] {
    const group = this.groups.get(groupId);
    return leaving.map(({ memberId: namedId, groupInstanceId }) => {
      let memberId = namedId;
      if (groupInstanceId !== null) {
        const holder = group?.staticMembers.get(groupInstanceId);
        if (holder === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
        if (memberId !== '' && memberId !== holder) return ErrorCode.FENCED_INSTANCE_ID;
        memberId = holder;
      }
      const pending = group?.pending.get(memberId);
      if (group !== undefined && pending !== undefined) {
        clearTimeout(pending);
        group.pending.delete(memberId);
        this.maybeCompleteJoin(group);
        return ErrorCode.NONE;
      }
      const member = group?.members.get(memberId);
      if (group === undefined || member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      this.removeMember(group, member, 'left the group (LeaveGroup)', true);
      return ErrorCode.NONE;
    });
  }

  // ---- offsets ---------------------------------------------------------------------------------

  /** Checks an OffsetCommit against the group's generation; generation -1 with no member id is a standalone commit. */
  checkCommit(groupId: string, generationId: number, memberId: string, groupInstanceId: string | null): ErrorCode {
    if (groupId === '') return ErrorCode.INVALID_GROUP_ID;
    const group = this.groups.get(groupId);
    if (group === undefined && this.groups.size >= this.options.maxGroups) return ErrorCode.POLICY_VIOLATION;
    if (generationId < 0 && memberId === '') return group === undefined || group.state === 'Empty' ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION;
    const checked = this.check(groupId, memberId, generationId, groupInstanceId);
    if (typeof checked === 'number') return checked;
    if (checked.group.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    this.touch(checked.group, checked.member);
    return ErrorCode.NONE;
  }

  /** A request's accepted offsets, recorded together, as Kafka writes them in one batch. */
  commit(groupId: string, offsets: Array<{ topic: string; partition: number; value: CommittedOffset }>): void {
    this.group(groupId);
    for (const { topic, partition, value } of offsets) {
      this.storeOffset(groupId, topic, partition, value);
      this.offsetLog?.append(this.offsetRecord(groupId, topic, partition, value));
    }
    this.options.journal.offsetsCommitted(groupId, offsets);
  }

  committed(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.offsets.get(groupId)?.get(partitionKey(topic, partition));
  }

  /** Every partition the group has an offset for, by topic (OffsetFetch with topics null). */
  committedTopics(groupId: string): Map<string, number[]> {
    const topics = new Map<string, number[]>();
    for (const key of this.offsets.get(groupId)?.keys() ?? []) {
      const [topic, partition] = key.split('\u0000') as [string, string];
      topics.set(topic, [...(topics.get(topic) ?? []), Number(partition)]);
    }
    return topics;
  }

  /**
   * DeleteGroups: a group with no member loses its committed offsets and is gone (GroupCoordinator.handleDeleteGroups);
   * one with members is refused, as is a group the coordinator never knew.
   */
  deleteGroup(groupId: string): ErrorCode {
    if (groupId === '') return ErrorCode.INVALID_GROUP_ID;
    const group = this.groups.get(groupId);
    if (group === undefined && !this.offsets.has(groupId)) return ErrorCode.GROUP_ID_NOT_FOUND;
    if (group !== undefined && (group.members.size > 0 || group.pending.size > 0)) return ErrorCode.NON_EMPTY_GROUP;
    if (group !== undefined) clearTimeout(group.rebalanceTimer);
    this.groups.delete(groupId);
    const committed = [...this.committedTopics(groupId)].flatMap(([topic, partitions]) => partitions.map((partition) => ({ topic, partition })));
    if (this.offsets.delete(groupId)) this.offsetLog?.append(Buffer.from(JSON.stringify({ group: groupId, deleted: true })));
    this.options.journal.groupDeleted(groupId, committed);
    return ErrorCode.NONE;
  }

  /**
   * OffsetDelete (GroupCoordinator.handleDeleteOffsets): an empty group loses the offsets named; a consumer group
   * with members keeps those of the topics a member subscribes to (GROUP_SUBSCRIBED_TO_TOPIC) and loses the rest;
   * another group with members is NON_EMPTY_GROUP, an unknown one GROUP_ID_NOT_FOUND.
   */
  deleteOffsets(groupId: string, partitions: Array<{ topic: string; partition: number }>): { errorCode: ErrorCode; errors: ErrorCode[] } {
    const group = this.groups.get(groupId);
    if (group === undefined && !this.offsets.has(groupId)) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errors: [] };
    const active = group !== undefined && group.state !== 'Empty';
    if (active && group.protocolType !== 'consumer') return { errorCode: ErrorCode.NON_EMPTY_GROUP, errors: [] };
    const subscribed = active ? subscribedTopics(group) : undefined;
    const errors = partitions.map(({ topic }) => (subscribed === undefined || !(subscribed === 'all' || subscribed.has(topic)) ? ErrorCode.NONE : ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC));
    const deleted = partitions.filter((each, index) => errors[index] === ErrorCode.NONE && this.committed(groupId, each.topic, each.partition) !== undefined);
    for (const { topic, partition } of deleted) {
      this.removeOffset(groupId, topic, partition);
      this.offsetLog?.append(Buffer.from(JSON.stringify({ group: groupId, topic, partition, removed: true })));
    }
    if (deleted.length > 0) this.options.journal.offsetsDeleted(groupId, deleted);
    return { errorCode: ErrorCode.NONE, errors };
  }

  // ---- inspection ------------------------------------------------------------------------------

  describe(groupId: string): {
    state: GroupState;
    protocolType: string;
    protocolName: string;
    members: Array<{ memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string; metadata: Buffer; assignment: Buffer }>;
  } {
    const group = this.groups.get(groupId);
    if (group === undefined) return { state: 'Dead', protocolType: '', protocolName: '', members: [] };
    return {
      state: group.state,
      protocolType: group.protocolType ?? '',
      protocolName: group.protocolName ?? '',
      members: [...group.members.values()].map((member) => ({
        memberId: member.memberId,
        groupInstanceId: member.groupInstanceId,
        clientId: member.clientId,
        clientHost: member.clientHost,
        metadata: member.protocols.find((protocol) => protocol.name === group.protocolName)?.metadata ?? EMPTY,
        assignment: group.state === 'Stable' ? member.assignment : EMPTY,
      })),
    };
  }

  list(): Array<{ groupId: string; protocolType: string; state: GroupState }> {
    const ids = new Set([...this.groups.keys(), ...this.offsets.keys()]);
    return [...ids].sort().map((groupId) => {
      const group = this.groups.get(groupId);
      return { groupId, protocolType: group?.protocolType ?? '', state: group?.state ?? 'Empty' };
    });
  }

  flush(): void {
    this.offsetLog?.sync();
  }

  close(): void {
    for (const group of this.groups.values()) {
      clearTimeout(group.rebalanceTimer);
      for (const timer of group.pending.values()) clearTimeout(timer);
      for (const member of group.members.values()) clearTimeout(member.sessionTimer);
    }
    this.offsetLog?.close();
  }
}

function sameProtocols(a: Protocol[], b: Protocol[]): boolean {
  return a.length === b.length && a.every((protocol, index) => protocol.name === b[index]?.name && protocol.metadata.equals(b[index]?.metadata ?? EMPTY));
}

/**
 * The topics a consumer group's members subscribe to, from their ConsumerProtocolSubscription (version, then the
 * topic names as int16-prefixed strings); 'all' when one cannot be read, as Kafka then keeps every topic's offsets.
 */
function subscribedTopics(group: Group): Set<string> | 'all' {
  const topics = new Set<string>();
  for (const member of group.members.values()) {
    const metadata = member.protocols.find((protocol) => protocol.name === group.protocolName)?.metadata;
    if (metadata === undefined || metadata.length < 6) return 'all';
    let offset = 2;
    const count = metadata.readInt32BE(offset);
    offset += 4;
    for (let i = 0; i < count; i += 1) {
      if (offset + 2 > metadata.length) return 'all';
      const length = metadata.readInt16BE(offset);
      offset += 2;
      if (length < 0 || offset + length > metadata.length) return 'all';
      topics.add(metadata.toString('utf8', offset, offset + length));
      offset += length;
    }
  }
  return topics;
}
