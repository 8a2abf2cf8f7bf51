/** ECS 8.x helpers shared by the source pipelines: nested fields, URLs, route templates, durations. */
import { memoized } from '../shared/memo.js';

export const ECS_VERSION = '8.11.0';

export type Json = Record<string, unknown>;

/** Field paths are a few hundred constants: each is split once, not once per event. */
const splitPath = memoized(10_000, (path) => path.split('.'));

/** The object at the first `depth` parts of a path, created on the way (a value in the way is replaced). */
function objectAlong(document: Json, parts: readonly string[], depth: number): Json {
  let node = document;
  for (let i = 0; i < depth; i += 1) {
    const part = parts[i] as string;
    const next = node[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Json;
  }
  return node;
}

/** Sets `a.b.c` in a nested document, creating the objects on the way. */
export function put(document: Json, path: string, value: unknown): void {
  if (value === undefined || value === null || value === '') return;
  const parts = splitPath(path);
  objectAlong(document, parts, parts.length - 1)[parts[parts.length - 1] as string] = value;
}

/** The object at `a.b`, created when missing. */
export function objectAt(document: Json, path: string): Json {
  const parts = splitPath(path);
  return objectAlong(document, parts, parts.length);
}

export function get(document: Json, path: string): unknown {
  let node: unknown = document;
  for (const part of splitPath(path)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Json)[part];
  }
  return node;
}

/**
 * A cached enrichment answer, frozen all the way down so that every document can share it: copying it into
 * each document cost more than the lookup. Nothing in the pipeline changes these objects (redaction skips
 * them), and a change attempted anyway throws rather than leaking into other documents.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const key in value) deepFreeze((value as Json)[key]);
    Object.freeze(value);
  }
  return value;
}

export function addTag(document: Json, tag: string): void {
  const tags = (document.tags as string[] | undefined) ?? [];
  if (!tags.includes(tag)) tags.push(tag);
  document.tags = tags;
}

/** Percent-decoding done once; a malformed escape leaves the text as it is (and the caller may tag it). */
export function decodeOnce(text: string): { value: string; ok: boolean } {
  try {
    return { value: decodeURIComponent(text), ok: true };
  } catch {
    return { value: text, ok: false };
  }
}

/** Splits a request target into ECS url.* fields: original, path (decoded once), query (as sent), extension. */
export function urlFields(target: string): { original: string; path: string; query: string | undefined; extension: string | undefined; decodedOk: boolean } {
  const question = target.indexOf('?');
  const rawPath = question < 0 ? target : target.slice(0, question);
  const query = question < 0 ? undefined : target.slice(question + 1);
  const withoutHost = rawPath.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '') || '/';
  const { value, ok } = decodeOnce(withoutHost);
  return { original: target, path: value, query: query === '' ? undefined : query, extension: urlExtension(value), decodedOk: ok };
}

/**
 * ECS's url.extension as Elasticsearch's uri_parts processor takes it (Filebeat's web server modules use it): what
 * follows the last dot of the decoded path's last segment, as written (`gz` of `a.tar.gz`, `env` of `/.env`); none
 * without a dot there or with nothing after it (ECS sets it only when there is one), or for a path with no slash.
 */
export function urlExtension(path: string): string | undefined {
  // Most API paths have no dot: one scan for them.
  const dot = path.lastIndexOf('.');
  if (dot < 0 || dot === path.length - 1) return undefined;
  const segment = path.lastIndexOf('/');
  return segment >= 0 && dot > segment ? path.slice(dot + 1) : undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function allDigits(segment: string): boolean {
  for (let i = 0; i < segment.length; i += 1) {
    const code = segment.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  return true;
}

function segmentTemplate(segment: string): string {
  if (/^v\d{1,3}$/i.test(segment)) return segment;
  if (UUID.test(segment) || /^[0-9a-f]{12,}$/i.test(segment)) return '{id}';
  if (segment.length >= 6 && /\d/.test(segment) && /^[\w.~-]+$/.test(segment) && !/\.(\w{2,4})$/.test(segment)) return '{id}';
  if (segment.includes('@')) return '{email}';
  return segment;
}

/**
 * Path segments that stay as they are (`api`, `jobs`, `status`): an API has few, and each is checked once.
 * Identifiers are not remembered, since there is no end to them.
 */
const staticSegments = new Set<string>();

/**
 * The route template of a path, for metrics and SLO rollups with bounded cardinality:
 * `/api/v1/jobs/123` → `/api/v1/jobs/{id}`. Identifiers are numbers, UUIDs, long hex strings and
 * tokens that mix letters and digits; version segments such as `v1` stay.
 */
export function routeTemplate(path: string): string {
  if (path === '') return '/';
  let out = '';
  let start = 0;
  for (;;) {
    const slash = path.indexOf('/', start);
    const segment = slash < 0 ? path.slice(start) : path.slice(start, slash);
    let template = segment;
    if (segment !== '' && !staticSegments.has(segment)) {
      if (allDigits(segment)) template = '{id}';
      else {
        template = segmentTemplate(segment);
        if (template === segment && staticSegments.size < 10_000) staticSegments.add(segment);
      }
    }
    out += template;
    if (slash < 0) return out;
    out += '/';
    start = slash + 1;
  }
}

/** Go's duration units (time.ParseDuration): microseconds as `us`, `µs` (micro sign) or `μs` (Greek mu). */
const DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, '\u00b5s': 1e3, '\u03bcs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/**
 * `150ms`, `1.5s`, `2m`, `300µs`, `42ns` → nanoseconds; a bare number is nanoseconds already (Traefik). The
 * micro signs are escaped so that the bundle stays ASCII (bin/bundle.ts says why).
 */
export function durationNs(value: unknown): number | undefined {
  if (typeof value === 'number') return nanoseconds(value);
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  const match = /^(\d+(?:\.\d+)?)\s*(ns|us|\u00b5s|\u03bcs|ms|s|m|h)$/.exec(text);
  if (match) return nanoseconds(Number(match[1]) * (DURATION_UNITS[match[2] as string] as number));
  if (/^\d+$/.test(text)) return nanoseconds(Number(text));
  return goDurationNs(text);
}

/** Go's Duration.String() of a minute or more: its parts in descending units, as `1h2m3.5s` or `2m0.25s`. */
function goDurationNs(text: string): number | undefined {
  if (!/^(?:\d+(?:\.\d+)?(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/g)) total += Number(amount) * (DURATION_UNITS[unit as string] as number);
  return nanoseconds(total);
}

/** The largest value of Elasticsearch's `long` (2^63 − 1, as near as a double holds it). */
const LONG_MAX = 2 ** 63 - 1;

/**
 * A count of nanoseconds as ECS's `event.duration` (a long) holds it: rounded, or undefined when it is not a finite
 * number of zero or more, or is past a long, which would make Elasticsearch refuse the whole document.
 */
export function nanoseconds(value: number): number | undefined {
  return Number.isFinite(value) && value >= 0 && value < LONG_MAX ? Math.round(value) : undefined;
}

/** `192.168.1.100:54321`, `[2001:db8::1]:443` or a bare address → ip and port. */
export function hostPort(value: string): { ip: string; port: number | undefined } {
  if (value.startsWith('[')) {
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
    if (bracketed) return { ip: bracketed[1] as string, port: bracketed[2] === undefined ? undefined : Number(bracketed[2]) };
  }
  // One colon: address and port. None, or several (a bare IPv6 address): the whole value is the address.
  const colon = value.indexOf(':');
  if (colon < 0 || colon !== value.lastIndexOf(':')) return { ip: value, port: undefined };
  const port = value.slice(colon + 1);
  return { ip: value.slice(0, colon), port: /^\d+$/.test(port) ? Number(port) : undefined };
}
