/**
 * `simple_query_string`, parsed as Lucene's SimpleQueryParser parses it for Elasticsearch: clauses joined by the
 * operator before each (the default when none), a change of operator making the tree so far one clause of a new
 * group, `-x` meaning everything but x, and never a syntax error: what an operator the flags leave out would do is
 * read as text.
 */
import { parsingError } from './errors.js';
import { bestOf, booleanOf, boosted, fuzzyMatcher, wordMatcher, type Clause, type Occur } from './full-text.js';
import { isTextType } from './mapping.js';
import { fieldsWithBoost, MATCH_NONE, minimumShouldMatch, stringMatcher, type Matcher, type SearchContext } from './query.js';

/** SimpleQueryStringFlag's values. */
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

/** A BooleanQuery the parser is still adding clauses to. */
interface Group {
  clauses: Clause[];
}

/** SimpleQueryParser.State: the tree so far, the operators around the next clause, and how often it is negated. */
interface State {
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

type WordKind = 'term' | 'phrase' | 'prefix' | 'fuzzy';

class SimpleParser {
  private at = 0;
  private readonly flags: number;
  private readonly defaultOccur: Occur;
  private readonly fields: Array<[string, number]>;

  constructor(
    private readonly options: SimpleQueryStringOptions,
    private readonly context: SearchContext,
  ) {
    this.flags = flagsOf(options.flags);
    this.defaultOccur = options.defaultOperator.toUpperCase() === 'AND' ? 'must' : 'should';
    this.fields = fieldsWithBoost(options.fields ?? '*', context);
  }

  private has(flag: string): boolean {
    return this.flags === -1 || (this.flags & (FLAGS[flag] as number)) !== 0;
  }

  private get text(): string {
    return this.options.query;
  }

  /** Whether a character ends a term or a `~` amount (tokenFinished): whitespace, a quote, `|`, `+`, a parenthesis. */
  private ends(char: string): boolean {
    return (/\s/.test(char) && this.has('WHITESPACE')) || (char === '"' && this.has('PHRASE')) || (char === '|' && this.has('OR')) || (char === '+' && this.has('AND')) || ((char === '(' || char === ')') && this.has('PRECEDENCE'));
  }

  /** A word on every field, the best of them; a field its kind cannot apply to is left out (lenient by default). */
  private word(value: string, kind: WordKind, amount: number): Matcher | undefined {
    const fuzzy = { prefixLength: this.options.fuzzyPrefixLength, transpositions: this.options.fuzzyTranspositions };
    const leafOptions = { operator: this.defaultOccur === 'must' ? ('must' as const) : ('should' as const), lenient: this.options.lenient ?? true, fuzzy: { fuzziness: 0, ...fuzzy }, phraseSlop: 0 };
    const matchers = this.fields.flatMap(([field, boost]): Matcher[] => {
      const type = this.context.fields.get(field)?.type;
      const stringField = type === undefined || isTextType(type) || type === 'keyword' || type === 'wildcard' || type === 'constant_keyword';
      if (!stringField && (kind === 'prefix' || kind === 'fuzzy')) return [];
      let matcher: Matcher | undefined;
      if (kind === 'prefix') {
        const prefix = isTextType(type) ? value.toLowerCase() : value;
        matcher = stringMatcher(field, (token) => token.startsWith(prefix), this.context, boost);
      } else if (kind === 'fuzzy') matcher = fuzzyMatcher(field, value, { fuzziness: amount, ...fuzzy }, this.context, boost);
      else matcher = wordMatcher(field, value, { phrase: kind === 'phrase', slop: amount }, this.context, leafOptions, boost);
      return matcher === undefined ? [] : [matcher];
    });
    return matchers.length === 0 ? undefined : bestOf(matchers);
  }

  /** buildQueryTree: the clause joins the tree by the operator before it; a change of operator starts a new group. */
  private build(state: State, branch: Matcher | undefined): void {
    if (branch !== undefined) {
      // A negated clause is MUST_NOT it beside SHOULD match_all: everything but it.
      const clause: Matcher = state.not % 2 === 1 ? { matches: (doc) => !branch.matches(doc), score: (doc) => (branch.matches(doc) ? 0 : 1) } : branch;
      if (state.top === undefined) state.top = clause;
      else {
        const occur = state.current ?? this.defaultOccur;
        if (state.previous !== occur || !isGroup(state.top)) state.top = { clauses: [{ occur, matcher: built(state.top) as Matcher }] };
        state.top.clauses.push({ occur, matcher: clause });
        state.previous = occur;
      }
    }
    state.current = undefined;
    state.not = 0;
  }

  /** The amount after `~` (parseFuzziness): none is 2, what is not a number 0. */
  private amount(): number {
    this.at += 1;
    let digits = '';
    while (this.at < this.text.length && !this.ends(this.text[this.at] as string)) digits += this.text[this.at++];
    if (digits === '') return 2;
    return /^\d+$/.test(digits) ? Number(digits) : 0;
  }

  parse(depth: number): Matcher | undefined {
    const state: State = { top: undefined, previous: undefined, current: undefined, not: 0 };
    while (this.at < this.text.length) {
      const char = this.text[this.at] as string;
      if (char === '(' && this.has('PRECEDENCE')) {
        this.at += 1;
        this.build(state, this.parse(depth + 1));
      } else if (char === ')' && this.has('PRECEDENCE')) {
        this.at += 1;
        if (depth > 0) break;
      } else if (char === '"' && this.has('PHRASE')) this.build(state, this.phrase());
      else if ((char === '+' && this.has('AND')) || (char === '|' && this.has('OR'))) {
        this.at += 1;
        if (state.top !== undefined && state.current === undefined) state.current = char === '+' ? 'must' : 'should';
      } else if (char === '-' && this.has('NOT')) {
        this.at += 1;
        state.not += 1;
      } else if (/\s/.test(char) && this.has('WHITESPACE')) this.at += 1;
      else this.build(state, this.term());
    }
    if (depth === 0 && this.options.minimumShouldMatch !== undefined && state.top !== undefined && isGroup(state.top)) {
      // minimum_should_match counts the top group's optional clauses.
      const optional = state.top.clauses.filter((clause) => clause.occur === 'should').length;
      return booleanOf(state.top.clauses, 1, minimumShouldMatch(this.options.minimumShouldMatch, optional, 0));
    }
    return built(state.top);
  }

  /** A phrase to the closing quote, or to the end when there is none (consumePhrase), with `~slop` after it. */
  private phrase(): Matcher | undefined {
    let end = this.at + 1;
    let phrase = '';
    while (end < this.text.length && this.text[end] !== '"') {
      if (this.text[end] === '\\' && this.has('ESCAPE') && end + 1 < this.text.length) end += 1;
      phrase += this.text[end];
      end += 1;
    }
    this.at = end + 1;
    const slop = this.text[this.at] === '~' && this.has('NEAR') ? this.amount() : 0;
    return this.word(phrase, 'phrase', slop);
  }

  /** A term to the next operator or whitespace: fuzzy with `~`, a prefix with a last `*`, else a word. */
  private term(): Matcher | undefined {
    let term = '';
    while (this.at < this.text.length) {
      const char = this.text[this.at] as string;
      if (char === '\\' && this.has('ESCAPE') && this.at + 1 < this.text.length) {
        term += this.text[this.at + 1];
        this.at += 2;
      } else if (this.ends(char) || (char === '~' && this.has('FUZZY'))) break;
      else {
        term += char;
        this.at += 1;
      }
    }
    if (this.text[this.at] === '~' && this.has('FUZZY')) {
      // Lucene's automata stop at two edits.
      const edits = Math.min(2, this.amount());
      return edits === 0 ? this.word(term, 'term', 0) : this.word(term, 'fuzzy', edits);
    }
    if (term.length > 1 && term.endsWith('*') && this.has('PREFIX')) return this.word(term.slice(0, -1), 'prefix', 0);
    if (term === '') {
      this.at += 1;
      return undefined;
    }
    return this.word(term, 'term', 0);
  }
}

/** `simple_query_string` (SimpleQueryStringQueryParser over Lucene's SimpleQueryParser). */
export function simpleQueryString(options: SimpleQueryStringOptions, context: SearchContext): Matcher {
  const result = new SimpleParser(options, context).parse(0);
  return result === undefined ? MATCH_NONE : boosted(result, options.boost);
}
