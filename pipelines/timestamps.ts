/**
 * Timestamps as the seed's sources write them: ISO-8601 with or without a zone (without one: UTC),
 * with any number of fraction digits (Traefik writes nanoseconds), epoch seconds or milliseconds,
 * PostgreSQL's `2025-07-10 10:30:00.123 UTC`, and the common log format `10/Jul/2025:10:30:00 +0000`.
 * Returns epoch milliseconds, or undefined for anything else.
 */

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/i;
const CLF = /^(\d{2})\/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\/(\d{4}):(\d{2}):(\d{2}):(\d{2})\s*([+-]\d{4})$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Before this no log of ours was written; after it, the number is milliseconds, not seconds. */
const EPOCH_SECONDS_LIMIT = 100_000_000_000;

function offsetMs(zone: string | undefined): number {
  if (zone === undefined || /^(Z|UTC|GMT)$/i.test(zone)) return 0;
  const match = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (!match) return 0;
  return (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3] ?? 0)) * 60_000;
}

function valid(ms: number): number | undefined {
  // Years 2000 to 2100: anything else is a unit mistake or a counter, not the time of a log line.
  return Number.isFinite(ms) && ms >= 946_684_800_000 && ms < 4_102_444_800_000 ? ms : undefined;
}

export function parseTimestamp(value: unknown): number | undefined {
  if (typeof value === 'number') return valid(value < EPOCH_SECONDS_LIMIT ? Math.round(value * 1000) : Math.round(value));
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^\d{9,13}(\.\d+)?$/.test(text)) return parseTimestamp(Number(text));
  const iso = ISO.exec(text);
  if (iso) {
    const [, year, month, day, hour, minute, second = '0', fraction = '0', zone] = iso;
    const ms = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second), Number(fraction.padEnd(3, '0').slice(0, 3)));
    if (Number(month) < 1 || Number(month) > 12 || new Date(ms).getUTCDate() !== Number(day) || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 60) return undefined;
    return valid(ms - offsetMs(zone));
  }
  const clf = CLF.exec(text);
  if (clf) {
    const [, day, month, year, hour, minute, second, zone] = clf;
    return valid(Date.UTC(Number(year), MONTHS.indexOf(month as string), Number(day), Number(hour), Number(minute), Number(second)) - offsetMs(zone));
  }
  return undefined;
}
