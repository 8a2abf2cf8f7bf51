/**
 * CRS 4 writes its expressions for both PCRE (ModSecurity) and RE2 (Coraza). JavaScript's engine differs in
 * a few places, converted once at load. Values are matched as byte strings (one char per byte, as
 * ModSecurity's PCRE sees them without UTF mode), so `\x{b4}` is the byte 0xb4.
 * - leading `(?i)`, `(?s)`, `(?is)` become flags; `(?i:…)` groups become case-insensitive by rewriting;
 * - `\s` is PCRE's six blanks (JavaScript's also takes 0xa0, the second byte of "à" in UTF-8);
 * - `.` takes "\r" as PCRE and RE2 do (JavaScript's does not);
 * - `\z`, `\A`, `\Z`, `\x{hh}`, `(?P<name>` and POSIX classes are spelt the JavaScript way.
 * An expression that needs what JavaScript cannot express (`\p{…}` classes on bytes) is refused by name.
 */

const POSIX: Record<string, string> = {
  alpha: 'A-Za-z', digit: '0-9', alnum: '0-9A-Za-z', upper: 'A-Z', lower: 'a-z', space: '\\t-\\r ',
  xdigit: '0-9A-Fa-f', punct: '!-\\/:-@\\[-`{-~', word: '0-9A-Z_a-z', blank: ' \\t', cntrl: '\\x00-\\x1f\\x7f', print: ' -~', graph: '!-~',
};

export class RegexConversionError extends Error {}

export interface ConvertedRegex {
  source: string;
  flags: string;
}

function caseFold(char: string): string {
  const lower = char.toLowerCase();
  const upper = char.toUpperCase();
  return lower === upper ? char : `[${lower}${upper}]`;
}

/** Inside a class under `(?i:`: every letter range gains its other case. */
function foldClassBody(body: string): string {
  const extra: string[] = [];
  for (const match of body.matchAll(/(?<!\\)([A-Za-z])(?:-([A-Za-z]))?/g)) {
    const from = match[1] as string;
    const to = match[2] ?? from;
    const swap = (c: string): string => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase());
    extra.push(from === to ? swap(from) : `${swap(from)}-${swap(to)}`);
  }
  return body + extra.join('');
}

const converted = new Map<string, ConvertedRegex>();

/** Converted once per expression: the engine, the screen's analyses and the operator all ask. */
export function convertRegex(pattern: string): ConvertedRegex {
  let result = converted.get(pattern);
  if (result === undefined) converted.set(pattern, (result = convert(pattern)));
  return result;
}

function convert(pattern: string): ConvertedRegex {
  // A flag group after a leading anchor (`^(?i)up`) applies to the whole expression too.
  let source = /^\^\(\?[a-zA-Z]+\)/.test(pattern) ? pattern.replace(/^\^(\(\?[a-zA-Z]+\))/, '$1^') : pattern;
  let flags = '';
  const leading = /^\(\?([a-zA-Z]+)\)/.exec(source);
  if (leading !== null) {
    for (const flag of leading[1] as string) {
      if (flag === 'i' || flag === 's' || flag === 'm') flags += flag;
      else throw new RegexConversionError(`unsupported flag (?${flag})`);
    }
    source = source.slice(leading[0].length);
  }
  if (/\\[pP]\{|\\[pP][A-Z]/.test(source)) throw new RegexConversionError('Unicode property classes (\\p) have no byte-string equivalent');
  const dotAll = flags.includes('s');
  let out = '';
  /** Depth of each open group, and whether it was opened by `(?i:`. */
  const groups: boolean[] = [];
  const folding = (): boolean => !flags.includes('i') && groups.includes(true);
  let at = 0;
  while (at < source.length) {
    const char = source[at] as string;
    if (char === '\\') {
      const next = source[at + 1] ?? '';
      if (next === 'x' && source[at + 2] === '{') {
        const end = source.indexOf('}', at);
        const code = parseInt(source.slice(at + 3, end), 16);
        if (!(code <= 0xff)) throw new RegexConversionError(`\\x{${source.slice(at + 3, end)}} is not a byte`);
        out += `\\x${code.toString(16).padStart(2, '0')}`;
        at = end + 1;
      } else if (next === 'z') {
        out += '$';
        at += 2;
      } else if (next === 'Z') {
        out += '(?=\\n?$)';
        at += 2;
      } else if (next === 'A') {
        out += '^';
        at += 2;
      } else if (next === 's') {
        out += '[\\t-\\r ]';
        at += 2;
      } else if (next === 'S') {
        out += '[^\\t-\\r ]';
        at += 2;
      } else if (next === 'Q') {
        const end = source.indexOf('\\E', at);
        const literal = source.slice(at + 2, end < 0 ? undefined : end);
        out += literal.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
        at = end < 0 ? source.length : end + 2;
      } else {
        out += folding() && /[a-zA-Z]/.test(next) && !/[dDwWbBnrtfvx0-9cuk]/.test(next) ? caseFold(next) : char + next;
        at += 2;
      }
    } else if (char === '[') {
      // A class runs to the first "]" that is not its first member and not escaped.
      let end = at + 1;
      if (source[end] === '^') end += 1;
      if (source[end] === ']') end += 1;
      while (end < source.length && source[end] !== ']') {
        if (source[end] === '\\') end += 2;
        else if (source[end] === '[' && source[end + 1] === ':') end = source.indexOf(':]', end) + 2;
        else end += 1;
      }
      let body = source.slice(at + 1, end);
      body = body.replace(/\[:(\^?)([a-z]+):\]/g, (_match, negated: string, name: string) => {
        const members = POSIX[name];
        if (members === undefined || negated !== '') throw new RegexConversionError(`POSIX class [:${negated}${name}:]`);
        return members;
      });
      body = body.replace(/\\x\{([0-9a-fA-F]+)\}/g, (_match, hex: string) => {
        const code = parseInt(hex, 16);
        if (code > 0xff) throw new RegexConversionError(`\\x{${hex}} in a class is not a byte`);
        return `\\x${code.toString(16).padStart(2, '0')}`;
      });
      // PCRE's blanks in a class, and their complement spelt as ranges.
      body = body.replace(/(?<!\\)((?:\\\\)*)\\s/g, '$1\\t-\\r ').replace(/(?<!\\)((?:\\\\)*)\\S/g, '$1\\x00-\\x08\\x0e-\\x1f\\x21-\\uffff');
      out += `[${folding() ? foldClassBody(body) : body}]`;
      at = end + 1;
    } else if (char === '(') {
      if (source.startsWith('(?i:', at)) {
        groups.push(true);
        out += '(?:';
        at += 4;
      } else if (source.startsWith('(?P<', at)) {
        groups.push(false);
        out += '(?<';
        at += 4;
      } else if (/^\(\?[a-zA-Z-]+[:)]/.test(source.slice(at, at + 8)) && !source.startsWith('(?:', at)) {
        throw new RegexConversionError(`inline flags ${source.slice(at, at + 6)} inside the expression`);
      } else {
        groups.push(false);
        out += char;
        at += 1;
      }
    } else if (char === ')') {
      groups.pop();
      out += char;
      at += 1;
    } else if (char === '.' && !dotAll) {
      out += '[^\\n]';
      at += 1;
    } else {
      out += folding() ? caseFold(char) : char;
      at += 1;
    }
  }
  try {
    new RegExp(out, flags);
  } catch (error) {
    throw new RegexConversionError((error as Error).message);
  }
  return { source: out, flags };
}
