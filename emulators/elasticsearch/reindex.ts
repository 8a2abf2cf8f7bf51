/**
 * `_reindex` and `_update_by_query` without scripts, as an operator runs them after a mapping or pipeline change:
 * the documents a query matches in the refreshed view, written again (into another index, or in place) through an
 * ingest pipeline if one is named, at once (with `wait_for_completion=false` too, its result then kept as a
 * finished task's). A script, a remote source or slices are refused: the emulator runs no Painless and has one shard.
 */
import { isJsonObject } from '../../shared/json-object.js';
import { badRequest, EsError } from './errors.js';
import { filterSource } from './source-filter.js';
import { matchingDocs, type SearchParams } from './search.js';
import { readable, sourceOf, type Cluster, type Index, type Json } from './store.js';

/** The counts every by-query answer carries (BulkByScrollResponse). */
interface Counts {
  total: number;
  updated: number;
  created: number;
  versionConflicts: number;
  failures: Json[];
}

/** What a by-query request refuses before it starts. */
function checkRequest(what: string, body: Json, query: Record<string, string | undefined>): void {
  if (body.script !== undefined) throw badRequest(`[${what}] with a [script] is valid in Elasticsearch but not supported by the emulator, which runs no Painless`);
  if (query.slices !== undefined && query.slices !== '1' && query.slices !== 'auto') throw badRequest(`[slices] other than 1 or auto are valid in Elasticsearch but not supported by the emulator, which has one shard`);
  const conflicts = body.conflicts ?? query.conflicts;
  if (conflicts !== undefined && conflicts !== 'abort' && conflicts !== 'proceed') throw badRequest(`conflicts may only be "proceed" or "abort" but was [${String(conflicts)}]`);
}

/** BulkByScrollResponse: one batch per thousand documents, as a scroll of the default size reads them. */
function answer(started: number, counts: Counts, batchSize: number): Json {
  return {
    took: Math.round(performance.now() - started),
    timed_out: false,
    total: counts.total,
    updated: counts.updated,
    created: counts.created,
    deleted: 0,
    batches: Math.ceil(counts.total / batchSize),
    version_conflicts: counts.versionConflicts,
    noops: 0,
    retries: { bulk: 0, search: 0 },
    throttled_millis: 0,
    requests_per_second: -1,
    throttled_until_millis: 0,
    failures: counts.failures,
  };
}

function versionConflict(index: string, id: string, existing: number): Json {
  return { index, id, cause: { type: 'version_conflict_engine_exception', reason: `[${id}]: version conflict, document already exists (current version [${existing}])`, index_uuid: '_na_', shard: '0', index }, status: 409 };
}

interface ReindexSpec {
  sources: string;
  query: unknown;
  sourceFilter: unknown;
  batchSize: number;
  dest: string;
  opType: 'index' | 'create';
  pipeline: string | undefined;
}

/** ReindexRequest's body, checked as its parser and validate() check it. */
function reindexSpec(body: Json): ReindexSpec {
  const source = body.source;
  const dest = body.dest;
  if (!isJsonObject(source)) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: use _all if you really want to copy from all existing indexes;');
  if (!isJsonObject(dest) || typeof dest.index !== 'string' || dest.index === '') throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: index must be specified;');
  if (source.remote !== undefined) throw badRequest('reindexing from a [remote] cluster is valid in Elasticsearch but not supported by the emulator');
  if (source.slice !== undefined) throw badRequest('a sliced [source] is valid in Elasticsearch but not supported by the emulator, which has one shard');
  if (dest.version_type !== undefined && dest.version_type !== 'internal') throw badRequest(`[dest.version_type] [${String(dest.version_type)}] is valid in Elasticsearch but not supported by the emulator`);
  const indices = Array.isArray(source.index) ? source.index.map(String).join(',') : source.index;
  if (typeof indices !== 'string' || indices === '') throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: use _all if you really want to copy from all existing indexes;');
  const opType = dest.op_type ?? 'index';
  if (opType !== 'index' && opType !== 'create') throw badRequest(`opType must be 'create' or 'index', found: [${String(opType)}]`);
  return { sources: indices, query: source.query, sourceFilter: source._source, batchSize: Number(source.size ?? 1000), dest: dest.index, opType, pipeline: dest.pipeline as string | undefined };
}

/** `_reindex`: each matching document of the source written under its id into the destination. */
export function reindex(cluster: Cluster, body: Json, query: Record<string, string | undefined>): { body: Json; status: number; written: Index[] } {
  const started = performance.now();
  checkRequest('reindex', body, query);
  const spec = reindexSpec(body);
  const sources = readable(cluster.resolve(spec.sources));
  if (sources.some((index) => index.name === spec.dest || index.dataStream === spec.dest || index.aliases.has(spec.dest))) throw badRequest(`reindex cannot write into an index its reading from [${spec.dest}]`);
  const maxDocs = body.max_docs ?? query.max_docs;
  const matches = matchingDocs(sources, { ...(spec.query === undefined ? {} : { query: spec.query }), ...(maxDocs === undefined ? {} : { max_docs: maxDocs }) }, {} as SearchParams, cluster.now());
  const proceed = (body.conflicts ?? query.conflicts) === 'proceed';
  const counts: Counts = { total: 0, updated: 0, created: 0, versionConflicts: 0, failures: [] };
  const written = new Set<Index>();
  for (const { index, id } of matches) {
    const doc = index.docs.get(id);
    if (doc === undefined) continue;
    counts.total += 1;
    const source = (spec.sourceFilter === undefined ? sourceOf(doc) : filterSource(sourceOf(doc), spec.sourceFilter)) ?? {};
    const target = cluster.writeTarget(spec.dest, spec.opType);
    const existing = target.docs.get(id);
    if (spec.opType === 'create' && existing !== undefined) {
      counts.versionConflicts += 1;
      if (proceed) continue;
      counts.failures.push(versionConflict(target.name, id, existing.version));
      break;
    }
    cluster.ingest(target, source, id, spec.pipeline);
    const result = cluster.indexDoc(target, id, source, spec.opType);
    written.add(target);
    if (result.result === 'created') counts.created += 1;
    else counts.updated += 1;
  }
  return { body: answer(started, counts, spec.batchSize), status: counts.failures.length > 0 ? 409 : 200, written: [...written] };
}

/** `_update_by_query`: each matching document written again in place, through `pipeline` if one is named. */
export function updateByQuery(cluster: Cluster, indices: Index[], body: Json, query: Record<string, string | undefined>): { body: Json; written: Index[] } {
  const started = performance.now();
  checkRequest('update_by_query', body, query);
  const { conflicts: _conflicts, ...search } = body;
  const matches = matchingDocs(indices, search, query as SearchParams & { max_docs?: string }, cluster.now());
  const counts: Counts = { total: 0, updated: 0, created: 0, versionConflicts: 0, failures: [] };
  const written = new Set<Index>();
  for (const { index, id } of matches) {
    const doc = index.docs.get(id);
    if (doc === undefined) continue;
    const source = sourceOf(doc);
    cluster.ingest(index, source, id, query.pipeline);
    cluster.indexDoc(index, id, source, 'index');
    written.add(index);
    counts.total += 1;
    counts.updated += 1;
  }
  return { body: answer(started, counts, Number(query.scroll_size ?? 1000)), written: [...written] };
}
