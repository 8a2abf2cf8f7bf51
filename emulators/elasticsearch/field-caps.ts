import { EsError } from './errors.js';
import { globToRegex } from './glob.js';
import { isNumericType, isTextType, type FieldDef } from './mapping.js';
import { compileQuery } from './query.js';
import { searchContext } from './search.js';
import type { Index, Json } from './store.js';
import { checkKeys, unknownField } from './strict.js';

interface Capability {
  type: string;
  metadata_field: boolean;
  searchable: boolean;
  aggregatable: boolean;
}

/** The metadata fields every index has, as `_field_caps` lists them (what Kibana's data views read). */
const METADATA: Capability[] = [
  { type: '_id', metadata_field: true, searchable: true, aggregatable: false },
  { type: '_index', metadata_field: true, searchable: true, aggregatable: true },
  { type: '_source', metadata_field: true, searchable: false, aggregatable: false },
  { type: '_ignored', metadata_field: true, searchable: true, aggregatable: true },
  { type: '_version', metadata_field: true, searchable: false, aggregatable: true },
  { type: '_seq_no', metadata_field: true, searchable: true, aggregatable: true },
];

/** Types that Elasticsearch can also search through doc values (8.1+) when the field is not indexed. */
function searchableByDocValues(type: string): boolean {
  return isNumericType(type) || ['date', 'date_nanos', 'keyword', 'ip', 'boolean'].includes(type);
}

function capability(def: FieldDef): Capability {
  if (def.type === 'object' || def.type === 'nested') return { type: def.type, metadata_field: false, searchable: false, aggregatable: false };
  const indexed = def.mapping.index !== false;
  const docValues = def.mapping.doc_values !== false && !isTextType(def.type);
  return {
    type: def.type,
    metadata_field: false,
    searchable: indexed || (docValues && searchableByDocValues(def.type)),
    aggregatable: docValues,
  };
}

function requestedFields(body: Json, query: Record<string, string>): RegExp[] {
  const raw = body.fields ?? query.fields;
  const list = typeof raw === 'string' ? raw.split(',') : Array.isArray(raw) ? raw.map(String) : [];
  if (list.length === 0) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: specified fields can\'t be null or empty;');
  return list.map((pattern) => globToRegex(pattern.trim()));
}

/** The indices an `index_filter` may match: those holding a document it matches. */
function filterIndices(indices: Index[], filter: unknown): Index[] {
  if (filter === undefined) return indices;
  return indices.filter((index) => {
    const matcher = compileQuery(filter, searchContext([index], Date.now()));
    for (const doc of index.view.values()) if (matcher.matches(doc)) return true;
    return false;
  });
}

type PerType = Map<string, { cap: Capability; indices: string[]; nonSearchable: string[]; nonAggregatable: string[] }>;

function merge(fields: Map<string, PerType>, path: string, cap: Capability, index: string): void {
  let types = fields.get(path);
  if (types === undefined) fields.set(path, (types = new Map()));
  let entry = types.get(cap.type);
  if (entry === undefined) types.set(cap.type, (entry = { cap: { ...cap }, indices: [], nonSearchable: [], nonAggregatable: [] }));
  entry.indices.push(index);
  if (!cap.searchable) entry.nonSearchable.push(index);
  if (!cap.aggregatable) entry.nonAggregatable.push(index);
  // A type is searchable (aggregatable) only where every index holding it is; the others are listed.
  entry.cap.searchable &&= cap.searchable;
  entry.cap.aggregatable &&= cap.aggregatable;
}

/**
 * `_field_caps`: each field's type and whether it can be searched and aggregated, per type across the
 * indices; `indices` and the `non_*_indices` lists appear only where the indices disagree, as in Elasticsearch.
 */
export function fieldCaps(all: Index[], body: Json, query: Record<string, string>): Json {
  checkKeys(body, ['fields', 'index_filter', 'runtime_mappings'], unknownField('field_caps'));
  const patterns = requestedFields(body, query);
  const types = query.types === undefined ? undefined : new Set(query.types.split(','));
  const indices = filterIndices(all, body.index_filter);
  const names = indices.map((index) => index.name).sort();
  const fields = new Map<string, PerType>();
  for (const index of indices) {
    for (const cap of METADATA) if (patterns.some((regex) => regex.test(cap.type))) merge(fields, cap.type, cap, index.name);
    for (const def of index.fields.values()) if (patterns.some((regex) => regex.test(def.path))) merge(fields, def.path, capability(def), index.name);
  }
  const out: Json = {};
  for (const [path, perType] of [...fields].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const entries: Json = {};
    const mappedIn = new Set([...perType.values()].flatMap((entry) => entry.indices));
    const unmapped = query.include_unmapped === 'true' ? names.filter((name) => !mappedIn.has(name)) : [];
    const split = perType.size > 1 || unmapped.length > 0;
    for (const [type, entry] of perType) {
      if (types !== undefined && !types.has(type)) continue;
      const partly = (list: string[]): boolean => list.length > 0 && list.length < entry.indices.length;
      entries[type] = {
        ...entry.cap,
        ...(split ? { indices: entry.indices.sort() } : {}),
        ...(partly(entry.nonSearchable) ? { non_searchable_indices: entry.nonSearchable.sort() } : {}),
        ...(partly(entry.nonAggregatable) ? { non_aggregatable_indices: entry.nonAggregatable.sort() } : {}),
      };
    }
    if (unmapped.length > 0) entries.unmapped = { type: 'unmapped', metadata_field: false, searchable: false, aggregatable: false, indices: unmapped };
    if (Object.keys(entries).length > 0) out[path] = entries;
  }
  return { indices: names, fields: out };
}
