import { z } from 'zod';

/** Elasticsearch's time values (`500ms`, `30s`, `10m`, `12h`, `30d`, also `micros` and `nanos`) in milliseconds. */
const UNITS: Record<string, number> = { nanos: 1e-6, micros: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseTimeValue(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(nanos|micros|ms|s|m|h|d)$/.exec(text.trim());
  return match ? Number(match[1]) * (UNITS[match[2] as string] as number) : undefined;
}

/** A positive time value as a setting or file field, in milliseconds. */
export const positiveDuration = z.string().transform((value, ctx) => {
  const ms = parseTimeValue(value);
  if (ms === undefined || ms <= 0) {
    ctx.addIssue('expected a duration such as "500ms", "1s" or "30s"');
    return z.NEVER;
  }
  return ms;
});
