import { checkReindexBody } from '../admin-parsers.js';
import type { EmulatedNode } from '../emulated-node.js';
import { EsError, indexNotFound } from '../errors.js';
import { parseMultiGet } from '../multi.js';
import { reindex, updateByQuery } from '../reindex.js';
import { ok, type Reply, type Request, type Route, truthy } from '../router.js';
import { matchingDocs, type SearchParams, sourceSpecOf, storedFieldDefs, storedFieldsOf, storedFieldValues } from '../search.js';
import { filterSource } from '../source-filter.js';
import { type Json, readable, sourceOf, type WriteResult } from '../store.js';
import { updateConditions, writeConditions } from '../write-conditions.js';
import { bulk, updatedGet } from './bulk.js';
import { withLookups } from './search.js';
import { asTask } from './tasks.js';

/** Documents and bulk. */
export function documentRoutes(route: Route, node: EmulatedNode): void {
  const c = node.cluster;
  route('POST', '/_bulk', (request) => bulk(node, request, undefined), { ndjson: true, bodyRequired: true });
  route(['POST', 'PUT'], '/{index}/_bulk', (request) => bulk(node, request, request.params.index), { ndjson: true, bodyRequired: true });
  const indexDoc = async (request: Request, opType: 'index' | 'create'): Promise<Reply> => {
    // A document without an id can only be new: Elasticsearch makes it a create, which data streams accept.
    const effective = (request.query.op_type as 'index' | 'create' | undefined) ?? (request.params.id === undefined ? 'create' : opType);
    const index = c.writeTarget(request.params.index as string, effective);
    c.ingest(index, request.json, request.params.id, request.query.pipeline);
    const conditions = writeConditions(request.query, effective);
    const result = c.indexDoc(index, request.params.id, request.json, effective, { conditions });
    node.stats.indexTotal += 1;
    await node.applyRefresh(request.query.refresh === '' ? 'true' : request.query.refresh, [index]);
    return ok(writeBody(result), result.status);
  };
  route(['PUT', 'POST'], '/{index}/_doc/{id}', (request) => indexDoc(request, 'index'), { bodyRequired: true });
  route('POST', '/{index}/_doc', (request) => indexDoc(request, 'index'), { bodyRequired: true });
  route(['PUT', 'POST'], '/{index}/_create/{id}', (request) => indexDoc(request, 'create'), { bodyRequired: true });
  route('GET', '/{index}/_doc/{id}', (request) => getDocument(node, request.params.index as string, request.params.id as string, sourceSpecOf({}, request.query), request.query.stored_fields, request.query.version));
  route(['GET', 'POST'], '/_mget', (request) => multiGet(node, request), { bodyRequired: true });
  route(['GET', 'POST'], '/{index}/_mget', (request) => multiGet(node, request), { bodyRequired: true });
  route('GET', '/{index}/_source/{id}', (request) => {
    const doc = readable(c.resolve(request.params.index))[0]?.docs.get(request.params.id as string);
    if (!doc) throw new EsError(404, 'resource_not_found_exception', `Document not found [${request.params.index}]/[${request.params.id}]`);
    return ok(sourceOf(doc));
  });
  route('DELETE', '/{index}/_doc/{id}', async (request) => {
    const [index] = c.resolve(request.params.index);
    if (!index) throw indexNotFound(request.params.index as string);
    const result = c.deleteDoc(index, request.params.id as string, writeConditions(request.query, 'delete'));
    await node.applyRefresh(request.query.refresh === '' ? 'true' : request.query.refresh, [index]);
    return ok(writeBody(result), result.status);
  });
  route('POST', '/{index}/_delete_by_query', (request) => asTask(node, request, 'indices:data/write/delete/byquery', `delete-by-query [${request.params.index}]`, () => deleteByQuery(node, request)));
  route('POST', '/_reindex', (request) => {
    checkReindexBody(request.json);
    return asTask(node, request, 'indices:data/write/reindex', 'reindex', async () => {
      const result = reindex(c, request.json, request.query);
      if (truthy(request.query.refresh)) await node.applyRefresh('true', result.written);
      return ok(result.body, result.status);
    });
  }, { bodyRequired: true });
  route('POST', '/{index}/_update_by_query', (request) => asTask(node, request, 'indices:data/write/update/byquery', `update-by-query [${request.params.index}]`, async () => {
    const indices = readable(c.resolve(request.params.index, { ignoreUnavailable: request.query.ignore_unavailable === 'true', allowNoIndices: request.query.allow_no_indices !== 'false' }));
    const result = updateByQuery(c, indices, request.json, request.query);
    if (truthy(request.query.refresh)) await node.applyRefresh('true', result.written);
    return ok(result.body);
  }));
  // No task is running when a rethrottle comes (each ran to its end before its id was given): it is not found.
  for (const action of ['_delete_by_query', '_update_by_query', '_reindex']) {
    route('POST', `/${action}/{task}/_rethrottle`, (request) => {
      const taskNode = (request.params.task as string).split(':')[0] as string;
      if (taskNode !== node.nodeId) {
        const cause = { type: 'no_such_node_exception', reason: `No such node [${taskNode}]`, node_id: taskNode };
        return ok({ nodes: {}, node_failures: [{ type: 'failed_node_exception', reason: `Failed node [${taskNode}]`, node_id: taskNode, caused_by: cause }] });
      }
      return ok({ nodes: {}, task_failures: [{ task_id: Number(request.params.task?.split(':')[1]), node_id: taskNode, status: 'NOT_FOUND', reason: { type: 'resource_not_found_exception', reason: `task [${request.params.task}] is missing` } }] });
    });
  }
  route('POST', '/{index}/_update/{id}', async (request) => {
    const index = c.writeTarget(request.params.index as string, 'update');
    const { _source: bodySource, ...update } = request.json;
    const result = c.updateDoc(index, request.params.id as string, update, updateConditions(request.query, update));
    await node.applyRefresh(request.query.refresh === '' ? 'true' : request.query.refresh, [index]);
    // Asked for (the body's `_source`, read after the URL's by RestUpdateAction), the document as the update left it comes back under `get`.
    const got = updatedGet(index, request.params.id as string, bodySource ?? sourceSpecOf({}, request.query));
    return ok({ ...writeBody(result), ...(got === undefined ? {} : { get: got }) }, result.status);
  }, { bodyRequired: true });
}

/**
 * One document by id, as `GET <index>/_doc/<id>` answers it: its `_source` filtered by `source` when given, and with
 * `stored_fields` the fields its mapping stores, the source then only when the list names it or `source` asks for it.
 */
function getDocument(node: EmulatedNode, target: string, id: string, source: unknown, storedFields?: string, version?: string): Reply {
  const [index] = readable(node.cluster.resolve(target));
  const doc = index?.docs.get(id);
  const name = index?.name ?? target;
  if (!doc) return { status: 404, body: { _index: name, _id: id, found: false } };
  // A read with a version wants that version, whatever its type (VersionType.isVersionConflictForReads).
  if (version !== undefined && Number(version) !== doc.version) {
    throw new EsError(409, 'version_conflict_engine_exception', `[${id}]: version conflict, current version [${doc.version}] is different than the one provided [${version}]`, { index_uuid: index?.uuid, shard: '0', index: name });
  }
  const stored = storedFieldsOf({}, { stored_fields: storedFields }, source);
  const filtered = stored.source === undefined ? undefined : filterSource(sourceOf(doc), stored.source);
  const fields = index === undefined ? undefined : storedFieldValues(doc, storedFieldDefs(stored.names, index.fields));
  return ok({ _index: name, _id: doc.id, _version: doc.version, _seq_no: doc.seqNo, _primary_term: 1, found: true, ...(filtered === undefined ? {} : { _source: filtered }), ...(fields === undefined ? {} : { fields }) });
}

/** `_mget`: each document as `GET _doc` gives it; a missing index is that item's error alone. */
function multiGet(node: EmulatedNode, request: Request): Reply {
  const fromQuery = sourceSpecOf({}, request.query);
  const docs = parseMultiGet(request.json, request.params.index).map((item) => {
    try {
      return getDocument(node, item.index as string, item.id as string, item.source ?? fromQuery, item.storedFields ?? request.query.stored_fields).body;
    } catch (error) {
      if (error instanceof EsError) return { _index: item.index, _id: item.id, error: error.toError() };
      throw error;
    }
  });
  return ok({ docs });
}

/** `_delete_by_query`, run at once: the matches of the refreshed view are deleted, as its scroll would find them. */
async function deleteByQuery(node: EmulatedNode, request: Request): Promise<Reply> {
  const started = performance.now();
  // A query is required, in the body or as `q` (DeleteByQueryRequest.validate): no request deletes everything by omission.
  if (request.json.query === undefined && request.query.q === undefined) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: query is missing;');
  const indices = readable(node.cluster.resolve(request.params.index, { ignoreUnavailable: request.query.ignore_unavailable === 'true', allowNoIndices: request.query.allow_no_indices !== 'false' }));
  const matches = matchingDocs(indices, withLookups(node, request.json), request.query as SearchParams, node.cluster.now());
  for (const { index, id } of matches) node.cluster.deleteDoc(index, id);
  if (truthy(request.query.refresh)) await node.applyRefresh('true', new Set(matches.map((match) => match.index)));
  const deleted = matches.length;
  return ok({
    took: Math.round(performance.now() - started), timed_out: false, total: deleted, deleted, batches: deleted > 0 ? 1 : 0, version_conflicts: 0, noops: 0,
    retries: { bulk: 0, search: 0 }, throttled_millis: 0, requests_per_second: -1, throttled_until_millis: 0, failures: [],
  });
}

function writeBody(result: WriteResult): Json {
  const { status: _status, ...body } = result;
  return body;
}
