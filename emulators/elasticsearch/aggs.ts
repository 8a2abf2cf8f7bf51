import { parseTimeValue } from '../../shared/time-value.js';
import { addUnits, calendarUnit, DEFAULT_DATE_FORMAT, formatDate, isTimeZone, resolveDateMath, roundDown, zoneOffset, type CalendarUnit } from './dates.js';
import { formatDecimal, isDecimalPattern } from './decimal-format.js';
import { planSort } from './field-sort.js';
import { badRequest, EsError, parsingError, ShardLevelError } from './errors.js';
import { includeExclude, termKeyOf, type TermKey } from './include-exclude.js';
import { anyDocCounts, DOC_COUNT_FIELD, isNumericType, isTextType, type FieldValue } from './mapping.js';
import { compileQuery, parseSort, type SearchContext } from './query.js';
import { filterSource } from './source-filter.js';
import { sourceOf, type Doc, type Json } from './store.js';
import { AGGREGATION_OPTIONS, badFieldValue, checkKeys, COMPOSITE_SOURCE_OPTIONS, METRIC_AGGREGATIONS, numberOption, UNSUPPORTED_AGGREGATIONS, unknownField } from './strict.js';

/** A matching document with its index name and score, as aggregations and hits need them. */
export interface Hit {
  doc: Doc;
  index: string;
  score: number;
  order: number;
}

type Result = Json;

/**
 * A bucket's `doc_count`: its documents, each counted as its `_doc_count` says (a pre-aggregated document stands for
 * that many, as DocCountProvider reads it), else once.
 */
function countOf(hits: readonly Hit[]): number {
  if (!anyDocCounts()) return hits.length;
  let count = 0;
  for (const hit of hits) count += (hit.doc.fields.get(DOC_COUNT_FIELD)?.[0] as number | undefined) ?? 1;
  return count;
}

const BUCKET_TYPES = new Set(['date_histogram', 'histogram', 'terms', 'filter', 'filters', 'range', 'date_range', 'composite', 'missing', 'global']);

/** Aggregations that read numbers (dates and booleans count as numbers); a keyword, text or ip field is refused. */
const NUMERIC_AGGREGATIONS = new Set(['avg', 'sum', 'min', 'max', 'stats', 'extended_stats', 'percentiles', 'percentile_ranks', 'histogram', 'range']);

function fieldOf(spec: Json, type: string, context: SearchContext): string {
  if (spec.script !== undefined) throw badRequest(`[${type}] scripts are not supported by the emulator`);
  const field = spec.field;
  if (typeof field !== 'string') throw badRequest(`Required one of fields [field, script], but none were specified.`);
  const def = context.fields.get(field);
  if (def && isTextType(def.type)) {
    throw badRequest(`Fielddata is disabled on [${field}] in [${type}]. Text fields are not optimised for operations that require per-document field data like aggregations and sorting, so these operations are disabled by default. Please use a keyword field instead.`);
  }
  if (def && NUMERIC_AGGREGATIONS.has(type) && !isNumericType(def.type) && def.type !== 'date' && def.type !== 'date_nanos' && def.type !== 'boolean') {
    throw new ShardLevelError(400, 'illegal_argument_exception', `Field [${field}] of type [${def.type}] is not supported for aggregation [${type}]`);
  }
  return field;
}

function isDateField(field: string, context: SearchContext): boolean {
  const type = context.fields.get(field)?.type;
  return type === 'date' || type === 'date_nanos';
}

/**
 * How an aggregation writes a value of a field of `type` as text (its DocValueFormat): a date in the aggregation's
 * `format` or else the mapping's, a number only when the aggregation gives a DecimalFormat `format`; undefined when it
 * writes none. `type` is the mapping's, or a `value_type`'s for an unmapped field.
 */
function valueFormat(spec: Json, type: string | undefined, mappingFormat: string | undefined, zone?: string): ((value: number) => string) | undefined {
  const format = spec.format as string | undefined;
  if (type === 'date' || type === 'date_nanos') {
    const pattern = format ?? mappingFormat ?? DEFAULT_DATE_FORMAT;
    return (value) => formatDate(value, pattern, zone);
  }
  return isDecimalPattern(format) ? (value) => formatDecimal(value, format) : undefined;
}

/** valueFormat for a field as the searched indices map it. */
function fieldFormat(spec: Json, field: string, context: SearchContext, zone?: string): ((value: number) => string) | undefined {
  const def = context.fields.get(field);
  return valueFormat(spec, def?.type, def?.mapping.format, zone);
}

function numbers(hit: Hit, field: string, missing: unknown): number[] {
  const values = hit.doc.fields.get(field);
  if (values === undefined || values.length === 0) return missing === undefined ? [] : [Number(missing)];
  const out: number[] = [];
  for (const value of values) {
    if (typeof value === 'number') out.push(value);
    else if (typeof value === 'boolean') out.push(value ? 1 : 0);
  }
  return out;
}

/**
 * Percentiles as Elasticsearch computes them since 8.9 (its `HybridDigest` starts as a `SortingDigest`,
 * libs/tdigest `Dist.quantile`): linear interpolation over the sorted values at q·(n−1). For
 * [1, 51, 101, 151]: p1 2.5, p25 38.5, p50 76, p99 149.5.
 */
function percentile(sorted: number[], percent: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const index = (percent / 100) * (n - 1);
  if (index <= 0) return sorted[0] as number;
  if (index >= n - 1) return sorted[n - 1] as number;
  const low = Math.floor(index);
  const weight = index - low;
  return (sorted[low] as number) + weight * ((sorted[low + 1] as number) - (sorted[low] as number));
}

/** The rank of a value (libs/tdigest `Dist.cdf`): values below count whole, equal ones half, the gap to the next interpolated. */
function percentileRank(sorted: number[], value: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (value < (sorted[0] as number)) return 0;
  let below = 0.5;
  let equal = 0;
  for (let i = 1; i < n; i += 1) {
    const current = sorted[i] as number;
    if (current > value) {
      if (equal > 0) return (100 * (below + 0.5 * equal)) / n;
      const previous = sorted[i - 1] as number;
      return (100 * (below + (value - previous) / (current - previous))) / n;
    }
    if (current < value) below += 1;
    else equal += 1;
  }
  return (100 * (n - 0.5 * equal)) / n;
}

/** The `percents` or `values` list of a percentiles aggregation: a non-empty list of numbers. */
function numberList(spec: Json, key: string, type: string, fallback: number[] | undefined): number[] {
  const value = spec[key];
  if (value === undefined && fallback !== undefined) return fallback;
  if (!Array.isArray(value)) throw badFieldValue(type, key, `[${key}] must not be null: [${type}]`);
  if (value.length === 0) throw badFieldValue(type, key, `[${key}] must not be empty: [${type}]`);
  if (!value.every((item) => typeof item === 'number')) throw badFieldValue(type, key, `[${key}] must be numbers`);
  return value as number[];
}

/** The `tdigest` and `hdr` options: checked, since they change nothing the emulator answers for its exact digest. */
function checkDigestOptions(spec: Json, type: string): void {
  const tdigest = spec.tdigest as Json | undefined;
  if (tdigest !== undefined) {
    checkKeys(tdigest, ['compression', 'execution_hint'], unknownField('tdigest'));
    const compression = numberOption(tdigest, 'compression', 'tdigest', 100);
    if (compression < 0) throw badFieldValue(type, 'tdigest', `[compression] must be greater than or equal to 0. Found [${compression.toFixed(1)}] in [${type}]`);
  }
  if (spec.hdr !== undefined) throw new EsError(400, 'illegal_argument_exception', `[hdr] percentiles are valid in Elasticsearch but not supported by the emulator`);
}

function keyString(value: number): string {
  return Number.isInteger(value) ? `${value}.0` : String(value);
}

/** A sum as Elasticsearch keeps it (CompensatedSum, Kahan's summation), so that sums of fractions come out as its do. */
function compensatedSum(values: number[], term: (value: number) => number = (value) => value): number {
  let total = 0;
  let delta = 0;
  for (const value of values) {
    const x = term(value);
    if (!Number.isFinite(x)) total = x + total;
    if (Number.isFinite(total)) {
      const corrected = x + delta;
      const updated = total + corrected;
      delta = corrected - (updated - total);
      total = updated;
    }
  }
  return total;
}

/** Jackson writes a double that is not a number as text. */
function jsonDouble(value: number): number | string {
  return Number.isFinite(value) ? value : Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
}

/**
 * What extended_stats adds to stats (InternalExtendedStats): variance and deviation over the population and the
 * sample, and the bounds `sigma` deviations either side of the mean; all null when no value was counted.
 */
function extendedStats(name: string, spec: Json, values: number[], sum: number, asText: ((value: number) => string) | undefined): Result {
  const sigma = numberOption(spec, 'sigma', 'extended_stats', 2);
  if (sigma < 0) throw badFieldValue('extended_stats', 'sigma', `[sigma] must be greater than or equal to 0. Found [${keyString(sigma)}] in [${name}]`);
  const count = values.length;
  if (count === 0) {
    const bounds = { upper: null, lower: null, upper_population: null, lower_population: null, upper_sampling: null, lower_sampling: null };
    return { sum_of_squares: null, variance: null, variance_population: null, variance_sampling: null, std_deviation: null, std_deviation_population: null, std_deviation_sampling: null, std_deviation_bounds: bounds };
  }
  const squares = compensatedSum(values, (value) => value * value);
  const avg = sum / count;
  const population = Math.max(0, (squares - (sum * sum) / count) / count);
  const sampling = (squares - (sum * sum) / count) / (count - 1);
  const sample = Number.isNaN(sampling) ? sampling : Math.max(0, sampling);
  const figures = {
    sum_of_squares: squares,
    variance: population,
    variance_population: population,
    variance_sampling: sample,
    std_deviation: Math.sqrt(population),
    std_deviation_population: Math.sqrt(population),
    std_deviation_sampling: Math.sqrt(sample),
  };
  const bounds = {
    upper: avg + Math.sqrt(population) * sigma,
    lower: avg - Math.sqrt(population) * sigma,
    upper_population: avg + Math.sqrt(population) * sigma,
    lower_population: avg - Math.sqrt(population) * sigma,
    upper_sampling: avg + Math.sqrt(sample) * sigma,
    lower_sampling: avg - Math.sqrt(sample) * sigma,
  };
  const written = (record: Record<string, number>): Record<string, number | string> => Object.fromEntries(Object.entries(record).map(([key, value]) => [key, jsonDouble(value)]));
  const result: Result = { ...written(figures), std_deviation_bounds: written(bounds) };
  if (asText !== undefined) {
    for (const [key, value] of Object.entries(figures)) result[`${key}_as_string`] = asText(value);
    result.std_deviation_bounds_as_string = Object.fromEntries(Object.entries(bounds).map(([key, value]) => [key, asText(value)]));
  }
  return result;
}

function metric(name: string, type: string, spec: Json, hits: Hit[], context: SearchContext): Result {
  if (type === 'top_hits') {
    const keys = parseSort(spec.sort);
    const plan = planSort(keys, context);
    const sorted = hits.map((hit) => ({ hit, values: plan.valuesOf(hit) }));
    if (keys.length === 0) sorted.sort((a, b) => b.hit.score - a.hit.score || a.hit.order - b.hit.order);
    else sorted.sort((a, b) => plan.compare(a.values, b.values) || a.hit.order - b.hit.order);
    const from = Number(spec.from ?? 0);
    const size = Number(spec.size ?? 3);
    return {
      hits: {
        total: { value: hits.length, relation: 'eq' },
        max_score: keys.length === 0 && hits.length > 0 ? hits.reduce((max, hit) => (hit.score > max ? hit.score : max), -Infinity) : null,
        hits: sorted.slice(from, from + size).map(({ hit, values }) => {
          const source = filterSource(sourceOf(hit.doc), spec._source);
          return { _index: hit.index, _id: hit.doc.id, _score: keys.length === 0 ? hit.score : null, ...(source === undefined ? {} : { _source: source }), ...(keys.length > 0 ? { sort: plan.written(hit, values) } : {}) };
        }),
      },
    };
  }
  const field = fieldOf(spec, type, context);
  if (type === 'value_count' || type === 'cardinality') {
    // With `missing`, a document without the field counts its one stand-in value (ValuesSource's replaceMissing).
    const standIn = spec.missing === undefined ? 0 : 1;
    if (type === 'value_count') return { value: hits.reduce((sum, hit) => sum + (hit.doc.fields.get(field)?.length || standIn), 0) };
    const threshold = Math.trunc(numberOption(spec, 'precision_threshold', type, 0));
    if (threshold < 0) throw badFieldValue(type, 'precision_threshold', `[precisionThreshold] must be greater than or equal to 0. Found [${threshold}] in [${name}]`);
    const distinct = new Set<string>();
    for (const hit of hits) for (const value of hit.doc.fields.get(field) ?? (spec.missing === undefined ? [] : [spec.missing as FieldValue])) distinct.add(JSON.stringify(value));
    return { value: distinct.size };
  }
  const values: number[] = [];
  for (const hit of hits) for (const value of numbers(hit, field, spec.missing)) values.push(value);
  const asText = fieldFormat(spec, field, context);
  const withString = (value: number | null): Result => ({ value, ...(asText !== undefined && value !== null ? { value_as_string: asText(value) } : {}) });
  const sum = compensatedSum(values);
  let min = Infinity;
  let max = -Infinity;
  for (const value of values) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  switch (type) {
    case 'avg':
      return withString(values.length === 0 ? null : sum / values.length);
    case 'sum':
      return withString(sum);
    case 'min':
      return withString(values.length === 0 ? null : min);
    case 'max':
      return withString(values.length === 0 ? null : max);
    case 'stats':
    case 'extended_stats': {
      const count = values.length;
      const stats: Result = { count, min: count ? min : null, max: count ? max : null, avg: count ? sum / count : null, sum };
      if (count > 0 && asText !== undefined) Object.assign(stats, { min_as_string: asText(min), max_as_string: asText(max), avg_as_string: asText(sum / count), sum_as_string: asText(sum) });
      return type === 'extended_stats' ? { ...stats, ...extendedStats(name, spec, values, sum, count > 0 ? asText : undefined) } : stats;
    }
    case 'percentiles': {
      checkDigestOptions(spec, type);
      const percents = numberList(spec, 'percents', type, [1, 5, 25, 50, 75, 95, 99]);
      const sorted = values.sort((a, b) => a - b);
      if (spec.keyed === false) return { values: percents.map((percent) => ({ key: percent, value: percentile(sorted, percent) })) };
      return { values: Object.fromEntries(percents.map((percent) => [keyString(percent), percentile(sorted, percent)])) };
    }
    case 'percentile_ranks': {
      checkDigestOptions(spec, type);
      const targets = numberList(spec, 'values', type, undefined);
      const sorted = values.sort((a, b) => a - b);
      if (spec.keyed === false) return { values: targets.map((value) => ({ key: value, value: percentileRank(sorted, value) })) };
      return { values: Object.fromEntries(targets.map((value) => [keyString(value), sorted.length === 0 ? null : percentileRank(sorted, value)])) };
    }
    default:
      throw parsingError(`Unknown aggregation type [${type}]`);
  }
}

// ---- buckets -----------------------------------------------------------------------------------

function subAggs(spec: Json, hits: Hit[], context: SearchContext): Result {
  const children = (spec.aggs ?? spec.aggregations) as Json | undefined;
  return children === undefined ? {} : runAggregations(children, hits, context);
}

function group(hits: Hit[], keyOf: (hit: Hit) => Array<string | number>): Map<string | number, Hit[]> {
  const groups = new Map<string | number, Hit[]>();
  for (const hit of hits) {
    for (const key of keyOf(hit)) {
      const list = groups.get(key);
      if (list) list.push(hit);
      else groups.set(key, [hit]);
    }
  }
  return groups;
}

/** `search.max_buckets`: an aggregation that would create more buckets is refused. */
const MAX_BUCKETS = 65_536;

function tooManyBuckets(): EsError {
  return new EsError(400, 'too_many_buckets_exception', `Trying to create too many buckets. Must be less than or equal to: [${MAX_BUCKETS}] but this number of buckets was exceeded. This limit can be set by changing the [search.max_buckets] cluster level setting.`, { max_buckets: MAX_BUCKETS });
}

interface Interval {
  step(key: number): number;
  key(value: number): number;
}

function dateInterval(spec: Json): Interval {
  const zone = (spec.time_zone as string | undefined) ?? 'UTC';
  if (!isTimeZone(zone)) throw badRequest(`Unknown time-zone ID: ${zone}`);
  const offset = spec.offset === undefined ? 0 : (String(spec.offset).startsWith('-') ? -1 : 1) * (parseTimeValue(String(spec.offset).replace(/^[+-]/, '')) ?? 0);
  const calendar = spec.calendar_interval;
  if (calendar !== undefined && spec.fixed_interval !== undefined) throw badRequest('Cannot use [fixed_interval] with [calendar_interval] configuration option.');
  if (calendar !== undefined) {
    const unit = calendarUnit(String(calendar));
    if (unit === undefined) throw badRequest(`The supplied interval [${String(calendar)}] could not be parsed as a calendar interval.`);
    return {
      key: (value) => roundDown(value - offset, unit as CalendarUnit, zone) + offset,
      step: (key) => addUnits(key - offset, 1, unit as CalendarUnit, zone) + offset,
    };
  }
  const fixed = spec.fixed_interval;
  const ms = fixed === undefined ? undefined : parseTimeValue(String(fixed));
  if (ms === undefined || ms <= 0) throw badRequest(fixed === undefined ? 'Required one of fields [calendar_interval, fixed_interval], but none were specified.' : `failed to parse setting [date_histogram.fixedInterval] with value [${String(fixed)}] as a time value: unit is missing or unrecognized`);
  const utc = zone === 'UTC' || zone === 'Z';
  return {
    key: (value) => {
      const shift = utc ? 0 : zoneOffset(value, zone);
      return Math.floor((value + shift - offset) / ms) * ms + offset - shift;
    },
    step: (key) => key + ms,
  };
}

function histogramBuckets(type: string, spec: Json, hits: Hit[], context: SearchContext): Result {
  const field = fieldOf(spec, type, context);
  const date = type === 'date_histogram';
  const interval: Interval = date
    ? dateInterval(spec)
    : (() => {
        const size = Number(spec.interval);
        if (!(size > 0)) throw badRequest('[interval] must be >0 for histogram aggregation [histogram]');
        const offset = Number(spec.offset ?? 0);
        return { key: (value: number) => Math.floor((value - offset) / size) * size + offset, step: (key: number) => key + size };
      })();
  // Grouped in one pass without per-document arrays: this loop runs once per matching document.
  const groups = new Map<string | number, Hit[]>();
  const missing = spec.missing === undefined ? undefined : Number(date ? resolveDateMath(spec.missing as string, context.now) : spec.missing);
  for (const hit of hits) {
    const values = hit.doc.fields.get(field);
    let previous: number | undefined;
    if (values === undefined || values.length === 0) {
      if (missing === undefined) continue;
      previous = interval.key(missing);
      const list = groups.get(previous);
      if (list) list.push(hit);
      else groups.set(previous, [hit]);
      continue;
    }
    for (const value of values) {
      if (typeof value !== 'number') continue;
      const key = interval.key(value);
      if (key === previous) continue;
      previous = key;
      const list = groups.get(key);
      if (list) list.push(hit);
      else groups.set(key, [hit]);
    }
  }
  const minDocCount = Number(spec.min_doc_count ?? 0);
  let keys = [...groups.keys()].map(Number).sort((a, b) => a - b);
  const bounds = spec.extended_bounds as Json | undefined;
  for (const [name, value] of [['extended_bounds', bounds], ['hard_bounds', spec.hard_bounds]] as const) {
    if (value !== undefined) checkKeys(value as Json, ['min', 'max'], unknownField(name));
  }
  if (minDocCount === 0 && (keys.length > 0 || bounds !== undefined)) {
    const boundValue = (value: unknown): number | undefined => (value === undefined ? undefined : date ? resolveDateMath(value as string | number, context.now, { format: spec.format as string | undefined }) : Number(value));
    const low = Math.min(...keys, ...[boundValue(bounds?.min)].filter((value): value is number => value !== undefined).map((value) => interval.key(value)));
    const high = Math.max(...keys, ...[boundValue(bounds?.max)].filter((value): value is number => value !== undefined).map((value) => interval.key(value)));
    const filled: number[] = [];
    for (let key = low; key <= high; key = interval.step(key)) {
      if (filled.length === MAX_BUCKETS) throw tooManyBuckets();
      filled.push(key);
    }
    keys = filled;
  }
  const hard = spec.hard_bounds as Json | undefined;
  if (hard !== undefined) keys = keys.filter((key) => (hard.min === undefined || key >= Number(hard.min)) && (hard.max === undefined || key <= Number(hard.max)));
  const zone = (spec.time_zone as string | undefined) ?? 'UTC';
  const format = spec.format as string | undefined;
  // A date histogram writes its keys as dates even on a numeric field; a histogram on a date field, as dates too.
  const asText = date && !isDateField(field, context) ? (key: number) => formatDate(key, format ?? DEFAULT_DATE_FORMAT, zone) : fieldFormat(spec, field, context, zone);
  const buckets = keys
    .map((key) => {
      const hits = groups.get(key) ?? [];
      return { key, hits, count: countOf(hits) };
    })
    .filter((bucket) => bucket.count >= minDocCount)
    .map((bucket) => ({
      ...(asText === undefined ? {} : { key_as_string: asText(bucket.key) }),
      key: bucket.key,
      doc_count: bucket.count,
      ...subAggs(spec, bucket.hits, context),
    }));
  if (spec.order !== undefined && (spec.order as Json)._key === 'desc') buckets.reverse();
  if (spec.keyed === true) return { buckets: Object.fromEntries(buckets.map((bucket) => [String(bucket.key_as_string ?? keyString(bucket.key)), bucket])) };
  return { buckets };
}

/** The field type a `value_type` names for a field no index maps (ValueType's names). */
const VALUE_TYPES: Record<string, string> = { string: 'keyword', long: 'long', integer: 'long', numeric: 'double', double: 'double', float: 'double', date: 'date', boolean: 'boolean', ip: 'ip' };

function invalidOrderPath(path: string, why: string): ShardLevelError {
  return new ShardLevelError(400, 'aggregation_execution_exception', `Invalid aggregation order path [${path}]. ${why}`);
}

/** An order path's aggregation names and the metric's property: `filter>max_number`, `stats.avg`, `pct[99.0]`. */
function orderPathParts(path: string): { names: string[]; property: string | undefined } {
  const names = path.split('>');
  const last = names.pop() as string;
  const bracket = /^([^[]+)\[([^\]]+)\]$/.exec(last);
  const dot = last.indexOf('.');
  if (bracket !== null) return { names: [...names, bracket[1] as string], property: bracket[2] };
  return dot < 0 ? { names: [...names, last], property: undefined } : { names: [...names, last.slice(0, dot)], property: last.slice(dot + 1) };
}

/**
 * Checks an order path against the terms aggregation's sub-aggregations (AggregationPath): every name but the last a
 * single-bucket aggregation, the last a metric (a multi-value one with its property) or a single-bucket one.
 */
function checkOrderPath(path: string, spec: Json): void {
  const { names, property } = orderPathParts(path);
  let level = (spec.aggs ?? spec.aggregations) as Json | undefined;
  for (const [i, name] of names.entries()) {
    const definition = level?.[name] as Json | undefined;
    if (definition === undefined || !Object.hasOwn(level as Json, name)) throw invalidOrderPath(path, `The provided aggregation [${name}] either does not exist, or is a pipeline aggregation and cannot be used to sort the buckets.`);
    const type = Object.keys(definition).find((key) => key !== 'aggs' && key !== 'aggregations' && key !== 'meta') as string;
    const singleBucket = type === 'filter' || type === 'missing' || type === 'global';
    if (i < names.length - 1 && !singleBucket) throw invalidOrderPath(path, `Buckets can only be sorted on a sub-aggregator path that is built out of zero or more single-bucket aggregations within the path and a final single-bucket or a metrics aggregation at the path end. Sub-path [${names.slice(0, i + 1).join('>')}] points to non single-bucket aggregation`);
    if (i === names.length - 1 && !singleBucket && !METRIC_AGGREGATIONS.has(type)) throw invalidOrderPath(path, `Buckets can only be sorted on a sub-aggregator path that is built out of zero or more single-bucket aggregations within the path and a final single-bucket or a metrics aggregation at the path end. Sub-path [${path}] points to non single-bucket aggregation`);
    if (i === names.length - 1 && property === undefined && MULTI_VALUE_METRICS.has(type)) throw invalidOrderPath(path, `No value specified for a multi-value metric aggregation [${name}]`);
    level = (definition.aggs ?? definition.aggregations) as Json | undefined;
  }
}

/** The metrics that answer more than one value, whose order path names the one to sort by. */
const MULTI_VALUE_METRICS = new Set(['stats', 'extended_stats', 'percentiles', 'percentile_ranks']);

/** The value an order path names in a bucket's sub-aggregation results; undefined for none (null). */
function orderValue(path: string, results: Result): number | undefined {
  const { names, property } = orderPathParts(path);
  let node: Json | undefined = results as Json;
  for (const name of names) node = node?.[name] as Json | undefined;
  if (node === undefined) return undefined;
  let value: unknown;
  if (property === undefined) value = 'value' in node ? node.value : node.doc_count;
  else if (property === '_count' || property === 'doc_count') value = node.doc_count;
  else if (isObject(node.values)) value = (node.values as Json)[property] ?? (node.values as Json)[String(Number(property))] ?? (node.values as Json)[Number(property).toFixed(1)];
  else value = node[property];
  return typeof value === 'number' ? value : undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function termsBuckets(name: string, spec: Json, hits: Hit[], context: SearchContext, all: () => Hit[]): Result {
  const field = fieldOf(spec, 'terms', context);
  const def = context.fields.get(field);
  const type = def?.type ?? (typeof spec.value_type === 'string' ? VALUE_TYPES[spec.value_type] : undefined);
  // `missing` is read as the field reads a value: a date string in its format, `true` as 1.
  const missing = spec.missing === undefined ? undefined : [termKeyOf(spec.missing, type, def)];
  const keysOf = (hit: Hit): TermKey[] => {
    const values = hit.doc.fields.get(field);
    const raw = values === undefined || values.length === 0 ? (missing ?? []) : values;
    return [...new Set(raw.map((value) => (typeof value === 'boolean' ? (value ? 1 : 0) : typeof value === 'object' ? JSON.stringify(value) : (value as string | number))))];
  };
  const groups = group(hits, keysOf);
  const admits = includeExclude(name, spec.include, spec.exclude, type, def);
  const minDocCount = Number(spec.min_doc_count ?? 1);
  // min_doc_count 0 adds, with no documents, every term of the field in the searched indices that no hit has.
  if (minDocCount === 0) for (const [key] of group(all(), keysOf)) if (!groups.has(key)) groups.set(key, []);
  let buckets = [...groups]
    .map(([key, list]) => ({ key, hits: list, count: countOf(list), sub: undefined as Result | undefined }))
    .filter(({ key, count }) => count >= minDocCount && (admits === undefined || admits(key)));
  const orders = spec.order === undefined ? [{ _count: 'desc' }] : Array.isArray(spec.order) ? (spec.order as Json[]) : [spec.order as Json];
  // InternalOrder.Parser: each order is one path and its direction.
  for (const order of orders) {
    if (!isObject(order) || Object.keys(order).length !== 1) throw badFieldValue('terms', 'order', 'an order is an object of one aggregation path and its direction, "asc" or "desc"');
    const direction = Object.values(order)[0];
    if (direction !== 'asc' && direction !== 'desc') throw new EsError(400, 'parsing_exception', `Unknown terms order direction [${String(direction)}] in terms aggregation [${name}]`, { line: 1, col: 1 });
  }
  const paths = orders.map((order) => Object.keys(order)[0] as string).filter((path) => path !== '_count' && path !== '_key' && path !== '_term');
  for (const path of paths) checkOrderPath(path, spec);
  if (paths.length > 0) for (const bucket of buckets) bucket.sub = subAggs(spec, bucket.hits, context);
  const compareKeys = (a: string | number, b: string | number): number => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0);
  buckets.sort((a, b) => {
    for (const order of orders) {
      const [path, direction] = Object.entries(order)[0] as [string, string];
      const sign = direction === 'asc' ? 1 : -1;
      let result: number;
      if (path === '_count') result = a.count - b.count;
      else if (path === '_key' || path === '_term') result = compareKeys(a.key, b.key);
      else {
        // A bucket without the value (a max over no documents) sorts last either way.
        const value = (bucket: typeof a): number => orderValue(path, bucket.sub ?? {}) ?? (sign > 0 ? Infinity : -Infinity);
        result = value(a) - value(b);
      }
      if (result !== 0) return sign * result;
    }
    return compareKeys(a.key, b.key);
  });
  const size = Number(spec.size ?? 10);
  const kept = buckets.slice(0, size);
  const other = buckets.slice(size).reduce((sum, bucket) => sum + bucket.count, 0);
  buckets = kept;
  // A field left unmapped is read as its `value_type` says, a date included.
  const asText = type === 'boolean' ? (key: number) => (key === 1 ? 'true' : 'false') : valueFormat(spec, type, def?.mapping.format);
  return {
    doc_count_error_upper_bound: 0,
    sum_other_doc_count: other,
    buckets: buckets.map((bucket) => ({
      key: bucket.key,
      ...(asText === undefined || typeof bucket.key !== 'number' ? {} : { key_as_string: asText(bucket.key) }),
      doc_count: bucket.count,
      ...(bucket.sub ?? subAggs(spec, bucket.hits, context)),
    })),
  };
}

function rangeBuckets(type: string, spec: Json, hits: Hit[], context: SearchContext): Result {
  const field = fieldOf(spec, type, context);
  const date = type === 'date_range' || isDateField(field, context);
  const format = (spec.format as string | undefined) ?? context.fields.get(field)?.mapping.format ?? DEFAULT_DATE_FORMAT;
  const decimal = !date && isDecimalPattern(spec.format as string | undefined) ? (spec.format as string) : undefined;
  const zone = spec.time_zone as string | undefined;
  const ranges = (spec.ranges as Json[] | undefined) ?? [];
  if (!Array.isArray(ranges) || ranges.some((range) => !isObject(range))) throw badFieldValue(type, 'ranges', '[ranges] must be an array of objects with [from], [to] and [key]');
  for (const range of ranges) checkKeys(range, ['from', 'to', 'key'], unknownField(type));
  if (ranges.length === 0) throw badRequest(`No [ranges] specified for the [${type}] aggregation`);
  const bound = (value: unknown): number | undefined => (value === undefined || value === null ? undefined : date ? resolveDateMath(value as string | number, context.now, { format, zone }) : Number(value));
  const text = (value: number | undefined): string => (value === undefined ? '*' : date ? formatDate(value, format, zone) : decimal !== undefined ? formatDecimal(value, decimal) : keyString(value));
  const asString = date || decimal !== undefined;
  // Sorted by from, then to (an open end the lowest from, the highest to), as AbstractRangeBuilder.processRanges sorts them.
  const bounded = ranges.map((range) => ({ range, from: bound(range.from), to: bound(range.to) }));
  const order = (x: number, y: number): number => (x < y ? -1 : x > y ? 1 : 0);
  bounded.sort((a, b) => order(a.from ?? -Infinity, b.from ?? -Infinity) || order(a.to ?? Infinity, b.to ?? Infinity));
  const buckets = bounded.map(({ range, from, to }) => {
    const inside = hits.filter((hit) => numbers(hit, field, spec.missing).some((value) => (from === undefined || value >= from) && (to === undefined || value < to)));
    return {
      key: (range.key as string | undefined) ?? `${text(from)}-${text(to)}`,
      ...(from === undefined ? {} : { from, ...(asString ? { from_as_string: text(from) } : {}) }),
      ...(to === undefined ? {} : { to, ...(asString ? { to_as_string: text(to) } : {}) }),
      doc_count: countOf(inside),
      ...subAggs(spec, inside, context),
    };
  });
  if (spec.keyed === true) return { buckets: Object.fromEntries(buckets.map(({ key, ...rest }) => [key, rest])) };
  return { buckets };
}

function filtersBuckets(spec: Json, hits: Hit[], context: SearchContext): Result {
  const filters = spec.filters as Json | Json[] | undefined;
  if (filters === undefined) throw parsingError('[filters] cannot be null');
  const named = !Array.isArray(filters);
  const entries: Array<[string, unknown]> = named ? Object.entries(filters) : filters.map((filter, index): [string, unknown] => [String(index), filter]);
  const matchers = entries.map(([name, query]): [string, ReturnType<typeof compileQuery>] => [name, compileQuery(query, context)]);
  const buckets = matchers.map(([name, matcher]) => {
    const inside = hits.filter((hit) => matcher.matches(hit.doc));
    return { name, bucket: { doc_count: countOf(inside), ...subAggs(spec, inside, context) } };
  });
  if (spec.other_bucket === true || spec.other_bucket_key !== undefined) {
    const rest = hits.filter((hit) => !matchers.some(([, matcher]) => matcher.matches(hit.doc)));
    buckets.push({ name: String(spec.other_bucket_key ?? '_other_'), bucket: { doc_count: countOf(rest), ...subAggs(spec, rest, context) } });
  }
  if (named) return { buckets: Object.fromEntries(buckets.map(({ name, bucket }) => [name, bucket])) };
  return { buckets: buckets.map(({ bucket }) => bucket) };
}

type CompositeKey = Array<string | number | null>;
interface CompositeGroup {
  key: CompositeKey;
  hits: Hit[];
}

/**
 * The groups of a composite aggregation's sources over a search's hits, sorted by key, kept with the hits they
 * were made from. A rollup pages through thousands of buckets with the same query (whose hits the search keeps
 * between pages: search.ts), and grouping every hit again for each page was another third of its time.
 */
const compositeGroupsKept = new WeakMap<Hit[], { sources: string; groups: CompositeGroup[] }>();

function compositeGroups(hits: Hit[], sources: string, keyers: ReadonlyArray<{ keyOf: (hit: Hit) => CompositeKey }>, compareKey: (a: CompositeKey, b: CompositeKey) => number): CompositeGroup[] {
  const kept = compositeGroupsKept.get(hits);
  if (kept !== undefined && kept.sources === sources) return kept.groups;
  // One source's key is its own map key, where a combination's is its JSON.
  const byId = new Map<unknown, CompositeGroup>();
  const idOf = keyers.length === 1 ? (combo: CompositeKey) => combo[0] : (combo: CompositeKey) => JSON.stringify(combo);
  for (const hit of hits) {
    let combos: CompositeKey[] = [[]];
    for (const keyer of keyers) {
      const keys = keyer.keyOf(hit);
      combos = keys.length === 1 && combos.length === 1 ? [[...(combos[0] as CompositeKey), keys[0] as string | number | null]] : combos.flatMap((combo) => keys.map((key) => [...combo, key]));
    }
    for (const combo of combos) {
      const id = idOf(combo);
      const entry = byId.get(id);
      if (entry) entry.hits.push(hit);
      else byId.set(id, { key: combo, hits: [hit] });
    }
  }
  const groups = [...byId.values()].sort((a, b) => compareKey(a.key, b.key));
  compositeGroupsKept.set(hits, { sources, groups });
  return groups;
}

function compositeBuckets(spec: Json, hits: Hit[], context: SearchContext): Result {
  if (spec.sources === undefined) throw badRequest('Required [sources]');
  const sources = spec.sources as Json[];
  if (sources.length === 0) throw badRequest('Composite [sources] cannot be null or empty');
  const names = sources.map((source) => Object.keys(source)[0] as string);
  const duplicates = [...new Set(names.filter((name, i) => names.indexOf(name) !== i))];
  if (duplicates.length > 0) throw badRequest(`Composite source names must be unique, found duplicates: [${duplicates.join(', ')}]`);
  const keyers = sources.map((source) => {
    const [name, definition] = Object.entries(source)[0] as [string, Json];
    const [kind, options] = Object.entries(definition)[0] as [string, Json];
    const allowed = COMPOSITE_SOURCE_OPTIONS[kind];
    if (allowed === undefined) throw parsingError(`Unknown value source type [${kind}] in composite aggregation`);
    checkKeys(options, allowed, unknownField(kind));
    checkTextOptions(options, kind);
    const field = fieldOf(options, 'composite', context);
    const missingBucket = options.missing_bucket === true;
    const order = options.order === 'desc' ? -1 : 1;
    let keyOf: (hit: Hit) => Array<string | number | null>;
    let asString: ((key: number) => string) | undefined;
    // An `after` date is read as keys are written: in the source's format and time zone.
    let readAfter: ((value: string) => number | undefined) | undefined;
    // A field with one value (nearly every document) gives its key without the sets and copies of the general case.
    if (kind === 'terms') {
      const termOf = (value: unknown): string | number => (typeof value === 'boolean' ? value : typeof value === 'object' ? JSON.stringify(value) : value) as string | number;
      keyOf = (hit) => {
        const values = hit.doc.fields.get(field) ?? [];
        if (values.length === 1) return [termOf(values[0])];
        const keys = [...new Set(values.map(termOf))];
        return keys.length === 0 ? (missingBucket ? [null] : []) : keys;
      };
    } else if (kind === 'date_histogram' || kind === 'histogram') {
      const interval = kind === 'date_histogram' ? dateInterval(options) : { key: (value: number) => Math.floor(value / Number(options.interval)) * Number(options.interval), step: (key: number) => key };
      keyOf = (hit) => {
        const values = numbers(hit, field, undefined);
        if (values.length === 1) return [interval.key(values[0] as number)];
        const keys = [...new Set(values.map((value) => interval.key(value)))];
        return keys.length === 0 ? (missingBucket ? [null] : []) : keys;
      };
      const zone = (options.time_zone as string | undefined) ?? 'UTC';
      if (kind === 'date_histogram' && options.format !== undefined) asString = (key) => formatDate(key, String(options.format), zone);
      if (kind === 'date_histogram') readAfter = (value) => resolveDateMath(value, context.now, { ...(options.format !== undefined ? { format: String(options.format) } : {}), zone });
    } else throw parsingError(`Unknown value source type [${kind}] in composite aggregation`);
    return { name, keyOf, order, asString, readAfter };
  });
  const compareKey = (a: Array<string | number | null>, b: Array<string | number | null>): number => {
    for (let i = 0; i < keyers.length; i += 1) {
      const left = a[i] ?? null;
      const right = b[i] ?? null;
      if (left === right) continue;
      if (left === null) return -1 * (keyers[i]?.order ?? 1);
      if (right === null) return 1 * (keyers[i]?.order ?? 1);
      const result = typeof left === 'number' && typeof right === 'number' ? left - right : String(left) < String(right) ? -1 : 1;
      return result * (keyers[i]?.order ?? 1);
    }
    return 0;
  };
  const after = spec.after as Json | undefined;
  const afterKey =
    after === undefined
      ? undefined
      : keyers.map((keyer) => {
          const value = after[keyer.name] as string | number | null | undefined;
          return typeof value === 'string' && keyer.readAfter !== undefined ? (keyer.readAfter(value) ?? value) : (value ?? null);
        });
  const entries = compositeGroups(hits, JSON.stringify(sources), keyers, compareKey);
  // The groups after `after`: they are sorted, so the first is found by halving.
  let start = 0;
  if (afterKey !== undefined) {
    let end = entries.length;
    while (start < end) {
      const middle = (start + end) >>> 1;
      if (compareKey((entries[middle] as CompositeGroup).key, afterKey) <= 0) start = middle + 1;
      else end = middle;
    }
  }
  const size = Number(spec.size ?? 10);
  if (size > MAX_BUCKETS) throw tooManyBuckets();
  const page = entries.slice(start, start + size);
  const keyObject = (key: Array<string | number | null>): Json => Object.fromEntries(keyers.map((keyer, i) => [keyer.name, keyer.asString !== undefined && typeof key[i] === 'number' ? keyer.asString(key[i] as number) : key[i]]));
  const buckets = page.map((entry) => ({ key: keyObject(entry.key), doc_count: countOf(entry.hits), ...subAggs(spec, entry.hits, context) }));
  return { ...(page.length > 0 ? { after_key: keyObject((page.at(-1) as { key: Array<string | number | null> }).key) } : {}), buckets };
}

function bucket(name: string, type: string, spec: Json, hits: Hit[], context: SearchContext, all: () => Hit[]): Result {
  switch (type) {
    case 'date_histogram':
    case 'histogram':
      return histogramBuckets(type, spec, hits, context);
    case 'terms':
      return termsBuckets(name, spec, hits, context, all);
    case 'range':
    case 'date_range':
      return rangeBuckets(type, spec, hits, context);
    case 'filters':
      return filtersBuckets(spec, hits, context);
    case 'composite':
      return compositeBuckets(spec, hits, context);
    case 'missing': {
      const field = fieldOf(spec, type, context);
      const inside = hits.filter((hit) => (hit.doc.fields.get(field)?.length ?? 0) === 0);
      return { doc_count: countOf(inside), ...subAggs(spec, inside, context) };
    }
    case 'global': {
      const everything = all();
      return { doc_count: countOf(everything), ...subAggs(spec, everything, context) };
    }
    default:
      throw parsingError(`Unknown aggregation type [${type}]`);
  }
}

/** Options whose value is text (a date format, a zone, an interval): another JSON type fails to parse, as its ParseField does. */
const TEXT_OPTIONS = ['format', 'time_zone', 'calendar_interval', 'fixed_interval', 'execution_hint', 'collect_mode'];

function checkTextOptions(spec: Json, type: string): void {
  for (const key of TEXT_OPTIONS) if (spec[key] !== undefined && typeof spec[key] !== 'string') throw badFieldValue(type, key, `[${key}] must be a string`);
}

/** Whether a composite is among these aggregations, or under a filter among them. */
function compositeBelow(children: Json | undefined): boolean {
  return Object.values(children ?? {}).some((child) => isObject(child) && ('composite' in child || ('filter' in child && compositeBelow((child.aggs ?? child.aggregations) as Json | undefined))));
}

/** An aggregation's parameters against Elasticsearch's parser for its type. */
function checkAggregation(name: string, type: string, spec: Json, definition: Json): void {
  const children = (definition.aggs ?? definition.aggregations) as Json | undefined;
  // A filter may hold a composite (since 7.13); its own parent is checked through it (validateParentAggSequence).
  if (type !== 'filter' && compositeBelow(children)) throw new EsError(400, 'illegal_argument_exception', `[composite] aggregation cannot be used with a parent aggregation of type: [${type}]`);
  if (type === 'filter') return;
  const allowed = Object.hasOwn(AGGREGATION_OPTIONS, type) ? AGGREGATION_OPTIONS[type] : undefined;
  if (allowed === undefined && UNSUPPORTED_AGGREGATIONS.has(type)) throw badRequest(`the [${type}] aggregation is valid in Elasticsearch but not supported by the emulator`);
  if (allowed === undefined) throw parsingError(`Unknown aggregation type [${type}]`);
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new EsError(400, 'x_content_parse_exception', `[1:1] [${type}] aggregation [${name}] must be an object`);
  checkKeys(spec, allowed, unknownField(type));
  checkTextOptions(spec, type);
  if (METRIC_AGGREGATIONS.has(type) && children !== undefined) {
    throw new EsError(400, 'aggregation_initialization_exception', `Aggregator [${name}] of type [${type}] cannot accept sub-aggregations`);
  }
  for (const key of ['size', 'min_doc_count', 'from', 'shard_size']) if (key in spec) numberOption(spec, key, type, 0);
  if (type === 'filters' && (spec.filters === undefined || (typeof spec.filters === 'object' && spec.filters !== null && Object.keys(spec.filters).length === 0))) {
    throw new EsError(400, 'illegal_argument_exception', `[filters] cannot be empty.`);
  }
}

/**
 * Runs an `aggs` object over the matching hits. Every level may nest `aggs` below a bucket aggregation.
 * `all` gives every document of the searched indices, for `global`; it is built only if asked for.
 */
export function runAggregations(aggs: Json, hits: Hit[], context: SearchContext, all: () => Hit[] = () => hits): Result {
  const results: Result = {};
  for (const [name, definition] of Object.entries(aggs)) {
    if (typeof definition !== 'object' || definition === null) throw parsingError(`Expected [START_OBJECT] under [${name}], but got a value`);
    const entries = Object.entries(definition as Json).filter(([key]) => key !== 'aggs' && key !== 'aggregations' && key !== 'meta');
    if (entries.length !== 1) throw parsingError(entries.length === 0 ? `Missing definition for aggregation [${name}]` : `Found two aggregation type definitions in [${name}]: [${entries[0]?.[0]}] and [${entries[1]?.[0]}]`);
    const [type, spec] = entries[0] as [string, Json];
    checkAggregation(name, type, spec, definition as Json);
    const withChildren = { ...spec, aggs: (definition as Json).aggs ?? (definition as Json).aggregations };
    if (type === 'filter') {
      const matcher = compileQuery(spec, context);
      const inside = hits.filter((hit) => matcher.matches(hit.doc));
      results[name] = { doc_count: countOf(inside), ...subAggs(withChildren, inside, context) };
    } else if (BUCKET_TYPES.has(type)) results[name] = bucket(name, type, withChildren, hits, context, all);
    else if (METRIC_AGGREGATIONS.has(type)) results[name] = metric(name, type, spec, hits, context);
    else throw parsingError(`Unknown aggregation type [${type}]`);
    if ((definition as Json).meta !== undefined) (results[name] as Json).meta = (definition as Json).meta;
  }
  return results;
}

