import { isJsonObject, setOwn } from '../../shared/json-object.js';
import { parseTimeValue } from '../../shared/time-value.js';
import { randomUUID } from 'node:crypto';
import { checkComponentTemplateBody, checkIndexSettings, checkIndexTemplateBody } from './admin-parsers.js';
import { dateMathIndexName, formatDate } from './dates.js';
import { badRequest, EsError, indexNotFound, resourceNotFound } from './errors.js';
import { LegacyTemplates } from './legacy-templates.js';
import type { StoredScript } from './search-templates.js';
import { globToRegex, matchesPattern, patternsOverlap } from './glob.js';
import { applyPatch, runPipeline, type Patch, type Pipeline } from './ingest.js';
import type { DocFields } from './doc-fields.js';
import { AutoIds, DocTable } from './doc-table.js';
import { RangeColumn, type RangeBounds } from './range-column.js';
import { fieldIndex, indexDocument, mergeMappings, type FieldDef, type FieldMapping, type MappingLimits, type Mappings } from './mapping.js';
import { checkKeys, unknownField } from './strict.js';
import { checkedVersion, UNCONDITIONAL, type WriteConditions } from './write-conditions.js';

export type Json = Record<string, unknown>;

/** A stored document: its searchable values and its source. */
export class Doc {
  /**
   * The source is the UTF-8 JSON as received, parsed again when read (sourceOf). It is kept as a place in
   * bytes outside the JavaScript heap, most often those of the bulk request that brought it: a parsed
   * document of some sixty fields, its text as a string, even a Buffer view per document, held in the heap
   * cost the garbage collector more per document than parsing on the rare read.
   */
  private readonly bytes: ArrayBufferLike;
  private readonly offset: number;
  /** The source's length in bytes: the stored size that rollover's size conditions and _cat count. */
  readonly size: number;

  constructor(
    readonly id: string,
    /** The concrete index it is in: what queries on the `_index` metadata field read. */
    readonly index: string,
    raw: Buffer,
    readonly fields: DocFields,
    readonly version: number,
    readonly seqNo: number,
    /**
     * What ingest pipelines set, replayed on the bytes received when the source is read: serialising each changed
     * document again cost the emulator a third to a half more CPU per Sluice document (the final pipeline's stamp).
     */
    readonly patch?: Patch,
  ) {
    this.bytes = raw.buffer;
    this.offset = raw.byteOffset;
    this.size = raw.length;
  }

  /** The bytes as received (without what pipelines set: sourceOf adds it): a new view of them on each call. */
  get raw(): Buffer {
    return Buffer.from(this.bytes, this.offset, this.size);
  }
}

export interface AliasDef {
  is_write_index?: boolean;
  is_hidden?: boolean;
  filter?: Json;
  /** `routing` sets both, as Elasticsearch keeps and shows them. */
  index_routing?: string;
  search_routing?: string;
}

export interface IlmState {
  phase: string;
  action: string;
  step: string;
  phaseTime: number;
  actionTime: number;
  stepTime: number;
  /** When the lifecycle's ages count from: creation, then the rollover time once rolled over. */
  lifecycleDate: number;
  stepInfo?: Json;
  failedStep?: string;
}

/** A template's settings, mappings and aliases (Template). */
export interface TemplatePart {
  settings?: Json;
  mappings?: Mappings;
  aliases?: Record<string, AliasDef>;
}

export interface IndexTemplate {
  index_patterns: string[];
  composed_of?: string[];
  /** Components that may be missing, now or later (ComposableIndexTemplate, since 8.7). */
  ignore_missing_component_templates?: string[];
  priority?: number;
  version?: number;
  template?: TemplatePart;
  data_stream?: Json;
  _meta?: Json;
  allow_auto_create?: boolean;
}

export interface ComponentTemplate {
  template: TemplatePart;
  version?: number;
  _meta?: Json;
}

export interface DataStream {
  name: string;
  indices: string[];
  generation: number;
  template: string;
}

export interface Policy {
  policy: { phases?: Record<string, { min_age?: string; actions?: Record<string, Json> }>; _meta?: Json };
  version: number;
  modifiedDate: number;
}

/**
 * Settings are kept flat with their `index.` prefix, as strings, the way Elasticsearch stores them; with `resets`, a
 * null value is kept as 'null' (an update's way to reset a setting).
 */
export function flattenSettings(settings: Json | undefined, prefix = '', resets = false): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [key, value] of Object.entries(settings ?? {})) {
    const path = `${prefix}${key}`;
    const name = prefix === '' && !path.startsWith('index.') ? `index.${path}` : path;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) Object.assign(flat, flattenSettings(value as Json, `${path}.`, resets));
    else if (value !== null && value !== undefined) flat[name] = Array.isArray(value) ? value.join(',') : String(value);
    else if (value === null && resets) flat[name] = 'null';
  }
  return flat;
}

/** An alias as AliasMetadata keeps it: `routing` is both the index and the search routing. */
export function aliasDef(spec: Json): AliasDef {
  const alias: AliasDef = {};
  // Booleans as the parser's booleanValue reads them: "true" is true.
  if (spec.is_write_index !== undefined) alias.is_write_index = spec.is_write_index === true || spec.is_write_index === 'true';
  if (spec.is_hidden !== undefined) alias.is_hidden = spec.is_hidden === true || spec.is_hidden === 'true';
  if (spec.filter !== undefined) alias.filter = spec.filter as Json;
  if (spec.routing !== undefined) alias.index_routing = alias.search_routing = String(spec.routing);
  if (spec.index_routing !== undefined) alias.index_routing = String(spec.index_routing);
  if (spec.search_routing !== undefined) alias.search_routing = String(spec.search_routing);
  return alias;
}

/**
 * A template's `template` as MetadataIndexTemplateService stores it: settings under their `index.` names as text (a GET
 * shows them nested), aliases as AliasMetadata keeps them.
 */
function storedTemplatePart(part: TemplatePart | undefined): TemplatePart | undefined {
  if (part === undefined) return undefined;
  return {
    ...part,
    ...(part.settings === undefined ? {} : { settings: nestSettings(flattenSettings(part.settings)) }),
    ...(part.aliases === undefined ? {} : { aliases: Object.fromEntries(Object.entries(part.aliases).map(([name, spec]) => [name, aliasDef(spec as Json)])) }),
  };
}

export function nestSettings(flat: Record<string, string>): Json {
  const nested: Json = {};
  for (const [key, value] of Object.entries(flat)) {
    const parts = key.split('.');
    let node = nested;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Json;
    node[parts.at(-1) as string] = value;
  }
  return nested;
}

export class Index {
  readonly docs: DocTable<Doc>;
  /** What searches see: the documents as of the last refresh. */
  readonly view: DocTable<Doc>;
  /** Ids written or deleted since the last refresh whose documents searches may already see. */
  readonly dirty = new Set<string>();
  /**
   * Documents written since the last refresh under ids neither stored nor visible before: a refresh shows
   * them without looking them up again (log documents, nearly every write).
   */
  readonly appended: Doc[] = [];
  fields: Map<string, FieldDef>;
  /** constant_keyword fields still waiting for their value. */
  unsetConstants: FieldDef[] = [];
  lastRefresh: number;
  seqNo = 0;
  bytes = 0;
  ilm: IlmState | undefined;
  /** Set when this index rolled over (its lifecycle date then moves to this time). */
  rolledOverAt: number | undefined;
  /** Changes whenever what searches see (the view) or how they read it (the mappings) changes: a search's matches are kept by it. */
  generation = 0;
  /** Flushes asked for since the emulator started (`_stats`' flush section, which starts again with each node). */
  flushes = 0;
  /** Read back from the data directory at start (its recovery is from the existing store). */
  readFromDisk = false;

  constructor(
    readonly name: string,
    readonly uuid: string,
    readonly createdAt: number,
    public settings: Record<string, string>,
    public mappings: Mappings,
    readonly aliases: Map<string, AliasDef>,
    public dataStream: string | undefined,
    ids: AutoIds,
  ) {
    this.docs = new DocTable(ids);
    this.view = new DocTable(ids);
    this.fields = fieldIndex(mappings);
    this.unsetConstants = [...this.fields.values()].filter((def) => def.type === 'constant_keyword' && def.mapping.value === undefined);
    this.lastRefresh = Date.now();
  }

  setMappings(mappings: Mappings): void {
    this.generation += 1;
    this.mappings = mappings;
    this.fields = fieldIndex(mappings);
    this.unsetConstants = [...this.fields.values()].filter((def) => def.type === 'constant_keyword' && def.mapping.value === undefined);
  }

  /** The replicas the index asks for: one node never assigns them, so any makes the index (and cluster) yellow. */
  get replicas(): number {
    return Number(this.settings['index.number_of_replicas'] ?? 0);
  }

  /** A closed index keeps its metadata but serves no read or write; Elasticsearch marks it with this setting. */
  get closed(): boolean {
    return this.settings['index.verified_before_close'] === 'true';
  }

  /** What a read or write of a closed index meets (IndexClosedException). */
  private closedError(): EsError {
    return new EsError(400, 'index_closed_exception', 'closed', { index_uuid: this.uuid, index: this.name });
  }

  get hidden(): boolean {
    return this.settings['index.hidden'] === 'true' || this.dataStream !== undefined;
  }

  get refreshIntervalMs(): number {
    const text = this.settings['index.refresh_interval'] ?? '1s';
    return text === '-1' ? -1 : (parseTimeValue(text) ?? 1000);
  }

  /** Whether writes wait for a refresh to be seen. */
  get changed(): boolean {
    return this.appended.length > 0 || this.dirty.size > 0;
  }

  refresh(): void {
    for (const doc of this.appended) this.showNew(doc);
    this.appended.length = 0;
    for (const id of this.dirty) {
      const doc = this.docs.get(id);
      if (doc) this.show(id, doc);
      else this.hide(id);
    }
    this.dirty.clear();
    this.lastRefresh = Date.now();
  }

  /** Range columns by field, built when a search first filters on it. */
  private readonly columns = new Map<string, RangeColumn>();
  /** Whether a visible document was ever replaced or removed: its place in the view then differs from its seqNo order. */
  private rewritten = false;

  /** Makes a document visible to searches. */
  show(id: string, doc: Doc): void {
    if (this.view.has(id)) this.rewritten = true;
    this.showNew(doc);
  }

  /** Makes visible a document whose id the view does not hold (or whose replacement show has noted). */
  private showNew(doc: Doc): void {
    this.generation += 1;
    this.view.set(doc);
    for (const column of this.columns.values()) column.add(doc);
  }

  private hide(id: string): void {
    this.generation += 1;
    if (this.view.delete(id)) this.rewritten = true;
  }

  /** A document replaced or deleted: range columns no longer give the view's order. */
  noteRewrite(): void {
    this.rewritten = true;
  }

  /**
   * The visible documents a range filter can match, in view order; undefined where the column cannot say
   * (an index whose documents were replaced or removed: log indices never are, they are only created).
   */
  rangeCandidates(bounds: RangeBounds): Doc[] | undefined {
    if (this.rewritten) return undefined;
    let column = this.columns.get(bounds.field);
    if (column === undefined) this.columns.set(bounds.field, (column = new RangeColumn(bounds.field, this.view.values())));
    return column.between(bounds).sort((a, b) => a.seqNo - b.seqNo);
  }

  /**
   * The block a write of this kind meets (ClusterBlocks of IndexMetadata): `write` and `read_only` stop every write,
   * `read_only_allow_delete` (the disk flood stage) every write but a delete, with 429 so that clients retry.
   */
  writeBlock(deleting = false): EsError | undefined {
    if (this.closed) return this.closedError();
    const blocked = (reason: string, status = 403): EsError => new EsError(status, 'cluster_block_exception', `index [${this.name}] blocked by: [${reason}];`);
    if (this.settings['index.blocks.read_only'] === 'true') return blocked('FORBIDDEN/5/index read-only (api)');
    if (this.settings['index.blocks.write'] === 'true') return blocked('FORBIDDEN/8/index write (api)');
    if (!deleting && this.settings['index.blocks.read_only_allow_delete'] === 'true') return blocked('TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage watermark, index has read-only-allow-delete block', 429);
    return undefined;
  }

  /** The block a search of this index meets: `index.blocks.read`. */
  readBlock(): EsError | undefined {
    if (this.closed) return this.closedError();
    return this.settings['index.blocks.read'] === 'true' ? new EsError(403, 'cluster_block_exception', `index [${this.name}] blocked by: [FORBIDDEN/7/index read (api)];`) : undefined;
  }
}


/** The indices, if each may be read: a read block or a closed index fails the request, as Elasticsearch's READ block level. */
export function readable(indices: Index[]): Index[] {
  for (const index of indices) {
    const block = index.readBlock();
    if (block !== undefined) throw block;
  }
  return indices;
}

/** What `_data_stream/_modify` may change of a stream and an index, and the function that puts it back. */
function rememberBacking(stream: DataStream, index: Index): () => void {
  const { indices, generation } = stream;
  const { settings, mappings, dataStream } = index;
  const copy = [...indices];
  return () => {
    stream.indices.splice(0, stream.indices.length, ...copy);
    stream.generation = generation;
    index.settings = settings;
    if (index.mappings !== mappings) index.setMappings(mappings);
    index.dataStream = dataStream;
  };
}

/** Elasticsearch's index naming rules (MetadataCreateIndexService.validateIndexOrAliasName). */
export function indexNameProblem(name: string): string | undefined {
  if (name !== name.toLowerCase()) return `Invalid index name [${name}], must be lowercase`;
  if (/[\\/*?"<>| ,#:]/.test(name)) return `Invalid index name [${name}], must not contain the following characters [ , ", *, \\, <, |, ,, >, /, ?]`;
  if (/^[-_+]/.test(name)) return `Invalid index name [${name}], must not start with '_', '-', or '+'`;
  if (name === '.' || name === '..') return `Invalid index name [${name}], must not be '.' or '..'`;
  if (Buffer.byteLength(name) > 255) return `Invalid index name [${name}], index name is too long`;
  return undefined;
}

/** The fields of an update's body (UpdateRequest's parser), `_source` and the conditions read before the store sees it. */
const UPDATE_BODY_KEYS = ['doc', 'upsert', 'doc_as_upsert', 'detect_noop', 'script', 'scripted_upsert', 'if_seq_no', 'if_primary_term'];

export interface WriteResult {
  _index: string;
  _id: string;
  _version: number;
  result: 'created' | 'updated' | 'deleted' | 'not_found' | 'noop';
  _shards: Readonly<{ total: number; successful: number; failed: number }>;
  _seq_no: number;
  _primary_term: number;
  status: number;
}

export interface Journal {
  meta(): void;
  doc(index: Index, id: string, doc: Doc | undefined): void;
}

export interface ResolveOptions {
  /** Fail on a concrete name that does not exist (the default for most APIs). */
  ignoreUnavailable?: boolean;
  allowNoIndices?: boolean;
  expandHidden?: boolean;
  /** Let wildcards reach closed indices too (`expand_wildcards` with `closed` or `all`); by default they reach open ones. */
  expandClosed?: boolean;
  /** Let wildcards reach data streams' backing indices through the streams' names (not for the delete index API). */
  includeDataStreams?: boolean;
  /** Let wildcards reach open indices (the default); `expand_wildcards=closed` alone does not. */
  expandOpen?: boolean;
  /** Expand wildcards at all (`expand_wildcards=none` does not: a pattern is then a name, which no index has). */
  expandWildcards?: boolean;
}

/**
 * The resolve options a request's IndicesOptions give (`expand_wildcards` as open, closed, hidden, all or none, comma
 * separated; `ignore_unavailable`; `allow_no_indices`), over the API's defaults.
 */
export function resolveOptionsOf(query: Record<string, string | undefined>, defaults: ResolveOptions = {}): ResolveOptions {
  const options: ResolveOptions = { ...defaults };
  const expand = query.expand_wildcards?.split(',').map((state) => state.trim());
  if (expand !== undefined) {
    const all = expand.includes('all');
    options.expandWildcards = !expand.includes('none') || expand.length > 1;
    options.expandOpen = all || expand.includes('open');
    options.expandClosed = all || expand.includes('closed');
    options.expandHidden = all || expand.includes('hidden');
  }
  if (query.ignore_unavailable !== undefined) options.ignoreUnavailable = query.ignore_unavailable === 'true';
  if (query.allow_no_indices !== undefined) options.allowNoIndices = query.allow_no_indices !== 'false';
  return options;
}

/** The state of the single-node cluster: indices, aliases, templates, data streams and lifecycle policies. */
export class Cluster {
  readonly indices = new Map<string, Index>();
  readonly indexTemplates = new Map<string, IndexTemplate>();
  readonly componentTemplates = new Map<string, ComponentTemplate>();
  readonly legacyTemplates = new LegacyTemplates();
  /** Stored scripts: search templates (`_scripts`). */
  readonly scripts = new Map<string, StoredScript>();
  readonly dataStreams = new Map<string, DataStream>();
  readonly policies = new Map<string, Policy>();
  readonly pipelines = new Map<string, Pipeline>();
  readonly clusterSettings: Record<string, string> = {};
  ilmRunning = true;
  /** Called when an index may have a lifecycle to enter (created, or its settings changed): the server starts it soon after. */
  onLifecycleChange: (() => void) | undefined;
  /** The emulator's clock runs ahead of the real one by this much (advanced by tests through /_emulator/clock). */
  clockOffset = 0;
  journal: Journal | undefined;
  /** The last `_ingest.timestamp` given, and the last patch a write was given (for sharing, see `ingest`). */
  private stamp = { at: Number.NaN, text: '' };
  private lastPatch: Patch = [];
  /** Documents created with an external version: their first version is not 1, yet their write created them. */
  private readonly createdAtVersion = new WeakSet<Doc>();

  now(): number {
    return Date.now() + this.clockOffset;
  }

  /** The ids of documents indexed without one. */
  readonly autoIds = new AutoIds();

  // ---- resolving names ---------------------------------------------------------------------------

  /** Indices named by an expression: names, aliases, data streams, wildcards, comma lists and `-exclusions`. */
  resolve(expression: string | undefined, options: ResolveOptions = {}): Index[] {
    const parts = expression === undefined || expression === '' || expression === '_all' ? ['*'] : expression.split(',').map((part) => dateMathIndexName(part.trim(), this.now()));
    const found = new Map<string, Index>();
    for (const part of parts) {
      if (part.startsWith('-') && found.size > 0) {
        for (const index of this.resolve(part.slice(1), { ignoreUnavailable: true, allowNoIndices: true, expandHidden: true })) found.delete(index.name);
        continue;
      }
      if (part.includes('*') && options.expandWildcards !== false) {
        const regex = globToRegex(part);
        const showHidden = options.expandHidden === true || part.startsWith('.');
        const reached = (index: Index): boolean => (index.closed ? options.expandClosed === true : options.expandOpen !== false);
        for (const index of this.indices.values()) if (regex.test(index.name) && (showHidden || !index.hidden) && reached(index)) found.set(index.name, index);
        for (const stream of this.dataStreams.values()) if (options.includeDataStreams !== false && regex.test(stream.name)) for (const name of stream.indices) if (reached(this.indices.get(name) as Index)) found.set(name, this.indices.get(name) as Index);
        for (const index of this.indices.values()) for (const alias of index.aliases.keys()) if (regex.test(alias) && reached(index)) found.set(index.name, index);
        continue;
      }
      const matched = this.byName(part);
      if (matched.length === 0 && options.ignoreUnavailable !== true) throw indexNotFound(part);
      for (const index of matched) found.set(index.name, index);
    }
    if (found.size === 0 && options.allowNoIndices === false) throw indexNotFound(expression ?? '*');
    return [...found.values()];
  }

  /** Whether some index carries this alias. */
  isAlias(name: string): boolean {
    for (const index of this.indices.values()) if (index.aliases.has(name)) return true;
    return false;
  }

  private byName(name: string): Index[] {
    const index = this.indices.get(name);
    if (index) return [index];
    const stream = this.dataStreams.get(name);
    if (stream) return stream.indices.map((backing) => this.indices.get(backing) as Index);
    return [...this.indices.values()].filter((candidate) => candidate.aliases.has(name));
  }

  /**
   * The one write index an expression names, never creating one (IndexNameExpressionResolver.concreteWriteIndex, which
   * `write_index_only` applies to each comma part): a data stream's last backing index, an alias's write index, an index.
   */
  writeIndexOf(expression: string): Index {
    const pattern = expression.includes('*') ? globToRegex(expression) : undefined;
    const named = (name: string): boolean => (pattern === undefined ? name === expression : pattern.test(name));
    const found = new Set<Index>();
    for (const stream of this.dataStreams.values()) if (named(stream.name)) found.add(this.indices.get(stream.indices.at(-1) as string) as Index);
    const aliases = new Set<string>();
    for (const index of this.indices.values()) {
      if (named(index.name) && (pattern === undefined || !index.hidden)) found.add(index);
      for (const alias of index.aliases.keys()) if (named(alias)) aliases.add(alias);
    }
    for (const alias of aliases) found.add(this.aliasWriteIndex(alias, this.byName(alias)));
    if (found.size === 0) throw indexNotFound(expression);
    if (found.size > 1) throw badRequest(`The index expression [${expression}] and options provided did not point to a single write-index`);
    return [...found][0] as Index;
  }

  private aliasWriteIndex(name: string, aliased: Index[]): Index {
    const writer = aliased.find((candidate) => candidate.aliases.get(name)?.is_write_index === true) ?? (aliased.length === 1 ? aliased[0] : undefined);
    if (writer === undefined) throw badRequest(`no write index is defined for alias [${name}]. The write index may be explicitly disabled using is_write_index=false or the alias points to multiple indices without one being designated as a write index`);
    return writer;
  }

  /** The index a write to `name` goes to: an index, an alias's write index, a data stream's write index, or one auto-created. */
  writeTarget(name: string, opType: string): Index {
    const index = this.indices.get(name);
    if (index) {
      if (index.dataStream !== undefined && opType !== 'create' && opType !== 'update' && opType !== 'delete') {
        throw badRequest(`index request with op_type=${opType} and no if_primary_term and if_seq_no set targeting backing indices is disallowed, target corresponding data stream [${index.dataStream}] instead`);
      }
      return index;
    }
    const stream = this.dataStreams.get(name);
    if (stream) return this.streamWriteIndex(stream, opType);
    const aliased = [...this.indices.values()].filter((candidate) => candidate.aliases.has(name));
    if (aliased.length > 0) return this.aliasWriteIndex(name, aliased);
    const problem = indexNameProblem(name);
    if (problem) throw new EsError(400, 'invalid_index_name_exception', problem, { index: name, index_uuid: '_na_' });
    const template = this.findTemplate(name);
    if (template?.[1].data_stream !== undefined) return this.streamWriteIndex(this.createDataStream(name), opType);
    return this.createIndex(name, {});
  }

  private streamWriteIndex(stream: DataStream, opType: string): Index {
    if (opType !== 'create' && opType !== 'update' && opType !== 'delete') {
      throw badRequest(`only write ops with an op_type of create are allowed in data streams`);
    }
    return this.indices.get(stream.indices.at(-1) as string) as Index;
  }

  // ---- templates ---------------------------------------------------------------------------------

  /** The matching index template with the highest priority. */
  findTemplate(name: string): [string, IndexTemplate] | undefined {
    let best: [string, IndexTemplate] | undefined;
    for (const entry of this.indexTemplates) {
      if (!entry[1].index_patterns.some((pattern) => matchesPattern(pattern, name))) continue;
      if (best === undefined || (entry[1].priority ?? 0) > (best[1].priority ?? 0)) best = entry;
    }
    return best;
  }

  /** Settings, mappings and aliases of a template with its component templates applied in order. */
  composeTemplate(template: IndexTemplate): { settings: Record<string, string>; mappings: Mappings; aliases: Record<string, AliasDef> } {
    let settings: Record<string, string> = {};
    let mappings: Mappings = {};
    let aliases: Record<string, AliasDef> = {};
    const parts = [...(template.composed_of ?? []).map((name) => this.componentTemplates.get(name)?.template), template.template];
    for (const part of parts) {
      if (part === undefined) continue;
      settings = { ...settings, ...flattenSettings(part.settings) };
      if (part.mappings) mappings = mergeMappings(mappings, part.mappings, 'index_template');
      aliases = { ...aliases, ...(part.aliases ?? {}) };
    }
    return { settings, mappings, aliases };
  }

  putIndexTemplate(name: string, body: IndexTemplate, create: boolean): void {
    if (create && this.indexTemplates.has(name)) throw badRequest(`index template [${name}] already exists`);
    this.indexTemplates.set(name, this.checkedTemplate(name, body));
    this.journal?.meta();
  }

  /**
   * `_index_template/_simulate[/<name>]`: what a template resolves to, the one in the body (checked as a put would
   * check it, never stored) or the stored one of that name, and the other templates whose patterns overlap its own.
   */
  simulateTemplate(name: string | undefined, body: IndexTemplate | undefined): { template: IndexTemplate; overlapping: Array<[string, IndexTemplate]> } {
    const simulated = name ?? 'simulate_template';
    let template: IndexTemplate;
    if (body !== undefined && Object.keys(body).length > 0) template = this.checkedTemplate(simulated, body);
    else if (name !== undefined && this.indexTemplates.has(name)) template = this.indexTemplates.get(name) as IndexTemplate;
    else if (name !== undefined) throw badRequest(`unable to simulate template [${name}] that does not exist`);
    else throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: a template name or a template body must be given;');
    const overlapping = [...this.indexTemplates].filter(([other, existing]) => other !== simulated && existing.index_patterns.some((theirs) => template.index_patterns.some((pattern) => patternsOverlap(theirs, pattern))));
    return { template, overlapping };
  }

  /** An index template as a put checks it (MetadataIndexTemplateService): its patterns, its components, its priority among overlapping ones, its mappings. */
  private checkedTemplate(name: string, body: IndexTemplate): IndexTemplate {
    checkIndexTemplateBody(body as unknown as Record<string, unknown>);
    checkIndexSettings(flattenSettings(body.template?.settings));
    // A single pattern may be given as a string; Elasticsearch stores a list.
    const patterns = body.index_patterns as string[] | string | undefined;
    const template: IndexTemplate = { ...body, index_patterns: typeof patterns === 'string' ? [patterns] : patterns ?? [] };
    const part = storedTemplatePart(body.template);
    if (part !== undefined) template.template = part;
    if (!Array.isArray(template.index_patterns) || template.index_patterns.length === 0) {
      throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: index patterns are missing;');
    }
    if (template.index_patterns.some((pattern) => typeof pattern !== 'string')) throw new EsError(400, 'x_content_parse_exception', '[1:1] [index_template] failed to parse field [index_patterns]');
    if (template.composed_of !== undefined && (!Array.isArray(template.composed_of) || template.composed_of.some((name) => typeof name !== 'string'))) throw new EsError(400, 'x_content_parse_exception', '[1:1] [index_template] failed to parse field [composed_of]');
    const ignored = template.ignore_missing_component_templates ?? [];
    const missing = (template.composed_of ?? []).filter((component) => !this.componentTemplates.has(component) && !ignored.includes(component));
    if (missing.length > 0) {
      // MetadataIndexTemplateService.validateIndexTemplateV2: the second wording when some components may be missing.
      const cause = ignored.length === 0 ? `specifies component templates [${missing.join(', ')}] that do not exist` : `specifies a missing component templates [${missing.join(', ')}] that does not exist and is not part of 'ignore_missing_component_templates'`;
      throw new EsError(400, 'invalid_index_template_exception', `index_template [${name}] invalid, cause [index template [${name}] ${cause}]`);
    }
    for (const [other, existing] of this.indexTemplates) {
      if (other === name || (existing.priority ?? 0) !== (template.priority ?? 0)) continue;
      const overlap = template.index_patterns.filter((pattern) => existing.index_patterns.some((theirs) => patternsOverlap(theirs, pattern)));
      if (overlap.length > 0) {
        throw badRequest(`index template [${name}] has index patterns [${template.index_patterns.join(', ')}] matching patterns from existing templates [${other}] with patterns (${other} => [${existing.index_patterns.join(', ')}]) that have the same priority [${template.priority ?? 0}], multiple index templates may not match during index creation, please use a different priority`);
      }
    }
    // Composing validates that the mappings fit together.
    this.composeTemplate(template);
    return template;
  }

  putComponentTemplate(name: string, component: ComponentTemplate, create: boolean): void {
    if (create && this.componentTemplates.has(name)) throw badRequest(`component template [${name}] already exists`);
    checkComponentTemplateBody(component as unknown as Record<string, unknown>);
    checkIndexSettings(flattenSettings(component.template?.settings));
    if (component.template?.mappings) mergeMappings({}, component.template.mappings);
    this.componentTemplates.set(name, { ...component, template: storedTemplatePart(component.template) ?? component.template });
    this.journal?.meta();
  }

  deleteComponentTemplate(name: string): void {
    if (!this.componentTemplates.has(name)) throw resourceNotFound(`${name}`);
    const users = [...this.indexTemplates].filter(([, template]) => template.composed_of?.includes(name)).map(([user]) => user);
    if (users.length > 0) throw badRequest(`component templates [${name}] cannot be removed as they are still in use by index templates [${users.join(', ')}]`);
    this.componentTemplates.delete(name);
    this.journal?.meta();
  }

  // ---- indices -----------------------------------------------------------------------------------

  /** Creates an index; templates apply unless `withTemplates` is false (a resize's target takes its source's instead). */
  /** MetadataCreateIndexService.validateIndexName's first checks: a valid name (a backing index's apart), no index by it. */
  private checkNewIndexName(name: string): void {
    const problem = indexNameProblem(name);
    if (problem && !name.startsWith('.ds-')) throw new EsError(400, 'invalid_index_name_exception', problem, { index: name, index_uuid: '_na_' });
    const existing = this.indices.get(name);
    if (existing !== undefined) throw new EsError(400, 'resource_already_exists_exception', `index [${name}/${existing.uuid}] already exists`, { index_uuid: existing.uuid, index: name });
  }

  createIndex(name: string, body: { settings?: Json; mappings?: Mappings; aliases?: Record<string, AliasDef> }, dataStream?: string, withTemplates = true): Index {
    this.checkNewIndexName(name);
    if (this.dataStreams.has(name) || this.isAlias(name)) {
      throw new EsError(400, 'invalid_index_name_exception', `Invalid index name [${name}], already exists as alias or data stream`, { index: name, index_uuid: '_na_' });
    }
    const found = withTemplates ? this.findTemplate(dataStream ?? name) : undefined;
    // Legacy templates apply only where no composable template does, and never to a data stream's index.
    const composed = found ? this.composeTemplate(found[1]) : dataStream === undefined && withTemplates ? this.legacyTemplates.applied(name) : { settings: {}, mappings: {}, aliases: {} };
    const settings: Record<string, string> = {
      'index.number_of_shards': '1',
      'index.number_of_replicas': '1',
      ...composed.settings,
      ...flattenSettings(body.settings),
    };
    let mappings = mergeMappings(composed.mappings, body.mappings ?? {}, 'index_template');
    if (dataStream !== undefined) {
      // A data stream's backing index always maps its timestamp as a date.
      mappings = mergeMappings(mappings, { properties: { '@timestamp': { type: 'date' } } });
      settings['index.hidden'] = 'true';
    }
    const uuid = randomUUID().replaceAll('-', '').slice(0, 22);
    settings['index.uuid'] = uuid;
    settings['index.provided_name'] = name;
    settings['index.creation_date'] = String(this.now());
    settings['index.version.created'] = '9000000';
    // The request's aliases as AliasMetadata keeps them, their names read for date math (since 7.13).
    const ownAliases = Object.entries(body.aliases ?? {}).map(([alias, spec]): [string, AliasDef] => [dateMathIndexName(alias, this.now()), aliasDef(spec as Json)]);
    const aliases = new Map<string, AliasDef>(dataStream === undefined ? [...Object.entries(composed.aliases), ...ownAliases] : []);
    const index = new Index(name, uuid, this.now(), settings, mappings, aliases, dataStream, this.autoIds);
    this.indices.set(name, index);
    this.journal?.meta();
    if (settings['index.lifecycle.name']) this.onLifecycleChange?.();
    return index;
  }

  /** The close index API: a closed index keeps its documents and metadata and serves nothing until opened. */
  closeIndices(expression: string): Index[] {
    const targets = this.resolve(expression);
    const writeIndices = targets.filter((index) => index.dataStream !== undefined && this.dataStreams.get(index.dataStream)?.indices.at(-1) === index.name);
    if (writeIndices.length > 0) throw badRequest(`cannot close the following data stream write indices [${writeIndices.map((index) => index.name).join(', ')}]`);
    for (const index of targets) index.settings['index.verified_before_close'] = 'true';
    this.journal?.meta();
    return targets;
  }

  /** The open index API; wildcards reach closed indices here. */
  openIndices(expression: string): Index[] {
    const targets = this.resolve(expression, { expandClosed: true });
    for (const index of targets) delete index.settings['index.verified_before_close'];
    this.journal?.meta();
    return targets;
  }

  deleteIndices(expression: string): string[] {
    const targets = this.resolve(expression, { allowNoIndices: true, expandHidden: false, expandClosed: true, includeDataStreams: false });
    for (const index of targets) {
      if (index.dataStream !== undefined) {
        const stream = this.dataStreams.get(index.dataStream) as DataStream;
        if (stream.indices.at(-1) === index.name) {
          throw badRequest(`index [${index.name}] is the write index for data stream [${stream.name}] and cannot be deleted`);
        }
      }
    }
    for (const index of targets) this.dropIndex(index);
    return targets.map((index) => index.name);
  }

  /** Removes an index, from its data stream too. */
  dropIndex(index: Index): void {
    this.indices.delete(index.name);
    if (index.dataStream !== undefined) {
      const stream = this.dataStreams.get(index.dataStream);
      if (stream) stream.indices = stream.indices.filter((name) => name !== index.name);
    }
    this.journal?.meta();
  }

  putMapping(index: Index, mappings: Mappings): void {
    // SourceFieldMapper's `mode` may become synthetic, not go back (the emulator keeps every source all the same).
    const modeOf = (source: unknown): unknown => (isJsonObject(source) ? source.mode : undefined);
    const [before, after] = [modeOf(index.mappings._source), modeOf(mappings._source)];
    if (before === 'synthetic' && after !== undefined && after !== 'synthetic') {
      throw badRequest(`Mapper for [_source] conflicts with existing mapper:\n\tCannot update parameter [mode] from [synthetic] to [${String(after)}]`);
    }
    index.setMappings(mergeMappings(index.mappings, mappings));
    this.journal?.meta();
  }

  // ---- data streams ------------------------------------------------------------------------------

  createDataStream(name: string): DataStream {
    if (this.dataStreams.has(name)) throw new EsError(400, 'resource_already_exists_exception', `data_stream [${name}] already exists`);
    const template = this.findTemplate(name);
    if (template === undefined || template[1].data_stream === undefined) {
      throw badRequest(`no matching index template found for data stream [${name}]`);
    }
    const stream: DataStream = { name, indices: [], generation: 0, template: template[0] };
    this.dataStreams.set(name, stream);
    this.addBackingIndex(stream);
    return stream;
  }

  private addBackingIndex(stream: DataStream): Index {
    stream.generation += 1;
    const name = `.ds-${stream.name}-${formatDate(this.now(), 'yyyy.MM.dd')}-${String(stream.generation).padStart(6, '0')}`;
    const index = this.createIndex(name, {}, stream.name);
    stream.indices.push(name);
    this.journal?.meta();
    return index;
  }

  /**
   * `_data_stream/_migrate/<alias>` (MetadataMigrateToDataStreamService): the alias's indices become the backing indices
   * of a data stream of its name, keeping their names and documents, hidden, `@timestamp` mapped as a date; its write
   * index stays the write index and the alias is removed. A template with `data_stream` must match the name.
   */
  migrateToDataStream(alias: string): void {
    const members = [...this.indices.values()].filter((index) => index.aliases.has(alias)).sort((a, b) => a.createdAt - b.createdAt);
    if (members.length === 0 || this.indices.has(alias) || this.dataStreams.has(alias)) throw badRequest(`alias [${alias}] does not exist`);
    const writer = members.find((index) => index.aliases.get(alias)?.is_write_index === true) ?? (members.length === 1 && members[0]?.aliases.get(alias)?.is_write_index !== false ? members[0] : undefined);
    if (writer === undefined) throw badRequest(`alias [${alias}] must specify a write index`);
    if (members.some((index) => { const def = index.aliases.get(alias); return def?.filter !== undefined || def?.index_routing !== undefined || def?.search_routing !== undefined; })) throw badRequest(`alias [${alias}] may not have custom filtering or routing`);
    const others = members.filter((index) => index.aliases.size > 1).map((index) => index.name);
    if (others.length > 0) throw badRequest(`other aliases referencing indices [${others.join(',')}] must be removed before migrating to a data stream`);
    const template = this.findTemplate(alias);
    if (template === undefined || template[1].data_stream === undefined) throw badRequest(`no matching index template found for data stream [${alias}]`);
    // Every index is checked before any changes, as one cluster state update either applies or does not.
    const prepared = members.map((index) => this.prepareBackingIndex(index));
    for (const [i, index] of members.entries()) {
      prepared[i]?.();
      index.aliases.delete(alias);
      index.dataStream = alias;
    }
    const ordered = [...members.filter((index) => index !== writer), writer].map((index) => index.name);
    this.dataStreams.set(alias, { name: alias, indices: ordered, generation: 1, template: template[0] });
    this.journal?.meta();
  }

  /** `_data_stream/_modify`: its actions in order, each `add_backing_index` or `remove_backing_index` (MetadataDataStreamsService). */
  modifyDataStreams(actions: Array<{ type: 'add_backing_index' | 'remove_backing_index'; dataStream: string; index: string }>): void {
    // The actions apply in order to one new cluster state, published only if all succeed: on a failure, undo the done ones.
    const undo: Array<() => void> = [];
    try {
      for (const action of actions) {
        const stream = this.dataStreams.get(action.dataStream);
        if (stream === undefined) throw badRequest(`data stream [${action.dataStream}] not found`);
        const index = this.indices.get(action.index);
        if (index === undefined) throw badRequest(`index [${action.index}] not found`);
        undo.push(rememberBacking(stream, index));
        if (action.type === 'add_backing_index') this.addExistingBackingIndex(stream, index);
        else this.removeBackingIndex(stream, index);
      }
    } catch (error) {
      for (const step of undo.reverse()) step();
      throw error;
    }
    this.journal?.meta();
  }

  /** DataStream.addBackingIndex: at the front (the oldest), hidden, `@timestamp` a date; never one of another stream or one with aliases. */
  private addExistingBackingIndex(stream: DataStream, index: Index): void {
    if (index.dataStream === stream.name) return;
    if (index.dataStream !== undefined) throw badRequest(`cannot add index [${index.name}] to data stream [${stream.name}] because it is already a backing index on data stream [${index.dataStream}]`);
    if (index.aliases.size > 0) throw badRequest(`cannot add index [${index.name}] to data stream [${stream.name}] until its alias(es) [${[...index.aliases.keys()].sort().join(',')}] are removed`);
    this.prepareBackingIndex(index)();
    index.dataStream = stream.name;
    stream.indices.unshift(index.name);
    stream.generation += 1;
  }

  /** DataStream.removeBackingIndex: never the write index; the index is a visible index of its own again. */
  private removeBackingIndex(stream: DataStream, index: Index): void {
    const position = stream.indices.indexOf(index.name);
    if (position === -1) throw badRequest(`index [${index.name}] is not part of data stream [${stream.name}]`);
    if (position === stream.indices.length - 1) throw badRequest(`cannot remove backing index [${index.name}] of data stream [${stream.name}] because it is the write index`);
    stream.indices.splice(position, 1);
    stream.generation += 1;
    index.dataStream = undefined;
    index.settings = { ...index.settings, 'index.hidden': 'false' };
  }

  /**
   * MetadataMigrateToDataStreamService.prepareBackingIndex: checked now (an index without mappings, or `@timestamp` of
   * another type, refused), applied by the function it returns: hidden, `@timestamp` merged in as a date.
   */
  private prepareBackingIndex(index: Index): () => void {
    if (Object.keys(index.mappings.properties ?? {}).length === 0 && index.mappings.dynamic_templates === undefined) throw badRequest(`backing index [${index.name}] must have mappings for a timestamp field`);
    const timestamp = index.fields.get('@timestamp')?.type;
    const mappings = timestamp === 'date' || timestamp === 'date_nanos' ? undefined : mergeMappings(index.mappings, { properties: { '@timestamp': { type: 'date' } } });
    return () => {
      if (mappings !== undefined) index.setMappings(mappings);
      index.settings = { ...index.settings, 'index.hidden': 'true' };
    };
  }

  deleteDataStreams(expression: string): string[] {
    const names = expression.split(',').flatMap((part) => (part.includes('*') ? [...this.dataStreams.keys()].filter((name) => matchesPattern(part, name)) : [part]));
    for (const name of names) if (!this.dataStreams.has(name) && !expression.includes('*')) throw indexNotFound(name);
    for (const name of names) {
      const stream = this.dataStreams.get(name) as DataStream;
      for (const backing of stream.indices) this.indices.delete(backing);
      this.dataStreams.delete(name);
    }
    this.journal?.meta();
    return names;
  }

  // ---- rollover ----------------------------------------------------------------------------------

  /** Evaluates rollover conditions against the write index; names each condition as Elasticsearch reports it. */
  rolloverConditions(index: Index, conditions: Json): Record<string, boolean> {
    const results: Record<string, boolean> = {};
    const docs = index.docs.size;
    const age = this.now() - index.createdAt;
    for (const [name, value] of Object.entries(conditions)) {
      const limit = name.endsWith('_age') ? parseTimeValue(String(value)) : name.endsWith('_docs') ? Number(value) : parseByteSize(String(value));
      if (limit === undefined || Number.isNaN(limit)) throw badRequest(`failed to parse rollover condition [${name}] value [${String(value)}]`);
      const actual = name.endsWith('_age') ? age : name.endsWith('_docs') ? docs : index.bytes;
      results[`[${name}: ${String(value)}]`] = name.startsWith('min_') ? actual >= limit : actual >= limit;
    }
    return results;
  }

  rollover(target: string, conditions: Json, options: { dryRun?: boolean; newIndex?: string; body?: Json } = {}): Json {
    // RolloverRequest.validate, before anything is looked up.
    const names = Object.keys(conditions);
    if (names.some((name) => name.startsWith('min_')) && !names.some((name) => name.startsWith('max_'))) {
      throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: at least one max_* rollover condition must be set when using min_* conditions;');
    }
    const stream = this.dataStreams.get(target);
    let writeIndex: Index;
    let newName: string;
    if (stream) {
      writeIndex = this.indices.get(stream.indices.at(-1) as string) as Index;
      newName = `.ds-${stream.name}-${formatDate(this.now(), 'yyyy.MM.dd')}-${String(stream.generation + 1).padStart(6, '0')}`;
    } else {
      const aliased = [...this.indices.values()].filter((index) => index.aliases.has(target));
      if (aliased.length === 0) {
        if (this.indices.has(target)) throw badRequest(`rollover target [${target}] does not point to an alias or data stream`);
        throw resourceNotFound(`rollover target [${target}] does not exist`);
      }
      const writer = aliased.find((index) => index.aliases.get(target)?.is_write_index === true) ?? (aliased.length === 1 ? aliased[0] : undefined);
      if (writer === undefined) throw badRequest(`rollover target [${target}] does not point to a write index`);
      writeIndex = writer;
      const match = /^(.*-)(\d+)$/.exec(writer.name);
      if (options.newIndex === undefined && !match) throw badRequest(`index name [${writer.name}] does not match pattern '^.*-\\d+$'`);
      // Elasticsearch formats the counter with %06d, whatever the old index's padding was.
      newName = options.newIndex ?? `${match?.[1]}${String(Number(match?.[2]) + 1).padStart(6, '0')}`;
      // Checked before the conditions, dry run or not, as the rollover service validates the name first.
      this.checkNewIndexName(newName);
    }
    const results = this.rolloverConditions(writeIndex, conditions);
    const met = Object.keys(results).length === 0 || Object.entries(results).some(([name, ok]) => ok && !name.startsWith('[min_')) && Object.entries(results).filter(([name]) => name.startsWith('[min_')).every(([, ok]) => ok);
    const response: Json = { acknowledged: false, shards_acknowledged: false, old_index: writeIndex.name, new_index: newName, rolled_over: false, dry_run: options.dryRun === true, conditions: results };
    if (!met || options.dryRun === true) return response;
    if (stream) {
      this.addBackingIndex(stream);
    } else {
      const alias = writeIndex.aliases.get(target) as AliasDef;
      const body = (options.body ?? {}) as { settings?: Json; mappings?: Mappings; aliases?: Record<string, AliasDef> };
      const created = this.createIndex(newName, body);
      if (alias.is_write_index === true) {
        writeIndex.aliases.set(target, { ...alias, is_write_index: false });
        created.aliases.set(target, { ...alias, is_write_index: true });
      } else {
        writeIndex.aliases.delete(target);
        created.aliases.set(target, { ...alias });
      }
    }
    writeIndex.rolledOverAt = this.now();
    this.journal?.meta();
    return { ...response, acknowledged: true, shards_acknowledged: true, rolled_over: true };
  }

  // ---- documents ---------------------------------------------------------------------------------

  private mappingLimits(index: Index): MappingLimits {
    return {
      totalFields: Number(index.settings['index.mapping.total_fields.limit'] ?? 1000),
      depth: Number(index.settings['index.mapping.depth.limit'] ?? 20),
      ignoreMalformed: String(index.settings['index.mapping.ignore_malformed']) === 'true',
      ignoreDynamicBeyondLimit: String(index.settings['index.mapping.total_fields.ignore_dynamic_beyond_limit']) === 'true',
    };
  }

  /** Indexes (or creates) a document. `opType` create refuses an existing id with 409. */
  indexDoc(index: Index, id: string | undefined, source: Json, opType: 'index' | 'create', options: { conditions?: WriteConditions; raw?: Buffer } = {}): WriteResult {
    return this.writeResult(index, this.writeDoc(index, id, source, opType, options));
  }

  /** What a write of `doc` answers: its first version was a creation. */
  writeResult(index: Index, doc: Doc): WriteResult {
    return doc.version === 1 || this.createdAtVersion.has(doc) ? this.result(index, doc, 'created', 201) : this.result(index, doc, 'updated', 200);
  }

  /**
   * Runs the ingest pipelines of a write into `index`, changing `source` in place: the request's `pipeline` (`_none`
   * for none), else the index's default pipeline, then its final pipeline. Gives what they set, undefined for nothing.
   */
  ingest(index: Index, source: Json, id: string | undefined, requested: string | undefined): Patch | undefined {
    const first = requested ?? index.settings['index.default_pipeline'];
    const final = index.settings['index.final_pipeline'];
    if ((first === undefined || first === '_none') && (final === undefined || final === '_none')) return undefined;
    if (typeof source !== 'object' || source === null || Array.isArray(source)) return undefined;
    const context = { index: index.dataStream ?? index.name, id, timestamp: this.timestamp() };
    const applied: Array<readonly [string, unknown]> = [];
    for (const name of [first, final]) {
      if (name === undefined || name === '_none') continue;
      const pipeline = this.pipelines.get(name);
      if (pipeline === undefined) throw badRequest(`pipeline with id [${name}] does not exist`);
      runPipeline(pipeline, source, context, applied);
    }
    return this.sharedPatch(applied);
  }

  /** The ingest pipelines a write to `name` runs: an index's (a data stream's or an alias's write index's), else what its template would give it. */
  pipelinesOf(name: string): { first?: string; final?: string } {
    const existing = this.indices.get(name) ?? this.byName(name).at(-1);
    const found = existing === undefined ? this.findTemplate(name) : undefined;
    const settings = existing?.settings ?? (found ? this.composeTemplate(found[1]).settings : this.legacyTemplates.applied(name).settings);
    return { first: settings['index.default_pipeline'], final: settings['index.final_pipeline'] };
  }

  /** `_ingest.timestamp`: one string per millisecond, so that documents stamped together share their patch. */
  timestamp(): string {
    const now = this.now();
    if (this.stamp.at !== now) this.stamp = { at: now, text: new Date(now).toISOString() };
    return this.stamp.text;
  }

  /** The patch before this one when it set the same values (a stamp, within a millisecond): one kept, not one per document. */
  private sharedPatch(applied: Array<readonly [string, unknown]>): Patch | undefined {
    if (applied.length === 0) return undefined;
    const last = this.lastPatch;
    if (last.length === applied.length && applied.every(([path, value], i) => last[i]?.[0] === path && last[i]?.[1] === value)) return last;
    this.lastPatch = applied;
    return applied;
  }

  /** Deletes ingest pipelines by name or pattern; one that an index runs by default or finally is refused, as in Elasticsearch. */
  deletePipelines(pattern: string): void {
    const ids = [...this.pipelines.keys()].filter((id) => pattern.split(',').some((part) => matchesPattern(part, id)));
    if (ids.length === 0) throw resourceNotFound(`pipeline [${pattern}] is missing`);
    for (const id of ids) {
      for (const [setting, role] of [['index.default_pipeline', 'default'], ['index.final_pipeline', 'final']] as const) {
        const users = [...this.indices.values()].filter((index) => index.settings[setting] === id).map((index) => index.name);
        if (users.length > 0) throw badRequest(`pipeline [${id}] cannot be deleted because it is the ${role} pipeline for ${users.length} index(es) including [${users.slice(0, 3).join(',')}]`);
      }
    }
    for (const id of ids) this.pipelines.delete(id);
    this.journal?.meta();
  }

  /** indexDoc's work, giving the document written; EsErrors as indexDoc. */
  writeDoc(index: Index, id: string | undefined, source: Json, opType: 'index' | 'create', options: { conditions?: WriteConditions; raw?: Buffer; patch?: Patch } = {}): Doc {
    const block = index.writeBlock();
    if (block !== undefined) throw block;
    if (typeof source !== 'object' || source === null || Array.isArray(source)) {
      throw new EsError(400, 'document_parsing_exception', '[1:1] failed to parse: the document must be a JSON object');
    }
    const docId = id ?? this.autoIds.next();
    if (id !== undefined && Buffer.byteLength(docId) > 512) throw badRequest(`id [${docId}] is too long, must be no longer than 512 bytes but was: ${Buffer.byteLength(docId)}`);
    // An id of our own making is new (Elasticsearch skips the same lookup for its auto-generated ids).
    const existing = id === undefined ? undefined : index.docs.get(docId);
    if (opType === 'create' && existing) {
      throw new EsError(409, 'version_conflict_engine_exception', `[${docId}]: version conflict, document already exists (current version [${existing.version}])`, { index_uuid: index.uuid, shard: '0', index: index.name });
    }
    const version = checkedVersion(docId, existing, options.conditions ?? UNCONDITIONAL, index);
    const { fields, added } = this.parseDocument(index, source, docId, id === undefined);
    if (added) this.putMapping(index, { properties: added });
    this.fixConstantKeywords(index, fields);
    // The JSON as received where there is one, with what pipelines set: serialising again would cost as much as indexing.
    const raw = options.raw ?? Buffer.from(JSON.stringify(source));
    const doc = new Doc(docId, index.name, raw, fields, version, index.seqNo++, options.raw === undefined ? undefined : options.patch);
    if (existing === undefined && version !== 1) this.createdAtVersion.add(doc);
    this.store(index, doc, existing, id === undefined);
    return doc;
  }

  /** The document's fields under the index's mappings. Elasticsearch generates an id before the shard parses the
   * document, so a document without one that fails still has one in its bulk item. */
  private parseDocument(index: Index, source: Json, docId: string, generated: boolean): ReturnType<typeof indexDocument> {
    try {
      if (index.dataStream !== undefined) {
        const timestamp = source['@timestamp'];
        if (timestamp === undefined || timestamp === null) throw new EsError(400, 'document_parsing_exception', '[1:1] failed to parse: data stream timestamp field [@timestamp] is missing', {}, { type: 'illegal_argument_exception', reason: 'data stream timestamp field [@timestamp] is missing' });
      }
      return indexDocument(source, index.mappings, docId, this.mappingLimits(index));
    } catch (error) {
      if (generated && error instanceof EsError) error.generatedId = docId;
      throw error;
    }
  }

  /** A constant_keyword without a value takes the first document's, as Elasticsearch sets it in the mapping. */
  private fixConstantKeywords(index: Index, fields: DocFields): void {
    for (const def of index.unsetConstants) {
      const value = fields.first(def.path);
      if (value === undefined) continue;
      const parts = def.path.split('.');
      let properties: Record<string, FieldMapping> = { [parts.at(-1) as string]: { ...def.mapping, value } };
      for (const part of parts.slice(0, -1).reverse()) properties = { [part]: { properties } };
      this.putMapping(index, { properties });
    }
  }

  private store(index: Index, doc: Doc, existing: Doc | undefined, newId: boolean): void {
    if (existing !== undefined) index.noteRewrite();
    index.docs.set(doc);
    // An id neither stored nor changed since the last refresh is not in the view either (the view is what
    // the documents were at that refresh): the document is new to both, and is appended.
    if (newId || (existing === undefined && !index.dirty.has(doc.id))) index.appended.push(doc);
    else index.dirty.add(doc.id);
    index.bytes += doc.size - (existing?.size ?? 0);
    this.journal?.doc(index, doc.id, doc);
  }

  result(index: Index, doc: { id: string; version: number; seqNo: number }, result: WriteResult['result'], status: number): WriteResult {
    return { _index: index.name, _id: doc.id, _version: doc.version, result, _shards: SHARDS, _seq_no: doc.seqNo, _primary_term: 1, status };
  }

  deleteDoc(index: Index, id: string, conditions: WriteConditions = UNCONDITIONAL): WriteResult {
    const block = index.writeBlock(true);
    if (block !== undefined) throw block;
    const existing = index.docs.get(id);
    const version = checkedVersion(id, existing, conditions, index);
    if (!existing) return { ...this.result(index, { id, version, seqNo: index.seqNo++ }, 'not_found', 404) };
    index.noteRewrite();
    index.docs.delete(id);
    index.dirty.add(id);
    index.bytes -= existing.size;
    this.journal?.doc(index, id, undefined);
    return this.result(index, { id, version, seqNo: index.seqNo++ }, 'deleted', 200);
  }

  /** Partial update: merges `doc` into the source, or upserts; `noop` when nothing changes. */
  updateDoc(index: Index, id: string, body: { doc?: Json; doc_as_upsert?: boolean; upsert?: Json; detect_noop?: boolean; script?: unknown }, conditions: WriteConditions = UNCONDITIONAL): WriteResult {
    // UpdateRequest's parser: its fields (`_source` and the conditions read by the caller), no other.
    checkKeys(body, UPDATE_BODY_KEYS, unknownField('UpdateRequest'));
    if (body.script !== undefined) throw badRequest('[update] with a [script] is valid in Elasticsearch but not supported by the emulator, which runs no Painless; send a partial [doc]');
    const block = index.writeBlock();
    if (block !== undefined) throw block;
    const existing = index.docs.get(id);
    if (!existing) {
      const upsert = body.doc_as_upsert === true ? body.doc : body.upsert;
      if (upsert === undefined) {
        throw new EsError(404, 'document_missing_exception', `[${id}]: document missing`, { index_uuid: index.uuid, shard: '0', index: index.name });
      }
      checkedVersion(id, undefined, conditions, index);
      return this.indexDoc(index, id, upsert, 'create');
    }
    checkedVersion(id, existing, conditions, index);
    if (body.doc === undefined) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: script or doc is missing;');
    const current = sourceOf(existing);
    const merged = deepMerge(current, body.doc);
    if (body.detect_noop !== false && JSON.stringify(merged) === JSON.stringify(current)) return this.result(index, existing, 'noop', 200);
    return this.indexDoc(index, id, merged, 'index');
  }

  /** Replaces the whole content on start from a journal (no journaling while it happens). */
  /** A document read back from the journal: `source` with what pipelines set, `raw` the bytes received, as a write keeps them. */
  restoreDoc(index: Index, id: string, stored: { source: Json; raw: Buffer; version: number; patch?: Patch }): void {
    const { source, raw, version, patch } = stored;
    const { fields, added } = indexDocument(source, index.mappings, id, { totalFields: Number.MAX_SAFE_INTEGER, depth: Number.MAX_SAFE_INTEGER, ignoreMalformed: this.mappingLimits(index).ignoreMalformed });
    if (added) index.setMappings(mergeMappings(index.mappings, { properties: added }));
    const doc = new Doc(id, index.name, raw, fields, version, index.seqNo++, patch);
    index.docs.set(doc);
    index.show(id, doc);
    index.bytes += raw.length;
  }
}

/** A stored document's source, parsed from its bytes: a new object on each call, free to change. */
export function sourceOf(doc: Doc): Json {
  const source = JSON.parse(doc.raw.toString('utf8')) as Json;
  return doc.patch === undefined ? source : applyPatch(source, doc.patch);
}

/** One primary and one unassigned replica, as a single node reports every write; shared, never mutated. */
const SHARDS = Object.freeze({ total: 2, successful: 1, failed: 0 });

function deepMerge(base: Json, patch: Json): Json {
  const merged: Json = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const current = Object.hasOwn(merged, key) ? merged[key] : undefined;
    setOwn(merged, key, isJsonObject(value) && isJsonObject(current) ? deepMerge(current, value) : value);
  }
  return merged;
}

/** `50gb`, `10mb`, `1024b` → bytes. */
export function parseByteSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb|pb)?$/i.exec(text.trim());
  if (!match) return undefined;
  const unit = (match[2] ?? 'b').toLowerCase();
  const power = ['b', 'kb', 'mb', 'gb', 'tb', 'pb'].indexOf(unit);
  return Number(match[1]) * 1024 ** power;
}
