/**
 * Full-text matching beyond single terms, shared by the match queries and the two query string syntaxes
 * (query-string.ts, simple-query-string.ts): fuzzy terms (Lucene's FuzzyQuery: edit distance with transpositions),
 * phrases with slop and a last term as prefix (SloppyPhraseMatcher's match length), and the boolean of clauses
 * both parsers build.
 */
import { parsingError } from './errors.js';
import { analyze, isTextType } from './mapping.js';
import { MATCH_NONE, matchField, stringMatcher, type Matcher, type SearchContext } from './query.js';
import type { Doc } from './store.js';

// ---- fuzzy terms -------------------------------------------------------------------------------------

/** The edits a fuzzy term may make: `AUTO` (0 for up to 2 characters, 1 up to 5, else 2), `AUTO:low,high`, or 0, 1, 2. */
export function maxEdits(fuzziness: unknown, term: string): number {
  const text = String(fuzziness ?? 'AUTO').trim();
  const auto = /^AUTO(?::(\d+),(\d+))?$/i.exec(text);
  if (auto !== null) {
    const [low, high] = auto[1] === undefined ? [3, 6] : [Number(auto[1]), Number(auto[2])];
    const length = [...term].length;
    return length < low ? 0 : length < high ? 1 : 2;
  }
  const number = Number(text);
  if (!Number.isFinite(number) || number < 0) throw parsingError(`failed to parse fuzziness [${text}]`);
  // Lucene's edit distances stop at 2 (LevenshteinAutomata.MAXIMUM_SUPPORTED_DISTANCE).
  return Math.min(2, Math.floor(number));
}

/** Whether `candidate` is within `edits` of `term` (Damerau's optimal string alignment when transpositions count as one). */
export function withinEdits(term: string, candidate: string, edits: number, prefixLength = 0, transpositions = true): boolean {
  if (term === candidate) return true;
  if (edits === 0) return false;
  const a = [...term];
  const b = [...candidate];
  if (prefixLength > 0 && a.slice(0, prefixLength).join('') !== b.slice(0, prefixLength).join('')) return false;
  if (Math.abs(a.length - b.length) > edits) return false;
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min((previous[j] as number) + 1, (row[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
      if (transpositions && i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, (before[j - 2] as number) + 1);
      row.push(value);
      best = Math.min(best, value);
    }
    if (best > edits) return false;
    before = previous;
    previous = row;
  }
  return (previous[b.length] as number) <= edits;
}

export interface FuzzyOptions {
  fuzziness: unknown;
  prefixLength: number;
  transpositions: boolean;
}

/** A fuzzy term on a field: text fields compare their tokens with the term lower-cased, other fields their values. */
export function fuzzyMatcher(field: string, term: string, options: FuzzyOptions, context: SearchContext, boost = 1): Matcher {
  const text = isTextType(context.fields.get(field)?.type) ? term.toLowerCase() : term;
  const edits = maxEdits(options.fuzziness, text);
  return stringMatcher(field, (value) => withinEdits(text, value, edits, options.prefixLength, options.transpositions), context, boost);
}

// ---- phrases -----------------------------------------------------------------------------------------

/**
 * Whether the tokens of one value hold the phrase: a token passing each test, at positions whose offsets from the
 * phrase's own (position − index) spread over at most `slop` (Lucene's sloppy match length: `"quick fox"~1` finds
 * "quick brown fox", `"fox quick"~2` finds "quick fox"), each token used once.
 */
export function holdsPhrase(tokens: readonly string[], tests: ReadonlyArray<(token: string) => boolean>, slop: number): boolean {
  const candidates = tests.map((test) => tokens.flatMap((token, position) => (test(token) ? [position] : [])));
  if (candidates.some((positions) => positions.length === 0)) return false;
  if (slop === 0) return (candidates[0] as number[]).some((start) => tests.every((test, i) => tokens[start + i] !== undefined && test(tokens[start + i] as string)));
  const used = new Set<number>();
  const place = (i: number, low: number, high: number): boolean => {
    if (i === tests.length) return true;
    for (const position of candidates[i] as number[]) {
      if (used.has(position)) continue;
      const offset = position - i;
      const spreadLow = Math.min(low, offset);
      const spreadHigh = Math.max(high, offset);
      if (spreadHigh - spreadLow > slop) continue;
      used.add(position);
      if (place(i + 1, spreadLow, spreadHigh)) return true;
      used.delete(position);
    }
    return false;
  };
  return place(0, Infinity, -Infinity);
}

/** The tests of a phrase's tokens; with `prefix`, the last matches any token it begins (match_phrase_prefix). */
export function phraseTests(wanted: readonly string[], prefix: boolean): Array<(token: string) => boolean> {
  return wanted.map((word, i) => (prefix && i === wanted.length - 1 ? (token: string) => token.startsWith(word) : (token: string) => token === word));
}

// ---- the clauses both syntaxes build -----------------------------------------------------------------

export type Occur = 'must' | 'should' | 'must_not';
export interface Clause {
  occur: Occur;
  matcher: Matcher;
}

/**
 * A Lucene BooleanQuery of clauses: every MUST, no MUST_NOT, and without a MUST at least one SHOULD (or
 * `minimumShould`). Only MUST_NOT clauses match everything else, as Elasticsearch fixes a pure negative query.
 */
export function booleanOf(clauses: readonly Clause[], boost = 1, minimumShould?: number): Matcher {
  const must = clauses.filter((clause) => clause.occur === 'must').map((clause) => clause.matcher);
  const should = clauses.filter((clause) => clause.occur === 'should').map((clause) => clause.matcher);
  const mustNot = clauses.filter((clause) => clause.occur === 'must_not').map((clause) => clause.matcher);
  if (must.length === 0 && should.length === 0 && mustNot.length === 0) return MATCH_NONE;
  const required = minimumShould ?? (must.length === 0 && should.length > 0 ? 1 : 0);
  const matches = (doc: Doc): boolean => {
    for (const matcher of must) if (!matcher.matches(doc)) return false;
    for (const matcher of mustNot) if (matcher.matches(doc)) return false;
    if (required === 0) return true;
    let count = 0;
    for (const matcher of should) if (matcher.matches(doc) && ++count >= required) return true;
    return false;
  };
  return {
    matches,
    score: (doc) => (matches(doc) ? boost * Math.max(1e-6, [...must, ...should].reduce((sum, matcher) => sum + matcher.score(doc), 0)) : 0),
  };
}

export function boosted(matcher: Matcher, boost: number): Matcher {
  return boost === 1 ? matcher : { matches: matcher.matches, score: (doc) => boost * matcher.score(doc) };
}

/** The best of several fields' matchers (Elasticsearch's dis_max over the default fields). */
export function bestOf(matchers: Matcher[]): Matcher {
  if (matchers.length === 1) return matchers[0] as Matcher;
  if (matchers.length === 0) return MATCH_NONE;
  return { matches: (doc) => matchers.some((matcher) => matcher.matches(doc)), score: (doc) => Math.max(0, ...matchers.map((matcher) => matcher.score(doc))) };
}

// ---- what a word means on a field ----------------------------------------------------------------------

export interface LeafOptions {
  operator: 'must' | 'should';
  lenient: boolean;
  fuzzy: FuzzyOptions;
  phraseSlop: number;
}

/**
 * A word or a phrase on one field: analysed into tokens on a text field (several tokens joined by the default
 * operator, a phrase by position, with its slop), the field's own term elsewhere (a value the field cannot hold is an
 * error unless lenient). Undefined when the analyser leaves nothing, as Lucene drops such a clause.
 */
export function wordMatcher(field: string, text: string, how: { phrase: boolean; slop: number }, context: SearchContext, options: LeafOptions, boost: number): Matcher | undefined {
  const def = context.fields.get(field);
  if (def === undefined || !isTextType(def.type)) return matchField(field, text, context, { boost, lenient: options.lenient });
  const wanted = analyze(text);
  if (wanted.length === 0) return undefined;
  if (how.phrase && wanted.length > 1) return matchField(field, text, context, { boost, phrase: true, slop: how.slop });
  if (wanted.length === 1) return matchField(field, wanted[0], context, { boost });
  return booleanOf(wanted.map((word) => ({ occur: options.operator, matcher: matchField(field, word, context, { boost }) })));
}
