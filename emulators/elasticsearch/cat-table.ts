import { EsError } from './errors.js';
import { matchesPattern } from './glob.js';

/**
 * A `_cat` answer as Elasticsearch's RestTable renders one: `h` picks columns (wildcards expanded over the table's
 * columns, a name the table has not left out), `s` orders the rows (`:asc`, `:desc`; an unknown key refused),
 * `time` gives the duration columns in whole units, and the table is text (`v` for the header line) unless
 * `format=json` or an `Accept` of JSON asks for objects. The rows come with their cells already rendered, so
 * the order compares what they show by its kind: numbers, byte sizes, durations and percentages by value,
 * anything else as text, an empty cell (Elasticsearch's null) first.
 */

export type CatRow = Record<string, string>;

/** What a `_cat` route answers: the objects of `format=json`, or the text. */
export type CatAnswer = { json: CatRow[] } | { text: string };

/** Columns whose cells are durations (TimeValue in Elasticsearch), which `time=` converts. */
const DURATION_COLUMNS = new Set(['time', 'running_time', 'uptime', 'keep_alive', 'timeInQueue', 'duration', 'max_task_wait_time']);

const NANOS: Record<string, number> = { nanos: 1, micros: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9, d: 86_400e9 };
const BYTES: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4, pb: 1024 ** 5 };
const DURATION = /^(\d+(?:\.\d+)?)(nanos|micros|ms|s|m|h|d)$/;
const BYTE_SIZE = /^(\d+(?:\.\d+)?)(b|kb|mb|gb|tb|pb)$/;
const NUMBER = /^(-?\d+(?:\.\d+)?)%?$/;

export function renderCat(rows: CatRow[], query: Record<string, string | undefined>, accept: string | undefined, defaults?: string[]): CatAnswer {
  const columns = Object.keys(rows[0] ?? {});
  const shown = displayed(columns.length > 0 ? columns : defaults ?? [], query.h, defaults);
  const ordered = query.s === undefined ? rows : sortRows(rows, columns, query.s);
  const time = query.time;
  const cell = (row: CatRow, column: string): string => {
    const value = row[column] ?? '';
    return time !== undefined && DURATION_COLUMNS.has(column) ? inTimeUnit(value, time) : value;
  };
  const selected = ordered.map((row) => Object.fromEntries(shown.map((column) => [column, cell(row, column)])));
  if (wantsJson(query.format, accept)) return { json: selected };
  const table = [...(query.v !== undefined && query.v !== 'false' ? [Object.fromEntries(shown.map((column) => [column, column]))] : []), ...selected];
  const widths = shown.map((column) => Math.max(...table.map((row) => (row[column] ?? '').length)));
  const text = table.map((row) => shown.map((column, i) => (row[column] ?? '').padEnd(widths[i] ?? 0)).join(' ').trimEnd()).join('\n');
  return { text: text.length > 0 ? `${text}\n` : '' };
}

/**
 * `format=json`, or no `format` and an `Accept` of one JSON media type (RestTable.getResponseContentType): a list of
 * types, as the official clients send (`…+json; compatible-with=9,text/plain`), is a media range, which
 * ParsedMediaType reads as none, so the table is text.
 */
function wantsJson(format: string | undefined, accept: string | undefined): boolean {
  if (format !== undefined) return format === 'json';
  if (accept === undefined || accept.includes(',')) return false;
  const type = accept.split(';')[0]?.trim().toLowerCase();
  return type === 'application/json' || type === 'application/vnd.elasticsearch+json';
}

function displayed(columns: string[], h: string | undefined, defaults: string[] | undefined): string[] {
  if (h === undefined) return defaults ?? columns;
  const shown = new Set<string>();
  for (const header of h.split(',').map((name) => name.trim()).filter((name) => name !== '')) {
    if (header.includes('*')) for (const column of columns) if (matchesPattern(header, column)) shown.add(column);
    if (!header.includes('*') && columns.includes(header)) shown.add(header);
  }
  return [...shown];
}

function sortRows(rows: CatRow[], columns: string[], s: string): CatRow[] {
  const keys = s.split(',').filter((key) => key !== '').map((key) => {
    const reverse = key.endsWith(':desc');
    const column = reverse || key.endsWith(':asc') ? key.slice(0, key.lastIndexOf(':')) : key;
    // RestTable throws UnsupportedOperationException, which Elasticsearch answers with 500.
    if (!columns.includes(column) && rows.length > 0) throw new EsError(500, 'unsupported_operation_exception', `Unable to sort by unknown sort key \`${column}\``);
    return { column, sign: reverse ? -1 : 1 };
  });
  return [...rows].sort((a, b) => {
    for (const { column, sign } of keys) {
      const order = compareCells(a[column] ?? '', b[column] ?? '');
      if (order !== 0) return sign * order;
    }
    return 0;
  });
}

function compareCells(a: string, b: string): number {
  if (a === '' || b === '') return a === b ? 0 : a === '' ? -1 : 1;
  const x = magnitude(a);
  const y = magnitude(b);
  if (x !== undefined && y !== undefined && x.kind === y.kind) return x.value - y.value;
  return a < b ? -1 : a > b ? 1 : 0;
}

function magnitude(cell: string): { kind: string; value: number } | undefined {
  const number = NUMBER.exec(cell);
  if (number) return { kind: 'number', value: Number(number[1]) };
  const bytes = BYTE_SIZE.exec(cell);
  if (bytes) return { kind: 'bytes', value: Number(bytes[1]) * (BYTES[bytes[2] as string] ?? 1) };
  const duration = DURATION.exec(cell);
  if (duration) return { kind: 'duration', value: Number(duration[1]) * (NANOS[duration[2] as string] ?? 1) };
  return undefined;
}

/** A duration as `time=<unit>` shows it: whole units, truncated (TimeValue.millis() and the rest); another unit keeps the human form. */
function inTimeUnit(cell: string, unit: string): string {
  const duration = DURATION.exec(cell);
  const per = NANOS[unit];
  if (!duration || per === undefined) return cell;
  return String(Math.floor((Number(duration[1]) * (NANOS[duration[2] as string] ?? 1)) / per));
}
