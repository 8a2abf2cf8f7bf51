import type { FieldValue } from './mapping.js';

/**
 * The searchable values of one document, by full field path (`http.response.status_code`).
 *
 * Kept the way V8 keeps objects with hidden classes: documents whose fields come in the same order share
 * one `Shape` (path → slot), so a document holds only an array of its values, a value alone where the field
 * has one. A per-document dictionary with an array per field cost the emulator more than half of its CPU
 * per indexed document, most of it in the garbage collector, and 4 KB of memory per Sluice document.
 */
export class DocFields {
  constructor(
    private readonly shape: Shape,
    private readonly values: ReadonlyArray<FieldValue | FieldValue[]>,
  ) {}

  /** The field's values in the order they were indexed, or undefined when the document has none (a new array for a single value). */
  get(path: string): FieldValue[] | undefined {
    const slot = this.shape.slots.get(path);
    if (slot === undefined) return undefined;
    const value = this.values[slot] as FieldValue | FieldValue[];
    return Array.isArray(value) ? value : [value];
  }

  /** The first value, without allocating (a constant_keyword takes its value from it). */
  first(path: string): FieldValue | undefined {
    const slot = this.shape.slots.get(path);
    if (slot === undefined) return undefined;
    const value = this.values[slot] as FieldValue | FieldValue[];
    return Array.isArray(value) ? value[0] : value;
  }

  /** Whether any of the field's values passes `test`, without allocating: queries run this for every document. */
  some(path: string, test: (value: FieldValue) => boolean): boolean {
    const slot = this.shape.slots.get(path);
    if (slot === undefined) return false;
    const value = this.values[slot] as FieldValue | FieldValue[];
    return Array.isArray(value) ? value.some(test) : test(value);
  }

  /** The paths the document has values for. */
  paths(): readonly string[] {
    return this.shape.paths;
  }
}

/** Distinct strings a field may have and still be interned. */
const MAX_DISTINCT = 4096;

/** Beyond this many shared shapes (documents with arbitrary keys), new shapes are not shared, so memory stays bounded. */
const MAX_SHARED_SHAPES = 100_000;
let sharedShapes = 0;

/**
 * The distinct strings seen for one field path, each kept once: documents then share them instead of each
 * holding its own copy until the collector moves it to the old space, where every major collection marks it
 * again. A field with more distinct values than MAX_DISTINCT (ids, messages) stops interning. One table per
 * path, shared by every shape that adds the path: a table per shape learnt each field's values (and that a
 * field has too many) again for each combination of optional fields, hundreds of them in Sluice's documents.
 */
class InternTable {
  private strings: Map<string, string> | null = new Map();

  intern(text: string): string {
    const strings = this.strings;
    if (strings === null) return text;
    const known = strings.get(text);
    if (known !== undefined) return known;
    if (strings.size >= MAX_DISTINCT) this.strings = null;
    else strings.set(text, text);
    return text;
  }
}

/** Beyond this many paths (documents with arbitrary keys), a new path's strings are not interned. */
const MAX_INTERNED_PATHS = 100_000;
const internTables = new Map<string, InternTable>();
const NOT_INTERNED: Pick<InternTable, 'intern'> = { intern: (text) => text };

function internTable(path: string): Pick<InternTable, 'intern'> {
  let table = internTables.get(path);
  if (table === undefined) {
    if (internTables.size >= MAX_INTERNED_PATHS) return NOT_INTERNED;
    internTables.set(path, (table = new InternTable()));
  }
  return table;
}

class Shape {
  readonly slots: Map<string, number>;
  readonly paths: string[];
  readonly transitions = new Map<string, Shape>();
  /** The interning table of the shape's last path. */
  readonly strings: Pick<InternTable, 'intern'>;

  constructor(parent?: Shape, path?: string) {
    this.slots = new Map(parent?.slots);
    this.paths = parent === undefined ? [] : [...parent.paths];
    this.strings = path === undefined ? NOT_INTERNED : internTable(path);
    if (path !== undefined) {
      this.slots.set(path, this.paths.length);
      this.paths.push(path);
    }
  }

  /** The shape with a new `path` appended, shared by every document that adds the same paths in the same order. */
  extend(path: string): Shape {
    const next = new Shape(this, path);
    if (sharedShapes < MAX_SHARED_SHAPES) {
      sharedShapes += 1;
      this.transitions.set(path, next);
    }
    return next;
  }
}

const ROOT = new Shape();

/**
 * The array a builder collects into, handed from one document to the next (a document is indexed in one
 * synchronous walk): each document then keeps an array of exactly its values, where one grown push by push
 * was copied on the way and kept its slack.
 */
let spare: Array<FieldValue | FieldValue[] | undefined> | undefined = [];

/** Collects a document's values while its source is walked; a path seen again gathers its values into an array. */
export class DocFieldsBuilder {
  private shape = ROOT;
  private readonly values: Array<FieldValue | FieldValue[] | undefined>;
  private count = 0;

  constructor() {
    this.values = spare ?? [];
    spare = undefined;
  }

  add(path: string, value: FieldValue): void {
    // The common case, a document shaped like the ones before it, costs one lookup.
    const known = this.shape.transitions.get(path);
    if (known !== undefined) {
      this.shape = known;
      this.values[this.count++] = typeof value === 'string' ? known.strings.intern(value) : value;
      return;
    }
    const slot = this.shape.slots.get(path);
    if (slot === undefined) {
      this.shape = this.shape.extend(path);
      this.values[this.count++] = value;
      return;
    }
    const existing = this.values[slot] as FieldValue | FieldValue[];
    if (Array.isArray(existing)) existing.push(value);
    else this.values[slot] = [existing, value];
  }

  build(): DocFields {
    const values = this.values.slice(0, this.count) as Array<FieldValue | FieldValue[]>;
    // Handed on without references to this document's values.
    spare = this.values.fill(undefined, 0, this.count);
    return new DocFields(this.shape, values);
  }
}
