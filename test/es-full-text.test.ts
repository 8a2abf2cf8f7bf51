import type { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EsError } from '../emulators/elasticsearch/errors.js';
import { withinEdits } from '../emulators/elasticsearch/full-text.js';
import type { ElasticsearchEmulator } from '../emulators/elasticsearch/index.js';
import { compileQuery } from '../emulators/elasticsearch/query.js';
import { searchContext } from '../emulators/elasticsearch/search.js';
import { failure, startElasticsearch } from './support/elasticsearch.js';
import { pickWith, seeded } from './support/random.js';

/**
 * Full-text queries as Elasticsearch runs them: `query_string` by Lucene's classic QueryParser (the clauses
 * QueryParserBase.addClause makes, so `a AND b OR c` is `+a +b c`), `simple_query_string` by Lucene's
 * SimpleQueryParser (the reference's own example: with OR, `foo bar -baz` also finds every document without baz),
 * Elasticsearch's own `search/60_query_string.yml` cases, phrases with slop and a prefix, and fuzzy terms.
 */

let es: Client;
let emulator: ElasticsearchEmulator;
let stop: () => Promise<void>;

const MESSAGES = ['quick brown fox', 'lazy brown dog', 'quick red fox jumps', 'the fox quick', 'GET /api/v1/jobs failed'];

beforeAll(async () => {
  ({ es, emulator, stop } = await startElasticsearch());
  await es.indices.create({ index: 'text', mappings: { properties: { message: { type: 'text' }, tag: { type: 'keyword' }, number: { type: 'integer' }, at: { type: 'date' } } } });
  await es.bulk({
    refresh: true,
    operations: MESSAGES.flatMap((message, i) => [{ index: { _index: 'text', _id: String(i) } }, { message, tag: message.split(' ')[0], number: i, at: `2026-11-2${i}T10:00:00Z` }]),
  });
});

afterAll(async () => {
  await stop();
});

async function ids(query: Record<string, unknown>): Promise<string[]> {
  return (await es.search({ index: 'text', query: query as never })).hits.hits.map((hit) => String(hit._id)).sort();
}

const qs = (query: string, extra: Record<string, unknown> = {}): Promise<string[]> => ids({ query_string: { query, default_field: 'message', ...extra } });
const simple = (query: string, extra: Record<string, unknown> = {}): Promise<string[]> => ids({ simple_query_string: { query, fields: ['message'], ...extra } });

describe('query_string, as Lucene\u2019s classic QueryParser reads it', () => {
  it('answers Elasticsearch\u2019s own cases (search/60_query_string.yml): q, df, default_operator, wildcards, lenient', async () => {
    await es.index({ index: 'yml', id: '1', document: { field: 'foo bar' }, refresh: true });
    await es.indices.putMapping({ index: 'yml', properties: { number: { type: 'integer' } } });
    const total = async (params: Record<string, unknown>): Promise<number> => ((await es.search({ index: 'yml', ...params } as never)).hits.total as { value: number }).value;
    expect(await total({ q: 'bar', df: 'field' })).toBe(1);
    expect(await total({ q: 'field:foo field:xyz' })).toBe(1);
    expect(await total({ q: 'field:foo field:xyz', default_operator: 'AND' })).toBe(0);
    expect(await total({ q: 'field:BA*' })).toBe(1);
    expect(await total({ q: 'number:foo', lenient: true })).toBe(0);
    // Without lenient, a word on a number field fails the shard, as Elasticsearch's NumberFieldMapper does.
    expect((await failure(es.search({ index: 'yml', q: 'number:foo' }))).reason).toBe('all shards failed');
    await es.indices.delete({ index: 'yml' });
  });

  it('makes each clause MUST, SHOULD or MUST_NOT as addClause does: AND binds the clause before it, not a group', async () => {
    // +quick +fox dog: the lazy dog alone does not match, as it would if AND bound tighter than OR.
    expect(await qs('quick AND fox OR dog')).toEqual(['0', '2', '3']);
    // quick +lazy +dog: AND makes lazy required too, a classic parser's surprise that Elasticsearch keeps.
    expect(await qs('quick OR lazy AND dog')).toEqual(['1']);
    expect(await qs('brown -fox')).toEqual(['1']);
    expect(await qs('brown NOT fox')).toEqual(['1']);
    expect(await qs('+quick -red')).toEqual(['0', '3']);
    // A group of only negations matches everything else (Elasticsearch's fix of a pure negative query).
    expect(await qs('fox AND (NOT red)')).toEqual(['0', '3']);
    expect(await qs('NOT fox')).toEqual(['1', '4']);
    // With AND as the default, OR makes the clause before it optional.
    expect(await qs('quick fox', { default_operator: 'AND' })).toEqual(['0', '2', '3']);
    expect(await qs('quick OR dog', { default_operator: 'AND' })).toEqual(['0', '1', '2', '3']);
  });

  it('reads fields, groups, boosts, phrases with slop, fuzzy terms, regular expressions, ranges and _exists_', async () => {
    expect(await ids({ query_string: { query: 'message:(lazy OR jumps)' } })).toEqual(['1', '2']);
    expect(await qs('fox^2 dog')).toEqual(['0', '1', '2', '3']);
    expect(await qs('"quick fox"')).toEqual([]);
    expect(await qs('"quick fox"~1')).toEqual(['0', '2']);
    expect(await qs('"quick fox"', { phrase_slop: 1 })).toEqual(['0', '2']);
    expect(await qs('quikc~1')).toEqual(['0', '2', '3']);
    expect(await qs('quikc~1', { fuzzy_transpositions: false })).toEqual([]);
    // `~` alone takes `fuzziness`, AUTO by default: two letters are matched exactly.
    expect(await qs('fo~')).toEqual([]);
    expect(await qs('foxx~')).toEqual(['0', '2', '3']);
    expect(await qs('/qu.ck/')).toEqual(['0', '2', '3']);
    expect(await ids({ query_string: { query: 'number:[1 TO 3} AND tag:quick' } })).toEqual(['2']);
    expect(await ids({ query_string: { query: 'number:>=3' } })).toEqual(['3', '4']);
    expect(await ids({ query_string: { query: 'at:[2026-11-21 TO 2026-11-22]' } })).toEqual(['1', '2']);
    expect(await ids({ query_string: { query: '_exists_:tag AND NOT tag:quick' } })).toEqual(['1', '3', '4']);
    expect(await ids({ query_string: { query: '*:*' } })).toEqual(['0', '1', '2', '3', '4']);
    expect(await ids({ query_string: { query: 'tag:*' } })).toEqual(['0', '1', '2', '3', '4']);
    expect(await ids({ query_string: { query: 'quick brown dog', fields: ['message'], minimum_should_match: 2 } })).toEqual(['0', '1']);
    // A path with slashes is a regular expression unless escaped.
    expect(await qs('\\/api\\/v1\\/jobs')).toEqual(['4']);
    // A - or + inside a term is part of it (a rule id, a date); at a term's start it is an operator.
    expect(await ids({ query_string: { query: 'tag:GET-x OR tag:lazy-dog' } })).toEqual([]);
    // A date without its time is that whole day, as Elasticsearch's term query on a date field reads it.
    expect(await ids({ query_string: { query: 'at:2026-11-21' } })).toEqual(['1']);
    expect(await ids({ term: { at: '2026-11-22' } })).toEqual(['2']);
    expect(await ids({ term: { at: '2026-11-22T10:00:00Z' } })).toEqual(['2']);
    expect(await ids({ term: { at: '2026-11-22T10:00:01Z' } })).toEqual([]);
    expect(await ids({ query_string: { query: 'tag:quick -tag:lazy +number:[0 TO 2]' } })).toEqual(['0', '2']);
  });

  it('fails the shard on a syntax error, as the classic parser throws, and refuses what it does not emulate', async () => {
    for (const query of ['message:(foo bar', 'quick AND', '"open phrase', 'a]', 'AND quick']) {
      const error = await failure(es.search({ index: 'text', query: { query_string: { query } } }));
      expect(error, query).toMatchObject({ status: 400, type: 'search_phase_execution_exception' });
    }
    expect((await failure(es.search({ index: 'text', query: { query_string: { query: '*ick', allow_leading_wildcard: false } } }))).status).toBe(400);
    expect((await failure(es.search({ index: 'text', query: { query_string: { query: 'x', escape: true } } }))).reason).toMatch(/\[escape\].*not supported by the emulator/);
  });
});

describe('simple_query_string, as Lucene\u2019s SimpleQueryParser reads it', () => {
  it('joins by the operator before each clause, and reads -x as everything but x (the reference\u2019s `foo bar -baz`)', async () => {
    expect(await simple('quick fox')).toEqual(['0', '2', '3']);
    expect(await simple('brown -fox')).toEqual(['0', '1', '4']);
    expect(await simple('brown -fox', { default_operator: 'and' })).toEqual(['1']);
    expect(await simple('-brown')).toEqual(['2', '3', '4']);
    expect(await simple('quick | lazy')).toEqual(['0', '1', '2', '3']);
    expect(await simple('(quick | lazy) + dog')).toEqual(['1']);
    expect(await simple('quick brown dog', { minimum_should_match: 2 })).toEqual(['0', '1']);
  });

  it('reads phrases with slop, prefixes, fuzzy terms and escapes, and never fails on bad syntax', async () => {
    expect(await simple('"quick fox"')).toEqual([]);
    expect(await simple('"quick fox"~1')).toEqual(['0', '2']);
    expect(await simple('qui*')).toEqual(['0', '2', '3']);
    expect(await simple('quikc~1')).toEqual(['0', '2', '3']);
    // A word the analyser splits joins its tokens by the default operator.
    expect(await simple('fox^2 dog')).toEqual(['0', '1', '2', '3']);
    expect(await simple('\\-brown')).toEqual(['0', '1']);
    expect(await simple('"quick')).toEqual(['0', '2', '3']);
    expect(await simple('quick)')).toEqual(['0', '2', '3']);
    // Flags leave operators out: without PREFIX, `qui*` is the word qui.
    expect(await simple('qui*', { flags: 'AND|OR' })).toEqual([]);
    // Without WHITESPACE the whole query is one word, which the analyser splits: brown OR fox.
    expect(await simple('brown -fox', { flags: 'NONE' })).toEqual(['0', '1', '2', '3']);
  });
});

describe('random query strings (a fixed seed)', () => {
  it('query_string parses or fails with Elasticsearch\u2019s 400, never an exception of its own nor a hang; simple_query_string never fails', () => {
    const pieces = ['quick', 'fox', 'message', 'tag', 'number', 'at', ':', ' ', 'AND', 'OR', 'NOT', '&&', '||', '+', '-', '!', '(', ')', '[', ']', '{', '}', '"', '~', '~2', '^', '^3', '*', '?', '\\', '/', 'TO', '>=', '<', '_exists_', '@', '#', '&', '<1-3>', '.', '|', '2026-11-21', '5', '\u00e9'];
    const draw = seeded(20261206);
    const index = emulator.cluster.indices.get('text');
    if (index === undefined) throw new Error('no index');
    const context = searchContext([index], Date.now());
    const unexpected: string[] = [];
    let refused = 0;
    for (let i = 0; i < 3000; i += 1) {
      const query = Array.from({ length: 1 + Math.floor(draw() * 8) }, () => pieces[Math.floor(draw() * pieces.length)]).join('');
      for (const [kind, spec] of [['query_string', { query }], ['query_string', { query, default_field: 'message' }], ['simple_query_string', { query }], ['regexp', { tag: query }]] as const) {
        try {
          const matcher = compileQuery({ [kind]: spec }, context);
          for (const doc of index.view.values()) matcher.matches(doc);
        } catch (error) {
          if (!(error instanceof EsError) || kind === 'simple_query_string') unexpected.push(`${kind} ${JSON.stringify(query)}: ${String(error)}`);
          else refused += 1;
        }
      }
    }
    expect(unexpected).toEqual([]);
    // Many are refused, as Elasticsearch refuses them: random text is mostly no query in the classic syntax.
    expect(refused).toBeGreaterThan(1000);
  });
});

describe('random query DSL (a fixed seed)', () => {
  it('every query type, nested, with random options of random types: an answer or a 4xx with a reason, never a 500', async () => {
    const draw = seeded(7);
    const pick = pickWith(draw);
    const types = ['match_all', 'term', 'terms', 'range', 'exists', 'ids', 'prefix', 'wildcard', 'regexp', 'match', 'match_phrase', 'match_phrase_prefix', 'multi_match', 'bool', 'constant_score', 'query_string', 'simple_query_string', 'fuzzy', 'match_bool_prefix', 'dis_max', 'boosting', 'combined_fields'];
    const fields = ['at', 'number', 'tag', 'message', 'nothing', '_id', '_index', '*'];
    const options = ['value', 'query', 'gte', 'lt', 'format', 'time_zone', 'fuzziness', 'slop', 'operator', 'minimum_should_match', 'boost', 'case_insensitive', 'flags', 'fields', 'type', 'must', 'should', 'filter', 'must_not', 'queries', 'positive', 'negative', 'values', 'field', 'default_field', 'default_operator', 'lenient', 'zero_terms_query', 'prefix_length'];
    const value = (depth: number): unknown => {
      const kind = draw();
      if (kind < 0.3) return pick([...fields, 'quick', 'fo*', '/a[/', 'AUTO', 'and', 'or', '2026-11-21', 'now-1d', '75%', 'phrase', 'cross_fields', 'bogus', '']);
      if (kind < 0.5) return pick([0, 1, -1, 0.5, 1e20]);
      if (kind < 0.55) return pick([true, false, null]);
      if (kind < 0.7 && depth < 3) return Array.from({ length: Math.floor(draw() * 3) }, () => (draw() < 0.5 ? query(depth + 1) : value(depth + 1)));
      if (kind < 0.85 && depth < 3) return query(depth + 1);
      if (depth >= 3) return 'x';
      return Object.fromEntries(Array.from({ length: 1 + Math.floor(draw() * 2) }, () => [pick([...options, ...fields]), value(depth + 1)]));
    };
    const query = (depth: number): Record<string, unknown> => {
      const spec: Record<string, unknown> = {};
      if (draw() < 0.5) spec[pick(fields)] = value(depth + 1);
      for (let i = 0; i < Math.floor(draw() * 3); i += 1) spec[pick(options)] = value(depth + 1);
      return { [pick(types)]: spec };
    };
    const failures: string[] = [];
    for (let i = 0; i < 2000; i += 1) {
      const body = query(0);
      const error = await es.search({ index: 'text', query: body as never }).then(() => undefined, (caught: { meta?: { statusCode?: number } }) => caught);
      if (error !== undefined && (error.meta?.statusCode ?? 500) >= 500) failures.push(JSON.stringify(body));
    }
    expect(failures).toEqual([]);
    // What such draws found, a 500 before: an operator that is no text.
    expect(await failure(es.search({ index: 'text', query: { multi_match: { query: 'x', operator: { and: 1 } } } as never }))).toMatchObject({ status: 400, reason: 'operator needs to be either [OR, AND], but not [{"and":1}]' });
  });
});

describe('match queries\u2019 options', () => {
  it('match_phrase slop and match_phrase_prefix, by positions as Lucene\u2019s sloppy phrase counts them', async () => {
    expect(await ids({ match_phrase: { message: { query: 'quick fox', slop: 1 } } })).toEqual(['0', '2']);
    expect(await ids({ match_phrase: { message: { query: 'fox quick', slop: 2 } } })).toEqual(['3']);
    expect(await ids({ match_phrase_prefix: { message: 'quick bro' } })).toEqual(['0']);
    expect(await ids({ multi_match: { query: 'quick fox', fields: ['message'], type: 'phrase', slop: 1 } })).toEqual(['0', '2']);
  });

  it('multi_match cross_fields reads the fields as one; bool_prefix takes the last word as a prefix; an unknown type is refused', async () => {
    await es.bulk({ refresh: true, operations: [{ index: { _index: 'people', _id: 'a' } }, { first: 'John', last: 'Smith' }, { index: { _index: 'people', _id: 'b' } }, { first: 'John Smith', last: 'Doe' }] });
    const people = async (query: Record<string, unknown>): Promise<string[]> => (await es.search({ index: 'people', query: { multi_match: { query: 'john smith', fields: ['first', 'last'], operator: 'and', ...query } } as never })).hits.hits.map((hit) => String(hit._id)).sort();
    expect(await people({ type: 'cross_fields' })).toEqual(['a', 'b']);
    expect(await people({ type: 'best_fields' })).toEqual(['b']);
    expect(await ids({ multi_match: { query: 'fox qui', fields: ['message'], type: 'bool_prefix', operator: 'and' } })).toEqual(['0', '2', '3']);
    expect(await failure(es.search({ index: 'people', query: { multi_match: { query: 'x', type: 'bogus' } } as never }))).toMatchObject({ status: 400, reason: 'failed to parse [multi_match] query type [bogus]. unknown type.' });
    await es.indices.delete({ index: 'people' });
  });

  it('fuzziness (AUTO, edits, prefix_length, transpositions) on text and keyword fields, and zero_terms_query', async () => {
    expect(await ids({ match: { message: { query: 'quikc', fuzziness: 'AUTO' } } })).toEqual(['0', '2', '3']);
    expect(await ids({ match: { message: { query: 'quikc', fuzziness: 1, fuzzy_transpositions: false } } })).toEqual([]);
    expect(await ids({ match: { message: { query: 'qiuck', fuzziness: 2, prefix_length: 2 } } })).toEqual([]);
    expect(await ids({ match: { tag: { query: 'quik', fuzziness: 1 } } })).toEqual(['0', '2']);
    expect(await ids({ match: { message: '!!!' } })).toEqual([]);
    expect(await ids({ match: { message: { query: '!!!', zero_terms_query: 'all' } } })).toEqual(['0', '1', '2', '3', '4']);
  });

  it('fuzzy, match_bool_prefix, dis_max, boosting and combined_fields; a query Elasticsearch has and the emulator not is refused as such', async () => {
    expect(await ids({ fuzzy: { message: { value: 'qiuck', fuzziness: 1 } } })).toEqual(['0', '2', '3']);
    expect(await ids({ fuzzy: { tag: 'lazzy' } })).toEqual(['1']);
    expect(await ids({ match_bool_prefix: { message: { query: 'fox qu', operator: 'and' } } })).toEqual(['0', '2', '3']);
    expect(await ids({ dis_max: { queries: [{ term: { tag: 'lazy' } }, { match: { message: 'jumps' } }] } })).toEqual(['1', '2']);
    // The negative query demotes, never removes: the red fox comes last.
    const boosted = await es.search({ index: 'text', query: { boosting: { positive: { match: { message: 'fox' } }, negative: { match: { message: 'red' } }, negative_boost: 0.1 } } });
    expect([boosted.hits.hits.length, boosted.hits.hits.at(-1)?._id]).toEqual([3, '2']);
    expect(await ids({ combined_fields: { query: 'quick lazy', fields: ['message', 'tag'], operator: 'and' } })).toEqual([]);
    expect(await ids({ combined_fields: { query: 'quick fox', fields: ['message', 'tag'], operator: 'and' } })).toEqual(['0', '2', '3']);
    expect(await failure(es.search({ index: 'text', query: { nested: { path: 'x', query: { match_all: {} } } } }))).toMatchObject({ status: 400, reason: 'the [nested] query is valid in Elasticsearch but not supported by the emulator' });
    expect(await failure(es.search({ index: 'text', query: { nonsense: {} } as never }))).toMatchObject({ status: 400, type: 'parsing_exception', reason: 'unknown query [nonsense]' });
  });

  it('regular expressions are Lucene\u2019s: whole terms, ^ and $ as text, "…" literal, @ any string, and what JavaScript cannot do refused', async () => {
    expect(await ids({ regexp: { tag: 'qu.*' } })).toEqual(['0', '2']);
    // A common mistake: in Lucene ^ is no anchor, so this finds nothing, as in Elasticsearch.
    expect(await ids({ regexp: { tag: '^qu.*' } })).toEqual([]);
    expect(await ids({ regexp: { tag: { value: 'GET@' } } })).toEqual(['4']);
    expect(await ids({ regexp: { tag: { value: 'GET@', flags: 'NONE' } } })).toEqual([]);
    expect(await ids({ regexp: { tag: '"qu"ick' } })).toEqual(['0', '2']);
    // An escape inside a class stays one: [a\-z] is a, - and z, no range.
    expect(await ids({ regexp: { tag: '[a-z]+' } })).toEqual(['0', '1', '2', '3']);
    expect(await ids({ regexp: { tag: '[a\\-z]+' } })).toEqual([]);
    expect(await ids({ regexp: { message: 'jump\\w' } })).toEqual(['2']);
    for (const value of ['qu~ick', 'a&b', 'n<1-5>']) {
      expect((await failure(es.search({ index: 'text', query: { regexp: { tag: value } } }))).reason, value).toMatch(/not supported by the emulator/);
    }
    expect(await ids({ regexp: { tag: { value: 'a<1-5>', flags: 'ALL' } } }).catch(() => 'refused')).toBe('refused');
    expect(await ids({ query_string: { query: 'tag:/qu.*/' } })).toEqual(['0', '2']);
  });

  it('edit distances are Damerau\u2019s optimal string alignment, bounded early', () => {
    expect([withinEdits('quick', 'quikc', 1), withinEdits('quick', 'quikc', 1, 0, false), withinEdits('quick', 'quikc', 2, 0, false)]).toEqual([true, false, true]);
    expect([withinEdits('kitten', 'sitting', 2), withinEdits('kitten', 'sitting', 3), withinEdits('ab', 'ba', 1), withinEdits('abc', 'ca', 2)]).toEqual([false, true, true, false]);
    expect([withinEdits('fox', 'fix', 1, 1), withinEdits('fox', 'box', 1, 1), withinEdits('日本語', '日本人', 1)]).toEqual([true, false, true]);
  });
});
