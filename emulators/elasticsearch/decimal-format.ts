import { memoized } from '../../shared/memo.js';
import { badRequest } from './errors.js';

/**
 * A numeric `format` (`#.0`, `#,##0.00`, `Value is ##0.0`, `0.0%`), as Elasticsearch writes numbers with it
 * (DocValueFormat.Decimal): Java's DecimalFormat with the root locale's symbols and its default rounding, half to
 * even, decided on the number's exact binary value. Scientific notation (`E`) and currency signs are refused as
 * not emulated rather than written wrong.
 */
interface Pattern {
  prefix: string;
  suffix: string;
  negativePrefix: string;
  negativeSuffix: string;
  multiplier: number;
  minInteger: number;
  minFraction: number;
  maxFraction: number;
  grouping: number;
  alwaysPoint: boolean;
}

/** A prefix or suffix: quoted runs are literal (`''` is a quote), and `%` or `‰` set the multiplier. */
function affix(text: string, pattern: Pattern): string {
  let out = '';
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i] as string;
    if (char === "'") {
      const end = text.indexOf("'", i + 1);
      out += end === i + 1 ? "'" : text.slice(i + 1, end === -1 ? text.length : end);
      i = end === -1 ? text.length : end;
    } else {
      if (char === '%') pattern.multiplier = 100;
      else if (char === '\u2030') pattern.multiplier = 1000;
      else if (char === '\u00a4') throw badRequest(`currency signs in the numeric format [${text}] are not supported by the emulator`);
      out += char;
    }
  }
  return out;
}

/** Splits a sub-pattern into its prefix, number part and suffix, quotes respected. */
function parts(text: string): [string, string, string] {
  let start = -1;
  let end = text.length;
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i] as string;
    if (char === "'") quoted = !quoted;
    else if (!quoted && '#0,.'.includes(char)) {
      if (start === -1) start = i;
    } else if (start !== -1) {
      end = i;
      break;
    }
  }
  if (start === -1) return [text, '', ''];
  return [text.slice(0, start), text.slice(start, end), text.slice(end)];
}

function parsePattern(source: string): Pattern {
  const [positive, negative] = splitSubpatterns(source);
  const [prefixText, number, suffixText] = parts(positive);
  if (/^E0/.test(suffixText)) throw badRequest(`scientific notation in the numeric format [${source}] is not supported by the emulator`);
  const pattern: Pattern = { prefix: '', suffix: '', negativePrefix: '', negativeSuffix: '', multiplier: 1, minInteger: 0, minFraction: 0, maxFraction: 0, grouping: 0, alwaysPoint: false };
  pattern.prefix = affix(prefixText, pattern);
  pattern.suffix = affix(suffixText, pattern);
  const point = number.indexOf('.');
  const integer = point === -1 ? number : number.slice(0, point);
  const fraction = point === -1 ? '' : number.slice(point + 1);
  if (fraction.includes(',') || fraction.includes('.')) throw badRequest(`Malformed pattern "${source}"`);
  pattern.minInteger = [...integer].filter((char) => char === '0').length;
  pattern.minFraction = [...fraction].filter((char) => char === '0').length;
  pattern.maxFraction = fraction.length;
  const comma = integer.lastIndexOf(',');
  pattern.grouping = comma === -1 ? 0 : integer.length - comma - 1;
  pattern.alwaysPoint = point !== -1 && fraction.length === 0;
  if (negative === undefined) {
    pattern.negativePrefix = `-${pattern.prefix}`;
    pattern.negativeSuffix = pattern.suffix;
  } else {
    const [negativePrefix, , negativeSuffix] = parts(negative);
    pattern.negativePrefix = affix(negativePrefix, pattern);
    pattern.negativeSuffix = affix(negativeSuffix, pattern);
  }
  return pattern;
}

function splitSubpatterns(source: string): [string, string | undefined] {
  let quoted = false;
  for (let i = 0; i < source.length; i += 1) {
    if (source[i] === "'") quoted = !quoted;
    else if (source[i] === ';' && !quoted) return [source.slice(0, i), source.slice(i + 1)];
  }
  return [source, undefined];
}

/** The exact decimal digits of a non-negative double, rounded half to even at `fractionDigits`. */
function roundedDigits(value: number, fractionDigits: number): { integer: string; fraction: string } {
  // Doubles from 2^53 up are integers; below, toFixed with 100 digits shows the binary value exactly enough to find a tie.
  const exact = value >= 2 ** 53 ? `${BigInt(value)}.` : value.toFixed(100);
  const [integerText = '0', fractionText = ''] = exact.split('.');
  const kept = `${integerText}${fractionText.slice(0, fractionDigits).padEnd(fractionDigits, '0')}`;
  const rest = fractionText.slice(fractionDigits);
  const first = rest[0] ?? '0';
  const tail = rest.slice(1);
  const last = Number(kept[kept.length - 1] ?? '0');
  const up = first > '5' || (first === '5' && (/[1-9]/.test(tail) || last % 2 === 1));
  let digits = up ? (BigInt(kept) + 1n).toString() : BigInt(kept).toString();
  digits = digits.padStart(fractionDigits + 1, '0');
  return { integer: digits.slice(0, digits.length - fractionDigits), fraction: digits.slice(digits.length - fractionDigits) };
}

function group(digits: string, size: number): string {
  if (size === 0 || digits.length <= size) return digits;
  const groups: string[] = [];
  for (let end = digits.length; end > 0; end -= size) groups.unshift(digits.slice(Math.max(0, end - size), end));
  return groups.join(',');
}

function render(pattern: Pattern, value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  const negative = value < 0 || Object.is(value, -0);
  const magnitude = Math.abs(value) * pattern.multiplier;
  const [prefix, suffix] = negative ? [pattern.negativePrefix, pattern.negativeSuffix] : [pattern.prefix, pattern.suffix];
  if (!Number.isFinite(magnitude)) return `${prefix}\u221e${suffix}`;
  const rounded = roundedDigits(magnitude, pattern.maxFraction);
  let fraction = rounded.fraction;
  while (fraction.length > pattern.minFraction && fraction.endsWith('0')) fraction = fraction.slice(0, -1);
  let integer = rounded.integer.replace(/^0+/, '').padStart(pattern.minInteger, '0');
  // DecimalFormat writes a zero when it would otherwise write no digit at all.
  if (integer === '' && fraction === '') integer = '0';
  const point = fraction !== '' || pattern.alwaysPoint ? '.' : '';
  return `${prefix}${group(integer, pattern.grouping)}${point}${fraction}${suffix}`;
}

const compiled = memoized(1_000, parsePattern);

/** Formats a number with a DecimalFormat pattern (see above). */
export function formatDecimal(value: number, pattern: string): string {
  return render(compiled(pattern), value);
}

/** Whether a `format` on a numeric field is a DecimalFormat pattern rather than Elasticsearch's `raw` default. */
export function isDecimalPattern(format: string | undefined): format is string {
  return format !== undefined && format !== 'raw';
}
