/**
 * Lucene's regular expressions (org.apache.lucene.util.automaton.RegExp) as JavaScript ones, for the regexp query,
 * query_string's `/…/` and the terms aggregation's include/exclude. They always match the whole term; `.` matches
 * any character; `^` and `$` are plain characters; `"…"` is a literal string; with the default flags (ALL) `@` is
 * any string and `#` the empty language. `~` (complement), `&` (intersection) and `<n-m>` (numeric intervals), which
 * JavaScript cannot express, are refused rather than read otherwise.
 */
import { badRequest } from './errors.js';

/** RegExp's syntax flags, as the regexp query's `flags` names them. */
const FLAGS: Record<string, number> = { INTERSECTION: 1, COMPLEMENT: 2, EMPTY: 4, ANYSTRING: 8, INTERVAL: 16, NONE: 0, ALL: 0xffff };

function flagsOf(spec: unknown): number {
  if (spec === undefined || spec === null || spec === '') return FLAGS.ALL as number;
  let flags = 0;
  for (const name of String(spec).split('|').map((part) => part.trim().toUpperCase())) {
    const flag = FLAGS[name];
    if (flag === undefined) throw badRequest(`Unknown regexp flag [${name}]`);
    flags |= flag;
  }
  return flags;
}

/** Characters a JavaScript pattern would read as syntax where Lucene reads them as text. */
const LITERAL_IN_LUCENE = new Set(['^', '$', '/']);

/** A character as itself in a JavaScript pattern (with the `u` flag only syntax characters may be escaped). */
function literal(char: string): string {
  return /[\^$\\.*+?()[\]{}|/]/.test(char) ? `\\${char}` : char;
}

/** The JavaScript source of a Lucene pattern; `flags` as the regexp query's `flags` (ALL by default). */
export function luceneToJs(pattern: string, flagSpec?: unknown): string {
  const flags = flagsOf(flagSpec);
  const on = (name: string): boolean => (flags & (FLAGS[name] as number)) !== 0;
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern[i] as string;
    if (inClass) {
      // Inside a class an escape stays one (`[a\-z]` is three characters, not a range).
      if (char === '\\' && i + 1 < pattern.length) {
        out += `\\${pattern[i + 1]}`;
        i += 1;
      } else {
        if (char === ']') inClass = false;
        out += char;
      }
    } else if (char === '\\' && i + 1 < pattern.length) {
      const next = pattern[i + 1] as string;
      // \d \w \s and their negations are Lucene's too (since 9); any other escaped character is itself.
      out += /[dDwWsS]/.test(next) ? `\\${next}` : literal(next);
      i += 1;
    } else if (char === '[') {
      inClass = true;
      out += char;
    } else if (char === '"') {
      const end = pattern.indexOf('"', i + 1);
      if (end < 0) throw badRequest(`expected '"' at position ${pattern.length}`);
      out += [...pattern.slice(i + 1, end)].map(literal).join('');
      i = end;
    } else if (char === '.') out += '[\\s\\S]';
    else if (LITERAL_IN_LUCENE.has(char)) out += literal(char);
    else if (char === '@' && on('ANYSTRING')) out += '[\\s\\S]*';
    else if (char === '#' && on('EMPTY')) out += '(?!)';
    else if ((char === '~' && on('COMPLEMENT')) || (char === '&' && on('INTERSECTION')) || (char === '<' && on('INTERVAL'))) {
      throw badRequest(`the regular expression operator [${char}] is valid in Elasticsearch but not supported by the emulator; escape it to match the character`);
    } else out += char;
  }
  return out;
}

/** A test of whole terms against a Lucene pattern. */
export function luceneRegex(pattern: string, options: { flags?: unknown; caseInsensitive?: boolean } = {}): RegExp {
  const source = luceneToJs(pattern, options.flags);
  try {
    return new RegExp(`^(?:${source})$`, `u${options.caseInsensitive === true ? 'i' : ''}`);
  } catch (error) {
    // What Lucene's RegExp parser refuses (an unclosed class or group, a stray quantifier) fails the query with 400.
    throw badRequest(`invalid regular expression [${pattern}]: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`);
  }
}
