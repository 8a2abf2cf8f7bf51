import { isJsonObject } from '../../shared/json-object.js';
import { badRequest, EsError } from './errors.js';
import { isTextType, WORD } from './mapping.js';
import type { Index, Json } from './store.js';
import { checkKeys, unknownField } from './strict.js';

interface Token {
  token: string;
  start_offset: number;
  end_offset: number;
  type: string;
  position: number;
}

type Tokenizer = (text: string) => Array<Omit<Token, 'position'>>;

/** Cuts text with a regular expression; every piece is one token of that type. */
function cutting(pattern: RegExp, typeOf: (token: string) => string): Tokenizer {
  return (text) => [...text.matchAll(pattern)].map((match) => ({ token: match[0], start_offset: match.index, end_offset: match.index + match[0].length, type: typeOf(match[0]) }));
}

const TOKENIZERS: Record<string, Tokenizer> = {
  // The emulator's standard tokenizer, the one its text fields are indexed and searched with.
  standard: cutting(WORD, (token) => (/^\p{N}+$/u.test(token) ? '<NUM>' : '<ALPHANUM>')),
  whitespace: cutting(/\S+/gu, () => 'word'),
  letter: cutting(/\p{L}+/gu, () => 'word'),
  keyword: (text) => (text.length === 0 ? [] : [{ token: text, start_offset: 0, end_offset: text.length, type: 'word' }]),
};

const FILTERS: Record<string, (token: string) => string> = {
  lowercase: (token) => token.toLowerCase(),
  uppercase: (token) => token.toUpperCase(),
};

/** The built-in analyzers the emulator has, as tokenizer and filters. */
const ANALYZERS: Record<string, { tokenizer: string; filters: string[] }> = {
  standard: { tokenizer: 'standard', filters: ['lowercase'] },
  simple: { tokenizer: 'letter', filters: ['lowercase'] },
  whitespace: { tokenizer: 'whitespace', filters: [] },
  keyword: { tokenizer: 'keyword', filters: [] },
};

/**
 * The analyze API (`[<index>/]_analyze`): the tokens the emulator makes of a text, by analyzer, by a field's
 * mapping, or by a tokenizer and filters. Analyzers, tokenizers and filters Elasticsearch has and the emulator not
 * (language analyzers, n-grams, stemmers, char filters) are refused by name, never replaced by another.
 */
export function analyzeText(index: Index | undefined, body: Json): Json {
  checkKeys(body, ['analyzer', 'text', 'field', 'tokenizer', 'filter', 'char_filter', 'normalizer', 'explain', 'attributes'], unknownField('analyze_request'));
  const texts = Array.isArray(body.text) ? body.text : [body.text];
  if (body.text === undefined || texts.some((text) => typeof text !== 'string')) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: text is missing;');
  for (const option of ['char_filter', 'normalizer', 'explain'] as const) if (body[option] !== undefined && body[option] !== false && !(Array.isArray(body[option]) && body[option].length === 0)) throw badRequest(`[${option}] is valid in Elasticsearch but not supported by the emulator`);
  const { tokenizer, filters, positionGap } = chainOf(index, body);
  const tokens: Token[] = [];
  let lastPosition = -1;
  let lastOffset = 0;
  for (const text of texts as string[]) {
    for (const piece of tokenizer(text)) {
      lastPosition += 1;
      tokens.push({ ...piece, token: filters.reduce((token, filter) => filter(token), piece.token), start_offset: lastOffset + piece.start_offset, end_offset: lastOffset + piece.end_offset, position: lastPosition });
    }
    lastPosition += positionGap;
    lastOffset += text.length + 1;
  }
  return { tokens };
}

function chainOf(index: Index | undefined, body: Json): { tokenizer: Tokenizer; filters: Array<(token: string) => string>; positionGap: number } {
  if (body.field !== undefined) {
    if (index === undefined) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: index is required if field is specified;');
    const def = index.fields.get(String(body.field));
    // A text field analyzes as the standard analyzer, with a gap of 100 positions between values; any other field as keyword.
    const named = def !== undefined && isTextType(def.type) ? 'standard' : 'keyword';
    return { ...chainNamed(named), positionGap: def !== undefined && isTextType(def.type) ? 100 : 0 };
  }
  if (body.analyzer !== undefined) return { ...chainNamed(String(body.analyzer)), positionGap: 0 };
  const tokenizerName = body.tokenizer === undefined ? 'keyword' : String(body.tokenizer);
  const tokenizer = TOKENIZERS[tokenizerName];
  if (tokenizer === undefined) throw refused('tokenizer', body.tokenizer);
  const filterNames = body.filter === undefined ? [] : Array.isArray(body.filter) ? body.filter : [body.filter];
  const filters = filterNames.map((name) => {
    const filter = typeof name === 'string' ? FILTERS[name] : undefined;
    if (filter === undefined) throw refused('token filter', name);
    return filter;
  });
  return { tokenizer, filters, positionGap: 0 };
}

function chainNamed(name: string): { tokenizer: Tokenizer; filters: Array<(token: string) => string> } {
  const analyzer = ANALYZERS[name];
  if (analyzer === undefined) throw refused('analyzer', name);
  return { tokenizer: TOKENIZERS[analyzer.tokenizer] as Tokenizer, filters: analyzer.filters.map((filter) => FILTERS[filter] as (token: string) => string) };
}

function refused(kind: string, name: unknown): EsError {
  const shown = isJsonObject(name) || Array.isArray(name) ? JSON.stringify(name) : String(name);
  return badRequest(`the ${kind} [${shown}] is valid in Elasticsearch or unknown, and not supported by the emulator, which has the analyzers [${Object.keys(ANALYZERS).join(', ')}], the tokenizers [${Object.keys(TOKENIZERS).join(', ')}] and the token filters [${Object.keys(FILTERS).join(', ')}]`);
}
