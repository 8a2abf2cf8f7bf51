import { isJsonObject, setOwn } from '../../shared/json-object.js';
import { EsError } from './errors.js';
import type { Json } from './store.js';

/**
 * Ingest pipelines, as far as an index-time stamp needs them: the `set` processor (a value, a Mustache template
 * of the document's fields and `_ingest.timestamp`, or `copy_from`), run on index and bulk writes by the request's
 * `pipeline` (else the index's `index.default_pipeline`), then the index's `index.final_pipeline`, as
 * Elasticsearch's IngestService does. Any other processor, a condition (`if`) or an `on_failure` handler is
 * refused when the pipeline is stored: running it as nothing would index what Elasticsearch would not.
 */

export interface Pipeline {
  /** The body as stored, answered by GET. */
  readonly body: Json;
  readonly processors: readonly SetProcessor[];
  /** Documents run through it since the start, as node stats and `_info/ingest` count them (the time estimated from one run in 16). */
  readonly stats: { count: number; failed: number; timeMs: number };
}

interface SetProcessor {
  readonly tag: string | undefined;
  readonly description: string | undefined;
  readonly field: Template;
  readonly value: ValueSource | undefined;
  readonly copyFrom: string | undefined;
  readonly override: boolean;
  readonly ignoreEmptyValue: boolean;
  readonly ignoreFailure: boolean;
}

/** What a processor runs against: the document's source and the ingest metadata. */
export interface IngestContext {
  readonly index: string;
  readonly id: string | undefined;
  /** `_ingest.timestamp`, when the pipeline started, on the emulator's clock. */
  readonly timestamp: string;
}

type Template = (source: Json, context: IngestContext) => string;
type ValueSource = (source: Json, context: IngestContext) => unknown;

/** Metadata a `set` could change in Elasticsearch (the target index, the id …): the emulator writes none of them. */
const METADATA = /^_(index|id|routing|version|version_type|if_seq_no|if_primary_term|dynamic_templates|ingest)(\.|$)/;

function parseError(reason: string, processor?: string, property?: string): EsError {
  return new EsError(400, 'parse_exception', reason, { ...(property === undefined ? {} : { property_name: property }), ...(processor === undefined ? {} : { processor_type: processor }) });
}

/** Checks a pipeline body as PUT _ingest/pipeline does, and compiles its processors. */
export function compilePipeline(id: string, body: Json): Pipeline {
  const { description, version, _meta, deprecated, processors, on_failure, ...rest } = body;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw parseError(`pipeline [${id}] doesn't support one or more provided configuration parameters [${unknown.join(', ')}]`);
  if (description !== undefined && typeof description !== 'string') throw parseError('[description] property isn\'t a string');
  if (version !== undefined && !Number.isInteger(version)) throw parseError('[version] property isn\'t an integer');
  if (_meta !== undefined && !isJsonObject(_meta)) throw parseError('[_meta] property isn\'t a map');
  if (deprecated !== undefined && typeof deprecated !== 'boolean') throw parseError('[deprecated] property isn\'t a boolean');
  if (processors === undefined) throw parseError('[processors] required property is missing', undefined, 'processors');
  if (!Array.isArray(processors)) throw parseError('[processors] property isn\'t a list');
  if (Array.isArray(on_failure) ? on_failure.length > 0 : on_failure !== undefined) throw unsupported('a pipeline\'s [on_failure] handlers');
  return { body, processors: processors.map((entry: unknown) => compileProcessor(entry)), stats: { count: 0, failed: 0, timeMs: 0 } };
}

function unsupported(what: string): EsError {
  return new EsError(400, 'illegal_argument_exception', `${what} ${what.endsWith('s') ? 'are' : 'is'} valid in Elasticsearch but not supported by the emulator, which runs only the [set] processor`);
}

function compileProcessor(entry: unknown): SetProcessor {
  if (!isJsonObject(entry) || Object.keys(entry).length !== 1) throw parseError('processor definition must be an object with one processor type as its key');
  const [[type, config]] = Object.entries(entry) as [[string, unknown]];
  if (type !== 'set') throw unsupported(`the [${type}] processor`);
  if (!isJsonObject(config)) throw parseError('[set] processor config must be a map', 'set');
  const { field, value, copy_from: copyFrom, override, ignore_empty_value: ignoreEmptyValue, ignore_failure: ignoreFailure, tag, description, media_type: mediaType, if: condition, on_failure: onFailure, ...rest } = config as Json;
  if (condition !== undefined) throw unsupported('a processor\'s [if] condition');
  if (onFailure !== undefined) throw unsupported('a processor\'s [on_failure] handlers');
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw parseError(`processor [set] doesn't support one or more provided configuration parameters [${unknown.join(', ')}]`, 'set');
  if (field === undefined) throw parseError('[field] required property is missing', 'set', 'field');
  if (typeof field !== 'string') throw parseError('[field] property isn\'t a string', 'set', 'field');
  const path = field.startsWith('_source.') ? field.slice('_source.'.length) : field;
  if (METADATA.test(path)) throw unsupported(`a [set] of the metadata field [${path}]`);
  if (copyFrom !== undefined && value !== undefined) throw parseError('[copy_from] cannot set both `copy_from` and `value` in the same processor', 'set', 'copy_from');
  if (copyFrom === undefined && value === undefined) throw parseError('[value] required property is missing', 'set', 'value');
  if (copyFrom !== undefined && typeof copyFrom !== 'string') throw parseError('[copy_from] property isn\'t a string', 'set', 'copy_from');
  for (const [name, flag] of [['override', override], ['ignore_empty_value', ignoreEmptyValue], ['ignore_failure', ignoreFailure]] as const) {
    if (flag !== undefined && typeof flag !== 'boolean') throw parseError(`[${name}] property isn't a boolean`, 'set', name);
  }
  if (tag !== undefined && typeof tag !== 'string') throw parseError('[tag] property isn\'t a string', 'set', 'tag');
  if (description !== undefined && typeof description !== 'string') throw parseError('[description] property isn\'t a string', 'set', 'description');
  if (mediaType !== undefined && mediaType !== 'application/json' && mediaType !== 'text/plain' && mediaType !== 'application/x-www-form-urlencoded') throw parseError(`property does not contain a supported media type [${String(mediaType)}]`, 'set', 'media_type');
  return {
    tag: tag as string | undefined,
    description: description as string | undefined,
    field: compileTemplate(path),
    value: value === undefined ? undefined : compileValue(value),
    copyFrom: copyFrom as string | undefined,
    override: override !== false,
    ignoreEmptyValue: ignoreEmptyValue === true,
    ignoreFailure: ignoreFailure === true,
  };
}

/** `{{path}}` and `{{{path}}}` name a field of the document or `_ingest.timestamp`, `_index`, `_id`; a missing one renders as nothing. */
const MUSTACHE = /\{\{\{\s*([^{}]+?)\s*\}\}\}|\{\{\s*([^{}#^/!>&]+?)\s*\}\}/g;

function compileTemplate(text: string): Template {
  if (!text.includes('{{')) return () => text;
  // A template that is one tag (`{{{_ingest.timestamp}}}`, the common case) is a lookup.
  const whole = /^\{\{\{\s*([^{}]+?)\s*\}\}\}$|^\{\{\s*([^{}#^/!>&]+?)\s*\}\}$/.exec(text);
  if (whole !== null) {
    const path = (whole[1] ?? whole[2]) as string;
    return (source, context) => rendered(lookup(source, context, path));
  }
  return (source, context) => text.replace(MUSTACHE, (_all, triple: string | undefined, double: string | undefined) => rendered(lookup(source, context, (triple ?? double) as string)));
}

function rendered(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** A value's strings are templates wherever they hold one, in maps and lists too (Elasticsearch's ValueSource). */
function compileValue(value: unknown): ValueSource {
  if (typeof value === 'string') return compileTemplate(value);
  if (Array.isArray(value)) {
    const items = value.map(compileValue);
    return (source, context) => items.map((item) => item(source, context));
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).map(([key, item]) => [compileTemplate(key), compileValue(item)] as const);
    return (source, context) => Object.fromEntries(entries.map(([key, item]) => [key(source, context), item(source, context)]));
  }
  return () => value;
}

/*
 * Paths as IngestDocument walks them (its source, read 2026-12-05): dotted, through objects and, by a numeric element,
 * lists; with its reasons when the walk fails.
 */

function typeName(value: unknown): string {
  if (typeof value === 'string') return 'java.lang.String';
  if (typeof value === 'boolean') return 'java.lang.Boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'java.lang.Integer' : 'java.lang.Double';
  return Array.isArray(value) ? 'java.util.ArrayList' : 'java.util.HashMap';
}

function walkError(reason: string): EsError {
  return new EsError(400, 'illegal_argument_exception', reason);
}

/** A list's element named by a path element: a number within the list, or the walk fails. */
function listIndex(list: unknown[], element: string, path: string): number {
  const index = /^[+-]?\d+$/.test(element) ? Number(element) : Number.NaN;
  if (Number.isNaN(index)) throw walkError(`[${element}] is not an integer, cannot be used as an index as part of path [${path}]`);
  if (index < 0 || index >= list.length) throw walkError(`[${index}] is out of bounds for array with length [${list.length}] as part of path [${path}]`);
  return index;
}

/** One step of a read (IngestDocument.resolve); `missing` when a map has no such key. */
function resolveStep(node: unknown, element: string, path: string): unknown {
  if (node === null || node === undefined) throw walkError(`cannot resolve [${element}] from null as part of path [${path}]`);
  if (Array.isArray(node)) return node[listIndex(node, element, path)];
  if (isJsonObject(node)) {
    if (!Object.hasOwn(node, element)) throw walkError(`field [${element}] not present as part of path [${path}]`);
    return node[element];
  }
  throw walkError(`cannot resolve [${element}] from object of type [${typeName(node)}] as part of path [${path}]`);
}

/** The value at a path (getFieldValue); a path that does not resolve fails with Elasticsearch's reason. */
function fieldValue(source: Json, context: IngestContext, path: string): unknown {
  if (path === '_ingest.timestamp') return context.timestamp;
  if (path === '_index') return context.index;
  if (path === '_id') return context.id;
  let node: unknown = source;
  for (const element of (path.startsWith('_source.') ? path.slice('_source.'.length) : path).split('.')) node = resolveStep(node, element, path);
  return node;
}

/** The value at a path, or undefined where it does not resolve (a template's reference, the override check). */
function lookup(source: Json, context: IngestContext, path: string): unknown {
  try {
    return fieldValue(source, context, path);
  } catch (error) {
    if (error instanceof EsError) return undefined;
    throw error;
  }
}

/**
 * Sets a dotted path as IngestDocument.setFieldValue does: a missing key of an object becomes a new object; a null, a
 * scalar or a list element out of range on the way fails.
 */
function setPath(source: Json, path: string, value: unknown): void {
  const parts = path.split('.');
  let node: unknown = source;
  for (const element of parts.slice(0, -1)) {
    if (isJsonObject(node) && !Object.hasOwn(node, element)) {
      const child = {};
      setOwn(node, element, child);
      node = child;
    } else node = resolveStep(node, element, path);
  }
  const leaf = parts.at(-1) as string;
  if (isJsonObject(node)) setOwn(node, leaf, value);
  else if (Array.isArray(node)) node[listIndex(node, leaf, path)] = value;
  else throw walkError(node === null || node === undefined ? `cannot set [${leaf}] with null parent as part of path [${path}]` : `cannot set [${leaf}] with parent object of type [${typeName(node)}] as part of path [${path}]`);
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/** The fields a pipeline set, with their values, in order: replayed on the source as received, they give the source as changed. */
export type Patch = ReadonlyArray<readonly [path: string, value: unknown]>;

/** A value that nothing else holds: objects and lists copied, as whoever receives them is free to change them. */
function detached(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? structuredClone(value) : value;
}

/** Replays a patch on a source parsed again. */
export function applyPatch(source: Json, patch: Patch): Json {
  for (const [path, value] of patch) setPath(source, path, detached(value));
  return source;
}

function runSet(processor: SetProcessor, source: Json, context: IngestContext, applied: Array<readonly [string, unknown]>): void {
  const field = processor.field(source, context);
  // Without override, a field that holds a value (an empty string is one) is kept.
  if (!processor.override) {
    const current = lookup(source, context, field);
    if (current !== undefined && current !== null) return;
  }
  let value: unknown;
  if (processor.copyFrom !== undefined) {
    // getFieldValue(copy_from, ignoreMissing = ignore_empty_value): a path that does not resolve fails, or is nothing.
    value = processor.ignoreEmptyValue ? lookup(source, context, processor.copyFrom) : fieldValue(source, context, processor.copyFrom);
    // The copy is the document's own; the patch keeps another, as later processors may change this one.
    value = detached(value);
  } else value = (processor.value as ValueSource)(source, context);
  if (processor.ignoreEmptyValue && isEmpty(value)) return;
  setPath(source, field, value);
  applied.push([field, detached(value)]);
}

/** Pipeline runs timed: one in this many (see runPipeline). */
const TIME_SAMPLE = 16;

/**
 * Runs the pipeline's processors on the source, in order, adding what each set to `applied`; a failure fails the
 * document unless `ignore_failure`. Counted in the pipeline's statistics.
 */
export function runPipeline(pipeline: Pipeline, source: Json, context: IngestContext, applied: Array<readonly [string, unknown]>): void {
  const stats = pipeline.stats;
  stats.count += 1;
  // One run in TIME_SAMPLE is timed and counts for all of them: two clock reads on every run cost the bulk path
  // 0.14 µs a document (a pipeline of one `set`, in process, 0.44 against 0.30), half a percent of a document's cost.
  const timed = stats.count % TIME_SAMPLE === 1;
  const started = timed ? performance.now() : 0;
  try {
    runProcessors(pipeline, source, context, applied);
  } catch (error) {
    stats.failed += 1;
    throw error;
  } finally {
    if (timed) stats.timeMs += (performance.now() - started) * TIME_SAMPLE;
  }
}


/** A pipeline's processors on one document, counted nowhere (simulations run them so). */
export function runProcessors(pipeline: Pipeline, source: Json, context: IngestContext, applied: Array<readonly [string, unknown]>): void {
  for (const processor of pipeline.processors) {
    try {
      runSet(processor, source, context, applied);
    } catch (error) {
      if (!processor.ignoreFailure) throw error;
    }
  }
}

/** Ingest statistics as node stats and `_info/ingest` give them: the total and each pipeline's. */
export function ingestStats(pipelines: ReadonlyMap<string, Pipeline>): Json {
  const figures = (stats: Pipeline['stats']): Json => ({ count: stats.count, time_in_millis: Math.round(stats.timeMs), current: 0, failed: stats.failed });
  const total = { count: 0, failed: 0, timeMs: 0 };
  for (const { stats } of pipelines.values()) {
    total.count += stats.count;
    total.failed += stats.failed;
    total.timeMs += stats.timeMs;
  }
  return { total: figures(total), pipelines: Object.fromEntries([...pipelines].map(([id, pipeline]) => [id, { ...figures(pipeline.stats), processors: pipeline.processors.map(() => ({ set: { type: 'set', stats: figures(pipeline.stats) } })) }])) };
}

/** A document of a simulate request: its metadata (`_index` and `_id` default to their own names) and its source. */
interface SimulatedDoc {
  readonly index: string;
  readonly id: string;
  readonly source: Json;
}

/** The `docs` of a simulate request, read as SimulatePipelineRequest reads them. */
function simulatedDocs(docs: unknown): SimulatedDoc[] {
  if (docs === undefined) throw parseError('[docs] required property is missing', undefined, 'docs');
  if (!Array.isArray(docs)) throw parseError('[docs] property isn\'t a list', undefined, 'docs');
  return docs.map((doc: unknown) => {
    if (!isJsonObject(doc)) throw new EsError(400, 'illegal_argument_exception', 'malformed [docs] section, should include an inner object');
    const source = doc._source;
    if (source === undefined) throw parseError('[_source] required property is missing', undefined, '_source');
    if (!isJsonObject(source)) throw parseError('[_source] property isn\'t a map', undefined, '_source');
    const name = (key: string): string => (typeof doc[key] === 'string' || typeof doc[key] === 'number' ? String(doc[key]) : key);
    return { index: name('_index'), id: name('_id'), source };
  });
}

/** A document as a simulate answer shows it (WriteableIngestDocument): `_version` is Versions.MATCH_ANY, as a string. */
function shownDoc(doc: SimulatedDoc, source: Json, ingest: Json): Json {
  return { _index: doc.index, _version: '-3', _id: doc.id, _source: structuredClone(source), _ingest: ingest };
}

function errorOf(error: unknown): Json {
  if (error instanceof EsError) return error.toError();
  throw error;
}

/**
 * `_ingest/pipeline/[<id>/]_simulate`: each document through the pipeline, as it would be indexed, or its error.
 * `verbose` shows the document after each processor (TrackingResultProcessor): `success`, `error` (and no more
 * processors), or `error_ignored` for a processor with `ignore_failure`.
 */
export function simulatePipeline(id: string, pipeline: Pipeline, docs: unknown, timestamp: string, verbose: boolean): Json {
  return {
    docs: simulatedDocs(docs).map((doc) => {
      const source = structuredClone(doc.source);
      const context: IngestContext = { index: doc.index, id: doc.id, timestamp };
      if (!verbose) {
        try {
          runProcessors(pipeline, source, context, []);
          return { doc: shownDoc(doc, source, { timestamp }) };
        } catch (error) {
          return { error: errorOf(error) };
        }
      }
      const results: Json[] = [];
      for (const processor of pipeline.processors) {
        const named = { processor_type: 'set', ...(processor.tag === undefined ? {} : { tag: processor.tag }), ...(processor.description === undefined ? {} : { description: processor.description }) };
        try {
          runSet(processor, source, context, []);
          results.push({ ...named, status: 'success', doc: shownDoc(doc, source, { pipeline: id, timestamp }) });
        } catch (error) {
          if (!processor.ignoreFailure) {
            results.push({ ...named, status: 'error', error: errorOf(error) });
            break;
          }
          results.push({ ...named, status: 'error_ignored', ignored_error: { error: errorOf(error) }, doc: shownDoc(doc, source, { pipeline: id, timestamp }) });
        }
      }
      return { processor_results: results };
    }),
  };
}

/**
 * `_ingest/[<index>/]_simulate` (the simulate ingest API): each document through the pipelines its index would run
 * (the request's `pipeline`, else the index's default one, then its final one), taken from `pipeline_substitutions`
 * first; nothing is indexed and no statistic counts it. `pipelinesOf` gives an index's pipelines, from its settings
 * or, for an index not made yet, from the template that would make it.
 */
export function simulateIngest(body: Json, defaultIndex: string | undefined, requested: string | undefined, pipelinesOf: (index: string) => { first?: string; final?: string }, stored: ReadonlyMap<string, Pipeline>, timestamp: string): Json {
  const { docs, pipeline_substitutions: substitutions, ...rest } = body;
  for (const [key, value] of Object.entries(rest)) {
    if (['component_template_substitutions', 'index_template_substitutions', 'mapping_addition'].includes(key) && value !== undefined) throw unsupported(`[${key}] of the simulate ingest API`);
    if (!['component_template_substitutions', 'index_template_substitutions', 'mapping_addition'].includes(key)) throw parseError(`[simulate_ingest_request] unknown field [${key}]`);
  }
  if (substitutions !== undefined && !isJsonObject(substitutions)) throw parseError('[pipeline_substitutions] property isn\'t a map');
  const substituted = new Map(Object.entries(substitutions ?? {}).map(([id, pipeline]) => [id, compilePipeline(id, isJsonObject(pipeline) ? pipeline : {})]));
  const rawDocs = Array.isArray(docs) ? docs : [];
  return {
    docs: simulatedDocs(docs).map((doc, k) => {
      const given = rawDocs[k] as Json;
      const index = typeof given._index === 'string' ? given._index : defaultIndex;
      if (index === undefined) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: index is missing;');
      const { first, final } = pipelinesOf(index);
      const source = structuredClone(doc.source);
      const executed: string[] = [];
      const shown = (): Json => ({ _id: doc.id, _index: index, _version: -3, _source: source, executed_pipelines: executed });
      try {
        for (const id of [requested ?? first, final]) {
          if (id === undefined || id === '_none') continue;
          const pipeline = substituted.get(id) ?? stored.get(id);
          if (pipeline === undefined) throw new EsError(400, 'illegal_argument_exception', `pipeline with id [${id}] does not exist`);
          executed.push(id);
          runProcessors(pipeline, source, { index, id: doc.id, timestamp }, []);
        }
        return { doc: shown() };
      } catch (error) {
        return { doc: { ...shown(), error: errorOf(error) } };
      }
    }),
  };
}
