import { isIP } from 'node:net';
import { ipToBigInt } from '../../shared/ip.js';
import type { Hit } from './aggs.js';
import { DEFAULT_DATE_FORMAT, formatDate, resolveDateMath } from './dates.js';
import { ShardLevelError } from './errors.js';
import { ExactInteger } from './exact-integer.js';
import { isNumericType, type FieldDef, type FieldValue } from './mapping.js';
import { BUILT_IN_SORTS, type SearchContext, type SortKey, type SortMode } from './query.js';

/**
 * Sorting hits by fields as Elasticsearch's FieldSortBuilder builds its Lucene sort, index by index: the
 * comparator's type (IndexFieldData's reduced type) decides what a document without the field sorts as
 * (XFieldComparatorSource.missingObject: Integer.MAX_VALUE for an integer, Long.MAX_VALUE for a long or a date,
 * an infinity for a double, null for a keyword), `mode` picks among a document's values (MultiValueMode), and the
 * sort values are written as a hit shows them (a date sort with a `format` in that format, a missing one null).
 */

export type SortValue = FieldValue | null;

/** The comparator a field sorts with; its missing values and how its values are picked depend on it. */
type SortType = 'int' | 'long' | 'date_nanos' | 'float' | 'double' | 'unsigned_long' | 'string';

/** Long.MAX_VALUE and Long.MIN_VALUE as the nearest doubles; written digit for digit (ExactInteger). */
const LONG_MAX = 2 ** 63;
const LONG_MIN = -(2 ** 63);
const UNSIGNED_LONG_MAX = 2 ** 64;
const INT_MAX = 2 ** 31 - 1;
const INT_MIN = -(2 ** 31);

function sortTypeOf(type: string, numericType: string | undefined): SortType {
  if (numericType !== undefined) return numericType === 'double' ? 'double' : numericType === 'date_nanos' ? 'date_nanos' : 'long';
  switch (type) {
    case 'integer':
    case 'short':
    case 'byte':
      return 'int';
    case 'long':
    case 'date':
    case 'boolean':
      return 'long';
    case 'date_nanos':
      return 'date_nanos';
    case 'float':
    case 'half_float':
      return 'float';
    case 'double':
    case 'scaled_float':
      return 'double';
    case 'unsigned_long':
      return 'unsigned_long';
    default:
      return 'string';
  }
}

/** Java's NumberFormatException, as Elasticsearch answers it when a shard fails on one. */
function numberFormatError(text: string): ShardLevelError {
  return new ShardLevelError(400, 'number_format_exception', `For input string: "${text}"`);
}

const JAVA_INTEGER = /^[+-]?\d+$/;
const JAVA_DECIMAL = /^[+-]?(?:NaN|Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fFdD]?)$/;

/** A custom `missing` as the comparator reads it: a number narrowed to its type, text parsed as Java parses it. */
function customMissing(missing: FieldValue, sortType: SortType): FieldValue {
  if (sortType === 'string') return String(missing);
  const integral = sortType !== 'float' && sortType !== 'double';
  let value: number;
  if (typeof missing === 'number') value = integral ? Math.trunc(missing) : missing;
  else {
    const text = String(missing);
    if (!(integral ? JAVA_INTEGER : JAVA_DECIMAL).test(integral ? text : text.trim())) throw numberFormatError(text);
    value = Number(text.trim().replace(/[fFdD]$/, ''));
  }
  if (sortType === 'int') return typeof missing === 'number' ? Math.min(INT_MAX, Math.max(INT_MIN, value)) : checkedRange(value, INT_MIN, INT_MAX, String(missing));
  if (sortType === 'unsigned_long' && value < 0) throw new ShardLevelError(400, 'illegal_argument_exception', `Value [${String(missing)}] is out of range for an unsigned long`);
  return sortType === 'float' ? Math.fround(value) : value;
}

function checkedRange(value: number, min: number, max: number, text: string): number {
  if (value < min || value > max) throw numberFormatError(text);
  return value;
}

/** What a document without the field sorts as: `_first` and `_last` are the type's extremes, else the custom value. */
function missingValue(key: SortKey, sortType: SortType): SortValue {
  if (key.missing !== '_first' && key.missing !== '_last') return customMissing(key.missing, sortType);
  const min = (key.missing === '_first') !== (key.order === 'desc');
  switch (sortType) {
    case 'int':
      return min ? INT_MIN : INT_MAX;
    case 'long':
      return min ? LONG_MIN : LONG_MAX;
    case 'date_nanos':
      // DateNanosDV's missingObject: no negative nanoseconds.
      return min ? 0 : LONG_MAX;
    case 'float':
    case 'double':
      return min ? -Infinity : Infinity;
    case 'unsigned_long':
      return min ? 0 : UNSIGNED_LONG_MAX;
    default:
      return null;
  }
}

/** MultiValueMode over a document's numbers: an average or median of integers is rounded as Math.round rounds. */
function pickNumber(values: number[], mode: SortMode, integral: boolean): number {
  switch (mode) {
    case 'min':
      return Math.min(...values);
    case 'max':
      return Math.max(...values);
    case 'sum':
      return values.reduce((sum, value) => sum + value, 0);
    case 'avg': {
      const average = values.reduce((sum, value) => sum + value, 0) / values.length;
      return integral && values.length > 1 ? Math.round(average) : average;
    }
    case 'median': {
      const sorted = [...values].sort((a, b) => a - b);
      const middle = sorted.length >> 1;
      if (sorted.length % 2 === 1) return sorted[middle] as number;
      const median = ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
      return integral ? Math.round(median) : median;
    }
  }
}

/** Addresses in the order of their bytes (IPv4 as IPv4-mapped IPv6, as Elasticsearch keeps them); other text as text. */
function ipComparer(): (a: string, b: string) => number {
  const numbers = new Map<string, bigint | undefined>();
  const numberOf = (text: string): bigint | undefined => {
    if (!numbers.has(text)) numbers.set(text, isIP(text) === 0 ? undefined : ipToBigInt(text, { mapped: true }));
    return numbers.get(text);
  };
  return (a, b) => {
    const left = numberOf(a);
    const right = numberOf(b);
    if (left === undefined || right === undefined) return compareText(a, b);
    return left < right ? -1 : left > right ? 1 : 0;
  };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** How one key sorts the documents of one index. */
interface FieldSorter {
  missing: SortValue;
  valueOf(values: readonly FieldValue[]): SortValue;
}

/** Whether a field's doc values are numbers (dates and booleans are longs). */
function sortsAsNumber(type: string): boolean {
  return isNumericType(type) || type === 'date' || type === 'date_nanos' || type === 'boolean';
}

/** `fallbackType`: how another searched index maps the field, for an index that does not. */
function fieldSorter(key: SortKey, def: FieldDef | undefined, fallbackType: string | undefined, compare: (a: string, b: string) => number): FieldSorter {
  const type = def?.type ?? key.unmappedType ?? fallbackType ?? 'keyword';
  const numeric = sortsAsNumber(type);
  if (!numeric && (key.mode === 'sum' || key.mode === 'avg' || key.mode === 'median')) {
    throw new ShardLevelError(400, 'query_shard_exception', 'we only support AVG, MEDIAN and SUM on number based fields', { index_uuid: '_na_', index: '_na_' });
  }
  if (!numeric && key.numericType !== undefined) {
    throw new ShardLevelError(400, 'query_shard_exception', `[numeric_type] option cannot be set on a non-numeric field, got ${type}`, { index_uuid: '_na_', index: '_na_' });
  }
  if (key.format !== undefined && type !== 'date' && type !== 'date_nanos') {
    // FieldSortBuilder asks the field for a formatter, then for one that writes dates.
    // Numbers take a DecimalFormat pattern, which is no date formatter; the other types no format at all.
    const reason = numeric && type !== 'boolean' ? 'require a date_time formatter; got [decimal]' : `Field [${key.field}] of type [${type}] does not support custom formats`;
    throw new ShardLevelError(400, 'illegal_argument_exception', reason);
  }
  const sortType = sortTypeOf(type, key.numericType);
  const mode = key.mode ?? (key.order === 'desc' ? 'max' : 'min');
  const missing = missingValue(key, sortType);
  if (numeric) {
    const integral = sortType !== 'float' && sortType !== 'double';
    // Booleans sort as the numbers 0 and 1, and show so.
    const numberOf = type === 'boolean' ? (value: FieldValue) => (value === true ? 1 : 0) : (value: FieldValue) => value as number;
    return { missing, valueOf: (values) => (values.length === 1 ? numberOf(values[0] as FieldValue) : pickNumber(values.map(numberOf), mode, integral)) };
  }
  return {
    missing,
    valueOf: (values) => {
      let best: FieldValue | undefined;
      for (const value of values) {
        if (typeof value === 'object') continue;
        if (best === undefined || (mode === 'max' ? compare(String(value), String(best)) > 0 : compare(String(value), String(best)) < 0)) best = value;
      }
      return best ?? missing;
    },
  };
}

/** The sort of a search or a top_hits aggregation over the given indices. */
export interface SortPlan {
  readonly keys: readonly SortKey[];
  /** A hit's sort values, as compared. */
  valuesOf(hit: Hit): SortValue[];
  compare(a: readonly SortValue[], b: readonly SortValue[]): number;
  /** A hit's sort values as the hit shows them. */
  written(hit: Hit, values: readonly SortValue[]): unknown[];
  /** `search_after`'s values as the sort reads them (SearchAfterBuilder). */
  after(given: readonly SortValue[]): SortValue[];
}

interface KeyPlan {
  key: SortKey;
  sorterOf(hit: Hit): FieldSorter | undefined;
  /** The format a date key's values are written and read in. */
  dateFormat: string | undefined;
  /** How two of its text values compare: addresses by their bytes. */
  compareText: (a: string, b: string) => number;
  isBoolean: boolean;
  numeric: boolean;
  /** Whether its values are nanoseconds (a date_nanos field, or `numeric_type: date_nanos`): the emulator keeps milliseconds. */
  nanos: boolean;
}

function keyPlan(key: SortKey, context: SearchContext): KeyPlan {
  if (key.field === '_id' && context.idFieldData !== true) {
    throw new ShardLevelError(400, 'illegal_argument_exception', 'Fielddata access on the _id field is disallowed, you can re-enable it by updating the dynamic cluster setting: indices.id_field_data.enabled');
  }
  const def = context.fields.get(key.field);
  const type = def?.type ?? key.unmappedType;
  const numeric = type !== undefined && sortsAsNumber(type);
  const compare = type === 'ip' ? ipComparer() : compareText;
  const byIndex = new Map<string, FieldSorter>();
  if (!BUILT_IN_SORTS.has(key.field)) for (const index of context.indices) byIndex.set(index.name, fieldSorter(key, index.fields.get(key.field), type, compare));
  return {
    key,
    sorterOf: (hit) => byIndex.get(hit.index),
    dateFormat: type === 'date' || type === 'date_nanos' ? (key.format ?? def?.mapping.format ?? DEFAULT_DATE_FORMAT) : undefined,
    compareText: compare,
    isBoolean: type === 'boolean',
    numeric,
    nanos: numeric && sortTypeOf(type, key.numericType) === 'date_nanos',
  };
}

function builtInValue(field: string, hit: Hit): SortValue {
  if (field === '_score') return hit.score;
  if (field === '_doc' || field === '_shard_doc') return hit.order;
  if (field === '_id') return hit.doc.id;
  return hit.index;
}

function writtenValue(plan: KeyPlan, hit: Hit, value: SortValue): unknown {
  if (typeof value !== 'number') return value;
  if (plan.dateFormat !== undefined && plan.key.format !== undefined) {
    // A document without the date shows null once formatted (the `_first`/`_last` extremes are no dates).
    const absent = (hit.doc.fields.get(plan.key.field)?.length ?? 0) === 0;
    return absent && (plan.key.missing === '_first' || plan.key.missing === '_last') ? null : formatDate(value, plan.dateFormat);
  }
  if (value === LONG_MAX) return new ExactInteger('9223372036854775807');
  // Nanoseconds since the epoch, past what a double holds exactly: the milliseconds kept, written with six more digits.
  if (plan.nanos && Number.isInteger(value) && value !== 0) return new ExactInteger(`${value}000000`);
  if (value === LONG_MIN) return new ExactInteger('-9223372036854775808');
  if (value === UNSIGNED_LONG_MAX) return new ExactInteger('18446744073709551615');
  // Jackson writes the infinities of a double as quoted text.
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}

function afterValue(plan: KeyPlan, value: SortValue, now: number): SortValue {
  if (typeof value === 'string' && plan.dateFormat !== undefined) {
    const parsed = resolveDateMath(value, now, { format: plan.dateFormat });
    if (parsed !== undefined) return parsed;
    const reason = `failed to parse date field [${value}] with format [${plan.dateFormat}]`;
    throw new ShardLevelError(400, 'illegal_argument_exception', `Failed to parse search_after value for field [${plan.key.field}].`, {}, { type: 'illegal_argument_exception', reason });
  }
  if (typeof value === 'number' && plan.nanos) return Math.round(value / 1e6);
  if (typeof value === 'boolean' && plan.isBoolean) return value ? 1 : 0;
  if (typeof value === 'string' && plan.numeric && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  return value;
}

export function planSort(keys: readonly SortKey[], context: SearchContext): SortPlan {
  const plans = keys.map((key) => keyPlan(key, context));
  return {
    keys,
    valuesOf: (hit) =>
      plans.map((plan) => {
        const sorter = plan.sorterOf(hit);
        if (sorter === undefined) return builtInValue(plan.key.field, hit);
        const values = hit.doc.fields.get(plan.key.field);
        return values === undefined || values.length === 0 ? sorter.missing : sorter.valueOf(values);
      }),
    compare: (a, b) => {
      for (let i = 0; i < plans.length; i += 1) {
        const plan = plans[i] as KeyPlan;
        const left = a[i] ?? null;
        const right = b[i] ?? null;
        if (left === right) continue;
        // Only text sorts leave a document without a value: it goes last (or first) whatever the order.
        if (left === null || right === null) return (left === null ? 1 : -1) * (plan.key.missing === '_first' ? -1 : 1);
        const result = typeof left === 'number' && typeof right === 'number' ? left - right : plan.compareText(String(left), String(right));
        if (result !== 0) return plan.key.order === 'asc' ? result : -result;
      }
      return 0;
    },
    written: (hit, values) => values.map((value, i) => writtenValue(plans[i] as KeyPlan, hit, value)),
    after: (given) => given.map((value, i) => afterValue(plans[i] as KeyPlan, value, context.now)),
  };
}
