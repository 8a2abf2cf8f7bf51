import { EsError } from './errors.js';
import type { CatColumn } from './cat-columns.js';
import { matchesPattern } from './glob.js';

/**
 * A `_cat` answer as Elasticsearch's RestTable renders one: `h` picks columns by name or short name (wildcards
 * expanded over both), `s` orders the rows (`:asc`, `:desc`; an unknown key refused), `help` lists the columns,
 * `time` gives the duration columns in whole units, and the table is text (`v` for the header line, also over no
 * rows) unless `format=json` or `yaml`, or an `Accept` of either, asks for objects. The rows come with their cells
 * already rendered, so the order compares what they show by its kind: numbers, byte sizes, durations and
 * percentages by value, anything else as text, an empty cell (Elasticsearch's null) first.
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

/** A column shown: its name in the rows, and the header it is shown under (the alias `h` asked for, as RestTable's DisplayHeader). */
interface Shown {
  name: string;
  display: string;
}

/**
 * `columns` is the table's catalogue (cat-columns.ts) or, for a table without one, the names shown by default; with
 * neither, a row's own columns.
 */
export function renderCat(rows: CatRow[], query: Record<string, string | undefined>, accept: string | undefined, columns?: readonly CatColumn[] | readonly string[]): CatAnswer {
  const table = catalogue(rows, columns);
  if (query.help !== undefined && query.help !== 'false') return { text: help(table) };
  // `ts=false` leaves the two time columns out, asked for or not (RestTable.checkOutputTimestamp).
  const shown = displayed(table, query.h).filter(({ name }) => query.ts !== 'false' || (name !== 'epoch' && name !== 'timestamp'));
  const ordered = query.s === undefined ? rows : sortRows(rows, table, query.s);
  const time = query.time;
  const cell = (row: CatRow, column: string): string => {
    const value = row[column] ?? '';
    return time !== undefined && DURATION_COLUMNS.has(column) ? inTimeUnit(value, time) : value;
  };
  const selected = ordered.map((row) => Object.fromEntries(shown.map(({ name, display }) => [display, cell(row, name)])));
  if (wantsObjects(query.format, accept)) return { json: selected };
  const lines = [...(query.v !== undefined && query.v !== 'false' ? [shown.map(({ display }) => display)] : []), ...selected.map((row) => shown.map(({ display }) => row[display] ?? ''))];
  const widths = shown.map((_, i) => Math.max(0, ...lines.map((line) => (line[i] ?? '').length)));
  const right = shown.map(({ name }) => table.find((column) => column.name === name)?.right === true);
  return { text: lines.map((line) => `${line.map((cell, i) => padded(cell, widths[i] ?? 0, right[i] === true, i === line.length - 1)).join(' ')}\n`).join('') };
}

/** A cell as RestTable.pad writes it: a right-aligned one padded on the left, any other on the right unless it ends the line. */
function padded(cell: string, width: number, right: boolean, last: boolean): string {
  if (right && cell.length < width) return cell.padStart(width);
  return last ? cell : cell.padEnd(width);
}

/** The table's columns: its catalogue, else the default names given (then the rows' others, hidden), else the rows' own. */
function catalogue(rows: CatRow[], columns: readonly CatColumn[] | readonly string[] | undefined): readonly CatColumn[] {
  if (columns !== undefined && columns.length > 0 && typeof columns[0] !== 'string') return columns as readonly CatColumn[];
  const defaults = (columns ?? []) as readonly string[];
  const names = Object.keys(rows[0] ?? {});
  const all = defaults.length > 0 ? [...defaults, ...names.filter((name) => !defaults.includes(name))] : names;
  return all.map((name) => ({ name, aliases: [], desc: 'not available', hidden: defaults.length > 0 && !defaults.includes(name), right: false }));
}

/** `help`: a line per column, its name, its aliases and its description, each left-aligned and padded to the widest (AbstractCatAction, RestTable.buildHelpWidths). */
function help(table: readonly CatColumn[]): string {
  const lines = table.map((column) => [column.name, column.aliases.join(','), column.desc]);
  const widths = [0, 1, 2].map((i) => Math.max(0, ...lines.map((line) => (line[i] ?? '').length)));
  return lines.map((line) => `${line.map((part, i) => part.padEnd(widths[i] ?? 0)).join(' | ')}\n`).join('');
}

/**
 * `format=json` or `yaml` (the same objects, written as YAML), or no `format` and an `Accept` of one JSON or YAML
 * media type (RestTable.getResponseContentType): a list of types, as the official clients send
 * (`…+json; compatible-with=9,text/plain`), is a media range, which ParsedMediaType reads as none, so the table is text.
 */
function wantsObjects(format: string | undefined, accept: string | undefined): boolean {
  if (format !== undefined) return format === 'json' || format === 'yaml';
  if (accept === undefined || accept.includes(',')) return false;
  const type = accept.split(';')[0]?.trim().toLowerCase();
  return type === 'application/json' || type === 'application/vnd.elasticsearch+json' || type === 'application/yaml';
}

/**
 * The columns `h` asks for, as RestTable.buildDisplayHeaders reads it: a wildcard matches names and aliases and shows
 * the names; a name shows itself, an alias shows the column under the alias; anything else is left out.
 */
function displayed(table: readonly CatColumn[], h: string | undefined): Shown[] {
  if (h === undefined) return table.filter((column) => !column.hidden).map(({ name }) => ({ name, display: name }));
  const shown: Shown[] = [];
  const add = (name: string, display: string): void => {
    if (!shown.some((column) => column.display === display)) shown.push({ name, display });
  };
  for (const header of h.split(',').map((name) => name.trim()).filter((name) => name !== '')) {
    if (header.includes('*')) {
      for (const column of table) if (matchesPattern(header, column.name) || column.aliases.some((alias) => matchesPattern(header, alias))) add(column.name, column.name);
      continue;
    }
    const column = columnNamed(table, header);
    if (column !== undefined) add(column.name, header);
  }
  return shown;
}

/** A column by its name, else by a short name: the last column that has it, as RestTable's loop over the headers leaves it (`l` is load_15m). */
function columnNamed(table: readonly CatColumn[], header: string): CatColumn | undefined {
  return table.find(({ name }) => name === header) ?? table.findLast(({ aliases }) => aliases.includes(header));
}

function sortRows(rows: CatRow[], table: readonly CatColumn[], s: string): CatRow[] {
  if (table.length === 0) return rows;
  const keys = s.split(',').filter((key) => key !== '').map((key) => {
    const reverse = key.endsWith(':desc');
    const header = reverse || key.endsWith(':asc') ? key.slice(0, key.lastIndexOf(':')) : key;
    // A name or a short name (Table.getAliasMap); RestTable throws UnsupportedOperationException, which Elasticsearch answers with 500.
    const column = columnNamed(table, header);
    if (column === undefined) throw new EsError(500, 'unsupported_operation_exception', `Unable to sort by unknown sort key \`${header}\``);
    return { column: column.name, sign: reverse ? -1 : 1 };
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
