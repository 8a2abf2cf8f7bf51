/** Calendar months and days bounded in a time zone, as half-open UTC intervals [from, to). */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let found = formatters.get(timeZone);
  if (!found) {
    found = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, found);
  }
  return found;
}

/** The zone's offset from UTC at an instant, in milliseconds (positive east of Greenwich). */
export function zoneOffset(at: number, timeZone: string): number {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(new Date(at)).map((p) => [p.type, p.value]));
  const local = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return local - Math.floor(at / 1000) * 1000;
}

/**
 * The instant a local calendar day starts. Where midnight does not exist (a DST change at 00:00), the day
 * starts at the first instant that does, as Elasticsearch's date_histogram has it.
 */
export function startOfLocalDay(year: number, month: number, day: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day);
  const first = wall - zoneOffset(wall, timeZone);
  const second = wall - zoneOffset(first, timeZone);
  if (second + zoneOffset(second, timeZone) === wall) return second;
  if (first + zoneOffset(first, timeZone) === wall) return first;
  // Midnight skipped: the later reading of the two offsets is the first instant of the day.
  return Math.max(first, second);
}

export interface LocalDay {
  /** YYYY-MM-DD in the zone. */
  date: string;
  from: number;
  to: number;
}

export interface MonthBounds {
  month: string;
  timeZone: string;
  from: number;
  to: number;
  days: LocalDay[];
}

export function parseMonth(text: string): { year: number; month: number } {
  const match = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(text);
  if (!match) throw new Error(`expected a month as YYYY-MM, got "${text}"`);
  return { year: Number(match[1]), month: Number(match[2]) };
}

export function monthBounds(text: string, timeZone: string): MonthBounds {
  const { year, month } = parseMonth(text);
  const length = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const starts = Array.from({ length: length + 1 }, (_, i) => (i < length ? startOfLocalDay(year, month, i + 1, timeZone) : startOfLocalDay(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1, timeZone)));
  const days = starts.slice(0, length).map((from, i) => ({ date: `${text}-${String(i + 1).padStart(2, '0')}`, from, to: starts[i + 1] as number }));
  return { month: text, timeZone, from: starts[0] as number, to: starts[length] as number, days };
}

/** The month before the one that holds `at`, in the zone. */
export function previousMonth(at: number, timeZone: string): string {
  const local = new Date(at + zoneOffset(at, timeZone));
  const year = local.getUTCFullYear();
  const month = local.getUTCMonth(); // 0-based: the previous month, 1-based
  return month === 0 ? `${year - 1}-12` : `${year}-${String(month).padStart(2, '0')}`;
}

/** The month that holds `at`, in the zone, as YYYY-MM. */
function monthHolding(at: number, timeZone: string): string {
  return new Date(at + zoneOffset(at, timeZone)).toISOString().slice(0, 7);
}

/** The months of the zone that [from, to) overlaps, in order: each month's end is the next one's start. */
export function monthsOverlapping(from: number, to: number, timeZone: string): string[] {
  const months: string[] = [];
  for (let bounds = monthBounds(monthHolding(from, timeZone), timeZone); bounds.from < to; bounds = monthBounds(monthHolding(bounds.to, timeZone), timeZone)) months.push(bounds.month);
  return months;
}

/** An instant as the zone's local time, `YYYY-MM-DD HH:MM` (and the offset), for people. */
export function localTime(at: number, timeZone: string): string {
  const offset = zoneOffset(at, timeZone);
  const local = new Date(at + offset).toISOString();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset) / 60_000;
  return `${local.slice(0, 10)} ${local.slice(11, 16)} ${timeZone === 'UTC' ? 'UTC' : `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`}`;
}
