import { isIP } from 'node:net';
import { isJsonObject, setOwn } from '../../shared/json-object.js';
import { DEFAULT_DATE_FORMAT, parseDate } from './dates.js';
import { DocFieldsBuilder, type DocFields } from './doc-fields.js';
import { checkFieldParameters, checkRootMapping } from './admin-parsers.js';
import { badRequest, EsError } from './errors.js';
import { globToRegex } from './glob.js';

/** A field mapping as Elasticsearch writes it in `_mapping`. */
export interface FieldMapping {
  type?: string;
  properties?: Record<string, FieldMapping>;
  fields?: Record<string, FieldMapping>;
  format?: string;
  ignore_above?: number;
  ignore_malformed?: boolean;
  coerce?: boolean;
  null_value?: unknown;
  scaling_factor?: number;
  value?: unknown;
  enabled?: boolean;
  dynamic?: boolean | 'true' | 'false' | 'strict' | 'runtime';
  index?: boolean;
  doc_values?: boolean;
  [other: string]: unknown;
}

export interface Mappings {
  dynamic?: FieldMapping['dynamic'];
  dynamic_templates?: Array<Record<string, DynamicTemplate>>;
  date_detection?: boolean;
  numeric_detection?: boolean;
  dynamic_date_formats?: string[];
  properties?: Record<string, FieldMapping>;
  _source?: unknown;
  _meta?: unknown;
  [other: string]: unknown;
}

interface DynamicTemplate {
  match_mapping_type?: string | string[];
  match?: string | string[];
  unmatch?: string | string[];
  path_match?: string | string[];
  path_unmatch?: string | string[];
  mapping: FieldMapping;
}

/** A value as stored for search and aggregations. */
export type FieldValue = string | number | boolean | GeoPoint;
export interface GeoPoint {
  lat: number;
  lon: number;
}


export const SUPPORTED_TYPES = new Set([
  'keyword', 'text', 'match_only_text', 'constant_keyword', 'wildcard', 'long', 'integer', 'short', 'byte', 'double', 'float', 'half_float',
  'scaled_float', 'unsigned_long', 'boolean', 'date', 'date_nanos', 'ip', 'geo_point', 'object', 'flattened', 'nested', 'alias',
]);

/** Field types Elasticsearch 9 has and the emulator does not: refused as such, where an unknown name gets Elasticsearch's own error. */
const UNEMULATED_TYPES = new Set([
  'binary', 'version', 'token_count', 'search_as_you_type', 'completion', 'integer_range', 'long_range', 'float_range', 'double_range', 'date_range', 'ip_range',
  'geo_shape', 'shape', 'point', 'dense_vector', 'sparse_vector', 'rank_feature', 'rank_features', 'histogram', 'aggregate_metric_double', 'percolator', 'join',
  'semantic_text', 'counted_keyword', 'annotated_text', 'murmur3', 'passthrough',
]);

const INTEGER_RANGES: Record<string, [number, number]> = {
  byte: [-128, 127],
  short: [-32768, 32767],
  integer: [-2147483648, 2147483647],
  long: [Number.MIN_SAFE_INTEGER * 1024, Number.MAX_SAFE_INTEGER * 1024],
  unsigned_long: [0, Number.MAX_SAFE_INTEGER * 2048],
};

/**
 * A number as a half_float keeps it (HalfFloatPoint): read as a float first, then rounded half to even to 11
 * significant bits, subnormal below 2^-14, an infinity from 65520 on.
 */
export function toHalfFloat(value: number): number {
  const single = Math.fround(value);
  const magnitude = Math.abs(single);
  if (!Number.isFinite(single) || magnitude === 0) return single;
  if (magnitude >= 65520) return Math.sign(single) * Infinity;
  let exponent = Math.max(-14, Math.floor(Math.log2(magnitude)));
  if (exponent > -14 && 2 ** exponent > magnitude) exponent -= 1;
  if (2 ** (exponent + 1) <= magnitude) exponent += 1;
  const unit = 2 ** (exponent - 10);
  const units = magnitude / unit;
  const floor = Math.floor(units);
  const rest = units - floor;
  const rounded = rest > 0.5 || (rest === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
  return Math.sign(single) * rounded * unit;
}

/** A float as Java's Float.toString writes it: its shortest digits, `.0` on a whole number, `E` notation outside 10^-3 to 10^7. */
function javaFloatText(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  let shortest = value;
  for (let precision = 1; precision <= 9; precision += 1) {
    const candidate = Number(value.toPrecision(precision));
    if (Math.fround(candidate) === value) {
      shortest = candidate;
      break;
    }
  }
  const magnitude = Math.abs(shortest);
  if (magnitude === 0 || (magnitude >= 1e-3 && magnitude < 1e7)) return Number.isInteger(shortest) ? `${shortest}.0` : String(shortest);
  const [mantissa = '', exponent = ''] = shortest.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

export function isTextType(type: string | undefined): boolean {
  return type === 'text' || type === 'match_only_text';
}

export function isNumericType(type: string | undefined): boolean {
  return type !== undefined && (type in INTEGER_RANGES || type === 'double' || type === 'float' || type === 'half_float' || type === 'scaled_float');
}

/** A word as the emulator's standard analyzer cuts it. */
export const WORD = /[\p{L}\p{N}_]+(?:['\u2019][\p{L}\p{N}_]+)*/gu;

/** Lower-cased word tokens, roughly Lucene's standard analyzer. */
export function analyze(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

// ---- the field index: the mapping flattened to full paths ------------------------------------------

export interface FieldDef {
  path: string;
  type: string;
  mapping: FieldMapping;
  /** For a sub-field (`message.keyword`), the field whose source values it indexes. */
  sourcePath?: string;
}

/** Every leaf field of a mapping by full path, sub-fields (`message.keyword`) included. */
export function fieldIndex(mappings: Mappings): Map<string, FieldDef> {
  const index = new Map<string, FieldDef>();
  const walk = (properties: Record<string, FieldMapping> | undefined, prefix: string): void => {
    for (const [name, mapping] of Object.entries(properties ?? {})) {
      const path = `${prefix}${name}`;
      const type = mapping.type ?? (mapping.properties ? 'object' : 'object');
      if (type === 'object' || type === 'nested') {
        index.set(path, { path, type, mapping });
        walk(mapping.properties, `${path}.`);
        continue;
      }
      index.set(path, { path, type, mapping });
      for (const [sub, subMapping] of Object.entries(mapping.fields ?? {})) {
        index.set(`${path}.${sub}`, { path: `${path}.${sub}`, type: subMapping.type ?? 'keyword', mapping: subMapping, sourcePath: path });
      }
    }
  };
  walk(mappings.properties, '');
  return index;
}

export function countFields(mappings: Mappings): number {
  let count = 0;
  const walk = (properties: Record<string, FieldMapping> | undefined): void => {
    for (const mapping of Object.values(properties ?? {})) {
      count += 1 + Object.keys(mapping.fields ?? {}).length;
      walk(mapping.properties);
    }
  };
  walk(mappings.properties);
  return count;
}

// ---- merging (templates, put mapping) ------------------------------------------------------------

/**
 * Why mappings merge (MapperService.MergeReason): a mapping update refuses a field changing type; composing templates and
 * a new index's own mappings (`index_template`) lets a later definition of a field replace the earlier one whole, objects
 * still merged field by field.
 */
export type MergeReason = 'mapping_update' | 'index_template';

/** Merges `addition` into `base` (a new object); a field changing type is refused, as Elasticsearch refuses it, unless composing templates. */
export function mergeMappings(base: Mappings, addition: Mappings, reason: MergeReason = 'mapping_update'): Mappings {
  checkRootMapping(addition);
  const merged: Mappings = { ...base, ...addition };
  if (base.dynamic_templates || addition.dynamic_templates) {
    const byName = new Map<string, Record<string, DynamicTemplate>>();
    for (const entry of [...(base.dynamic_templates ?? []), ...(addition.dynamic_templates ?? [])]) byName.set(Object.keys(entry)[0] as string, entry);
    merged.dynamic_templates = [...byName.values()];
  }
  // An index created without mappings shows `{}`, not empty properties.
  if (base.properties !== undefined || addition.properties !== undefined) merged.properties = mergeProperties(base.properties ?? {}, addition.properties ?? {}, '', reason);
  return merged;
}

/** A record's own entry: a field named `constructor` or `toString` is a field, not one of Object.prototype's. */
function own<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function mergeProperties(base: Record<string, FieldMapping>, addition: Record<string, FieldMapping>, prefix: string, reason: MergeReason = 'mapping_update'): Record<string, FieldMapping> {
  const merged: Record<string, FieldMapping> = { ...base };
  for (const [name, field] of Object.entries(addition)) {
    // Dotted names in a mapping (`source.ip`) are objects, as Elasticsearch expands them.
    if (name.includes('.')) {
      const [head, ...rest] = name.split('.');
      const existing = own(merged, head as string);
      const nested: FieldMapping = { properties: { [rest.join('.')]: field } };
      setOwn(merged, head as string, existing ? mergeField(existing, nested, `${prefix}${head}`, reason) : mergeField({ type: 'object' }, nested, `${prefix}${head}`, reason));
      continue;
    }
    const existing = own(merged, name);
    setOwn(merged, name, existing ? mergeField(existing, field, `${prefix}${name}`, reason) : normalizeField(field, `${prefix}${name}`));
  }
  return merged;
}

const isObjectType = (type: string | undefined): boolean => type === undefined || type === 'object' || type === 'nested';

function normalizeField(field: FieldMapping, path: string): FieldMapping {
  const type = field.type ?? (field.properties ? 'object' : undefined);
  if (type !== undefined && UNEMULATED_TYPES.has(type)) throw new EsError(400, 'mapper_parsing_exception', `the field type [${type}] of field [${path}] is valid in Elasticsearch but not supported by the emulator`);
  if (type !== undefined && !SUPPORTED_TYPES.has(type)) throw new EsError(400, 'mapper_parsing_exception', `No handler for type [${type}] declared on field [${path.split('.').at(-1)}]`);
  checkParameters(field, path, type ?? 'object');
  if (field.properties) {
    const { type: _type, ...rest } = field;
    return { ...(type === 'object' ? {} : { type }), ...rest, properties: mergeProperties({}, field.properties, `${path}.`) };
  }
  return field;
}

/** A field's parameters and its multi-fields', as its type's mapper parses them. */
function checkParameters(field: FieldMapping, path: string, type: string): void {
  checkFieldParameters(field, path, type);
  for (const [name, sub] of Object.entries(field.fields ?? {})) if (typeof sub.type === 'string') checkFieldParameters(sub, `${path}.${name}`, sub.type);
}

function mergeField(existing: FieldMapping, addition: FieldMapping, path: string, reason: MergeReason = 'mapping_update'): FieldMapping {
  const existingType = existing.type ?? (existing.properties ? 'object' : undefined);
  const additionType = addition.type ?? (addition.properties ? 'object' : undefined);
  // ObjectMapper.MergeResult: "If we're merging template mappings when creating an index, then a field definition always replaces an existing one."
  if (reason === 'index_template' && !isObjectType(existingType) && additionType !== undefined && !isObjectType(additionType)) return normalizeField(addition, path);
  checkParameters(addition, path, additionType ?? existingType ?? 'object');
  if (existingType !== undefined && additionType !== undefined && existingType !== additionType) {
    throw badRequest(`mapper [${path}] cannot be changed from type [${existingType}] to [${additionType}]`);
  }
  const merged: FieldMapping = { ...existing, ...addition };
  if (existing.properties || addition.properties) {
    merged.properties = mergeProperties(existing.properties ?? {}, addition.properties ?? {}, `${path}.`, reason);
    if (merged.type === 'object') delete merged.type;
  }
  if (existing.fields || addition.fields) merged.fields = { ...existing.fields, ...addition.fields };
  return merged;
}

// ---- indexing a document ---------------------------------------------------------------------------

export interface IndexResult {
  fields: DocFields;
  /** Fields that dynamic mapping added, to merge into the index's mapping. */
  added: Record<string, FieldMapping> | undefined;
}

interface Context {
  mappings: Mappings;
  fields: DocFieldsBuilder;
  addedCount: number;
  /** An empty record of added fields, handed from one object to the next while none adds a field. */
  spareAdded: Record<string, FieldMapping> | undefined;
  id: string;
  /** `index.mapping.depth.limit`: how deep a dynamically added object may sit. */
  depthLimit: number;
  /** `index.mapping.ignore_malformed`: the default of the fields that take `ignore_malformed`. */
  ignoreMalformed: boolean;
  /** The fields of this document not indexed so far, each named once in `_ignored`. */
  ignored: Set<string> | undefined;
  /** `index.mapping.total_fields.limit`, and whether a dynamic field past it is ignored rather than refused. */
  totalFieldsLimit: number;
  ignoreDynamicBeyondLimit: boolean;
  /** The index's own field count, counted once a field is to be added under ignoreDynamicBeyondLimit. */
  existingFields: number | undefined;
}

/** Names a field in the document's `_ignored`, once (Elasticsearch keeps them as a set). */
function noteIgnored(context: Context, path: string): void {
  context.ignored ??= new Set();
  if (context.ignored.has(path)) return;
  context.ignored.add(path);
  context.fields.add(IGNORED_FIELD, path);
}

/** The mapping limits and defaults of an index (`index.mapping.total_fields.limit`, `.depth.limit`, `.ignore_malformed`). */
export interface MappingLimits {
  totalFields: number;
  depth: number;
  ignoreMalformed?: boolean;
  /** `index.mapping.total_fields.ignore_dynamic_beyond_limit`, which Elastic's logs@settings sets. */
  ignoreDynamicBeyondLimit?: boolean;
}

/**
 * Whether a field of `cost` fields (itself and its multi-fields) fits under the total fields limit with what the
 * document added so far.
 */
function fitsFieldsLimit(context: Context, cost: number): boolean {
  context.existingFields ??= countFields(context.mappings);
  return context.existingFields + context.addedCount + cost <= context.totalFieldsLimit;
}

/** The field types that take `ignore_malformed`, and so its index-level default (the ignore_malformed reference page). */
const TAKES_IGNORE_MALFORMED = new Set(['long', 'integer', 'short', 'byte', 'double', 'float', 'half_float', 'scaled_float', 'unsigned_long', 'boolean', 'date', 'date_nanos', 'geo_point', 'ip']);

/** The metadata field listing the fields of a document that were not indexed: malformed and ignored, or over ignore_above. */
export const IGNORED_FIELD = '_ignored';

/** The metadata field of a pre-aggregated document: how many documents it stands for in aggregations' counts. */
export const DOC_COUNT_FIELD = '_doc_count';

/** Elasticsearch's metadata fields (IndicesModule's, and x-pack's `_tier`): a document may not hold one, `_doc_count` apart. */
const METADATA_FIELDS = new Set(['_id', '_index', '_index_mode', '_source', '_ignored', '_ignored_source', '_routing', '_seq_no', '_version', '_nested_path', '_field_names', '_data_stream_timestamp', '_tsid', '_ts_routing_hash', '_tier']);

let docCountsIndexed = false;

/** Whether a document with `_doc_count` was indexed in this process: until then every document counts once, and counting a bucket's hits is enough. */
export function anyDocCounts(): boolean {
  return docCountsIndexed;
}

/** A metadata field written in a document: refused as FieldMapper.parse wraps MetadataFieldMapper's refusal, or `_doc_count` kept. */
function indexMetadataField(context: Context, key: string, value: unknown): void {
  const refuse = (cause: { type: string; reason: string }): never => {
    throw new EsError(400, 'document_parsing_exception', `[1:2] failed to parse field [${key}] of type [${key}] in document with id '${context.id}'. Preview of field's value: '${preview(value)}'`, {}, cause);
  };
  if (key !== DOC_COUNT_FIELD) refuse({ type: 'document_parsing_exception', reason: `[1:2] Field [${key}] is a metadata field and cannot be added inside a document. Use the index API request parameters.` });
  // DocCountFieldMapper.parseCreateField: one number, read as an int (a fraction cut off), positive.
  const values = Array.isArray(value) ? value : [value];
  if (values.length > 1) refuse({ type: 'illegal_argument_exception', reason: `Arrays are not allowed for field [${key}].` });
  const [count] = values;
  if (count === undefined || count === null) return;
  if (typeof count !== 'number') refuse({ type: 'parsing_exception', reason: `Failed to parse object: expecting token of type [VALUE_NUMBER] but found [${typeof count === 'string' ? 'VALUE_STRING' : isJsonObject(count) ? 'START_OBJECT' : 'VALUE_BOOLEAN'}]` });
  const whole = Math.trunc(count);
  if (whole <= 0) refuse({ type: 'illegal_argument_exception', reason: `Field [${key}] must be a positive integer. Value [${whole}] is not allowed.` });
  docCountsIndexed = true;
  context.fields.add(DOC_COUNT_FIELD, whole);
}

function globMatches(patterns: string | string[] | undefined, value: string): boolean | undefined {
  if (patterns === undefined) return undefined;
  return (Array.isArray(patterns) ? patterns : [patterns]).some((pattern) => globToRegex(pattern).test(value));
}

function dynamicType(value: unknown, mappings: Mappings): string {
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'long' : 'double';
  if (typeof value === 'object' && value !== null) return 'object';
  if (typeof value === 'string') {
    if (detectedDateFormat(value, mappings) !== undefined) return 'date';
    if (mappings.numeric_detection === true && /^-?\d+(\.\d+)?$/.test(value)) return value.includes('.') ? 'double' : 'long';
    return 'string';
  }
  return 'string';
}

/**
 * The default `dynamic_date_formats`, with the format the new field is mapped with (as the dynamic mapping
 * documentation shows: `"2015/09/02"` maps as a date with `yyyy/MM/dd HH:mm:ss||yyyy/MM/dd||epoch_millis`).
 * The zone of `yyyy/MM/dd … Z` is optional, as in Elasticsearch's own parser.
 */
const DEFAULT_DATE_DETECTION: Array<{ parse: string[]; mapped: string | undefined }> = [
  { parse: ['strict_date_optional_time'], mapped: undefined },
  { parse: ['yyyy/MM/dd HH:mm:ss Z', 'yyyy/MM/dd HH:mm:ss', 'yyyy/MM/dd Z', 'yyyy/MM/dd'], mapped: 'yyyy/MM/dd HH:mm:ss||yyyy/MM/dd||epoch_millis' },
];

/** The date format a new string field is detected with, or undefined when it is no date (`mapped` undefined: the default format). */
function detectedDateFormat(value: string, mappings: Mappings): { mapped: string | undefined } | undefined {
  if (mappings.date_detection === false || !/^\d{4}[-/]\d{2}/.test(value)) return undefined;
  const formats = mappings.dynamic_date_formats;
  if (formats !== undefined) {
    const found = formats.find((format) => parseDate(value, format) !== undefined);
    return found === undefined ? undefined : { mapped: found };
  }
  const found = DEFAULT_DATE_DETECTION.find((entry) => entry.parse.some((format) => parseDate(value, format) !== undefined));
  return found === undefined ? undefined : { mapped: found.mapped };
}

/** Elasticsearch's dynamic mapping for a new field: dynamic templates first, then its default rules. */
function dynamicMapping(name: string, path: string, value: unknown, mappings: Mappings): FieldMapping {
  const detected = dynamicType(value, mappings);
  for (const entry of mappings.dynamic_templates ?? []) {
    const template = Object.values(entry)[0] as DynamicTemplate;
    const mappingType = template.match_mapping_type;
    if (mappingType !== undefined && mappingType !== '*') {
      const types = Array.isArray(mappingType) ? mappingType : [mappingType];
      if (!types.includes(detected) && !(detected === 'double' && types.includes('long') === false && types.includes('double'))) continue;
    }
    if (globMatches(template.match, name) === false || globMatches(template.unmatch, name) === true) continue;
    if (globMatches(template.path_match, path) === false || globMatches(template.path_unmatch, path) === true) continue;
    const text = JSON.stringify(template.mapping).replaceAll('{name}', name).replaceAll('{dynamic_type}', detected === 'string' ? 'keyword' : detected);
    return JSON.parse(text) as FieldMapping;
  }
  switch (detected) {
    case 'string':
      return { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } };
    case 'double':
      return { type: 'float' };
    case 'object':
      return { properties: {} };
    case 'date': {
      const format = detectedDateFormat(value as string, mappings)?.mapped;
      return format === undefined ? { type: 'date' } : { type: 'date', format };
    }
    default:
      return { type: detected };
  }
}

function preview(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 20 ? `${text.slice(0, 20)}...` : text;
}

function fieldError(path: string, type: string, value: unknown, id: string, why?: string): EsError {
  return new EsError(400, 'document_parsing_exception', `[1:2] failed to parse field [${path}] of type [${type}] in document with id '${id}'. Preview of field's value: '${preview(value)}'`, {}, why ? { type: 'illegal_argument_exception', reason: why } : undefined);
}

export function parseGeoPoint(value: unknown): GeoPoint | undefined {
  let lat: number | undefined;
  let lon: number | undefined;
  if (Array.isArray(value) && value.length >= 2) [lon, lat] = value as [number, number];
  else if (typeof value === 'object' && value !== null) {
    const object = value as { lat?: unknown; lon?: unknown; type?: unknown; coordinates?: unknown };
    if (object.type === 'Point' && Array.isArray(object.coordinates)) [lon, lat] = object.coordinates as [number, number];
    else {
      lat = Number(object.lat);
      lon = Number(object.lon);
    }
  } else if (typeof value === 'string') {
    const wkt = /^\s*POINT\s*\(\s*(-?[\d.]+)\s+(-?[\d.]+)\s*\)\s*$/i.exec(value);
    const pair = /^\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*$/.exec(value);
    if (wkt) [lon, lat] = [Number(wkt[1]), Number(wkt[2])];
    else if (pair) [lat, lon] = [Number(pair[1]), Number(pair[2])];
    else if (/^[0-9b-hjkmnp-z]{1,12}$/.test(value)) return decodeGeohash(value);
  }
  if (typeof lat !== 'number' || typeof lon !== 'number' || !Number.isFinite(lat) || !Number.isFinite(lon)) return undefined;
  if (lat < -90 || lat > 90 || lon < -180 || lon > 180) return undefined;
  return { lat, lon };
}

function decodeGeohash(hash: string): GeoPoint {
  const alphabet = '0123456789bcdefghjkmnpqrstuvwxyz';
  let even = true;
  const lat = [-90, 90];
  const lon = [-180, 180];
  for (const char of hash) {
    const bits = alphabet.indexOf(char);
    for (let mask = 16; mask > 0; mask >>= 1) {
      const range = even ? lon : lat;
      const mid = ((range[0] as number) + (range[1] as number)) / 2;
      if (bits & mask) range[0] = mid;
      else range[1] = mid;
      even = !even;
    }
  }
  return { lat: ((lat[0] as number) + (lat[1] as number)) / 2, lon: ((lon[0] as number) + (lon[1] as number)) / 2 };
}

/**
 * A value that does not fit its field: nothing to index when the field ignores malformed values, else the
 * error. A function of its own, not a closure in convert: a closure there was made for every value indexed
 * (2.3 KB of each Sluice document's 11 KB of allocation in a sampling profile of the emulator).
 */
function malformed(path: string, def: FieldMapping, type: string, value: unknown, id: string, ignoreByDefault: boolean, why?: string): undefined {
  if (def.ignore_malformed ?? (ignoreByDefault && TAKES_IGNORE_MALFORMED.has(type))) return undefined;
  throw fieldError(path, type, value, id, why);
}

/** One value converted to the field's type, or an EsError. `undefined`: nothing to index (ignore_above, ignore_malformed). */
function convert(path: string, def: FieldMapping, type: string, value: unknown, id: string, ignoreByDefault: boolean): FieldValue | undefined {
  switch (type) {
    case 'keyword':
    case 'wildcard': {
      if (typeof value === 'object') return malformed(path, def, type, value, id, ignoreByDefault);
      const text = String(value);
      if (def.ignore_above !== undefined && text.length > def.ignore_above) return undefined;
      return text;
    }
    case 'constant_keyword': {
      const text = String(value);
      if (def.value !== undefined && def.value !== text) {
        throw new EsError(400, 'document_parsing_exception', `[1:2] failed to parse field [${path}] of type [constant_keyword] in document with id '${id}'. Preview of field's value: '${text}'`, {}, { type: 'illegal_argument_exception', reason: `[constant_keyword] field [${path}] only accepts values that are equal to the value defined in the mappings [${String(def.value)}], but got [${text}]` });
      }
      return text;
    }
    case 'text':
    case 'match_only_text':
      if (typeof value === 'object') return malformed(path, def, type, value, id, ignoreByDefault);
      return String(value);
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true') return true;
      if (value === 'false' || value === '') return false;
      return malformed(path, def, type, value, id, ignoreByDefault, `Failed to parse value [${String(value)}] as only [true] or [false] are allowed.`);
    case 'date':
    case 'date_nanos': {
      const parsed = parseDate(value, def.format ?? DEFAULT_DATE_FORMAT);
      return parsed === undefined ? malformed(path, def, type, value, id, ignoreByDefault, `failed to parse date field [${String(value)}] with format [${def.format ?? DEFAULT_DATE_FORMAT}]`) : parsed;
    }
    case 'ip': {
      const text = String(value);
      const plain = text.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
      return isIP(plain) === 0 ? malformed(path, def, type, value, id, ignoreByDefault, `'${text}' is not an IP string literal.`) : plain.toLowerCase();
    }
    case 'geo_point': {
      const point = parseGeoPoint(value);
      return point ?? malformed(path, def, type, value, id, ignoreByDefault, 'unsupported or invalid geo_point');
    }
    default: {
      if (!isNumericType(type)) return malformed(path, def, type, value, id, ignoreByDefault);
      const coerce = def.coerce !== false;
      let number: number;
      if (typeof value === 'number') number = value;
      else if (typeof value === 'string' && coerce && value.trim() !== '' && !Number.isNaN(Number(value))) number = Number(value);
      else return malformed(path, def, type, value, id, ignoreByDefault, typeof value === 'string' ? `For input string: "${value}"` : undefined);
      if (!Number.isFinite(number)) return malformed(path, def, type, value, id, ignoreByDefault);
      const range = INTEGER_RANGES[type];
      if (range !== undefined) {
        if (!Number.isInteger(number) && !coerce) return malformed(path, def, type, value, id, ignoreByDefault, `Value [${number}] has a decimal part`);
        number = Math.trunc(number);
        if (number < range[0] || number > range[1]) return malformed(path, def, type, value, id, ignoreByDefault, `Value [${number}] is out of range for ${type === 'long' ? 'a long' : `an ${type}`}`);
      }
      if (type === 'scaled_float') {
        const factor = def.scaling_factor ?? 1;
        number = Math.round(number * factor) / factor;
      }
      if (type === 'float' || type === 'half_float') {
        const single = Math.fround(number);
        number = type === 'float' ? single : toHalfFloat(single);
        // Past the type's largest value the number rounds to an infinity, which NumberType.validateParsed refuses.
        if (!Number.isFinite(number)) return malformed(path, def, type, value, id, ignoreByDefault, `[${type}] supports only finite values, but got [${javaFloatText(single)}]`);
      }
      return number;
    }
  }
}

/** Whether indexing leaves this source value out of the field: malformed (and ignored), or over `ignore_above`. */
export function leftOutOf(def: FieldDef, value: unknown): boolean {
  return convert(def.path, def.mapping, def.type, value, '', true) === undefined;
}

/** A geo_point may itself be an array ([lon, lat]); an array of them holds several points. */
function isNumberPair(value: unknown): boolean {
  return Array.isArray(value) && (value.length === 2 || value.length === 3) && value.every((item) => typeof item === 'number');
}

function indexValue(context: Context, field: PreparedField, item: unknown): void {
  const { path, mapping, type } = field;
  const value = item === null ? mapping.null_value : item;
  if (value === null || value === undefined) return;
  if (type === 'flattened') {
    indexFlattened(context, path, value);
    return;
  }
  const converted = convert(path, mapping, type, value, context.id, context.ignoreMalformed);
  // Not indexed (malformed and ignored, or over ignore_above): named in `_ignored`, as Elasticsearch does.
  if (converted === undefined) {
    noteIgnored(context, path);
    return;
  }
  context.fields.add(path, converted);
  for (const sub of field.subFields) {
    const subValue = convert(sub.path, sub.mapping, sub.type, value, context.id, context.ignoreMalformed);
    if (subValue !== undefined) context.fields.add(sub.path, subValue);
    else noteIgnored(context, sub.path);
  }
}

/** An array's values with nested arrays flattened (Elasticsearch indexes `[[1, 2], 3]` as 1, 2, 3): the array itself when none is nested, the usual case. */
function flattened(values: unknown[]): unknown[] {
  for (const value of values) if (Array.isArray(value)) return values.flat(Infinity);
  return values;
}

/** Indexes one leaf value or array of them; called once per field per document, so it avoids allocating. */
function indexLeaf(context: Context, field: PreparedField, raw: unknown): void {
  const type = field.type;
  if (!Array.isArray(raw) || (type === 'geo_point' && isNumberPair(raw))) {
    indexValue(context, field, raw);
    return;
  }
  for (const item of type === 'geo_point' ? raw : flattened(raw)) indexValue(context, field, item);
}

function indexFlattened(context: Context, path: string, value: unknown, keyPath = ''): void {
  if (isJsonObject(value)) {
    for (const [key, child] of Object.entries(value)) indexFlattened(context, path, child, keyPath === '' ? key : `${keyPath}.${key}`);
    return;
  }
  for (const item of Array.isArray(value) ? value : [value]) {
    if (item === null || typeof item === 'object') continue;
    context.fields.add(path, String(item));
    if (keyPath !== '') context.fields.add(`${path}.${keyPath}`, String(item));
  }
}

const NO_PROPERTIES: Record<string, FieldMapping> = {};

/**
 * A field as indexing needs it, worked out once per mapping rather than once per field per document: its
 * full path, its type, its sub-fields' paths, and for an object its children prepared the same way.
 */
interface PreparedField {
  mapping: FieldMapping;
  type: string;
  path: string;
  /** `path.`, the prefix of its children's paths. */
  childPrefix: string;
  subFields: Array<{ path: string; mapping: FieldMapping; type: string }>;
  children: Map<string, PreparedField> | undefined;
}

const NO_PREPARED = new Map<string, PreparedField>();
const NO_SUB_FIELDS: PreparedField['subFields'] = [];

/** Prepared properties by mapping: a mapping is replaced, never changed in place, when fields are added. */
const preparedMappings = new WeakMap<Mappings, Map<string, PreparedField>>();

function prepareField(mapping: FieldMapping, path: string, prepareChildren: boolean): PreparedField {
  const type = mapping.type ?? 'object';
  const subFields = mapping.fields === undefined ? NO_SUB_FIELDS : Object.entries(mapping.fields).map(([sub, subMapping]) => ({ path: `${path}.${sub}`, mapping: subMapping, type: subMapping.type ?? 'keyword' }));
  const children = prepareChildren && (type === 'object' || type === 'nested') ? prepareProperties(mapping.properties, `${path}.`) : undefined;
  return { mapping, type, path, childPrefix: joinPath(path, '.'), subFields, children };
}

function prepareProperties(properties: Record<string, FieldMapping> | undefined, prefix: string): Map<string, PreparedField> {
  const prepared = new Map<string, PreparedField>();
  for (const [key, mapping] of Object.entries(properties ?? NO_PROPERTIES)) prepared.set(key, prepareField(mapping, `${prefix}${key}`, true));
  return prepared;
}

function preparedMapping(mappings: Mappings): Map<string, PreparedField> {
  let prepared = preparedMappings.get(mappings);
  if (prepared === undefined) preparedMappings.set(mappings, (prepared = prepareProperties(mappings.properties, '')));
  return prepared;
}

/** Beyond this many cached paths (documents with arbitrary keys), paths are joined anew each time. */
const MAX_CACHED_PATHS = 100_000;
const pathCache = new Map<string, Map<string, string>>();
let cachedPaths = 0;

/**
 * `prefix + key`, the same string object each time: every document walks the same few dozen paths, and a
 * string made once keeps its hash, where a new one per field per document is built and hashed again for
 * each lookup.
 */
function joinPath(prefix: string, key: string): string {
  let byKey = pathCache.get(prefix);
  if (byKey === undefined) {
    byKey = new Map();
    if (cachedPaths < MAX_CACHED_PATHS) pathCache.set(prefix, byKey);
  }
  let path = byKey.get(key);
  if (path === undefined) {
    path = prefix + key;
    if (cachedPaths < MAX_CACHED_PATHS) {
      cachedPaths += 1;
      byKey.set(key, path);
    }
  }
  return path;
}

/** Whitespace as Java's String.isBlank reads it (Character.isWhitespace: not the no-break spaces). */
const JAVA_BLANK = /^[\t\n\v\f\r\x1c-\x1f \u1680\u2000-\u2006\u2008-\u200a\u2028\u2029\u205f\u3000]*$/;

/**
 * The field names Elasticsearch refuses, with its words (DocumentParser.innerParseObject, and
 * DotExpandingXContentParser.splitAndValidatePath for dotted names, whose two messages are crossed there as here).
 * Java's split drops trailing empty parts: `"a."` is read as `a` (elastic/elasticsearch#28948), `"."` is only dots.
 */
function refuseFieldName(key: string, prefix: string): void {
  const first = key.charCodeAt(0);
  // Nearly every name: visible ASCII first, not a dot, and no dot in it.
  if (first > 32 && first < 127 && first !== 46 && !key.includes('.')) return;
  const refuse = (reason: string): never => {
    throw new EsError(400, 'document_parsing_exception', `[1:2] failed to parse: ${reason}`, {}, { type: 'illegal_argument_exception', reason });
  };
  if (key === '') refuse('Field name cannot be an empty string');
  if (!key.includes('.')) {
    if (JAVA_BLANK.test(key)) throw new EsError(400, 'document_parsing_exception', `[1:2] Field name cannot contain only whitespace: [${prefix}${key}]`);
    return;
  }
  const parts = key.replace(/\.+$/, '').split('.');
  if (parts.length === 1 && parts[0] === '') refuse('field name cannot contain only dots');
  if (parts.some((part) => part === '')) refuse(`field name cannot contain only whitespace: ['${key}']`);
  if (parts.some((part) => JAVA_BLANK.test(part))) refuse(`field name starting or ending with a [.] makes object resolution ambiguous: [${key}]`);
}

function indexObject(
  context: Context,
  object: Record<string, unknown>,
  prepared: Map<string, PreparedField>,
  properties: Record<string, FieldMapping>,
  added: Record<string, FieldMapping>,
  prefix: string,
  dynamic: string,
): void {
  for (const key in object) {
    const value = object[key];
    let field = prepared.get(key);
    if (field === undefined) {
      refuseFieldName(key, prefix);
      if (prefix === '' && key.charCodeAt(0) === 95 && (METADATA_FIELDS.has(key) || key === DOC_COUNT_FIELD)) {
        indexMetadataField(context, key, value);
        continue;
      }
      // A dotted key (`"source.ip": …`) is the same as nested objects.
      if (key.includes('.') && !Object.hasOwn(properties, key)) {
        const name = key.replace(/\.+$/, '');
        const dot = name.indexOf('.');
        const expanded = dot < 0 ? { [name]: value } : { [name.slice(0, dot)]: { [name.slice(dot + 1)]: value } };
        indexObject(context, expanded, prepared, properties, added, prefix, dynamic);
        continue;
      }
      const path = joinPath(prefix, key);
      // Fields this document added (to an earlier element of the same array, say) are in `properties` by now.
      let mapping = own(properties, key) ?? own(added, key);
      if (mapping === undefined) {
        if (value === null) continue;
        if (dynamic === 'strict') {
          throw new EsError(400, 'strict_dynamic_mapping_exception', `[1:2] mapping set to strict, dynamic introduction of [${key}] within [${prefix === '' ? '_doc' : prefix.slice(0, -1)}] is not allowed`);
        }
        if (dynamic === 'false' || dynamic === 'runtime') continue;
        // Arrays of arrays are flattened, so the first non-null leaf decides the type.
        const sample = Array.isArray(value) ? value.flat(Infinity).find((item) => item !== null) : value;
        if (sample === undefined) continue;
        mapping = dynamicMapping(key, path, sample, context.mappings);
        // Depth counts the root: an object at `a.b` holds fields at depth 3 (MappingLookup.checkObjectDepthLimit).
        if ((mapping.type === undefined || mapping.type === 'object') && path.split('.').length + 1 > context.depthLimit) {
          const reason = `Limit of mapping depth [${context.depthLimit}] has been exceeded due to object field [${path}]`;
          throw new EsError(400, 'document_parsing_exception', `[1:2] failed to parse: ${reason}`, {}, { type: 'illegal_argument_exception', reason });
        }
        const cost = 1 + Object.keys(mapping.fields ?? {}).length;
        // Past the limit, as with `dynamic: false`, but named in `_ignored` (an object with all under it).
        if (context.ignoreDynamicBeyondLimit && !fitsFieldsLimit(context, cost)) {
          noteIgnored(context, path);
          continue;
        }
        setOwn(added, key, mapping);
        context.addedCount += cost;
      }
      // A field this document adds: prepared for this use only, its children looked up in its mapping as they come.
      field = prepareField(mapping, path, false);
    }
    if (field.type === 'object' || field.type === 'nested') {
      if (value !== null && field.mapping.enabled !== false) indexChildren(context, field, key, value, added, dynamic);
      continue;
    }
    if (isJsonObject(value) && field.type !== 'geo_point' && field.type !== 'flattened') {
      throw new EsError(400, 'document_parsing_exception', `[1:2] failed to parse field [${field.path}] of type [${field.type}] in document with id '${context.id}'. Preview of field's value: '${preview(value)}'`);
    }
    indexLeaf(context, field, value);
  }
}

/** The object (or array of objects) under an object field. */
function indexChildren(context: Context, field: PreparedField, key: string, value: unknown, added: Record<string, FieldMapping>, dynamic: string): void {
  if (!Array.isArray(value)) indexChild(context, field, key, value, added, dynamic);
  else for (const child of flattened(value)) indexChild(context, field, key, child, added, dynamic);
}

/** One object under an object field; the fields it adds are merged into the field's mapping in `added`. */
function indexChild(context: Context, field: PreparedField, key: string, child: unknown, added: Record<string, FieldMapping>, dynamic: string): void {
  if (child === null) return;
  if (typeof child !== 'object' || Array.isArray(child)) {
    throw new EsError(400, 'document_parsing_exception', `[1:2] object mapping for [${field.path}] tried to parse field [${key}] as object, but found a concrete value`);
  }
  // The field's mapping as this document has grown it so far (an earlier element of the same array may have).
  const mapping = own(added, key) ?? field.mapping;
  const before = context.addedCount;
  // Every field added is counted: while the count stands still, the record stays empty and serves the next
  // object (one new record per object was 0.8 KB of each Sluice document's allocation).
  const childAdded = context.spareAdded ?? {};
  context.spareAdded = undefined;
  const childDynamic = mapping.dynamic === undefined ? dynamic : String(mapping.dynamic);
  indexObject(context, child as Record<string, unknown>, field.children ?? NO_PREPARED, mapping.properties ?? NO_PROPERTIES, childAdded, field.childPrefix, childDynamic);
  if (context.addedCount !== before) setOwn(added, key, { ...mapping, properties: { ...(mapping.properties ?? {}), ...childAdded } });
  else context.spareAdded = childAdded;
}

/**
 * Turns a document's source into searchable values by the index's mapping, adding fields by dynamic
 * mapping where allowed. A value that does not fit its field throws the EsError Elasticsearch returns.
 */
export function indexDocument(source: Record<string, unknown>, mappings: Mappings, id: string, limits: MappingLimits): IndexResult {
  const totalFieldsLimit = limits.totalFields;
  const context: Context = {
    mappings, fields: new DocFieldsBuilder(), addedCount: 0, spareAdded: undefined, id, depthLimit: limits.depth, ignoreMalformed: limits.ignoreMalformed === true, ignored: undefined,
    totalFieldsLimit, ignoreDynamicBeyondLimit: limits.ignoreDynamicBeyondLimit === true, existingFields: undefined,
  };
  const added: Record<string, FieldMapping> = {};
  indexObject(context, source, preparedMapping(mappings), mappings.properties ?? NO_PROPERTIES, added, '', mappings.dynamic === undefined ? 'true' : String(mappings.dynamic));
  if (context.addedCount > 0 && (context.existingFields ?? countFields(mappings)) + context.addedCount > totalFieldsLimit) {
    throw new EsError(400, 'document_parsing_exception', `[1:2] failed to parse: Limit of total fields [${totalFieldsLimit}] has been exceeded while adding new fields [${context.addedCount}]`, {}, {
      type: 'illegal_argument_exception',
      reason: `Limit of total fields [${totalFieldsLimit}] has been exceeded while adding new fields [${context.addedCount}]`,
    });
  }
  return { fields: context.fields.build(), added: Object.keys(added).length > 0 ? added : undefined };
}
