import { detectSqli, detectXss } from './libinjection.js';
import { AtomScanner } from './atoms.js';
import { alphabetOf, ALWAYS, analyseRegex, contains, needsAnyOf, phraseRequirement, type Alphabet, type Requirement } from './prefilter.js';
import { convertRegex } from './regex.js';

/**
 * CRS's operators. Each compiles once to a test of a (transformed) byte string; an argument with a macro
 * (`@within %{tx.allowed_methods}`) is expanded per request by `expand`.
 * A test returns the captures of a match (`[whole, group 1, …]`), or undefined for no match.
 */
export type Captures = readonly string[];
export type OperatorTest = (value: string, expand: (text: string) => string) => Captures | undefined;

export class UnsupportedOperator extends Error {}

const HIT: Captures = [];

/** `1-255` or `9,10,13,32-126`: the allowed bytes as a 256-entry table. */
function byteRanges(spec: string): Uint8Array {
  const allowed = new Uint8Array(256);
  for (const part of spec.split(',')) {
    const [from, to] = part.trim().split('-').map(Number);
    for (let byte = from as number; byte <= (to ?? from) && byte < 256; byte += 1) allowed[byte] = 1;
  }
  return allowed;
}

function validUrlEncoding(value: string): boolean {
  for (let at = value.indexOf('%'); at >= 0; at = value.indexOf('%', at + 1)) {
    if (!/^[0-9a-fA-F]{2}$/.test(value.slice(at + 1, at + 3))) return false;
  }
  return true;
}

/** Well-formed, shortest-form UTF-8 of scalar values (no surrogates, nothing above U+10FFFF). */
function validUtf8(value: string): boolean {
  if (!/[\x80-\xff]/.test(value)) return true;
  return /^(?:[\x00-\x7f]|[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2})*$/.test(value);
}

function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

function numeric(value: string): number {
  const parsed = parseInt(value, 10);
  return Number.isNaN(parsed) ? 0 : parsed;
}

/**
 * One scanner per phrase list: CRS gives the same list to several rules (unix-shell.data to the arguments' and the
 * headers' rule, 1 079 phrases; another of 708), and a scanner keeps nothing between calls, so they share it. Building each
 * again was 12–18 ms of a load (about 60 ms in all scanners, 270 ms the whole load, in process).
 */
const scannersByPhrases = new Map<string, AtomScanner>();

/** Operators whose argument may hold a macro read it through `expand`; the rest compile it once. */
export function compileOperator(name: string, argument: string, loadData: (file: string) => string[]): OperatorTest {
  const dynamic = argument.includes('%{');
  const literal = (expand: (text: string) => string): string => (dynamic ? expand(argument) : argument);
  switch (name) {
    case 'rx': {
      const { source, flags } = convertRegex(argument);
      const regex = new RegExp(source, flags);
      return (value) => regex.exec(value) ?? undefined;
    }
    case 'pm':
    case 'pmFromFile':
    case 'pmf': {
      const phrases = name === 'pm' ? argument.split(/\s+/) : argument.split(/\s+/).flatMap(loadData);
      // Case-insensitive as ModSecurity's (ASCII only, as C's tolower); the capture is the phrase as listed.
      const listed = new Map<string, string>();
      for (const phrase of phrases) if (phrase !== '' && !listed.has(asciiLower(phrase))) listed.set(asciiLower(phrase), phrase);
      const key = [...listed.keys()].join('\n');
      let matcher = scannersByPhrases.get(key);
      if (matcher === undefined) scannersByPhrases.set(key, (matcher = new AtomScanner(listed.keys())));
      const captures = [...listed.values()].map((phrase): Captures => [phrase]);
      return (value) => {
        const found = matcher.first(value);
        return found < 0 ? undefined : captures[found];
      };
    }
    case 'contains':
      return (value, expand) => (value.includes(literal(expand)) ? HIT : undefined);
    case 'containsWord':
      return (value, expand) => (new RegExp(`\\b${literal(expand).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`).test(value) ? HIT : undefined);
    case 'beginsWith':
      return (value, expand) => (value.startsWith(literal(expand)) ? HIT : undefined);
    case 'endsWith':
      return (value, expand) => (value.endsWith(literal(expand)) ? HIT : undefined);
    case 'streq':
      return (value, expand) => (value === literal(expand) ? HIT : undefined);
    case 'within':
      // ModSecurity: the value is found anywhere in the argument (an empty value never is).
      return (value, expand) => (value !== '' && literal(expand).includes(value) ? HIT : undefined);
    case 'eq':
      return (value, expand) => (numeric(value) === numeric(literal(expand)) ? HIT : undefined);
    case 'ge':
      return (value, expand) => (numeric(value) >= numeric(literal(expand)) ? HIT : undefined);
    case 'gt':
      return (value, expand) => (numeric(value) > numeric(literal(expand)) ? HIT : undefined);
    case 'le':
      return (value, expand) => (numeric(value) <= numeric(literal(expand)) ? HIT : undefined);
    case 'lt':
      return (value, expand) => (numeric(value) < numeric(literal(expand)) ? HIT : undefined);
    case 'validateByteRange': {
      const allowed = byteRanges(argument);
      return (value) => {
        for (let i = 0; i < value.length; i += 1) if (allowed[value.charCodeAt(i) & 0xff] === 0) return HIT;
        return undefined;
      };
    }
    case 'validateUrlEncoding':
      return (value) => (validUrlEncoding(value) ? undefined : HIT);
    case 'validateUtf8Encoding':
      return (value) => (validUtf8(value) ? undefined : HIT);
    case 'detectSQLi':
      return (value) => {
        const fingerprint = detectSqli(value);
        return fingerprint === undefined ? undefined : [fingerprint];
      };
    case 'detectXSS':
      return (value) => (detectXss(value) ? HIT : undefined);
    case 'unconditionalMatch':
      return () => HIT;
    case 'noMatch':
      return () => undefined;
    default:
      throw new UnsupportedOperator(`@${name}`);
  }
}

/** libinjection's SQL tokenizer reads a run of letters, digits and "_" as one word, number or string: no fingerprint of one token is SQL injection. */
const SQL_WORD: Alphabet = alphabetOf('a0_');
/** libinjection's HTML5 tokenizer needs a tag, a blank, a quote or "=" to reach an attribute or a tag (checked against it in the tests). */
const XSS_TRIGGERS = '\0\t\n\v\f\r <>\'"`=';

/** Invalid UTF-8 needs a byte above 0x7f (validUtf8 passes anything without one). */
const HIGH_BYTES = Array.from({ length: 128 }, (_, i) => String.fromCharCode(0x80 + i)).join('');

/**
 * What an operator needs of a value's alphabet to match; ALWAYS for the ones that test lengths or numbers.
 * Each answer must stay true for any larger alphabet (the screen asks with what transformations could add), so
 * `@within` (the value's characters all in the argument's) has none.
 */
export function operatorRequirement(name: string, argument: string, loadData: (file: string) => string[]): Requirement {
  switch (name) {
    case 'rx': {
      const { source, flags } = convertRegex(argument);
      return analyseRegex(source, flags).requirement;
    }
    case 'pm':
      return phraseRequirement(argument.split(/\s+/));
    case 'pmFromFile':
    case 'pmf':
      return phraseRequirement(argument.split(/\s+/).flatMap(loadData));
    case 'detectSQLi':
      return (alphabet) => !contains(SQL_WORD, alphabet);
    case 'detectXSS':
      return needsAnyOf(XSS_TRIGGERS);
    case 'validateByteRange': {
      // It matches a byte outside the ranges: a value holds one only if it holds a class with such a byte.
      const allowed = byteRanges(argument);
      let outside = '';
      for (let byte = 0; byte < 256; byte += 1) if (allowed[byte] === 0) outside += String.fromCharCode(byte);
      return needsAnyOf(outside);
    }
    case 'validateUrlEncoding':
      return needsAnyOf('%');
    case 'validateUtf8Encoding':
      return needsAnyOf(HIGH_BYTES);
    case 'contains':
    case 'containsWord':
    case 'beginsWith':
    case 'endsWith':
    case 'streq': {
      // The argument's characters are all in a matching value; a macro is only known at run time.
      if (argument.includes('%{')) return ALWAYS;
      const need = alphabetOf(argument);
      return (alphabet) => contains(alphabet, need);
    }
    default:
      return ALWAYS;
  }
}
