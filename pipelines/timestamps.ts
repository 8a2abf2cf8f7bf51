/**
 * Timestamps as the seed's sources write them: ISO-8601 with or without a zone (without one: UTC),
 * with any number of fraction digits (Traefik writes nanoseconds), epoch seconds or milliseconds,
 * PostgreSQL's `2025-07-10 10:30:00.123 UTC`, the common log format `10/Jul/2025:10:30:00 +0000`, RFC 2822's
 * (and HTTP's) `Thu, 10 Jul 2025 10:30:00 GMT`, as morgan's `:date[web]` writes it, Go's and nginx's `2025/07/10
 * 10:30:00`, Go's time.Time.String(), asctime's `Thu Jul 10 10:30:00 2025` (Apache's error log, `date`), and Redis's
 * `10 Jul 2025 10:30:00.123`.
 * Returns epoch milliseconds, or undefined for anything else.
 */

/**
 * ISO-8601 and its relatives: `/` between the date's parts (Go's log package, nginx's error log), and Go's
 * time.Time.String() (`2026-12-06 09:41:02.123456789 +0000 UTC m=+0.01`: the offset counts, the zone's name after
 * it and the monotonic clock reading do not; a zone's name alone, which says no offset, is no time read).
 */
const ISO = /^(\d{4})([-/])(\d{2})\2(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(?:(Z|UTC|GMT)|([+-]\d{2}(?::?\d{2})?)(?: [A-Z]{2,5})?)?(?: m=[+-]\d+(?:\.\d+)?)?$/i;
/** C's asctime, and the Unix `date` command's and Apache's error log's: `Sun Dec  6 09:41:02 [UTC ]2026`, a fraction allowed. */
const ASCTIME = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\s+(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?\s+(?:(?:UTC|GMT)\s+)?(\d{4})$/;
const CLF = /^(\d{2})\/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\/(\d{4}):(\d{2}):(\d{2}):(\d{2})\s*([+-]\d{4})$/;
/** RFC 2822's date (and HTTP's, RFC 9110's IMF-fixdate): "Sun, 22 Nov 2026 10:00:00 GMT", "22 Nov 2026 12:00:00 +0200". */
const RFC2822 = /^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),\s*)?(\d{1,2})\s+(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+(\d{4})\s+(\d{2}):(\d{2})(?::(\d{2}))?\s*(GMT|UTC|UT|Z|[+-]\d{4})$/;
/** Redis's and Valkey's legacy time, `07 Dec 2026 06:00:00.123`: no zone, so UTC. */
const DAY_MONTH_YEAR = /^(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;
export const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Before this no log of ours was written; after it, the number is milliseconds, not seconds. */
const EPOCH_SECONDS_LIMIT = 100_000_000_000;

function offsetMs(zone: string | undefined): number {
  if (zone === undefined || /^(Z|UTC|GMT)$/i.test(zone)) return 0;
  const match = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (!match) return 0;
  return (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3] ?? 0)) * 60_000;
}

/**
 * A date and time as written, in UTC milliseconds, or undefined for one that does not exist (Feb 30, 25:00): Date.UTC
 * would roll it over. `fraction`: the digits after the second, milliseconds read from the first three.
 */
function calendarMs(year: string | undefined, monthIndex: number, day: string | undefined, hour: string | undefined, minute: string | undefined, second: string | undefined, fraction: string): number | undefined {
  if (monthIndex < 0 || monthIndex > 11 || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 60) return undefined;
  const ms = Date.UTC(Number(year), monthIndex, Number(day), Number(hour), Number(minute), Number(second), Number(fraction.padEnd(3, '0').slice(0, 3)));
  return new Date(ms).getUTCDate() === Number(day) ? ms : undefined;
}

const DAY_MS = 86_400_000;

/** A date and time as a log line writes it, with the month's English abbreviation; the year may be left out. */
export interface CalendarParts {
  year?: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
  fraction?: string;
}

/**
 * Such a time in UTC milliseconds. Without its year (syslog's BSD time, Redis's before version 5), the latest year that
 * puts it no more than a day after `now`, so a line of Dec 31 read on Jan 1 is last year's, one of Jan 1 read a minute
 * before midnight on Dec 31 (a clock ahead) next year's. Undefined for a date or time that does not exist.
 */
export function calendarTime(parts: CalendarParts, now: number): number | undefined {
  const { month, day, hour, minute, second, fraction = '0' } = parts;
  const at = (year: string) => calendarMs(year, MONTHS.indexOf(month), day, hour, minute, second, fraction);
  if (parts.year !== undefined) {
    const ms = at(parts.year);
    return ms === undefined ? undefined : valid(ms);
  }
  const year = new Date(now).getUTCFullYear();
  const ms = [year + 1, year, year - 1].map((candidate) => at(String(candidate))).find((candidate) => candidate !== undefined && candidate <= now + DAY_MS);
  return ms === undefined ? undefined : valid(ms);
}

function valid(ms: number): number | undefined {
  // Years 2000 to 2100: anything else is a unit mistake or a counter, not the time of a log line.
  return Number.isFinite(ms) && ms >= 946_684_800_000 && ms < 4_102_444_800_000 ? ms : undefined;
}

/**
 * Consecutive log lines share their minute, so the minute of the last ISO timestamp read (as written, up to
 * "YYYY-MM-DDTHH:MM") is kept with its epoch value: the next one from that minute is read without a regular
 * expression or calendar arithmetic. Each cost about as much as the rest of normalisation's fields together.
 */
let lastMinute = { key: '', ms: 0 };

const digit = (text: string, at: number): number => {
  const code = text.charCodeAt(at) - 48;
  return code >= 0 && code <= 9 ? code : Number.NaN;
};

/** `…:SS`, `…:SS.f…`, with `Z`, `+00:00` or no zone, within the remembered minute; undefined for anything else. */
function sameMinute(text: string): number | undefined {
  const length = text.length;
  if (length < 19 || lastMinute.key === '' || text.charCodeAt(16) !== 58 || !text.startsWith(lastMinute.key)) return undefined;
  let end = length;
  if (text.charCodeAt(end - 1) === 90) end -= 1;
  else if (text.endsWith('+00:00')) end -= 6;
  const seconds = digit(text, 17) * 10 + digit(text, 18);
  if (!(seconds <= 60)) return undefined;
  let ms = 0;
  if (end > 19) {
    const separator = text.charCodeAt(19);
    if ((separator !== 46 && separator !== 44) || end === 20) return undefined;
    for (let at = 20; at < end; at += 1) {
      const value = digit(text, at);
      if (Number.isNaN(value)) return undefined;
      if (at < 23) ms += value * (at === 20 ? 100 : at === 21 ? 10 : 1);
    }
  }
  return valid(lastMinute.ms + seconds * 1000 + ms);
}

export function parseTimestamp(value: unknown): number | undefined {
  if (typeof value === 'number') return valid(value < EPOCH_SECONDS_LIMIT ? Math.round(value * 1000) : Math.round(value));
  if (typeof value !== 'string') return undefined;
  const fast = sameMinute(value);
  if (fast !== undefined) return fast;
  const text = value.trim();
  if (/^\d{9,13}(\.\d+)?$/.test(text)) return parseTimestamp(Number(text));
  const iso = ISO.exec(text);
  if (iso) {
    const [, year, , month, day, hour, minute, second = '0', fraction = '0', named, offsetText] = iso;
    const zone = named ?? offsetText;
    const ms = calendarMs(year, Number(month) - 1, day, hour, minute, second, fraction);
    if (ms === undefined) return undefined;
    const offset = offsetMs(zone);
    const result = valid(ms - offset);
    if (result !== undefined && offset === 0 && text.length >= 19 && text === value) {
      lastMinute = { key: text.slice(0, 16), ms: Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute)) };
    }
    return result;
  }
  const asctime = ASCTIME.exec(text);
  if (asctime) {
    const [, month, day, hour, minute, second, fraction = '0', year] = asctime;
    const ms = calendarMs(year, MONTHS.indexOf(month as string), day, hour, minute, second, fraction);
    return ms === undefined ? undefined : valid(ms);
  }
  const legacy = DAY_MONTH_YEAR.exec(text);
  if (legacy) {
    const [, day, month, year, hour, minute, second, fraction = '0'] = legacy;
    const ms = calendarMs(year, MONTHS.indexOf(month as string), day, hour, minute, second, fraction);
    return ms === undefined ? undefined : valid(ms);
  }
  const clf = CLF.exec(text) ?? RFC2822.exec(text);
  if (clf) {
    const [, day, month, year, hour, minute, second = '0', zone] = clf;
    const ms = calendarMs(year, MONTHS.indexOf(month as string), day, hour, minute, second, '0');
    return ms === undefined ? undefined : valid(ms - offsetMs(zone === 'UT' ? 'UTC' : zone));
  }
  return undefined;
}

/** "00".."59" (and "60"), and ".000Z".."999Z": the parts of a timestamp within a minute. */
const SECONDS = Array.from({ length: 61 }, (_, second) => String(second).padStart(2, '0'));
const MILLISECONDS = Array.from({ length: 1000 }, (_, ms) => `.${String(ms).padStart(3, '0')}Z`);
let formattedMinute = { start: Number.NaN, prefix: '' };

/** `new Date(ms).toISOString()`, with the "YYYY-MM-DDTHH:MM:" of the last minute formatted kept. */
export function formatTimestamp(ms: number): string {
  const offset = ms - formattedMinute.start;
  if (!(offset >= 0 && offset < 60_000)) {
    const start = ms - (((ms % 60_000) + 60_000) % 60_000);
    formattedMinute = { start, prefix: new Date(start).toISOString().slice(0, 17) };
    return formatTimestamp(ms);
  }
  const within = Math.floor(offset);
  return formattedMinute.prefix + (SECONDS[Math.floor(within / 1000)] as string) + (MILLISECONDS[within % 1000] as string);
}
