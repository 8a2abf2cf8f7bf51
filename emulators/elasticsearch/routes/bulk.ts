import { isAscii, isUtf8 } from 'node:buffer';
import type { EmulatedNode } from '../emulated-node.js';
import { badRequest, EsError } from '../errors.js';
import { ok, type Reply, type Request, truthy } from '../router.js';
import { Doc, type Index, type Json, sourceOf, type WriteResult } from '../store.js';
import { sourceSpecOf, type SearchParams } from '../search.js';
import { filterSource } from '../source-filter.js';
import { MAX_JSON_DEPTH, nestsTooDeep } from '../strict.js';
import { updateConditions, writeConditions } from '../write-conditions.js';

/** The actions of a bulk request, and the parameters an action line may carry (BulkRequestParser). */
const BULK_ACTIONS = new Set(['index', 'create', 'update', 'delete']);
const BULK_METADATA = new Set(['_index', '_id', 'routing', 'op_type', 'version', 'version_type', 'if_seq_no', 'if_primary_term', 'pipeline', 'require_alias', 'require_data_stream', 'dynamic_templates', 'retry_on_conflict', '_source', 'list_executed_pipelines']);

/** A bulk action line: its action and its metadata (`_index`, `_id`, `op_type` …). */
interface BulkAction {
  kind: string;
  metadata: Json;
}

/** What a bulk request's items came to before their answers are written: a written document stands for its item. */
interface BulkRun {
  items: Array<Json | Doc>;
  kinds: string[];
  indices: Array<Index | undefined>;
  touched: Set<Index>;
  errors: boolean;
}

/** A bulk action line, checked as Elasticsearch's BulkRequestParser does: a malformed one fails the whole request. */
function bulkActionOf(line: string, lineNumber: number): BulkAction {
  let action: unknown;
  try {
    action = JSON.parse(line);
  } catch {
    throw badRequest(`Malformed action/metadata line [${lineNumber}], expected START_OBJECT or END_OBJECT but found [VALUE_STRING]`);
  }
  if (typeof action !== 'object' || action === null || Array.isArray(action)) throw badRequest(`Malformed action/metadata line [${lineNumber}], expected START_OBJECT but found [${Array.isArray(action) ? 'START_ARRAY' : 'VALUE'}]`);
  // One pass over the keys: the first is the action, there must be one.
  let kind = '';
  let meta: unknown;
  let keys = 0;
  for (const key in action) {
    if (keys === 0) [kind, meta] = [key, (action as Json)[key]];
    keys += 1;
  }
  if (keys === 0) throw badRequest(`Malformed action/metadata line [${lineNumber}], expected FIELD_NAME but found [END_OBJECT]`);
  if (keys > 1) throw badRequest(`Malformed action/metadata line [${lineNumber}], expected END_OBJECT but found [FIELD_NAME]`);
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw badRequest(`Malformed action/metadata line [${lineNumber}], expected START_OBJECT but found [${Array.isArray(meta) ? 'START_ARRAY' : 'VALUE_STRING'}]`);
  if (!BULK_ACTIONS.has(kind)) throw badRequest(`Malformed action/metadata line [${lineNumber}], expected field [create], [delete], [index] or [update] but found [${kind}]`);
  for (const key in meta) if (!BULK_METADATA.has(key)) throw badRequest(`Action/metadata line [${lineNumber}] contains an unknown parameter [${key}]`);
  return { kind, metadata: meta as Json };
}

/** A bulk line that is not valid UTF-8 is kept as the marker below, so that only its own item fails. */
const INVALID_UTF8 = '\u0000invalid-utf8';

/**
 * The lines of an NDJSON bulk body, without the final empty one, as views of the chunks it arrived in: only a
 * line split between two chunks is copied. Joining the body first copied every request into fresh memory:
 * about 3 µs per Sluice document in a profile of the emulator. Yielded one by one, so that a line's view is
 * garbage once its item is done, not held (and promoted by the collector) until the whole request is.
 */
export function* bulkLines(chunks: readonly Buffer[]): Generator<Buffer, void, undefined> {
  let pieces: Buffer[] = [];
  for (const chunk of chunks) {
    let start = 0;
    for (let end = chunk.indexOf(0x0a); end !== -1; end = chunk.indexOf(0x0a, start)) {
      const tail = chunk.subarray(start, end);
      yield pieces.length === 0 ? tail : Buffer.concat([...pieces, tail]);
      pieces = [];
      start = end + 1;
    }
    if (start < chunk.length) pieces.push(chunk.subarray(start));
  }
  if (pieces.length > 0) yield Buffer.concat(pieces);
}

/**
 * One bulk line as text. Lines are decoded one by one: a kilobyte string per line costs a quarter of what
 * decoding a megabyte body into one string and splitting it does, an ASCII line becomes a one-byte string
 * (one accented city name does not widen the whole body), and invalid UTF-8 fails only its own item.
 */
function lineText(line: Buffer): string {
  return isAscii(line) ? line.toString('latin1') : isUtf8(line) ? line.toString('utf8') : INVALID_UTF8;
}

/** A bulk document line, refused for its item alone when it is not UTF-8, nests too deep or is not JSON. */
function parseBulkSource(line: string): Json {
  if (line === INVALID_UTF8) throw new EsError(400, 'document_parsing_exception', '[1:1] failed to parse: Invalid UTF-8 start byte', {}, { type: 'json_parse_exception', reason: 'Invalid UTF-8 start byte' });
  if (nestsTooDeep(line)) {
    throw new EsError(400, 'document_parsing_exception', `[1:1] failed to parse: Document nesting depth exceeds the maximum allowed (${MAX_JSON_DEPTH})`);
  }
  try {
    return JSON.parse(line) as Json;
  } catch (error) {
    throw new EsError(400, 'document_parsing_exception', `[1:1] failed to parse: ${(error as Error).message}`);
  }
}

/** A bulk answer's item under its action's name; a literal per action, where a computed key costs a runtime call per item. */
function bulkItem(action: string, result: unknown): Json {
  switch (action) {
    case 'create':
      return { create: result };
    case 'index':
      return { index: result };
    case 'update':
      return { update: result };
    default:
      return { delete: result };
  }
}

export async function bulk(node: EmulatedNode, request: Request, defaultIndex: string | undefined): Promise<Reply> {
  const started = performance.now();
  if (node.faults.bulkRejections > 0) {
    node.faults.bulkRejections -= 1;
    throw new EsError(429, 'es_rejected_execution_exception', 'rejected execution of coordinating operation [coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, coordinating_operation_bytes=0, max_coordinating_and_primary_bytes=0]');
  }
  if (request.chunks.at(-1)?.at(-1) !== 0x0a) throw badRequest('The bulk request must be terminated by a newline [\\n]');
  const run = runBulk(node, request, defaultIndex);
  await node.applyRefresh(request.query.refresh === '' ? 'true' : request.query.refresh, run.touched);
  node.stats.indexTimeMs += performance.now() - started;
  const answers = run.items.map((item, k) => (item instanceof Doc ? bulkItem(run.kinds[k] as string, node.cluster.writeResult(run.indices[k] as Index, item)) : item));
  return ok({ errors: run.errors, took: Math.round(performance.now() - started), items: answers });
}

/**
 * A bulk request's items, run in order. The loop is kept apart from the asynchronous request and from the work
 * of one item: V8's optimising compiler compiled a single method holding all three four times for 50 000 Sluice
 * documents (on-stack while in the loop, then on each path first taken after it), 118 ms of its time; apart, each
 * part is compiled once or twice. (The CPU per document stayed within the spread: a method this long was the
 * reason to split it.)
 */
function runBulk(node: EmulatedNode, request: Request, defaultIndex: string | undefined): BulkRun {
  const lines = bulkLines(request.chunks);
  const run: BulkRun = { items: [], kinds: [], indices: [], touched: new Set(), errors: false };
  // The number of the last line taken, for errors that name it.
  let lineNumber = 0;
  // Shippers that let Elasticsearch choose the ids send the same action line for every document: parsed once.
  let previousLine = '';
  let previousAction: BulkAction | undefined;
  for (let next = lines.next(); next.done !== true; next = lines.next()) {
    lineNumber += 1;
    const line = lineText(next.value).trim();
    if (line === '') continue;
    const action = line === previousLine && previousAction !== undefined ? previousAction : bulkActionOf(line, lineNumber);
    previousLine = line;
    previousAction = action;
    let sourceLine: Buffer | undefined;
    if (action.kind !== 'delete') {
      const source = lines.next();
      if (source.done === true) throw badRequest(`The bulk request must be terminated by a newline [\\n]`);
      lineNumber += 1;
      sourceLine = source.value;
    }
    runBulkItem(node, run, request, action, sourceLine, defaultIndex);
  }
  return run;
}

/** One item of a bulk request: its document written, or its answer (an error is the item's alone). */
function runBulkItem(node: EmulatedNode, run: BulkRun, request: Request, action: BulkAction, sourceLine: Buffer | undefined, defaultIndex: string | undefined): void {
  const { kind, metadata } = action;
  const target = (metadata._index as string | undefined) ?? defaultIndex;
  const id = metadata._id === undefined || metadata._id === null ? undefined : String(metadata._id);
  // The item is reported under the action Elasticsearch ran: an index with op_type create is a create.
  const reported = kind === 'index' && metadata.op_type === 'create' ? 'create' : kind;
  try {
    if (target === undefined) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: index is missing;');
    if (id === '') throw badRequest('if _id is specified it must not be empty');
    // require_alias: the request's flag, unless the item sets its own.
    const requireAlias = metadata.require_alias === undefined ? truthy(request.query.require_alias) : metadata.require_alias === true;
    if (requireAlias && kind !== 'delete' && !node.cluster.isAlias(target)) {
      throw new EsError(404, 'index_not_found_exception', `no such index [${target}] and [require_alias] request flag is [true] and [${target}] is not an alias`, { 'resource.type': 'index_expression', 'resource.id': target, index_uuid: '_na_', index: target });
    }
    if (node.faults.bulkItemRejectRatio > 0) {
      const seen = node.faults.itemsSeen++;
      if (Math.floor((seen + 1) * node.faults.bulkItemRejectRatio) > Math.floor(seen * node.faults.bulkItemRejectRatio)) {
        throw new EsError(429, 'es_rejected_execution_exception', 'rejected execution of primary operation [emulator fault injection]');
      }
    }
    const source = sourceLine === undefined ? undefined : parseBulkSource(lineText(sourceLine));
    if (kind === 'index' || kind === 'create') {
      // An index action without an id can only create: data streams take it, as in Elasticsearch.
      const opType = kind === 'create' || metadata.op_type === 'create' || (id === undefined && metadata.op_type === undefined) ? 'create' : 'index';
      const index = node.cluster.writeTarget(target, opType);
      // What pipelines set is kept beside the bytes received, and replayed when the source is read.
      const patch = node.cluster.ingest(index, source as Json, id, (metadata.pipeline as string | undefined) ?? request.query.pipeline);
      // The document stands for its item until the answer is written (its result follows from it).
      run.items.push(node.cluster.writeDoc(index, id, source as Json, opType, { conditions: writeConditions(metadata, opType), raw: sourceLine, patch }));
      run.kinds.push(reported);
      run.indices.push(index);
      run.touched.add(index);
      node.stats.indexTotal += 1;
      return;
    }
    let result: WriteResult & { get?: Json };
    if (kind === 'delete') {
      const index = node.cluster.writeTarget(target, 'delete');
      if (id === undefined) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: id is missing;');
      result = node.cluster.deleteDoc(index, id, writeConditions(metadata, 'delete'));
      run.touched.add(index);
    } else {
      if (id === undefined) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: id is missing;');
      const index = node.cluster.writeTarget(target, 'update');
      const { _source: bodySource, ...update } = (source ?? {}) as Json;
      result = node.cluster.updateDoc(index, id, update as { doc?: Json; doc_as_upsert?: boolean; upsert?: Json }, updateConditions(metadata, update));
      run.touched.add(index);
      // BulkRequestParser sets the action line's `_source`, else the URL's, over what the update body asked for.
      const got = updatedGet(index, id, metadata._source ?? sourceSpecOf({}, request.query as SearchParams) ?? bodySource);
      if (got !== undefined) result = { ...result, get: got };
    }
    // A delete of a missing document answers not_found (404) without being an error of the request.
    if (result.status >= 400 && result.result !== 'not_found') run.errors = true;
    run.items.push(bulkItem(reported, result));
  } catch (error) {
    if (!(error instanceof EsError)) throw error;
    run.errors = true;
    run.items.push(bulkItem(reported, { _index: target, _id: id ?? error.generatedId ?? null, status: error.status, error: { type: error.type, reason: error.reason, ...error.extra, ...(error.causedBy ? { caused_by: error.causedBy } : {}) } }));
  }
  run.kinds.push(reported);
  run.indices.push(undefined);
}

/** The document as an update left it, under the answer's `get`, when its source was asked for (UpdateHelper.extractGetResult). */
export function updatedGet(index: Index, id: string, source: unknown): Json | undefined {
  if (source === undefined || source === false) return undefined;
  const doc = index.docs.get(id);
  return doc === undefined ? undefined : { _seq_no: doc.seqNo, _primary_term: 1, found: true, _source: filterSource(sourceOf(doc), source) };
}
