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
    // Everything under a match matches, and nothing after a dead end: no set to build for either.
    if (state === EVERYTHING || state === NOTHING) return state;
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

/**
 * The filter's walk (XContentMapValues.filter and its list variant): `include` and `exclude` are the states reached
 * by the path so far; an object an include names whole has its inner keys included (EVERYTHING), excludes still apply.
 */
function walker(include: Patterns, exclude: Patterns) {
  const filterObject = (object: Json, includeState: State, excludeState: State): Json => {
    const out: Json = {};
    for (const [key, value] of Object.entries(object)) {
      const keyInclude = include.stepKey(includeState, key);
      if (keyInclude.size === 0) continue;
      const keyExclude = exclude.stepKey(excludeState, key);
      if (exclude.accepts(keyExclude)) continue;
      const included = include.accepts(keyInclude);
      const excludeBelow = exclude.step(keyExclude, '.');
      // Included, and no exclude can match under this key: keep it whole.
      if (included && excludeBelow.size === 0) {
        setOwn(out, key, value);
        continue;
      }
      const inner = included ? EVERYTHING : keyInclude;
      if (isJsonObject(value)) {
        const filtered = filterObject(value, include.step(inner, '.'), excludeBelow);
        if (included || Object.keys(filtered).length > 0) setOwn(out, key, filtered);
      } else if (Array.isArray(value)) {
        const filtered = filterArray(value, inner, keyExclude);
        if (included || filtered.length > 0) setOwn(out, key, filtered);
      } else if (included) setOwn(out, key, value);
    }
    return out;
  };
  /** An array's objects are filtered under the array's key; its scalars are kept when the key itself is included. */
  const filterArray = (values: unknown[], includeState: State, excludeState: State): unknown[] => {
    const out: unknown[] = [];
    const included = include.accepts(includeState);
    for (const value of values) {
      if (isJsonObject(value)) {
        const filtered = filterObject(value, include.step(includeState, '.'), exclude.step(excludeState, '.'));
        if (Object.keys(filtered).length > 0) out.push(filtered);
      } else if (Array.isArray(value)) {
        const filtered = filterArray(value, includeState, excludeState);
        if (filtered.length > 0) out.push(filtered);
      } else if (included) out.push(value);
    }
    return out;
  };
  return filterObject;
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
  const include = new Patterns(includes);
  const exclude = new Patterns(excludes);
  // No include is an include of everything.
  return walker(include, exclude)(source, includes.length === 0 ? EVERYTHING : include.start, exclude.start);
}
