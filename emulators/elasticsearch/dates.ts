/**
 * Dates as Elasticsearch reads and writes them: the named formats and the Java-style patterns Sluice and
 * Kibana use, time zones (IANA names or offsets), calendar units and date math (`now-1h/h`).
 */
import { memoized } from '../../shared/memo.js';
import { EsError } from './errors.js';

export const DEFAULT_DATE_FORMAT = 'strict_date_optional_time||epoch_millis';

const ISO = /^([+-]?\d{4,})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2})(?::?(\d{2})(?::?(\d{2})(?:[.,](\d{1,9}))?)?)?)?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

// ---- time zones ------------------------------------------------------------------------------------

const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

function fixedOffset(zone: string): number | undefined {
  if (zone === 'Z' || zone === 'UTC' || zone === 'utc' || zone === 'GMT') return 0;
  const match = /^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(zone);
  if (!match) return undefined;
  return (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3] ?? 0)) * 60_000;
}

export function isTimeZone(zone: string): boolean {
  if (fixedOffset(zone) !== undefined) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** 400 Gregorian years: 146 097 days, after which the calendar repeats itself. */
const FOUR_CENTURIES_MS = 146_097 * 86_400_000;

/**
 * Date.UTC for every year (month from 0). Date.UTC reads the years 0–99 as 1900–1999; Elasticsearch's calendar
 * (java.time's proleptic Gregorian one) does not, so those years are counted 400 years on and taken back.
 */
function utcMillis(year: number, month: number, day = 1, hour = 0, minute = 0, second = 0, ms = 0): number {
  if (year >= 0 && year <= 99) return Date.UTC(year + 400, month, day, hour, minute, second, ms) - FOUR_CENTURIES_MS;
  return Date.UTC(year, month, day, hour, minute, second, ms);
}

/** Offset of `zone` from UTC at instant `ms`, in ms (positive east of Greenwich). */
export function zoneOffset(ms: number, zone: string): number {
  const fixed = fixedOffset(zone);
  if (fixed !== undefined) return fixed;
  let formatter = zoneFormatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    zoneFormatters.set(zone, formatter);
  }
  const parts: Record<string, number> = {};
  for (const part of formatter.formatToParts(ms)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  const local = utcMillis(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0);
  return local - (ms - (ms % 1000 + 1000) % 1000);
}

/** The instant at which the wall clock of `zone` shows `localMs` (read as if UTC). */
export function fromLocal(localMs: number, zone: string): number {
  let guess = localMs - zoneOffset(localMs, zone);
  guess = localMs - zoneOffset(guess, zone);
  return guess;
}

// ---- parsing ---------------------------------------------------------------------------------------

/**
 * Missing time components: zero, or with `roundUp` the end of the unit, as Elasticsearch's rounding parser
 * fills them for `gt` and `lte` bounds (range query, "missing date components"): 23:59:59.999.
 */
function timeDefaults(roundUp: boolean): { hour: string; minute: string; second: string; fraction: string } {
  return roundUp ? { hour: '23', minute: '59', second: '59', fraction: '999' } : { hour: '0', minute: '0', second: '0', fraction: '0' };
}

function isoToMillis(text: string, zone: string, roundUp = false): number | undefined {
  const match = ISO.exec(text);
  if (!match) return undefined;
  const fill = timeDefaults(roundUp);
  const [, year, month = '1', day = '1', hour = fill.hour, minute = fill.minute, second = fill.second, fraction = fill.fraction, offset] = match;
  const local = calendarMillis(Number(year), Number(month), Number(day), Number(hour), Number(minute), Number(second), Number(fraction.padEnd(3, '0').slice(0, 3)));
  if (local === undefined) return undefined;
  if (offset !== undefined) return local - (fixedOffset(offset) ?? 0);
  return fromLocal(local, zone);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The days of a month (from 1), leap years by the Gregorian rule. */
function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] as number);
}

/**
 * The UTC milliseconds of the parts (month from 1), or undefined when they name no moment on the calendar (month 13, 31 April,
 * 24:00). The day is checked against the month's length, not by a Date made and read back: parseDate of a UTC ISO
 * date 95–240 ns against 170–390 (a Sluice document has three).
 */
function calendarMillis(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): number | undefined {
  if (month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  if (day > daysInMonth(year, month)) return undefined;
  const local = utcMillis(year, month - 1, day, hour, minute, second, ms);
  return Number.isNaN(local) ? undefined : local;
}

/**
 * A Java DateTimeFormatter pattern (yyyy-MM-dd HH:mm:ss.SSS Z …) as a regular expression with named parts,
 * compiled once per pattern (the mappings' few formats), up to a bound.
 */
const compilePattern = memoized(1000, (pattern): { regex: RegExp; fields: string[] } => {
  const fields: string[] = [];
  let source = '';
  for (let i = 0; i < pattern.length; ) {
    const char = pattern[i] as string;
    if (char === "'") {
      const end = pattern.indexOf("'", i + 1);
      source += (end < 0 ? pattern.slice(i + 1) : pattern.slice(i + 1, end)).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      i = end < 0 ? pattern.length : end + 1;
      continue;
    }
    let run = 1;
    while (pattern[i + run] === char) run += 1;
    const token = char.repeat(run);
    i += run;
    if ('yuMdHhmsSZXx'.includes(char)) {
      // `yy`: two digits are a year of 2000–2099 (java.time's reduced year, base 2000); more are the year itself.
      fields.push(char === 'u' ? 'y' : char === 'x' || char === 'X' ? 'Z' : char === 'y' && run === 2 ? 'yy' : char);
      source += char === 'Z' || char === 'X' || char === 'x' ? '(Z|[+-]\\d{2}:?\\d{2})' : char === 'S' ? `(\\d{1,${Math.max(run, 9)}})` : run >= 4 && char !== 'y' ? '(\\d+)' : `(\\d{${char === 'y' || char === 'u' ? `${Math.min(run, 4)},9` : `1,${Math.max(2, run)}`}})`;
    } else source += token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return { regex: new RegExp(`^${source}$`), fields };
});

function patternToMillis(text: string, pattern: string, zone: string, roundUp = false): number | undefined {
  const { regex, fields } = compilePattern(pattern);
  const match = regex.exec(text);
  if (!match) return undefined;
  const parts: Record<string, string> = {};
  fields.forEach((field, index) => (parts[field] = match[index + 1] as string));
  const fill = timeDefaults(roundUp);
  const year = parts.yy === undefined ? Number(parts.y ?? 1970) : parts.yy.length === 2 ? 2000 + Number(parts.yy) : Number(parts.yy);
  const local = utcMillis(year, Number(parts.M ?? 1) - 1, Number(parts.d ?? 1), Number(parts.H ?? parts.h ?? fill.hour), Number(parts.m ?? fill.minute), Number(parts.s ?? fill.second), Number((parts.S ?? fill.fraction).padEnd(3, '0').slice(0, 3)));
  if (Number.isNaN(local)) return undefined;
  if (parts.Z !== undefined) return local - (fixedOffset(parts.Z) ?? 0);
  return fromLocal(local, zone);
}

/** Formats split once: a date field's format is read for every value of every indexed document. */
const formatList = memoized(1000, (format) => format.split('||'));

/** The named formats that read ISO 8601 dates (isoToMillis). */
const ISO_FORMATS = new Set(['strict_date_optional_time', 'date_optional_time', 'strict_date_optional_time_nanos', 'strict_date_time', 'date_time', 'strict_date_time_no_millis', 'date_time_no_millis', 'strict_date', 'date', 'strict_date_hour_minute_second', 'iso8601']);

/** The number written by `count` ASCII digits at `from`, or -1 when one of them is not a digit. */
function digitsAt(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i += 1) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * `2026-10-01T12:34:56Z` with no fraction or one of up to nine digits, the form nearly every log's dates take,
 * read without the regular expression (a fifth of the emulator's time in a document's dates). Anything else,
 * or a date that is not on the calendar, is left to isoToMillis, whose result for these forms is the same.
 */
function utcIsoToMillis(text: string): number | undefined {
  const length = text.length;
  if (length < 20 || length > 30 || text.charCodeAt(length - 1) !== 0x5a || text.charCodeAt(10) !== 0x54) return undefined;
  if (text.charCodeAt(4) !== 0x2d || text.charCodeAt(7) !== 0x2d || text.charCodeAt(13) !== 0x3a || text.charCodeAt(16) !== 0x3a) return undefined;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  let millis = 0;
  if (length > 20) {
    const fraction = length - 21;
    if (text.charCodeAt(19) !== 0x2e || fraction < 1 || fraction > 9 || digitsAt(text, 20, fraction) < 0) return undefined;
    millis = digitsAt(text, 20, Math.min(fraction, 3)) * 10 ** Math.max(0, 3 - fraction);
  } else if (length !== 20) return undefined;
  return year < 0 ? undefined : calendarMillis(year, month, day, hour, minute, second, millis);
}

/**
 * Parses a date the way a date field with these formats does (`a||b||c`, the first that fits wins).
 * Numbers count as epoch_millis unless only epoch_second is allowed. Returns epoch ms or undefined.
 */
export function parseDate(value: unknown, format: string = DEFAULT_DATE_FORMAT, zone = 'UTC', roundUp = false): number | undefined {
  const formats = formatList(format);
  if (typeof value === 'string' && ISO_FORMATS.has(formats[0] as string)) {
    const utc = utcIsoToMillis(value);
    if (utc !== undefined) return utc;
  }
  for (const name of formats) {
    if (typeof value === 'number') {
      if (name === 'epoch_millis') return Math.trunc(value);
      if (name === 'epoch_second') return Math.trunc(value * 1000);
      // A Java pattern reads a number as its text, as DateFieldType.parseToLong does (`gte: 1500` with `uuuu`: the year).
      if (!ISO_FORMATS.has(name) && name !== 'basic_date' && Number.isInteger(value)) {
        const parsed = patternToMillis(String(value), name, zone, roundUp);
        if (parsed !== undefined) return parsed;
      }
      continue;
    }
    if (typeof value !== 'string') return undefined;
    const text = value.trim();
    switch (name) {
      case 'epoch_millis':
        if (/^-?\d+(\.\d+)?$/.test(text)) return Math.trunc(Number(text));
        break;
      case 'epoch_second':
        if (/^-?\d+(\.\d+)?$/.test(text)) return Math.trunc(Number(text) * 1000);
        break;
      case 'basic_date': {
        const parsed = /^\d{8}$/.test(text) ? isoToMillis(`${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6)}`, zone, roundUp) : undefined;
        if (parsed !== undefined) return parsed;
        break;
      }
      default: {
        // The ISO formats read what starts with a year; any other name is a Java pattern.
        if (ISO_FORMATS.has(name)) {
          const parsed = /^\d{4}/.test(text) ? isoToMillis(text, zone, roundUp) : undefined;
          if (parsed !== undefined) return parsed;
          break;
        }
        const parsed = patternToMillis(text, name, zone, roundUp);
        if (parsed !== undefined) return parsed;
      }
    }
  }
  return undefined;
}

// ---- formatting ------------------------------------------------------------------------------------

function pad(value: number, width: number): string {
  return String(Math.abs(value)).padStart(width, '0');
}

/** Formats epoch ms with the first format of a field (as Elasticsearch does for key_as_string). */
export function formatDate(ms: number, format: string = DEFAULT_DATE_FORMAT, zone = 'UTC'): string {
  const name = format.split('||')[0] ?? 'strict_date_optional_time';
  if (name === 'epoch_millis') return String(ms);
  if (name === 'epoch_second') return String(Math.floor(ms / 1000));
  const offset = zoneOffset(ms, zone);
  const local = new Date(ms + offset);
  const zoneText = offset === 0 ? 'Z' : `${offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offset) / 3_600_000), 2)}:${pad((Math.abs(offset) / 60_000) % 60, 2)}`;
  const iso = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1, 2)}-${pad(local.getUTCDate(), 2)}T${pad(local.getUTCHours(), 2)}:${pad(local.getUTCMinutes(), 2)}:${pad(local.getUTCSeconds(), 2)}.${pad(local.getUTCMilliseconds(), 3)}${zoneText}`;
  if (/^(strict_)?date_optional_time|^(strict_)?date_time|^iso8601/.test(name)) return iso;
  if (name === 'strict_date' || name === 'date') return iso.slice(0, 10);
  let out = '';
  for (let i = 0; i < name.length; ) {
    const char = name[i] as string;
    if (char === "'") {
      const end = name.indexOf("'", i + 1);
      out += end < 0 ? name.slice(i + 1) : name.slice(i + 1, end);
      i = end < 0 ? name.length : end + 1;
      continue;
    }
    let run = 1;
    while (name[i + run] === char) run += 1;
    i += run;
    switch (char) {
      case 'y':
      case 'u':
        out += run === 2 ? pad(local.getUTCFullYear() % 100, 2) : pad(local.getUTCFullYear(), 4);
        break;
      case 'M':
        out += pad(local.getUTCMonth() + 1, run);
        break;
      case 'd':
        out += pad(local.getUTCDate(), run);
        break;
      case 'H':
        out += pad(local.getUTCHours(), run);
        break;
      case 'm':
        out += pad(local.getUTCMinutes(), run);
        break;
      case 's':
        out += pad(local.getUTCSeconds(), run);
        break;
      case 'S':
        out += pad(local.getUTCMilliseconds(), 3).slice(0, run);
        break;
      case 'Z':
      case 'X':
      case 'x':
        out += run >= 3 || char !== 'Z' ? zoneText : zoneText.replace(':', '');
        break;
      default:
        out += char.repeat(run);
    }
  }
  return out;
}

// ---- calendar units and date math --------------------------------------------------------------------

export type CalendarUnit = 'y' | 'q' | 'M' | 'w' | 'd' | 'h' | 'm' | 's';

const CALENDAR_NAMES: Record<string, CalendarUnit> = {
  '1y': 'y', year: 'y', '1q': 'q', quarter: 'q', '1M': 'M', month: 'M', '1w': 'w', week: 'w',
  '1d': 'd', day: 'd', '1h': 'h', hour: 'h', '1m': 'm', minute: 'm', '1s': 's', second: 's',
};

export function calendarUnit(text: string): CalendarUnit | undefined {
  return CALENDAR_NAMES[text];
}

/** The start of the calendar unit holding `ms`, in `zone`. */
export function roundDown(ms: number, unit: CalendarUnit, zone = 'UTC'): number {
  const utc = zone === 'UTC' || zone === 'Z';
  const offset = utc ? 0 : zoneOffset(ms, zone);
  const local = ms + offset;
  let floored: number;
  switch (unit) {
    case 's':
      floored = Math.floor(local / 1000) * 1000;
      break;
    case 'm':
      floored = Math.floor(local / 60_000) * 60_000;
      break;
    case 'h':
      floored = Math.floor(local / 3_600_000) * 3_600_000;
      break;
    case 'd':
      floored = Math.floor(local / 86_400_000) * 86_400_000;
      break;
    case 'w': {
      const day = Math.floor(local / 86_400_000);
      // 1970-01-01 was a Thursday; weeks start on Monday.
      floored = (day - ((day + 3) % 7 + 7) % 7) * 86_400_000;
      break;
    }
    default: {
      const date = new Date(local);
      const month = unit === 'y' ? 0 : unit === 'q' ? Math.floor(date.getUTCMonth() / 3) * 3 : date.getUTCMonth();
      floored = utcMillis(date.getUTCFullYear(), month);
    }
  }
  return utc ? floored : fromLocal(floored, zone);
}

/** `ms` plus `amount` calendar units, in `zone` (months and years keep the local wall clock). */
export function addUnits(ms: number, amount: number, unit: CalendarUnit, zone = 'UTC'): number {
  switch (unit) {
    case 's':
      return ms + amount * 1000;
    case 'm':
      return ms + amount * 60_000;
    case 'h':
      return ms + amount * 3_600_000;
    default: {
      const offset = zone === 'UTC' ? 0 : zoneOffset(ms, zone);
      const date = new Date(ms + offset);
      if (unit === 'd') date.setUTCDate(date.getUTCDate() + amount);
      else if (unit === 'w') date.setUTCDate(date.getUTCDate() + amount * 7);
      else date.setUTCMonth(date.getUTCMonth() + amount * (unit === 'y' ? 12 : unit === 'q' ? 3 : 1));
      return zone === 'UTC' ? date.getTime() : fromLocal(date.getTime(), zone);
    }
  }
}

const MATH_UNITS: Record<string, CalendarUnit> = { y: 'y', M: 'M', w: 'w', d: 'd', h: 'h', H: 'h', m: 'm', s: 's' };

/**
 * Date math: `now`, or a date followed by `||`, then operations `+1d`, `-1h`, `/d` (round). `roundUp` rounds
 * to the last millisecond of the unit, as Elasticsearch does for `gt` and `lte` bounds.
 */
export function resolveDateMath(expression: string | number, now: number, options: { format?: string; zone?: string; roundUp?: boolean } = {}): number | undefined {
  const zone = options.zone ?? 'UTC';
  if (typeof expression === 'number') return parseDate(expression, options.format ?? DEFAULT_DATE_FORMAT, zone, options.roundUp === true);
  let base: number | undefined;
  let math: string;
  if (expression.startsWith('now')) {
    base = now;
    math = expression.slice(3);
  } else {
    const split = expression.indexOf('||');
    const anchor = split < 0 ? expression : expression.slice(0, split);
    // Missing components round up only for a bare date; with math after `||` the anchor is read as is.
    base = parseDate(anchor, options.format ?? DEFAULT_DATE_FORMAT, zone, split < 0 && options.roundUp === true);
    math = split < 0 ? '' : expression.slice(split + 2);
  }
  if (base === undefined) return undefined;
  let value = base;
  for (let i = 0; i < math.length; ) {
    const op = math[i] as string;
    if (op === '/') {
      const unit = MATH_UNITS[math[i + 1] ?? ''];
      if (unit === undefined) return undefined;
      value = roundDown(value, unit, zone);
      if (options.roundUp === true) value = addUnits(value, 1, unit, zone) - 1;
      i += 2;
    } else if (op === '+' || op === '-') {
      const match = /^(\d*)([yMwdhHms])/.exec(math.slice(i + 1));
      if (!match) return undefined;
      const unit = MATH_UNITS[match[2] as string] as CalendarUnit;
      value = addUnits(value, (op === '-' ? -1 : 1) * Number(match[1] === '' ? 1 : match[1]), unit, zone);
      i += 1 + match[0].length;
    } else return undefined;
  }
  return value;
}

/**
 * An index name with date math, `<static{date_math{format|time_zone}}>` (IndexNameExpressionResolver's
 * DateMathExpressionResolver): each `{…}` the date its expression resolves to, in its format (`uuuu.MM.dd` by
 * default) and time zone (UTC); `\\` escapes a brace. Any other name is returned as it is.
 */
export function dateMathIndexName(name: string, now: number): string {
  if (!name.startsWith('<') || !name.endsWith('>')) return name;
  const inner = name.slice(1, -1);
  let out = '';
  for (let i = 0; i < inner.length; i += 1) {
    const char = inner[i] as string;
    if (char === '\\' && i + 1 < inner.length) {
      out += inner[(i += 1)];
      continue;
    }
    if (char !== '{') {
      out += char;
      continue;
    }
    const close = inner.indexOf('}', i);
    const formatStart = inner.indexOf('{', i + 1);
    const hasFormat = formatStart >= 0 && formatStart < close;
    const expression = inner.slice(i + 1, hasFormat ? formatStart : close);
    const [format = 'uuuu.MM.dd', zone = 'UTC'] = hasFormat ? inner.slice(formatStart + 1, close).split('|') : [];
    const at = close < 0 ? undefined : resolveDateMath(expression, now, { zone });
    if (at === undefined) throw new EsError(400, 'illegal_argument_exception', `invalid date math expression [${name}]`);
    out += formatDate(at, format, zone);
    i = hasFormat ? inner.indexOf('}', close + 1) : close;
  }
  return out;
}
