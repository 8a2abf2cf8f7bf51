import { isJsonObject, setOwn } from '../../shared/json-object.js';
import { parsingError } from './errors.js';
import type { Json } from './store.js';

/**
 * `_source` filtering as Elasticsearch runs it (XContentMapValues.filter): each pattern is a simple match (`*` is
 * the only wildcard) that also matches everything under what it names, and the filter steps through the keys
 * character by character, so `include` keeps `include.field1` and `a` keeps a key written `a.b`, while an exclude
 * such as `*.field2` still reaches inside an object an include kept whole.
 *
 * A state is the set of places reached in the patterns (pattern index × 65 536 + position); UNDER_MATCH means a
 * pattern matched whole and a `.` followed, so that anything after it matches.
 */
type State = ReadonlySet<number>;

const UNDER_MATCH = -1;
const POSITIONS = 65_536;
const EVERYTHING: State = new Set([UNDER_MATCH]);
const NOTHING: State = new Set();

class Patterns {
  readonly start: State;

  constructor(private readonly patterns: string[]) {
    const start = new Set<number>();
    patterns.forEach((_pattern, index) => this.add(start, index, 0));
    this.start = start;
  }

  /** Adds a place, and the places after each `*` there, which may match nothing. */
  private add(state: Set<number>, index: number, position: number): void {
    const pattern = this.patterns[index] as string;
    state.add(index * POSITIONS + position);
    if (pattern[position] === '*') this.add(state, index, position + 1);
  }

  step(state: State, char: string): State {
    const next = new Set<number>();
    for (const place of state) {
      if (place === UNDER_MATCH) {
        next.add(UNDER_MATCH);
        continue;
      }
      const index = Math.floor(place / POSITIONS);
      const position = place % POSITIONS;
      const pattern = this.patterns[index] as string;
      if (position === pattern.length) {
        if (char === '.') next.add(UNDER_MATCH);
      } else if (pattern[position] === '*') this.add(next, index, position);
      else if (pattern[position] === char) this.add(next, index, position + 1);
    }
    return next.size === 0 ? NOTHING : next;
  }

  stepKey(state: State, key: string): State {
    let current = state;
    for (let i = 0; i < key.length && current.size > 0; i += 1) current = this.step(current, key[i] as string);
    return current;
  }

  accepts(state: State): boolean {
    for (const place of state) if (place === UNDER_MATCH || place % POSITIONS === (this.patterns[Math.floor(place / POSITIONS)] as string).length) return true;
    return false;
  }
}

/** Every key matches: what an object kept whole by an include becomes while an exclude may still reach into it. */
const ALL = new Patterns([]);

interface Side {
  patterns: Patterns;
  state: State;
}

function stepped(side: Side, text: string): Side {
  return { patterns: side.patterns, state: side.patterns === ALL ? EVERYTHING : side.patterns.stepKey(side.state, text) };
}

function accepts(side: Side): boolean {
  return side.patterns === ALL || side.patterns.accepts(side.state);
}

function filterObject(object: Json, include: Side, exclude: Side): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(object)) {
    const keyInclude = stepped(include, key);
    if (keyInclude.state.size === 0) continue;
    const keyExclude = stepped(exclude, key);
    if (accepts(keyExclude)) continue;
    const included = accepts(keyInclude);
    let inner = keyInclude;
    if (included) {
      // No exclude can match under this key: keep it whole.
      if (stepped(keyExclude, '.').state.size === 0) {
        setOwn(out, key, value);
        continue;
      }
      inner = { patterns: ALL, state: EVERYTHING };
    }
    if (isJsonObject(value)) {
      const filtered = filterObject(value, stepped(inner, '.'), stepped(keyExclude, '.'));
      if (included || Object.keys(filtered).length > 0) setOwn(out, key, filtered);
    } else if (Array.isArray(value)) {
      const filtered = filterArray(value, inner, keyExclude);
      if (included || filtered.length > 0) setOwn(out, key, filtered);
    } else if (included) setOwn(out, key, value);
  }
  return out;
}

/** An array's objects are filtered under the array's key; its scalars are kept when the key itself is included. */
function filterArray(values: unknown[], include: Side, exclude: Side): unknown[] {
  const out: unknown[] = [];
  const included = accepts(include);
  for (const value of values) {
    if (isJsonObject(value)) {
      const filtered = filterObject(value, stepped(include, '.'), stepped(exclude, '.'));
      if (Object.keys(filtered).length > 0) out.push(filtered);
    } else if (Array.isArray(value)) {
      const filtered = filterArray(value, include, exclude);
      if (filtered.length > 0) out.push(filtered);
    } else if (included) out.push(value);
  }
  return out;
}

function patternList(value: unknown): string[] {
  const list = value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
  return list.map((pattern: unknown) => {
    // FetchSourceContext reads strings only: a number or a list where a field name goes fails the request.
    if (typeof pattern !== 'string') throw parsingError(`[_source] field names must be strings, found [${JSON.stringify(pattern)}]`);
    return pattern;
  });
}

/** `_source` filtering: true/false, a pattern or list of patterns, or `{includes, excludes}`. */
export function filterSource(source: Json, spec: unknown): Json | undefined {
  if (spec === undefined || spec === true) return source;
  if (spec === false) return undefined;
  const includes = patternList(typeof spec === 'string' || Array.isArray(spec) ? spec : isJsonObject(spec) ? (spec.includes ?? spec.include) : undefined);
  const excludes = patternList(isJsonObject(spec) ? (spec.excludes ?? spec.exclude) : undefined);
  const includePatterns = new Patterns(includes);
  const include: Side = includes.length === 0 ? { patterns: ALL, state: EVERYTHING } : { patterns: includePatterns, state: includePatterns.start };
  const excludePatterns = new Patterns(excludes);
  return filterObject(source, include, { patterns: excludePatterns, state: excludePatterns.start });
}
