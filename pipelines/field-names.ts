import type { Json } from './ecs.js';

/**
 * Whether Elasticsearch refuses a field name, which makes it refuse the whole document: an empty name, one of only
 * whitespace (DocumentParser), or a dotted one with a part empty or of only whitespace, `"."`, `"a..b"`, `".a"`, `"a."`,
 * `"a. .b"` (DotExpandingXContentParser). Whitespace is what String.prototype.trim removes, Java's isBlank and more.
 */
export function isRefusedFieldName(name: string): boolean {
  const first = name.charCodeAt(0);
  const last = name.charCodeAt(name.length - 1);
  // Nearly every name starts and ends with visible ASCII other than a dot, and holds no dot: told in a few comparisons.
  if (first > 32 && first < 127 && first !== 46 && last > 32 && last < 127 && last !== 46 && !name.includes('.')) return false;
  if (!name.includes('.')) return name.trim() === '';
  return name.split('.').some((part) => part.trim() === '');
}

/**
 * Whether decode renames a field: Elasticsearch refuses its name, or it is `__proto__`, which Elasticsearch takes but a
 * JavaScript object holds only when made with care: assigning it sets the object's prototype, so zod's copy of a record
 * (and any plain `object[key] = value`) loses it, and Kibana, JavaScript too, is no safer a place for it.
 */
export function isRenamedFieldName(name: string): boolean {
  return isRefusedFieldName(name) || isProto(name);
}

/** `__proto__`, told by its first character before the comparison: most names start otherwise. */
function isProto(name: string): boolean {
  return name.charCodeAt(0) === 95 && name === '__proto__';
}

/** A name beside one that is taken: a leading `_`, as often as needed. `__proto__` is always taken. */
function nameBeside(name: string, taken: (candidate: string) => boolean): string {
  let free = name;
  while (free === '__proto__' || taken(free)) free = `_${free}`;
  return free;
}

/**
 * The name a renamed field is kept under: its dots as underscores (as a dotted key is kept in `rendiff.*`), `_` for a
 * blank one, `___proto__` for `__proto__`; with a leading `_` more while `taken` says the name is.
 */
export function acceptedName(name: string, taken: (candidate: string) => boolean): string {
  const renamed = name.replaceAll('.', '_');
  return nameBeside(renamed.trim() === '' ? '_' : renamed, taken);
}

/** Renames the refused names of one object, keeping the order of its fields. */
function renameFields(object: Json): number {
  const entries = Object.entries(object);
  const original = new Set(Object.keys(object));
  for (const [key] of entries) delete object[key];
  let renamed = 0;
  for (const [key, value] of entries) {
    if (!isRenamedFieldName(key)) object[key] = value;
    else {
      object[acceptedName(key, (candidate) => original.has(candidate) || Object.hasOwn(object, candidate))] = value;
      renamed += 1;
    }
  }
  return renamed;
}

/**
 * Renames, in place and at any depth, the field names of a decoded record that Elasticsearch would refuse, so that
 * one odd key (Kubernetes' managedFields hold `"."`, a map keyed by user input may hold `""`) does not send the whole
 * record to the dead letters, and `__proto__` (a logged request body's prototype-pollution attempt), so that it is not
 * lost. Returns how many it renamed. The record is the decoder's own (freshly parsed).
 */
export function renameRefusedFields(node: Json | unknown[]): number {
  let renamed = 0;
  let refused = false;
  if (Array.isArray(node)) {
    for (const item of node) if (typeof item === 'object' && item !== null) renamed += renameRefusedFields(item as Json | unknown[]);
    return renamed;
  }
  for (const key in node) {
    const value = node[key];
    if (typeof value === 'object' && value !== null) renamed += renameRefusedFields(value as Json | unknown[]);
    if (!refused && isRenamedFieldName(key)) refused = true;
  }
  return refused ? renamed + renameFields(node) : renamed;
}
