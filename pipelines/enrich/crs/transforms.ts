import { createHash } from 'node:crypto';

/**
 * ModSecurity's transformations, on byte strings (one char per byte). Each returns its input unchanged, as
 * the same string, when there is nothing to do: most values of most requests have nothing to decode.
 */
export type Transform = (value: string) => string;

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

function hexAt(text: string, at: number, length: number): number {
  if (at + length > text.length) return -1;
  let value = 0;
  for (let i = at; i < at + length; i += 1) {
    const digit = hexValue(text.charCodeAt(i));
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

const PERCENT = 0x25;
const PLUS = 0x2b;

/** `%uHHHH` keeps its low byte, and full-width ASCII (U+FF01–U+FF5E) becomes ASCII, as ModSecurity does. */
function wideByte(value: number): number {
  const low = value & 0xff;
  return (value & 0xff00) === 0xff00 && low > 0 && low < 0x5f ? low + 0x20 : low;
}

/**
 * The URL decoders copy the text between escapes as whole slices: built a char at a time, a 60-byte URI
 * became a rope of 60 pieces, twice as slow to make and slower for every reader after (the screen decodes
 * every new URI).
 */
export function urlDecodeUni(value: string): string {
  if (value.indexOf('%') < 0 && value.indexOf('+') < 0) return value;
  let out = '';
  let copied = 0;
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    if (code !== PLUS && code !== PERCENT) continue;
    let decoded = ' ';
    let end = i + 1;
    if (code === PERCENT) {
      const wide = (value.charCodeAt(i + 1) | 0x20) === 0x75 ? hexAt(value, i + 2, 4) : -1;
      const byte = wide >= 0 ? wideByte(wide) : hexAt(value, i + 1, 2);
      if (byte < 0) continue;
      decoded = String.fromCharCode(byte);
      end = i + (wide >= 0 ? 6 : 3);
    }
    out += value.slice(copied, i) + decoded;
    copied = end;
    i = end - 1;
  }
  return copied === 0 ? value : out + value.slice(copied);
}

export function urlDecode(value: string): string {
  if (value.indexOf('%') < 0 && value.indexOf('+') < 0) return value;
  let out = '';
  let copied = 0;
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    const byte = code === PERCENT ? hexAt(value, i + 1, 2) : -1;
    if (code !== PLUS && byte < 0) continue;
    out += value.slice(copied, i) + (byte < 0 ? ' ' : String.fromCharCode(byte));
    if (byte >= 0) i += 2;
    copied = i + 1;
  }
  return copied === 0 ? value : out + value.slice(copied);
}

const NAMED_ENTITIES: Record<string, string> = { quot: '"', amp: '&', lt: '<', gt: '>', nbsp: '\xa0' };

/** `&#xHH;`, `&#DDD;` (the semicolon optional) and the five entities ModSecurity knows. */
export function htmlEntityDecode(value: string): string {
  if (value.indexOf('&') < 0) return value;
  return value.replace(/&(?:#[xX]([0-9a-fA-F]+);?|#([0-9]+);?|(quot|amp|lt|gt|nbsp);)/gi, (match, hex?: string, decimal?: string, name?: string) => {
    if (hex !== undefined) return String.fromCharCode(parseInt(hex.slice(-2), 16));
    if (decimal !== undefined) return String.fromCharCode(Number(decimal) & 0xff);
    return NAMED_ENTITIES[(name as string).toLowerCase()] ?? match;
  });
}

const C_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

export function jsDecode(value: string): string {
  if (value.indexOf('\\') < 0) return value;
  return value.replace(/\\(?:u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|([0-7]{1,3})|([\s\S]))/g, (_match, wide?: string, hex?: string, octal?: string, other?: string) => {
    if (wide !== undefined) return String.fromCharCode(wideByte(parseInt(wide, 16)));
    if (hex !== undefined) return String.fromCharCode(parseInt(hex, 16));
    if (octal !== undefined) return String.fromCharCode(parseInt(octal, 8) & 0xff);
    return C_ESCAPES[other as string] ?? (other as string);
  });
}

export function escapeSeqDecode(value: string): string {
  if (value.indexOf('\\') < 0) return value;
  return value.replace(/\\(?:x([0-9a-fA-F]{2})|([0-7]{1,3})|([abfnrtv\\?'"]))/g, (match, hex?: string, octal?: string, named?: string) => {
    if (hex !== undefined) return String.fromCharCode(parseInt(hex, 16));
    if (octal !== undefined) return String.fromCharCode(parseInt(octal, 8) & 0xff);
    return C_ESCAPES[named as string] ?? (named as string) ?? match;
  });
}

/** CSS 2 escapes: a backslash and up to six hex digits (one blank after them is eaten), or any other char. */
export function cssDecode(value: string): string {
  if (value.indexOf('\\') < 0) return value;
  return value.replace(/\\(?:([0-9a-fA-F]{1,6})[ \t\n\r\f]?|(\n)|([\s\S]))/g, (_match, hex?: string, newline?: string, other?: string) => {
    if (hex !== undefined) {
      const code = parseInt(hex, 16);
      return String.fromCharCode(hex.length >= 4 ? wideByte(code) : code & 0xff);
    }
    if (newline !== undefined) return '';
    return other as string;
  });
}

/** ASCII only, as C's tolower: a byte string's 0xc0–0xde are bytes of UTF-8, not letters. */
export function lowercase(value: string): string {
  const lower = value.toLowerCase();
  if (lower === value || !/[\xc0-\xde]/.test(value)) return lower;
  return value.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

const BLANKS = /[ \t\n\r\f\v\xa0]/;

export function compressWhitespace(value: string): string {
  return BLANKS.test(value) ? value.replace(/[ \t\n\r\f\v\xa0]+/g, ' ') : value;
}

export function removeWhitespace(value: string): string {
  return BLANKS.test(value) ? value.replace(/[ \t\n\r\f\v\xa0]+/g, '') : value;
}

export function removeNulls(value: string): string {
  return value.indexOf('\0') < 0 ? value : value.replaceAll('\0', '');
}

/** C comments become one space; an unterminated one runs to the end. */
export function replaceComments(value: string): string {
  return value.indexOf('/*') < 0 ? value : value.replace(/\/\*[\s\S]*?(?:\*\/|$)/g, ' ');
}

export function removeCommentsChar(value: string): string {
  return /\/\*|\*\/|--|#/.test(value) ? value.replace(/\/\*|\*\/|--|#/g, '') : value;
}

/** What cmdLine acts on besides case. */
const SHELL_TRICKS = /[\\"'^,; \t\n\r\f\v]/;

/** Windows and Unix shell tricks undone: \ " ' ^ dropped, blanks before / and ( dropped, , and ; as spaces. */
export function cmdLine(value: string): string {
  // Most values have none of them: then only the case changes.
  if (!SHELL_TRICKS.test(value)) return lowercase(value);
  let out = value.replace(/[\\"'^]/g, '').replace(/[,;]/g, ' ').replace(/[ \t\n\r\f\v]+/g, ' ');
  out = out.replace(/ (?=[/(])/g, '');
  return lowercase(out);
}

export function normalizePath(value: string): string {
  if (!/\/\.|\/\/|^\.\.?\//.test(value)) return value;
  const absolute = value.startsWith('/');
  const trailing = /\/\.{0,2}$/.test(value);
  const out: string[] = [];
  for (const segment of value.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!absolute) out.push('..');
    } else out.push(segment);
  }
  const joined = (absolute ? '/' : '') + out.join('/');
  return trailing && out.length > 0 ? `${joined}/` : joined;
}

export function normalizePathWin(value: string): string {
  return normalizePath(value.indexOf('\\') < 0 ? value : value.replaceAll('\\', '/'));
}

/** The last value base64Decode decoded, and what it made: CRS's two rules that decode base64 ask it of the same value in turn. */
let lastBase64: string | undefined;
let lastDecoded = '';

/** Stops at the first byte outside the alphabet, as ModSecurity's decoder does. */
export function base64Decode(value: string): string {
  if (value === lastBase64) return lastDecoded;
  const valid = /^[A-Za-z0-9+/]*/.exec(value)?.[0] ?? '';
  lastDecoded = Buffer.from(valid, 'base64').toString('latin1');
  lastBase64 = value;
  return lastDecoded;
}

/** UTF-8 sequences as `%uHHHH`, ModSecurity's spelling, for the rules that look for it. */
export function utf8toUnicode(value: string): string {
  if (!/[\x80-\xff]/.test(value)) return value;
  return value.replace(/[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}/g, (bytes) => {
    const point = Buffer.from(bytes, 'latin1').toString('utf8').codePointAt(0) as number;
    return `%u${point.toString(16).padStart(4, '0')}`;
  });
}

export const TRANSFORMS: Record<string, Transform> = {
  urldecodeuni: urlDecodeUni,
  urldecode: urlDecode,
  htmlentitydecode: htmlEntityDecode,
  jsdecode: jsDecode,
  cssdecode: cssDecode,
  escapeseqdecode: escapeSeqDecode,
  lowercase,
  uppercase: (value) => value.toUpperCase(),
  compresswhitespace: compressWhitespace,
  removewhitespace: removeWhitespace,
  removenulls: removeNulls,
  replacenulls: (value) => (value.indexOf('\0') < 0 ? value : value.replaceAll('\0', ' ')),
  replacecomments: replaceComments,
  removecommentschar: removeCommentsChar,
  cmdline: cmdLine,
  normalizepath: normalizePath,
  normalisepath: normalizePath,
  normalizepathwin: normalizePathWin,
  normalisepathwin: normalizePathWin,
  base64decode: base64Decode,
  utf8tounicode: utf8toUnicode,
  length: (value) => String(value.length),
  sha1: (value) => createHash('sha1').update(value, 'latin1').digest().toString('latin1'),
  hexencode: (value) => Buffer.from(value, 'latin1').toString('hex'),
  trim: (value) => value.trim(),
  trimleft: (value) => value.trimStart(),
  trimright: (value) => value.trimEnd(),
};
