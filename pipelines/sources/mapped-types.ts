import { isIP } from 'node:net';
import { loadIlmFiles, mappedFields } from '../../shared/ilm/files.js';
import { isJsonObject } from '../../shared/json-object.js';

/**
 * What ilm/'s templates map, and whether a value fits it: a value that does not makes Elasticsearch refuse the whole
 * document, so a record's value goes to a mapped place only when it fits (ecs-fields.ts, keepRest).
 */
let mapped: ReturnType<typeof mappedFields> | undefined;
/** Read on the first record that needs it, not at start. */
export function mapping(): ReturnType<typeof mappedFields> {
  mapped ??= mappedFields(loadIlmFiles());
  return mapped;
}

const INTEGER_RANGE: Readonly<Record<string, number>> = { byte: 2 ** 7, short: 2 ** 15, integer: 2 ** 31 };
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** Whether Elasticsearch indexes this scalar in a field of this type without a parsing error (no coercion counted on). */
function fitsScalar(type: string, value: unknown): boolean {
  switch (type) {
    case 'keyword':
    case 'wildcard':
      return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
    case 'text':
    case 'match_only_text':
      return typeof value === 'string';
    case 'long':
    case 'unsigned_long':
      return Number.isSafeInteger(value) && (type === 'long' || (value as number) >= 0);
    case 'integer':
    case 'short':
    case 'byte': {
      const limit = INTEGER_RANGE[type] as number;
      return Number.isSafeInteger(value) && (value as number) >= -limit && (value as number) < limit;
    }
    case 'double':
    case 'scaled_float':
      return typeof value === 'number' && Number.isFinite(value);
    case 'float':
    case 'half_float':
      // Past the type's largest value Elasticsearch reads infinity, which it refuses.
      return typeof value === 'number' && Math.abs(value) <= (type === 'float' ? 3.4028234663852886e38 : 65504);
    case 'boolean':
      return typeof value === 'boolean';
    case 'date':
    case 'date_nanos':
      return (typeof value === 'string' && ISO_DATE.test(value) && !Number.isNaN(Date.parse(value.replace(',', '.')))) || Number.isSafeInteger(value);
    case 'ip':
      return typeof value === 'string' && isIP(value) !== 0;
    case 'geo_point':
      return isJsonObject(value) && typeof value.lat === 'number' && typeof value.lon === 'number' && Math.abs(value.lat) <= 90 && Math.abs(value.lon) <= 180;
    case 'object':
    case 'flattened':
      return isJsonObject(value);
    default:
      // constant_keyword and anything else Sluice's own fields hold: never from a record.
      return false;
  }
}

/** Whether the value fits the field at `path`: its mapped type, or any JSON scalar (or array of them) where unmapped. */
export function fits(path: string, value: unknown): boolean {
  const { types, objects } = mapping();
  if (objects.has(path)) return false;
  const type = types.get(path);
  if (Array.isArray(value)) return value.length > 0 && value.every((item) => item !== null && (type === undefined ? !Array.isArray(item) : fitsScalar(type, item)));
  return type === undefined ? typeof value !== 'object' || isJsonObject(value) : fitsScalar(type, value);
}

const children = new Map<string, ReadonlySet<string>>();
/** The names the templates map directly under a namespace (`traefik` → `service_name`, …): Sluice's own fields there. */
function mappedChildren(namespace: string): ReadonlySet<string> {
  let names = children.get(namespace);
  if (names === undefined) {
    const prefix = `${namespace}.`;
    const { types, objects } = mapping();
    names = new Set([...types.keys(), ...objects].filter((path) => path.startsWith(prefix)).map((path) => path.slice(prefix.length).split('.')[0] as string));
    children.set(namespace, names);
  }
  return names;
}

/** Whether a value, whole (an object's every field), fits where the templates map `path` and what they map under it. */
function fitsWhole(path: string, value: unknown): boolean {
  const { objects } = mapping();
  // An empty list holds no value: Elasticsearch takes it in any field.
  if (Array.isArray(value) && value.length === 0) return true;
  if (!objects.has(path)) return fits(path, value);
  const items = Array.isArray(value) ? value : [value];
  return items.every((item) => isJsonObject(item) && Object.entries(item).every(([key, inner]) => inner === null || fitsWhole(`${path}.${key}`, inner)));
}

/**
 * Whether a record's value may be kept as `name` under `namespace`: always where the templates map nothing of that
 * name (told without building the path, the common case), else only when it fits what they map there.
 */
export function fitsUnder(namespace: string, name: string, value: unknown): boolean {
  return !mappedChildren(namespace).has(name) || fitsWhole(`${namespace}.${name}`, value);
}
