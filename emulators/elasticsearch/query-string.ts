/**
 * `query_string`, parsed as Elasticsearch's QueryStringQueryParser parses it over Lucene's classic QueryParser:
 * each clause MUST, SHOULD or MUST_NOT as QueryParserBase.addClause makes it (so `a AND b OR c` is `+a +b c`), a
 * field for the term or group after it, `^` boosts, `~` fuzziness and phrase slop, `/regex/`, ranges, `_exists_`,
 * and a syntax error failing the shard.
 */
import { ShardLevelError } from './errors.js';
import { bestOf, booleanOf, boosted, fuzzyMatcher, wordMatcher, type Clause, type LeafOptions } from './full-text.js';
import { globToRegex } from './glob.js';
import { luceneRegex } from './lucene-regex.js';
import { isTextType } from './mapping.js';
import { checkRegexLength, compileQuery, expandFields, fieldsWithBoost, MATCH_ALL, MATCH_NONE, minimumShouldMatch, rangeMatcher, stringMatcher, type Matcher, type SearchContext } from './query.js';
import type { Json } from './store.js';

type Token =
  | { kind: 'and' | 'or' | 'not' | 'plus' | 'minus' | 'open' | 'close' | 'colon' }
  | { kind: 'term'; text: string; raw: string }
  | { kind: 'quoted'; text: string }
  | { kind: 'regex'; text: string }
  | { kind: 'range'; low: string; high: string; lowInclusive: boolean; highInclusive: boolean }
  | { kind: 'boost'; value: number }
  | { kind: 'fuzzy'; value: string | undefined };

type Leaf = Extract<Token, { kind: 'term' | 'quoted' | 'regex' | 'range' }>;

/** Characters that end a term in the classic syntax, unless escaped. */
const SPECIAL = new Set([' ', '\t', '\n', '\r', '\u3000', '+', '-', '!', '(', ')', ':', '^', '[', ']', '"', '{', '}', '~', '\\', '/']);

const OPERATORS: Record<string, Token> = { AND: { kind: 'and' }, OR: { kind: 'or' }, NOT: { kind: 'not' }, '&&': { kind: 'and' }, '||': { kind: 'or' } };
const SINGLE: Record<string, Token> = { '+': { kind: 'plus' }, '-': { kind: 'minus' }, '!': { kind: 'not' }, '(': { kind: 'open' }, ')': { kind: 'close' }, ':': { kind: 'colon' } };

function syntaxError(query: string, why: string): ShardLevelError {
  return new ShardLevelError(400, 'query_shard_exception', `Failed to parse query [${query}]`, { index_uuid: '_na_', index: '_na_' }, { type: 'parse_exception', reason: `Cannot parse '${query}': ${why}` });
}

/** The classic syntax's tokens (QueryParserTokenManager); AND, OR and NOT are operators only as whole words. */
class Lexer {
  private at = 0;
  readonly tokens: Token[] = [];

  constructor(private readonly query: string) {
    while (this.at < query.length) this.next();
  }

  private next(): void {
    const { query } = this;
    const char = query[this.at] as string;
    const pair = query.slice(this.at, this.at + 2);
    if (/\s/.test(char)) this.at += 1;
    else if (pair === '&&' || pair === '||') this.push(OPERATORS[pair] as Token, 2);
    else if (SINGLE[char] !== undefined) this.push(SINGLE[char], 1);
    else if (char === '"') this.tokens.push({ kind: 'quoted', text: this.enclosed('"', 'a phrase') });
    else if (char === '/') this.tokens.push({ kind: 'regex', text: this.enclosed('/', 'a regular expression') });
    else if (char === '^') this.boost();
    else if (char === '~') {
      const match = /^~(\d+(?:\.\d+)?)?/.exec(query.slice(this.at)) as RegExpExecArray;
      this.push({ kind: 'fuzzy', value: match[1] }, match[0].length);
    } else if (char === '[' || char === '{') this.range();
    else if (char === ']' || char === '}') throw syntaxError(query, `Encountered "${char}" at column ${this.at + 1}`);
    else this.term();
  }

  private push(token: Token, length: number): void {
    this.tokens.push(token);
    this.at += length;
  }

  /** A phrase or a regular expression: to the closing character; an escape keeps the next one (in a regex, as an escape). */
  private enclosed(end: string, what: string): string {
    let text = '';
    for (this.at += 1; this.at < this.query.length && this.query[this.at] !== end; this.at += 1) {
      if (this.query[this.at] === '\\' && this.at + 1 < this.query.length) {
        text += end === '/' ? `\\${this.query[this.at + 1]}` : this.query[this.at + 1];
        this.at += 1;
      } else text += this.query[this.at];
    }
    if (this.at >= this.query.length) throw syntaxError(this.query, `Lexical error: ${what} not closed`);
    this.at += 1;
    return text;
  }

  private boost(): void {
    const match = /^\^(\d+(?:\.\d+)?)/.exec(this.query.slice(this.at));
    if (match === null) throw syntaxError(this.query, `Encountered "^" at column ${this.at + 1} without a number`);
    this.push({ kind: 'boost', value: Number(match[1]) }, match[0].length);
  }

  private range(): void {
    const match = /^([[{])\s*("[^"]*"|[^\s\]}]+)\s+TO\s+("[^"]*"|[^\s\]}]+)\s*([\]}])/.exec(this.query.slice(this.at));
    if (match === null) throw syntaxError(this.query, `Encountered "${this.query[this.at]}" at column ${this.at + 1}: a range is [low TO high]`);
    const unquote = (bound: string): string => bound.replace(/^"(.*)"$/, '$1');
    this.push({ kind: 'range', low: unquote(match[2] as string), high: unquote(match[3] as string), lowInclusive: match[1] === '[', highInclusive: match[4] === ']' }, match[0].length);
  }

  /**
   * A term to the next special character, but `-` and `+` inside a term are its own (Lucene's _TERM_CHAR:
   * `BEHAV-001`, `2026-12-01` are one term each); `raw` keeps its escapes, so that an escaped `*` is no wildcard.
   */
  private term(): void {
    let text = '';
    let raw = '';
    while (this.at < this.query.length) {
      const char = this.query[this.at] as string;
      if (char === '\\' && this.at + 1 < this.query.length) {
        raw += this.query.slice(this.at, this.at + 2);
        text += this.query[this.at + 1];
        this.at += 2;
      } else if (SPECIAL.has(char) && !(raw !== '' && (char === '-' || char === '+'))) break;
      else {
        raw += char;
        text += char;
        this.at += 1;
      }
    }
    // Only a backslash with nothing after it ends a query here (the lexer's "Encountered <EOF> after \\").
    if (raw === '') throw syntaxError(this.query, 'Lexical error at the end: a backslash escapes nothing');
    this.tokens.push(OPERATORS[raw] ?? { kind: 'term', text, raw });
  }
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

/** The grammar's Query, Clause and Term, building matchers as they are read. */
class ClassicParser {
  private at = 0;
  private readonly tokens: Token[];
  private readonly andDefault: boolean;
  private readonly leafOptions: LeafOptions;

  constructor(
    private readonly options: QueryStringOptions,
    private readonly context: SearchContext,
  ) {
    this.tokens = new Lexer(options.query).tokens;
    this.andDefault = options.defaultOperator.toUpperCase() === 'AND';
    const patternFields = (Array.isArray(options.fields) ? options.fields : [options.fields ?? '*']).some((field) => String(field).includes('*'));
    this.leafOptions = {
      operator: this.andDefault ? 'must' : 'should',
      // Over a pattern of fields (`*`, the default) a word a field's type cannot hold is no error (QueryStringQueryBuilder).
      lenient: options.lenient ?? patternFields,
      fuzzy: { fuzziness: options.fuzziness, prefixLength: options.fuzzyPrefixLength, transpositions: options.fuzzyTranspositions },
      phraseSlop: options.phraseSlop,
    };
  }

  parse(): Matcher {
    const result = this.expression(undefined, true) ?? MATCH_NONE;
    if (this.at < this.tokens.length) throw this.error(`Encountered ")" at token ${this.at + 1}`);
    return result;
  }

  private error(why: string): ShardLevelError {
    return syntaxError(this.options.query, why);
  }

  private peek(): Token | undefined {
    return this.tokens[this.at];
  }

  /** Query ::= ( [Conjunction] [Modifiers] Clause )*, each clause's occur as addClause sets it. */
  private expression(field: string | undefined, top: boolean): Matcher | undefined {
    const clauses: Array<Clause | undefined> = [];
    let first: Matcher | undefined;
    while (this.peek() !== undefined && this.peek()?.kind !== 'close') {
      const conjunction = this.conjunction(clauses.length);
      const modifier = this.modifier();
      const matcher = this.clause(field);
      addClause(clauses, conjunction, modifier, matcher, this.andDefault);
      if (clauses.length === 1 && modifier === undefined) first = matcher;
    }
    if (clauses.length === 0) return top ? MATCH_NONE : undefined;
    // One clause without a modifier is its own query, as the parser returns it.
    if (clauses.length === 1 && first !== undefined && !(top && this.options.minimumShouldMatch !== undefined)) return top ? boosted(first, this.options.boost) : first;
    const kept = clauses.filter((clause): clause is Clause => clause !== undefined);
    if (kept.length === 0) return undefined;
    if (!top) return booleanOf(kept);
    const optional = kept.filter((clause) => clause.occur === 'should').length;
    return booleanOf(kept, this.options.boost, this.options.minimumShouldMatch === undefined ? undefined : minimumShouldMatch(this.options.minimumShouldMatch, optional, 0));
  }

  private conjunction(clausesSoFar: number): 'and' | 'or' | undefined {
    const token = this.peek();
    if (token?.kind !== 'and' && token?.kind !== 'or') return undefined;
    if (clausesSoFar === 0) throw this.error(`Encountered "${token.kind.toUpperCase()}" at the start`);
    this.at += 1;
    return token.kind;
  }

  private modifier(): 'required' | 'prohibited' | undefined {
    const kind = this.peek()?.kind;
    if (kind !== 'plus' && kind !== 'minus' && kind !== 'not') return undefined;
    this.at += 1;
    return kind === 'plus' ? 'required' : 'prohibited';
  }

  /** Clause ::= [ field ":" ] ( Term | "(" Query ")" [ "^" boost ] ). */
  private clause(field: string | undefined): Matcher | undefined {
    const token = this.peek();
    if (token === undefined) throw this.error('Encountered "<EOF>"');
    if (token.kind === 'term' && this.tokens[this.at + 1]?.kind === 'colon') {
      this.at += 2;
      return this.clause(token.text);
    }
    if (token.kind === 'open') return this.group(field);
    if (token.kind === 'term' || token.kind === 'quoted' || token.kind === 'regex' || token.kind === 'range') {
      this.at += 1;
      return this.leaf(token, field);
    }
    throw this.error(`Encountered "${token.kind}" where a term was expected`);
  }

  private group(field: string | undefined): Matcher | undefined {
    this.at += 1;
    const inner = this.expression(field, false);
    if (this.peek()?.kind !== 'close') throw this.error('Encountered "<EOF>": a group is not closed');
    this.at += 1;
    const boost = this.peek();
    if (boost?.kind !== 'boost') return inner;
    this.at += 1;
    return inner === undefined ? undefined : boosted(inner, boost.value);
  }

  /** Term ::= a term, phrase, regex or range, then `~` and `^` in either order. */
  private leaf(token: Leaf, field: string | undefined): Matcher | undefined {
    let boost = 1;
    let fuzzy: string | undefined | null = null;
    for (let next = this.peek(); next?.kind === 'fuzzy' || next?.kind === 'boost'; next = this.peek()) {
      if (next.kind === 'fuzzy') fuzzy = next.value;
      else boost = next.value;
      this.at += 1;
    }
    if (field === '_exists_' && token.kind === 'term') return compileQuery({ exists: { field: token.text } }, this.context);
    // `*:*`, and a bare `*` over the default fields, match every document; `field:*` is an exists query.
    if (token.kind === 'term' && token.raw === '*') {
      if (field === undefined || field === '*') return MATCH_ALL;
      return bestOf(expandFields(field, this.context).map((name) => compileQuery({ exists: { field: name } }, this.context)));
    }
    const lenient = field === undefined ? this.leafOptions.lenient : (this.options.lenient ?? field.includes('*'));
    const matchers = this.fields(field).flatMap(([name, fieldBoost]) => this.onField(token, name, fuzzy, lenient, boost * fieldBoost) ?? []);
    return matchers.length === 0 ? undefined : bestOf(matchers);
  }

  /** The fields a clause searches: its own (a pattern expanded), else the defaults with their boosts. */
  private fields(field: string | undefined): Array<[string, number]> {
    if (field === undefined) return fieldsWithBoost(this.options.fields ?? '*', this.context);
    return expandFields(field, this.context).map((name): [string, number] => [name, 1]);
  }

  private onField(token: Leaf, name: string, fuzzy: string | undefined | null, lenient: boolean, boost: number): Matcher | undefined {
    switch (token.kind) {
      case 'quoted': {
        const slop = fuzzy === null ? this.leafOptions.phraseSlop : Math.floor(Number(fuzzy ?? 0));
        return wordMatcher(name, token.text, { phrase: true, slop }, this.context, { ...this.leafOptions, lenient }, boost);
      }
      case 'regex': {
        checkRegexLength(token.text, this.context);
        const regex = luceneRegex(token.text);
        return stringMatcher(name, (value) => regex.test(value), this.context, boost);
      }
      case 'range':
        return boosted(rangeMatcher(name, this.rangeSpec(token.lowInclusive ? 'gte' : 'gt', token.low, token.highInclusive ? 'lte' : 'lt', token.high), this.context, lenient), boost);
      case 'term':
        return this.term(token, name, fuzzy, lenient, boost);
    }
  }

  private rangeSpec(lowKey: string, low: string | undefined, highKey: string, high: string | undefined): Json {
    const spec: Json = {};
    if (low !== undefined && low !== '*') spec[lowKey] = low;
    if (high !== undefined && high !== '*') spec[highKey] = high;
    if (this.options.timeZone !== undefined) spec.time_zone = this.options.timeZone;
    return spec;
  }

  /** A term: a one-sided range (`>=10`), a fuzzy term, a wildcard term, or a word. */
  private term(token: { text: string; raw: string }, name: string, fuzzy: string | undefined | null, lenient: boolean, boost: number): Matcher | undefined {
    const comparison = /^(>=|<=|>|<)(.+)$/.exec(token.text);
    if (comparison !== null) {
      const key = { '>=': 'gte', '<=': 'lte', '>': 'gt', '<': 'lt' }[comparison[1] as string] as string;
      return boosted(rangeMatcher(name, this.rangeSpec(key, comparison[2], '', undefined), this.context, lenient), boost);
    }
    if (fuzzy !== null) {
      // `~` alone takes the query's fuzziness; Lucene's old similarities below 1 read as AUTO.
      const fuzziness = fuzzy === undefined ? this.options.fuzziness : Number(fuzzy) < 1 ? 'AUTO' : fuzzy;
      return fuzzyMatcher(name, token.text, { ...this.leafOptions.fuzzy, fuzziness }, this.context, boost);
    }
    // An unescaped * or ? makes a wildcard term; on a text field the pattern is lower-cased, as its normalizer does.
    if (/(?<!\\)[*?]/.test(token.raw)) {
      if (!this.options.allowLeadingWildcard && /^[*?]/.test(token.raw)) throw this.error("'*' or '?' not allowed as first character in WildcardQuery");
      const pattern = isTextType(this.context.fields.get(name)?.type) ? token.raw.toLowerCase() : token.raw;
      const regex = globToRegex(pattern.replace(/\\(.)/g, '$1'), { singleChar: true });
      return stringMatcher(name, (value) => regex.test(value), this.context, boost);
    }
    return wordMatcher(name, token.text, { phrase: false, slop: 0 }, this.context, { ...this.leafOptions, lenient }, boost);
  }
}

/** QueryParserBase.addClause: a conjunction changes the clause before; the new one's occur from it and its modifier. */
function addClause(clauses: Array<Clause | undefined>, conjunction: 'and' | 'or' | undefined, modifier: 'required' | 'prohibited' | undefined, matcher: Matcher | undefined, andDefault: boolean): void {
  const last = clauses.at(-1);
  if (last !== undefined && conjunction === 'and' && last.occur !== 'must_not') last.occur = 'must';
  if (last !== undefined && andDefault && conjunction === 'or' && last.occur !== 'must_not') last.occur = 'should';
  if (matcher === undefined) {
    // A clause the analyser left nothing of still counts, but matches nothing and requires nothing.
    clauses.push(undefined);
    return;
  }
  const prohibited = modifier === 'prohibited';
  const required = andDefault ? !prohibited && conjunction !== 'or' : modifier === 'required' || (conjunction === 'and' && !prohibited);
  clauses.push({ occur: prohibited ? 'must_not' : required ? 'must' : 'should', matcher });
}

/** `query_string` (QueryStringQueryParser over Lucene's classic QueryParser). */
export function queryString(options: QueryStringOptions, context: SearchContext): Matcher {
  return new ClassicParser(options, context).parse();
}
