import { memoized } from '../../shared/memo.js';
import { badRequest } from './errors.js';

/**
 * A numeric `format` (`#.0`, `#,##0.00`, `Value is ##0.0`, `0.0%`), as Elasticsearch writes numbers with it
 * (DocValueFormat.Decimal): Java's DecimalFormat with the root locale's symbols and its default rounding, half to
 * even (see roundedDigits). Scientific notation (`E`) and currency signs are refused as
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
    if (char === "'") {
      // A quote ends the number part; before it, it starts quoted prefix text.
      if (start !== -1) {
        end = i;
        break;
      }
      quoted = !quoted;
    } else if (!quoted && '#0,.'.includes(char)) {
      if (start === -1) start = i;
    } else if (start !== -1) {
      end = i;
      break;
    }
  }
  if (start === -1) return [text, '', ''];
  return [text.slice(0, start), text.slice(start, end), text.slice(end)];
}

/**
 * The digit counts of a number part, as java.text.DecimalFormat.applyPattern counts them: `#` before the first `0`
 * are left digits, after it right digits; a pattern with no `0` but a point (`#.##`, `.##`) has one `#` made a `0`
 * (so `#.##` writes 0.46, not .46); the grouping size is the digits after the last `,` before the point.
 */
function digitCounts(number: string, source: string): Pick<Pattern, 'minInteger' | 'minFraction' | 'maxFraction' | 'grouping' | 'alwaysPoint'> {
  let left = 0;
  let zeros = 0;
  let right = 0;
  let point = -1;
  let grouping = -1;
  for (const char of number) {
    if (char === '#') {
      if (zeros > 0) right += 1;
      else left += 1;
    } else if (char === '0') {
      if (right > 0) throw badRequest(`Unexpected '0' in pattern "${source}"`);
      zeros += 1;
    } else if (char === ',') {
      grouping = 0;
      continue;
    } else if (char === '.') {
      if (point >= 0) throw badRequest(`Multiple decimal separators in pattern "${source}"`);
      point = left + zeros + right;
      continue;
    }
    if (grouping >= 0 && point < 0) grouping += 1;
  }
  if (zeros === 0 && left > 0 && point >= 0) {
    const n = point === 0 ? 1 : point;
    right = left - n;
    left = n - 1;
    zeros = 1;
  }
  const total = left + zeros + right;
  const decimalAt = point >= 0 ? point : total;
  return {
    minInteger: decimalAt - left,
    maxFraction: point >= 0 ? total - point : 0,
    minFraction: point >= 0 ? left + zeros - point : 0,
    grouping: Math.max(grouping, 0),
    alwaysPoint: point === 0 || point === total,
  };
}

function parsePattern(source: string): Pattern {
  const [positive, negative] = splitSubpatterns(source);
  const [prefixText, number, suffixText] = parts(positive);
  if (/^E0/.test(suffixText)) throw badRequest(`scientific notation in the numeric format [${source}] is not supported by the emulator`);
  const pattern: Pattern = { prefix: '', suffix: '', negativePrefix: '', negativeSuffix: '', multiplier: 1, minInteger: 0, minFraction: 0, maxFraction: 0, grouping: 0, alwaysPoint: false };
  pattern.prefix = affix(prefixText, pattern);
  pattern.suffix = affix(suffixText, pattern);
  Object.assign(pattern, digitCounts(number, source));
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

/** A non-negative finite double's shortest decimal digits (as Java's Double.toString gives them) and where its point is: value = 0.digits × 10^point. */
function shortestDigits(value: number): { digits: string; point: number } {
  const [mantissa = '0', exponent = '0'] = String(value).split('e');
  const [integer = '0', fraction = ''] = mantissa.split('.');
  const all = integer + fraction;
  const leading = all.length - all.replace(/^0+/, '').length;
  return { digits: all.slice(leading).replace(/0+$/, ''), point: integer.length + Number(exponent) - leading };
}

/** Compares a double's exact binary value with 0.digits × 10^point: negative, zero or positive. */
function compareExact(value: number, digits: string, point: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const mantissa = biased === 0 ? bits & 0xfffffffffffffn : (bits & 0xfffffffffffffn) | (1n << 52n);
  const binaryExponent = biased === 0 ? -1074 : biased - 1075;
  let left = mantissa;
  let right = BigInt(digits);
  if (binaryExponent >= 0) left <<= BigInt(binaryExponent);
  else right <<= BigInt(-binaryExponent);
  const decimalExponent = point - digits.length;
  if (decimalExponent >= 0) right *= 10n ** BigInt(decimalExponent);
  else left *= 10n ** BigInt(-decimalExponent);
  return left === right ? 0 : left > right ? 1 : -1;
}

/**
 * A non-negative double rounded half to even at `fractionDigits`, as Java's DigitList rounds it: on its shortest
 * digits, except that a tie there is decided by the exact binary value (0.135 rounds up, 1.005 down, 0.125 to even).
 */
function roundedDigits(value: number, fractionDigits: number): { integer: string; fraction: string } {
  const { digits, point } = shortestDigits(value);
  const keep = point + fractionDigits;
  const kept = keep <= 0 ? '' : digits.slice(0, keep).padEnd(keep, '0');
  const dropped = keep < 0 ? `${'0'.repeat(-keep)}${digits}` : digits.slice(Math.max(keep, 0));
  const first = dropped[0] ?? '0';
  let up = first > '5' || (first === '5' && /[1-9]/.test(dropped.slice(1)));
  if (first === '5' && !up) {
    // The tie is 0.(kept)5 × 10^point (a tie cannot occur with keep < 0: the first dropped digit is then a 0).
    const exact = compareExact(value, `${kept}5`, point);
    up = exact > 0 || (exact === 0 && Number(kept.at(-1) ?? '0') % 2 === 1);
  }
  const rounded = ((kept === '' ? 0n : BigInt(kept)) + (up ? 1n : 0n)).toString().padStart(fractionDigits + 1, '0');
  return { integer: rounded.slice(0, rounded.length - fractionDigits), fraction: rounded.slice(rounded.length - fractionDigits) };
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
