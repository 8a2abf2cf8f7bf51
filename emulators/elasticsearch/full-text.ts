/**
 * Full-text matching beyond single terms: fuzzy terms (Lucene's FuzzyQuery: edit distance with transpositions),
 * phrases with slop and a last term as prefix (SloppyPhraseMatcher's match length), and the two query string
 * syntaxes, each parsed as its own parser reads it: `query_string` by Lucene's classic QueryParser (clauses MUST,
 * SHOULD or MUST_NOT as QueryParserBase.addClause makes them, a group's field, `^` boosts, `~` fuzziness and slop,
 * `/regex/`, ranges, `_exists_`, a syntax error failing the shard) and `simple_query_string` by Lucene's
 * SimpleQueryParser (an operator change starts a new group; `-x` is "everything but x"; no syntax error ever).
 */
import { ShardLevelError, parsingError } from './errors.js';
import { globToRegex } from './glob.js';
import { analyze, isTextType } from './mapping.js';
import { compileQuery, expandFields, fieldsWithBoost, MATCH_ALL, MATCH_NONE, matchField, minimumShouldMatch, rangeMatcher, stringMatcher, type Matcher, type SearchContext } from './query.js';
import type { Doc, Json } from './store.js';

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

type Occur = 'must' | 'should' | 'must_not';
interface Clause {
  occur: Occur;
  matcher: Matcher;
}

/**
 * A Lucene BooleanQuery of clauses: every MUST, no MUST_NOT, and without a MUST at least one SHOULD (or
 * `minimumShould`). Only MUST_NOT clauses match everything else, as Elasticsearch fixes a pure negative query.
 */
function booleanOf(clauses: readonly Clause[], boost = 1, minimumShould?: number): Matcher {
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

function boosted(matcher: Matcher, boost: number): Matcher {
  return boost === 1 ? matcher : { matches: matcher.matches, score: (doc) => boost * matcher.score(doc) };
}

/** The best of several fields' matchers (Elasticsearch's dis_max over the default fields). */
function bestOf(matchers: Matcher[]): Matcher {
  if (matchers.length === 1) return matchers[0] as Matcher;
  if (matchers.length === 0) return MATCH_NONE;
  return { matches: (doc) => matchers.some((matcher) => matcher.matches(doc)), score: (doc) => Math.max(0, ...matchers.map((matcher) => matcher.score(doc))) };
}

// ---- what a word means on a field ----------------------------------------------------------------------

interface LeafOptions {
  operator: 'must' | 'should';
  lenient: boolean;
  fuzzy: FuzzyOptions;
  phraseSlop: number;
  zone: string | undefined;
}

/**
 * A word or a phrase on one field: analysed into tokens on a text field (several tokens joined by the default
 * operator, a phrase by position), the field's own term elsewhere (a value the field cannot hold is an error unless
 * lenient). Undefined when the analyser leaves nothing, as Lucene drops such a clause.
 */
function wordMatcher(field: string, text: string, quoted: boolean, slop: number, context: SearchContext, options: LeafOptions, boost: number): Matcher | undefined {
  const def = context.fields.get(field);
  if (def === undefined || !isTextType(def.type)) return matchField(field, text, context, { boost, lenient: options.lenient });
  const wanted = analyze(text);
  if (wanted.length === 0) return undefined;
  if (quoted && wanted.length > 1) {
    const tests = phraseTests(wanted, false);
    return stringTokens(field, (tokens) => holdsPhrase(tokens, tests, slop), boost);
  }
  if (wanted.length === 1) return matchField(field, wanted[0], context, { boost });
  return booleanOf(wanted.map((word) => ({ occur: options.operator, matcher: matchField(field, word, context, { boost }) })));
}

/** A test on each value's tokens of a text field. */
function stringTokens(field: string, test: (tokens: string[]) => boolean, boost: number): Matcher {
  const matches = (doc: Doc): boolean => (doc.fields.get(field) ?? []).some((value) => test(analyze(String(value))));
  return { matches, score: (doc) => (matches(doc) ? boost : 0) };
}

// ---- query_string: Lucene's classic QueryParser ----------------------------------------------------------

type Token =
  | { kind: 'and' | 'or' | 'not' | 'plus' | 'minus' | 'open' | 'close' | 'colon' }
  | { kind: 'term'; text: string; raw: string }
  | { kind: 'quoted'; text: string }
  | { kind: 'regex'; text: string }
  | { kind: 'range'; low: string; high: string; lowInclusive: boolean; highInclusive: boolean }
  | { kind: 'boost'; value: number }
  | { kind: 'fuzzy'; value: string | undefined };

/** Characters that end a term in Lucene's classic syntax, unless escaped. */
const SPECIAL = new Set([' ', '\t', '\n', '\r', '\u3000', '+', '-', '!', '(', ')', ':', '^', '[', ']', '"', '{', '}', '~', '\\', '/']);

function syntaxError(query: string, why: string): ShardLevelError {
  return new ShardLevelError(400, 'query_shard_exception', `Failed to parse query [${query}]`, { index_uuid: '_na_', index: '_na_' }, { type: 'parse_exception', reason: `Cannot parse '${query}': ${why}` });
}

/** The classic syntax's tokens; `&&`, `||`, AND, OR and NOT are operators only as whole words. */
function lexClassic(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const readUntil = (end: string, what: string): string => {
    let text = '';
    for (i += 1; i < query.length && query[i] !== end; i += 1) {
      if (query[i] === '\\' && i + 1 < query.length) {
        text += end === '/' ? `\\${query[i + 1]}` : query[i + 1];
        i += 1;
      } else text += query[i];
    }
    if (i >= query.length) throw syntaxError(query, `Lexical error: ${what} not closed`);
    i += 1;
    return text;
  };
  while (i < query.length) {
    const char = query[i] as string;
    const next = query[i + 1];
    if (/\s/.test(char)) i += 1;
    else if (char === '&' && next === '&') (tokens.push({ kind: 'and' }), (i += 2));
    else if (char === '|' && next === '|') (tokens.push({ kind: 'or' }), (i += 2));
    else if (char === '+' || char === '-' || char === '!') (tokens.push({ kind: char === '+' ? 'plus' : char === '-' ? 'minus' : 'not' }), (i += 1));
    else if (char === '(' || char === ')' || char === ':') (tokens.push({ kind: char === '(' ? 'open' : char === ')' ? 'close' : 'colon' }), (i += 1));
    else if (char === '"') tokens.push({ kind: 'quoted', text: readUntil('"', 'a phrase') });
    else if (char === '/') tokens.push({ kind: 'regex', text: readUntil('/', 'a regular expression') });
    else if (char === '^') {
      const match = /^\^(\d+(?:\.\d+)?)/.exec(query.slice(i));
      if (match === null) throw syntaxError(query, `Encountered "^" at column ${i + 1} without a number`);
      tokens.push({ kind: 'boost', value: Number(match[1]) });
      i += match[0].length;
    } else if (char === '~') {
      const match = /^~(\d+(?:\.\d+)?)?/.exec(query.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'fuzzy', value: match[1] });
      i += match[0].length;
    } else if (char === '[' || char === '{') {
      const match = /^([[{])\s*("[^"]*"|[^\s\]}]+)\s+TO\s+("[^"]*"|[^\s\]}]+)\s*([\]}])/.exec(query.slice(i));
      if (match === null) throw syntaxError(query, `Encountered "${char}" at column ${i + 1}: a range is [low TO high]`);
      const unquote = (bound: string): string => bound.replace(/^"(.*)"$/, '$1');
      tokens.push({ kind: 'range', low: unquote(match[2] as string), high: unquote(match[3] as string), lowInclusive: match[1] === '[', highInclusive: match[4] === ']' });
      i += match[0].length;
    } else if (char === ']' || char === '}') throw syntaxError(query, `Encountered "${char}" at column ${i + 1}`);
    else {
      let text = '';
      let raw = '';
      while (i < query.length && !SPECIAL.has(query[i] as string)) {
        raw += query[i];
        text += query[i];
        i += 1;
        if (query[i] === '\\' && i + 1 < query.length) {
          raw += query.slice(i, i + 2);
          text += query[i + 1];
          i += 2;
        }
      }
      if (char === '\\' && text === '') {
        raw = query.slice(i, i + 2);
        text = query[i + 1] ?? '';
        i += 2;
        while (i < query.length && !SPECIAL.has(query[i] as string)) (raw += query[i], (text += query[i]), (i += 1));
      }
      if (raw === 'AND') tokens.push({ kind: 'and' });
      else if (raw === 'OR') tokens.push({ kind: 'or' });
      else if (raw === 'NOT') tokens.push({ kind: 'not' });
      else tokens.push({ kind: 'term', text, raw });
    }
  }
  return tokens;
}

export interface QueryStringOptions {
  query: string;
  fields: unknown;
  defaultOperator: string;
  lenient: boolean | undefined;
  minimumShouldMatch: unknown;
  fuzziness: unknown;
  fuzzyPrefixLength: number;
  fuzzyTranspositions: boolean;
  phraseSlop: number;
  allowLeadingWildcard: boolean;
  timeZone: string | undefined;
  boost: number;
}

/** `query_string` (QueryStringQueryParser over Lucene's classic QueryParser). */
export function queryString(options: QueryStringOptions, context: SearchContext): Matcher {
  const { query } = options;
  const tokens = lexClassic(query);
  const andDefault = options.defaultOperator.toUpperCase() === 'AND';
  const patternFields = (Array.isArray(options.fields) ? options.fields : [options.fields ?? '*']).some((field) => String(field).includes('*'));
  const leafOptions: LeafOptions = {
    operator: andDefault ? 'must' : 'should',
    // Over every field (`*`, the default) a word that does not fit a field's type is no error (QueryStringQueryBuilder).
    lenient: options.lenient ?? patternFields,
    fuzzy: { fuzziness: options.fuzziness, prefixLength: options.fuzzyPrefixLength, transpositions: options.fuzzyTranspositions },
    phraseSlop: options.phraseSlop,
    zone: options.timeZone,
  };
  let at = 0;
  const peek = (): Token | undefined => tokens[at];

  /** The fields a clause searches: its own (a pattern expanded; `*` every field), else the defaults with their boosts. */
  const targets = (field: string | undefined): Array<[string, number]> => {
    if (field === undefined) return fieldsWithBoost(options.fields ?? '*', context);
    return expandFields(field, context).map((name): [string, number] => [name, 1]);
  };

  const leaf = (token: Token, field: string | undefined): Matcher | undefined => {
    let boost = 1;
    let fuzzy: string | undefined | null = null;
    for (;;) {
      const next = peek();
      if (next?.kind === 'fuzzy') (fuzzy = next.value), (at += 1);
      else if (next?.kind === 'boost') (boost = next.value), (at += 1);
      else break;
    }
    const lenient = field === undefined ? leafOptions.lenient : options.lenient ?? field.includes('*');
    const perField = (name: string, fieldBoost: number): Matcher | undefined => {
      const weight = boost * fieldBoost;
      switch (token.kind) {
        case 'quoted':
          return wordMatcher(name, token.text, true, fuzzy === null ? leafOptions.phraseSlop : Math.floor(Number(fuzzy ?? 0)), context, { ...leafOptions, lenient }, weight);
        case 'regex': {
          const regex = new RegExp(`^(?:${token.text})$`, 'u');
          return stringMatcher(name, (value) => regex.test(value), context, weight);
        }
        case 'range': {
          const spec: Json = {};
          if (token.low !== '*') spec[token.lowInclusive ? 'gte' : 'gt'] = token.low;
          if (token.high !== '*') spec[token.highInclusive ? 'lte' : 'lt'] = token.high;
          if (leafOptions.zone !== undefined) spec.time_zone = leafOptions.zone;
          return boosted(rangeMatcher(name, spec, context, lenient), weight);
        }
        case 'term':
          return termLeaf(name, token, fuzzy, lenient, weight);
        default:
          return undefined;
      }
    };
    if (field === '_exists_' && token.kind === 'term') return compileQuery({ exists: { field: token.text } }, context);
    // `*:*`, and a bare `*` over the default fields, match every document; `field:*` is an exists query.
    if (token.kind === 'term' && token.raw === '*') {
      if (field === undefined || field === '*') return MATCH_ALL;
      return bestOf(expandFields(field, context).map((name) => compileQuery({ exists: { field: name } }, context)));
    }
    const matchers = targets(field).map(([name, fieldBoost]) => perField(name, fieldBoost)).filter((matcher): matcher is Matcher => matcher !== undefined);
    return matchers.length === 0 ? undefined : bestOf(matchers);
  };

  const termLeaf = (name: string, token: { text: string; raw: string }, fuzzy: string | undefined | null, lenient: boolean, boost: number): Matcher | undefined => {
    const text = token.text;
    // `>=10`, `<2026-01-01`: Elasticsearch's one-sided ranges.
    const comparison = /^(>=|<=|>|<)(.+)$/.exec(text);
    if (comparison !== null) {
      const key = { '>=': 'gte', '<=': 'lte', '>': 'gt', '<': 'lt' }[comparison[1] as string] as string;
      return boosted(rangeMatcher(name, { [key]: comparison[2], ...(leafOptions.zone !== undefined ? { time_zone: leafOptions.zone } : {}) }, context, lenient), boost);
    }
    if (fuzzy !== null) {
      const fuzziness = fuzzy === undefined ? leafOptions.fuzzy.fuzziness : Number(fuzzy) < 1 && Number(fuzzy) > 0 ? 'AUTO' : fuzzy;
      return fuzzyMatcher(name, text, { ...leafOptions.fuzzy, fuzziness }, context, boost);
    }
    // An unescaped * or ? makes a wildcard term; on a text field the pattern is lower-cased, as its normalizer does.
    if (/(?<!\\)[*?]/.test(token.raw)) {
      if (!options.allowLeadingWildcard && /^[*?]/.test(token.raw)) throw syntaxError(query, "'*' or '?' not allowed as first character in WildcardQuery");
      const pattern = isTextType(context.fields.get(name)?.type) ? token.raw.toLowerCase() : token.raw;
      const regex = globToRegex(pattern.replace(/\\(.)/g, '$1'), { singleChar: true });
      return stringMatcher(name, (value) => regex.test(value), context, boost);
    }
    return wordMatcher(name, text, false, 0, context, { ...leafOptions, lenient }, boost);
  };

  /** Clause ::= [ field ":" ] ( Term | "(" Query ")" [ "^" boost ] ). */
  const clause = (field: string | undefined): Matcher | undefined => {
    const token = peek();
    if (token === undefined) throw syntaxError(query, 'Encountered "<EOF>"');
    if (token.kind === 'term' && tokens[at + 1]?.kind === 'colon') {
      at += 2;
      return clause(token.text);
    }
    if (token.kind === 'open') {
      at += 1;
      const inner = expression(field, false);
      if (peek()?.kind !== 'close') throw syntaxError(query, 'Encountered "<EOF>": a group is not closed');
      at += 1;
      const boost = peek();
      if (boost?.kind === 'boost') {
        at += 1;
        return inner === undefined ? undefined : boosted(inner, boost.value);
      }
      return inner;
    }
    if (token.kind === 'term' || token.kind === 'quoted' || token.kind === 'regex' || token.kind === 'range') {
      at += 1;
      return leaf(token, field);
    }
    throw syntaxError(query, `Encountered "${token.kind}" where a term was expected`);
  };

  /** Query ::= ( [Conjunction] [Modifiers] Clause )*, each clause's occur as QueryParserBase.addClause sets it. */
  const expression = (field: string | undefined, top: boolean): Matcher | undefined => {
    const clauses: Array<Clause | undefined> = [];
    let single: Matcher | undefined;
    let count = 0;
    for (;;) {
      const token = peek();
      if (token === undefined || token.kind === 'close') break;
      let conjunction: 'and' | 'or' | undefined;
      if (token.kind === 'and' || token.kind === 'or') {
        if (count === 0) throw syntaxError(query, `Encountered "${token.kind.toUpperCase()}" at the start`);
        conjunction = token.kind;
        at += 1;
      }
      let modifier: 'required' | 'prohibited' | undefined;
      const next = peek();
      if (next?.kind === 'plus') (modifier = 'required'), (at += 1);
      else if (next?.kind === 'minus' || next?.kind === 'not') (modifier = 'prohibited'), (at += 1);
      const matcher = clause(field);
      addClause(clauses, conjunction, modifier, matcher, andDefault);
      if (count === 0 && modifier === undefined) single = matcher;
      count += 1;
    }
    if (count === 0) return top ? MATCH_NONE : undefined;
    const kept = clauses.filter((entry): entry is Clause => entry !== undefined);
    if (count === 1 && single !== undefined && !top) return single;
    if (count === 1 && single !== undefined && top && options.minimumShouldMatch === undefined) return boosted(single, options.boost);
    if (kept.length === 0) return undefined;
    const should = kept.filter((entry) => entry.occur === 'should').length;
    const minimum = top && options.minimumShouldMatch !== undefined ? minimumShouldMatch(options.minimumShouldMatch, should, 0) : undefined;
    return booleanOf(kept, top ? options.boost : 1, minimum);
  };

  const result = expression(undefined, true) ?? MATCH_NONE;
  if (at < tokens.length) throw syntaxError(query, `Encountered ")" at token ${at + 1}`);
  return result;
}

/** QueryParserBase.addClause: a conjunction changes the previous clause; the new one's occur from it and its modifier. */
function addClause(clauses: Array<Clause | undefined>, conjunction: 'and' | 'or' | undefined, modifier: 'required' | 'prohibited' | undefined, matcher: Matcher | undefined, andDefault: boolean): void {
  const last = clauses.at(-1);
  if (last !== undefined && conjunction === 'and' && last.occur !== 'must_not') last.occur = 'must';
  if (last !== undefined && andDefault && conjunction === 'or' && last.occur !== 'must_not') last.occur = 'should';
  if (matcher === undefined) {
    clauses.push(undefined);
    return;
  }
  const prohibited = modifier === 'prohibited';
  const required = andDefault ? !prohibited && conjunction !== 'or' : modifier === 'required' || (conjunction === 'and' && !prohibited);
  clauses.push({ occur: prohibited ? 'must_not' : required ? 'must' : 'should', matcher });
}

// ---- simple_query_string: Lucene's SimpleQueryParser ---------------------------------------------------

/** SimpleQueryStringFlag: which operators the query may use; the others are read as text. */
const FLAGS: Record<string, number> = { NONE: 0, AND: 1, NOT: 2, OR: 4, PREFIX: 8, PHRASE: 16, PRECEDENCE: 32, ESCAPE: 64, WHITESPACE: 128, FUZZY: 256, NEAR: 512, SLOP: 512, ALL: -1 };

function flagsOf(spec: unknown): number {
  if (spec === undefined || spec === null) return -1;
  if (typeof spec === 'number') return spec;
  let flags = 0;
  for (const name of String(spec).split('|').map((part) => part.trim().toUpperCase())) {
    const flag = FLAGS[name];
    if (flag === undefined) throw parsingError(`Unknown simple_query_string flag [${name}]`);
    flags = flag === -1 ? -1 : flags | flag;
  }
  return flags;
}

export interface SimpleQueryStringOptions {
  query: string;
  fields: unknown;
  defaultOperator: string;
  flags: unknown;
  lenient: boolean | undefined;
  minimumShouldMatch: unknown;
  fuzzyPrefixLength: number;
  fuzzyTranspositions: boolean;
  boost: number;
}

/** A BooleanQuery the simple parser is still adding clauses to. */
interface Group {
  clauses: Clause[];
}

interface SimpleState {
  top: Matcher | Group | undefined;
  previous: Occur | undefined;
  current: Occur | undefined;
  not: number;
}

function isGroup(top: Matcher | Group): top is Group {
  return 'clauses' in top;
}

function built(top: Matcher | Group | undefined): Matcher | undefined {
  return top === undefined ? undefined : isGroup(top) ? booleanOf(top.clauses) : top;
}

/** `simple_query_string`: never a syntax error; what an operator the flags leave out would do is read as text. */
export function simpleQueryString(options: SimpleQueryStringOptions, context: SearchContext): Matcher {
  const flags = flagsOf(options.flags);
  const has = (flag: string): boolean => flags === -1 || (flags & (FLAGS[flag] as number)) !== 0;
  const defaultOccur: Occur = options.defaultOperator.toUpperCase() === 'AND' ? 'must' : 'should';
  const fields = fieldsWithBoost(options.fields ?? '*', context);
  const lenient = options.lenient ?? true;
  const fuzzy = { prefixLength: options.fuzzyPrefixLength, transpositions: options.fuzzyTranspositions };
  const text = options.query;
  let i = 0;

  /** A word on every field: the best of them (SimpleQueryStringQueryParser's per-field disjunction). */
  const word = (value: string, kind: 'term' | 'phrase' | 'prefix' | 'fuzzy', amount: number): Matcher | undefined => {
    const matchers = fields.flatMap(([field, boost]): Matcher[] => {
      const def = context.fields.get(field);
      if (def !== undefined && !isTextType(def.type) && kind !== 'term' && kind !== 'phrase' && def.type !== 'keyword' && def.type !== 'wildcard') return [];
      let matcher: Matcher | undefined;
      if (kind === 'prefix') {
        const prefix = isTextType(def?.type) ? value.toLowerCase() : value;
        matcher = stringMatcher(field, (token) => token.startsWith(prefix), context, boost);
      } else if (kind === 'fuzzy') matcher = fuzzyMatcher(field, value, { fuzziness: amount, ...fuzzy }, context, boost);
      else matcher = wordMatcher(field, value, kind === 'phrase', amount, context, { operator: defaultOccur === 'must' ? 'must' : 'should', lenient, fuzzy: { fuzziness: 0, ...fuzzy }, phraseSlop: 0, zone: undefined }, boost);
      return matcher === undefined ? [] : [matcher];
    });
    return matchers.length === 0 ? undefined : bestOf(matchers);
  };

  /**
   * SimpleQueryParser.buildQueryTree: the first clause is the tree; a later one joins it by the operator before it
   * (the default when none), and a change of operator makes the tree so far one clause of a new group. A negated
   * clause is "everything but it" (MUST_NOT it, SHOULD match_all).
   */
  const build = (state: SimpleState, branch: Matcher | undefined): void => {
    if (branch !== undefined) {
      let clause = branch;
      if (state.not % 2 === 1) clause = { matches: (doc) => !branch.matches(doc), score: (doc) => (branch.matches(doc) ? 0 : 1) };
      if (state.top === undefined) state.top = clause;
      else {
        const occur = state.current ?? defaultOccur;
        if (state.previous !== occur || !isGroup(state.top)) state.top = { clauses: [{ occur, matcher: built(state.top) as Matcher }] };
        state.top.clauses.push({ occur, matcher: clause });
        state.previous = occur;
      }
    }
    state.current = undefined;
    state.not = 0;
  };

  /** Whether the character ends a term or a `~` amount (SimpleQueryParser.tokenFinished). */
  const ends = (c: string): boolean => (/\s/.test(c) && has('WHITESPACE')) || (c === '"' && has('PHRASE')) || (c === '|' && has('OR')) || (c === '+' && has('AND')) || ((c === '(' || c === ')') && has('PRECEDENCE'));

  /** The amount after `~` (parseFuzziness): none is 2, what is not a number 0; edits stop at 2. */
  const amount = (): number => {
    i += 1;
    let digits = '';
    while (i < text.length && !ends(text[i] as string)) digits += text[i++];
    if (digits === '') return 2;
    return /^\d+$/.test(digits) ? Number(digits) : 0;
  };

  const parse = (depth: number): Matcher | undefined => {
    const state: SimpleState = { top: undefined, previous: undefined, current: undefined, not: 0 };
    while (i < text.length) {
      const char = text[i] as string;
      if (char === '(' && has('PRECEDENCE')) {
        i += 1;
        build(state, parse(depth + 1));
      } else if (char === ')' && has('PRECEDENCE')) {
        i += 1;
        if (depth > 0) break;
      } else if (char === '"' && has('PHRASE')) {
        // An unterminated phrase runs to the end of the query (consumePhrase).
        let end = i + 1;
        let phrase = '';
        while (end < text.length && text[end] !== '"') {
          if (text[end] === '\\' && has('ESCAPE') && end + 1 < text.length) end += 1;
          phrase += text[end];
          end += 1;
        }
        i = end + 1;
        const slop = text[i] === '~' && has('NEAR') ? amount() : 0;
        build(state, word(phrase, 'phrase', slop));
      } else if (char === '+' && has('AND')) {
        i += 1;
        if (state.top !== undefined && state.current === undefined) state.current = 'must';
      } else if (char === '|' && has('OR')) {
        i += 1;
        if (state.top !== undefined && state.current === undefined) state.current = 'should';
      } else if (char === '-' && has('NOT')) {
        i += 1;
        state.not += 1;
      } else if (/\s/.test(char) && has('WHITESPACE')) i += 1;
      else {
        let term = '';
        while (i < text.length) {
          const c = text[i] as string;
          if (c === '\\' && has('ESCAPE') && i + 1 < text.length) {
            term += text[i + 1];
            i += 2;
            continue;
          }
          if ((/\s/.test(c) && has('WHITESPACE')) || (c === '"' && has('PHRASE')) || (c === '|' && has('OR')) || (c === '+' && has('AND')) || ((c === '(' || c === ')') && has('PRECEDENCE')) || (c === '~' && has('FUZZY'))) break;
          term += c;
          i += 1;
        }
        if (text[i] === '~' && has('FUZZY')) {
          const edits = Math.min(2, amount());
          build(state, edits === 0 ? word(term, 'term', 0) : word(term, 'fuzzy', edits));
        } else if (term.endsWith('*') && has('PREFIX') && term.length > 1) build(state, word(term.slice(0, -1), 'prefix', 0));
        else if (term !== '') build(state, word(term, 'term', 0));
        else i += 1;
      }
    }
    if (depth === 0 && options.minimumShouldMatch !== undefined && state.top !== undefined && isGroup(state.top)) {
      // minimum_should_match counts the top group's optional clauses (Queries.applyMinimumShouldMatch).
      const optional = state.top.clauses.filter((clause) => clause.occur === 'should').length;
      return booleanOf(state.top.clauses, 1, minimumShouldMatch(options.minimumShouldMatch, optional, 0));
    }
    return built(state.top);
  };

  const result = parse(0);
  return result === undefined ? MATCH_NONE : boosted(result, options.boost);
}
