import { EsError } from './errors.js';

/**
 * What a write may be conditioned on: optimistic concurrency (`if_seq_no` with `if_primary_term`) or a version kept
 * outside Elasticsearch (`version` with `version_type` external or external_gte, as Logstash's output can send).
 */
export interface WriteConditions {
  ifSeqNo?: number;
  ifPrimaryTerm?: number;
  version?: number;
  versionType: 'internal' | 'external' | 'external_gte';
}

export type WriteKind = 'index' | 'create' | 'delete' | 'update';

const VERSION_TYPES = new Set(['internal', 'external', 'external_gte']);

/** No condition: what a write without parameters carries. */
export const UNCONDITIONAL: WriteConditions = Object.freeze({ versionType: 'internal' });

function integer(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const number = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(number)) throw new EsError(400, 'illegal_argument_exception', `Failed to parse ${name} [${String(value)}]`);
  return number;
}

/**
 * The problems IndexRequest.validate, DeleteRequest.validate and UpdateRequest.validate find in a write's conditions:
 * a create stops at its first, an update with a version type of its own has only that one, the others are
 * DocWriteRequest.validateSeqNoBasedCASParams's, in its order.
 */
function problems(kind: WriteKind, conditions: WriteConditions): string[] {
  const { ifSeqNo, ifPrimaryTerm, version, versionType } = conditions;
  if (kind === 'create') {
    if (versionType !== 'internal') return ['create operations only support internal versioning. use index instead'];
    if (version !== undefined) return ['create operations do not support explicit versions. use index instead'];
    if (ifSeqNo !== undefined || ifPrimaryTerm !== undefined) return ['create operations do not support compare and set. use index instead'];
  }
  if (kind === 'update' && versionType !== 'internal') return [`version type [${versionType.toUpperCase()}] is not supported by the update API`];
  const found: string[] = [];
  // VersionType.validateVersionForWrites: external versions from 0, internal ones from 1.
  if (version !== undefined && version < (versionType === 'internal' ? 1 : 0)) found.push(`illegal version value [${version}] for version type [${versionType.toUpperCase()}]`);
  if (versionType === 'internal' && version !== undefined) found.push('internal versioning can not be used for optimistic concurrency control. Please use `if_seq_no` and `if_primary_term` instead');
  if (ifSeqNo !== undefined && (versionType !== 'internal' || version !== undefined)) found.push('compare and write operations can not use versioning');
  if (ifSeqNo !== undefined && ifPrimaryTerm === undefined) found.push('ifSeqNo is set, but primary term is [0]');
  if (ifSeqNo === undefined && ifPrimaryTerm !== undefined) found.push(`ifSeqNo is unassigned, but primary term is [${ifPrimaryTerm}]`);
  return found;
}

/** A write's conditions from its URL parameters or bulk metadata, refused as Elasticsearch's validation refuses them. */
export function writeConditions(raw: { if_seq_no?: unknown; if_primary_term?: unknown; version?: unknown; version_type?: unknown }, kind: WriteKind): WriteConditions {
  // Nearly every bulk item carries none: no object made for it.
  if (raw.if_seq_no === undefined && raw.if_primary_term === undefined && raw.version === undefined && raw.version_type === undefined) return UNCONDITIONAL;
  const type = raw.version_type === undefined ? 'internal' : String(raw.version_type);
  if (!VERSION_TYPES.has(type)) throw new EsError(400, 'illegal_argument_exception', `No version type match [${type}]`);
  const conditions: WriteConditions = {
    ifSeqNo: integer(raw.if_seq_no, 'if_seq_no'),
    ifPrimaryTerm: integer(raw.if_primary_term, 'if_primary_term'),
    version: integer(raw.version, 'version'),
    versionType: type as WriteConditions['versionType'],
  };
  const found = problems(kind, conditions);
  if (found.length > 0) throw new EsError(400, 'action_request_validation_exception', `Validation Failed: ${found.map((problem, i) => `${i + 1}: ${problem};`).join('')}`);
  return conditions;
}

/**
 * An update's conditions: the request's (or the bulk action line's), with the update body's `if_seq_no` and
 * `if_primary_term` over them, as UpdateRequest's parser reads the body after them.
 */
export function updateConditions(raw: { if_seq_no?: unknown; if_primary_term?: unknown; version?: unknown; version_type?: unknown }, body: { if_seq_no?: unknown; if_primary_term?: unknown }): WriteConditions {
  if (body.if_seq_no === undefined && body.if_primary_term === undefined) return writeConditions(raw, 'update');
  return writeConditions({ ...raw, if_seq_no: body.if_seq_no ?? raw.if_seq_no, if_primary_term: body.if_primary_term ?? raw.if_primary_term }, 'update');
}

function conflict(id: string, detail: string, index: { uuid: string; name: string }): EsError {
  return new EsError(409, 'version_conflict_engine_exception', `[${id}]: version conflict, ${detail}`, { index_uuid: index.uuid, shard: '0', index: index.name });
}

/**
 * The version a conditioned write gives the document, or throws Elasticsearch's version conflict: the sequence number
 * (primary term 1, the emulator's only one) or the external version against the document's current state.
 */
export function checkedVersion(id: string, current: { seqNo: number; version: number } | undefined, conditions: WriteConditions, index: { uuid: string; name: string }): number {
  if (conditions === UNCONDITIONAL) return (current?.version ?? 0) + 1;
  if (conditions.ifSeqNo !== undefined && (current?.seqNo !== conditions.ifSeqNo || conditions.ifPrimaryTerm !== 1)) {
    const state = current ? `current document has seqNo [${current.seqNo}] and primary term [1]` : 'but no document was found';
    throw conflict(id, `required seqNo [${conditions.ifSeqNo}], primary term [${conditions.ifPrimaryTerm ?? 0}]. ${state}`, index);
  }
  const { version, versionType } = conditions;
  if (version === undefined || versionType === 'internal') return (current?.version ?? 0) + 1;
  if (current !== undefined && versionType === 'external' && current.version >= version) throw conflict(id, `current version [${current.version}] is higher or equal to the one provided [${version}]`, index);
  if (current !== undefined && versionType === 'external_gte' && current.version > version) throw conflict(id, `current version [${current.version}] is higher than the one provided [${version}]`, index);
  return version;
}
