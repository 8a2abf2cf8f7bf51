/**
 * Which characters a rule needs. Every value gets an alphabet: the set of character classes it holds
 * (letters, digits, each punctuation mark, blanks …), widened by what the rules' transformations could
 * make of it. A rule whose operator cannot match any string written in that alphabet cannot match the
 * value, and is not run. `union[\s\x0b]+select` cannot match "status" (no blank in it), nor can an XSS
 * rule that needs "<". The answer depends only on the alphabet, so it is computed once per alphabet.
 */

/**
 * A value's alphabet: one bit per class of bytes, 32 classes so that alphabets are int32 bit sets.
 * Letters of either case and "_" are one class (word characters), digits one, blanks and control
 * characters one, bytes above 0x7f one, and each other punctuation mark its own, but for ( ), [ ] and
 * { } which share a class per pair. Merging only makes the screen let more through.
 */
export type Alphabet = number;

const GROUPS = ['A-Za-z_', '0-9', ' \t\n\v\f\r\x00-\x08\x0e-\x1f\x7f', '\x80-\xff', '()', '[]', '{}'];
export const CLASS_OF = new Uint8Array(256);
{
  let next = 0;
  for (const group of GROUPS) {
    const members = new RegExp(`[${group.replace(/[\]\[()]/g, '\\$&')}]`);
    for (let code = 0; code < 256; code += 1) if (members.test(String.fromCharCode(code))) CLASS_OF[code] = next;
    next += 1;
  }
  for (const char of '!"#$%&\'*+,-./:;<=>?@\\^`|~') CLASS_OF[char.charCodeAt(0)] = next++;
  if (next > 32) throw new Error('more than 32 byte classes');
}

export const FULL: Alphabet = -1;

export function classBit(char: string): Alphabet {
  return 1 << (CLASS_OF[char.charCodeAt(0) & 0xff] as number);
}

export function has(alphabet: Alphabet, bit: Alphabet): boolean {
  return (alphabet & bit) !== 0;
}

/** The classes of the characters in `value`. */
export function alphabetOf(value: string): Alphabet {
  let alphabet = 0;
  for (let i = 0; i < value.length; i += 1) alphabet |= 1 << (CLASS_OF[value.charCodeAt(i) & 0xff] as number);
  return alphabet;
}

/** A byte set: which of the 256 bytes a pattern element accepts. */
type Bytes = Uint8Array;

type Node =
  | { kind: 'bytes'; bytes: Bytes; size: number }
  | { kind: 'sequence'; of: Node[] }
  | { kind: 'choice'; of: Node[] }
  | { kind: 'repeat'; of: Node; min: number; max: number }
  /** Anchors, word boundaries, lookarounds: they match no character. */
  | { kind: 'empty' }
  /** A back-reference: anything. */
  | { kind: 'any' };


function bytesOf(codes: Iterable<number>, fold: boolean): Bytes {
  const bytes = new Uint8Array(256);
  for (const code of codes) {
    if (code > 255) continue;
    bytes[code] = 1;
    if (fold && ((code >= 65 && code <= 90) || (code >= 97 && code <= 122))) bytes[code ^ 0x20] = 1;
  }
  return bytes;
}

function bytesNode(bytes: Bytes): Node {
  let size = 0;
  for (let code = 0; code < 256; code += 1) size += bytes[code] as number;
  return { kind: 'bytes', bytes, size };
}

/**
 * One node per literal byte and case folding, shared: the rules' expressions hold tens of thousands of
 * literal characters, and a byte set allocated and counted for each was a third of loading CRS.
 */
const LITERAL_NODES = new Map<number, Node>();

function literalNode(code: number, fold: boolean): Node {
  const key = 2 * code + (fold ? 1 : 0);
  let node = LITERAL_NODES.get(key);
  if (node === undefined) LITERAL_NODES.set(key, (node = bytesNode(bytesOf([code], fold))));
  return node;
}

const ALL_CODES = Array.from({ length: 256 }, (_unused, code) => code);
/** `.` without the s flag, built once. */
const DOT = bytesNode(bytesOf(ALL_CODES.filter((code) => code !== 10), false));

const SHORTHAND: Record<string, (code: number) => boolean> = {
  d: (code) => code >= 48 && code <= 57,
  w: (code) => /[0-9A-Za-z_]/.test(String.fromCharCode(code)),
  s: (code) => code === 32 || (code >= 9 && code <= 13),
};

/** `\d \w \s` and their negations as byte sets, built once. */
const SHORTHAND_BYTES: Record<string, Bytes> = Object.fromEntries(
  Object.entries(SHORTHAND).flatMap(([name, test]) => [
    [name, bytesOf(ALL_CODES.filter((code) => test(code)), false)],
    [name.toUpperCase(), bytesOf(ALL_CODES.filter((code) => !test(code)), false)],
  ]),
);

/** Parses the JavaScript source `convertRegex` produced (one char per byte) into what `canMatch` needs. */
class Parser {
  private at = 0;

  constructor(
    private readonly source: string,
    private readonly fold: boolean,
  ) {}

  parse(): Node {
    const node = this.alternation();
    if (this.at < this.source.length) throw new Error(`unexpected ${this.source[this.at]}`);
    return node;
  }

  private peek(): string {
    return this.source[this.at] ?? '';
  }

  private alternation(): Node {
    const options = [this.sequence()];
    while (this.peek() === '|') {
      this.at += 1;
      options.push(this.sequence());
    }
    return options.length === 1 ? (options[0] as Node) : { kind: 'choice', of: options };
  }

  private sequence(): Node {
    const items: Node[] = [];
    while (this.at < this.source.length && this.peek() !== '|' && this.peek() !== ')') items.push(this.repeat());
    return { kind: 'sequence', of: items };
  }

  private repeat(): Node {
    let node = this.atom();
    for (;;) {
      const rest = this.source.slice(this.at, this.at + 12);
      let min: number;
      let max: number;
      const braces = /^\{(\d+)(,?)(\d*)\}/.exec(rest);
      if (rest.startsWith('*')) [min, max] = [0, Infinity];
      else if (rest.startsWith('?')) [min, max] = [0, 1];
      else if (rest.startsWith('+')) [min, max] = [1, Infinity];
      else if (braces !== null) {
        min = Number(braces[1]);
        max = braces[2] === '' ? min : braces[3] === '' ? Infinity : Number(braces[3]);
      } else return node;
      this.at += braces !== null ? braces[0].length : 1;
      if (this.peek() === '?') this.at += 1;
      node = { kind: 'repeat', of: node, min, max };
    }
  }

  private atom(): Node {
    const char = this.peek();
    this.at += 1;
    switch (char) {
      case '(': {
        let lookaround = false;
        if (this.source.startsWith('?:', this.at)) this.at += 2;
        else if (/^\?<[A-Za-z_]/.test(this.source.slice(this.at))) this.at = this.source.indexOf('>', this.at) + 1;
        else if (/^\?<?[=!]/.test(this.source.slice(this.at))) {
          lookaround = true;
          this.at += this.source[this.at + 1] === '<' ? 3 : 2;
        }
        const inner = this.alternation();
        if (this.peek() !== ')') throw new Error('unclosed group');
        this.at += 1;
        return lookaround ? { kind: 'empty' } : inner;
      }
      case '[':
        return bytesNode(this.characterClass());
      case '.':
        return DOT;
      case '^':
      case '$':
        return { kind: 'empty' };
      case '\\':
        return this.escape();
      default:
        return literalNode(char.charCodeAt(0), this.fold);
    }
  }

  private escape(): Node {
    const char = this.peek();
    this.at += 1;
    if (char === 'b' || char === 'B') return { kind: 'empty' };
    if (/[1-9]/.test(char)) return { kind: 'any' };
    const shorthand = this.shorthand(char);
    if (shorthand !== undefined) return bytesNode(shorthand);
    return literalNode(this.escapedCode(char), this.fold);
  }

  private shorthand(char: string): Bytes | undefined {
    return SHORTHAND_BYTES[char];
  }

  private escapedCode(char: string): number {
    if (char === 'x' || char === 'u') {
      const length = char === 'x' ? 2 : 4;
      const code = parseInt(this.source.slice(this.at, this.at + length), 16);
      this.at += length;
      return code;
    }
    const named: Record<string, number> = { t: 9, n: 10, v: 11, f: 12, r: 13, '0': 0 };
    return named[char] ?? char.charCodeAt(0);
  }

  private characterClass(): Bytes {
    const negated = this.peek() === '^';
    if (negated) this.at += 1;
    const members = new Uint8Array(256);
    let first = true;
    while (this.at < this.source.length && (this.peek() !== ']' || first)) {
      first = false;
      const char = this.peek();
      this.at += 1;
      let from: number;
      if (char === '\\') {
        const escaped = this.peek();
        this.at += 1;
        const shorthand = this.shorthand(escaped);
        if (shorthand !== undefined) {
          shorthand.forEach((member, code) => (members[code] ||= member));
          continue;
        }
        from = this.escapedCode(escaped);
      } else from = char.charCodeAt(0);
      let to = from;
      if (this.peek() === '-' && this.source[this.at + 1] !== ']' && this.at + 1 < this.source.length) {
        this.at += 1;
        const end = this.peek();
        this.at += 1;
        if (end === '\\') {
          const escaped = this.peek();
          this.at += 1;
          to = this.escapedCode(escaped);
        } else to = end.charCodeAt(0);
      }
      for (let code = from; code <= Math.min(to, 255); code += 1) {
        members[code] = 1;
        if (this.fold && /[A-Za-z]/.test(String.fromCharCode(code))) members[code ^ 0x20] = 1;
      }
    }
    this.at += 1;
    if (negated) for (let code = 0; code < 256; code += 1) members[code] = members[code] === 1 ? 0 : 1;
    return members;
  }
}

/** The alphabet classes a byte set meets: a string in an alphabet can use one of these bytes only if it holds one of these classes. */
const CLASSES = new WeakMap<Bytes, Alphabet>();

function classesOf(bytes: Bytes): Alphabet {
  const known = CLASSES.get(bytes);
  if (known !== undefined) return known;
  let alphabet = 0;
  for (let code = 0; code < 256; code += 1) if (bytes[code] === 1) alphabet |= 1 << (CLASS_OF[code] as number);
  CLASSES.set(bytes, alphabet);
  return alphabet;
}

/**
 * A compiled requirement: a function of the alphabet. Sound, never exact: a byte set is met when the
 * alphabet holds any class the set touches (the value may hold another byte of that class).
 */
export type Requirement = (alphabet: Alphabet) => boolean;

export const ALWAYS: Requirement = () => true;

/**
 * One requirement per set of classes ("holds one of these classes"), shared by every expression that asks
 * for it: the rules' parse trees hold tens of thousands of byte sets but a few hundred distinct class sets,
 * and a closure each held about 7 MB of every worker's memory.
 */
const ANY_OF = new Map<Alphabet, Requirement>();

function anyOf(classes: Alphabet): Requirement {
  if (classes === FULL) return ALWAYS;
  let known = ANY_OF.get(classes);
  if (known === undefined) {
    known = (alphabet) => intersects(alphabet, classes);
    ANY_OF.set(classes, known);
  }
  return known;
}

/**
 * What an expression requires, as data: true (nothing), a class set (holds one of these classes), or all or
 * some of other plans. Kept as data so that the analyses can be cached between starts (./analysis-cache.ts);
 * compileRequirement makes the function the screen calls.
 */
export type RequirementPlan = true | Alphabet | { all: RequirementPlan[] } | { some: RequirementPlan[] };

const anyOfPlan = (classes: Alphabet): RequirementPlan => (classes === FULL ? true : classes);

function requirementPlan(node: Node): RequirementPlan {
  switch (node.kind) {
    case 'bytes':
      return anyOfPlan(classesOf(node.bytes));
    case 'sequence': {
      const parts = distinct(node.of.map(requirementPlan)).filter((part) => part !== true);
      if (parts.length === 0) return true;
      return parts.length === 1 ? (parts[0] as RequirementPlan) : { all: parts };
    }
    case 'choice': {
      const parts = distinct(node.of.map(requirementPlan));
      if (parts.includes(true)) return true;
      if (parts.length === 1) return parts[0] as RequirementPlan;
      // Alternatives that each ask for one class set ask for their union.
      if (parts.every((part) => typeof part === 'number')) return anyOfPlan(parts.reduce<Alphabet>((union, one) => union | one, 0));
      return { some: parts };
    }
    case 'repeat':
      return node.min === 0 ? true : requirementPlan(node.of);
    case 'empty':
    case 'any':
      return true;
  }
}

/** Plans without repeats: class sets by value, the rest by what they say. */
function distinct(plans: RequirementPlan[]): RequirementPlan[] {
  const seen = new Set<string>();
  return plans.filter((plan) => {
    const key = typeof plan === 'object' ? JSON.stringify(plan) : String(plan);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function compileRequirement(plan: RequirementPlan): Requirement {
  if (plan === true) return ALWAYS;
  if (typeof plan === 'number') return anyOf(plan);
  const parts = ('all' in plan ? plan.all : plan.some).map(compileRequirement);
  return 'all' in plan ? (alphabet) => parts.every((part) => part(alphabet)) : (alphabet) => parts.some((part) => part(alphabet));
}

function intersects(a: Alphabet, b: Alphabet): boolean {
  return (a & b) !== 0;
}

/*
 * The second half: literal strings ("atoms") every match contains, as RE2's prefilter computes them.
 * `union[\s]*select` needs "union" and "select"; `process(?:binding|env)` needs "processbinding" or
 * "processenv". Atoms are lower case and are looked for in lower-cased text, so the formula is sound for
 * case-sensitive expressions too. An expression that needs no atom (`\w+\(`) gives ALL.
 */
export type Formula = { op: 'all' } | { op: 'atom'; atom: string } | { op: 'and' | 'or'; of: Formula[] };
export const ALL: Formula = { op: 'all' };

interface Literals {
  /** The strings the node matches, when few; undefined when many. */
  exact: string[] | undefined;
  /** What any match of the node contains. */
  match: Formula;
}

const MAX_EXACT = 16;
const MAX_EXACT_CLASS = 4;

function conjunction(parts: Formula[]): Formula {
  const flat = parts.flatMap((part) => (part.op === 'all' ? [] : part.op === 'and' ? part.of : [part]));
  if (flat.length === 0) return ALL;
  return flat.length === 1 ? (flat[0] as Formula) : { op: 'and', of: flat };
}

function disjunction(parts: Formula[]): Formula {
  if (parts.some((part) => part.op === 'all') || parts.length === 0) return ALL;
  const flat = parts.flatMap((part) => (part.op === 'or' ? part.of : [part]));
  return flat.length === 1 ? (flat[0] as Formula) : { op: 'or', of: flat };
}

/** A letter or a digit alone is in nearly every value: as an atom it would only cost a lookup. */
function weak(atom: string): boolean {
  return atom.length === 0 || (atom.length === 1 && /[a-z0-9]/.test(atom));
}

function exactFormula(exact: string[]): Formula {
  if (exact.some(weak)) return ALL;
  return disjunction([...new Set(exact)].map((atom) => ({ op: 'atom', atom })));
}

function matchOf(literals: Literals): Formula {
  return literals.exact === undefined ? literals.match : exactFormula(literals.exact);
}

/** A byte set's literals, worked out once per node (literal nodes are shared; see literalNode). Never changed by a caller. */
const BYTE_LITERALS = new WeakMap<Node, Literals>();

function literalsOf(node: Node): Literals {
  switch (node.kind) {
    case 'bytes': {
      // A large class (most of them, once case is folded) is no exact string: not worth walking its bytes.
      if (node.size > MAX_EXACT_CLASS * 2) return { exact: undefined, match: ALL };
      const known = BYTE_LITERALS.get(node);
      if (known !== undefined) return known;
      const members = new Set<string>();
      // ASCII letters only, as the scanner lowers them: a byte string's 0xc0–0xde are not letters.
      for (let code = 0; code < 256; code += 1) if (node.bytes[code] === 1) members.add(String.fromCharCode(code >= 65 && code <= 90 ? code + 32 : code));
      const literals = members.size <= MAX_EXACT_CLASS ? { exact: [...members], match: ALL } : { exact: undefined, match: ALL };
      BYTE_LITERALS.set(node, literals);
      return literals;
    }
    case 'empty':
      return { exact: [''], match: ALL };
    case 'any':
      return { exact: undefined, match: ALL };
    case 'sequence': {
      // Runs of exact items multiply into strings; an inexact item (or too many strings) closes the run,
      // which joins the conjunction, and the next run starts fresh, so "new\s+function" needs "new" and "function".
      const needs: Formula[] = [];
      let run: string[] | undefined = [''];
      for (const item of node.of) {
        const next = literalsOf(item);
        if (next.exact !== undefined && run !== undefined && run.length * next.exact.length <= MAX_EXACT) {
          const left: string[] = run;
          const right: string[] = next.exact;
          // One string and one character, most of the time: no set to build.
          run = left.length === 1 && right.length === 1 ? [(left[0] as string) + (right[0] as string)] : [...new Set(left.flatMap((a) => right.map((b) => a + b)))];
          continue;
        }
        if (run !== undefined) needs.push(exactFormula(run));
        if (next.exact !== undefined) run = next.exact;
        else {
          needs.push(next.match);
          run = [''];
        }
      }
      if (needs.length === 0) return { exact: run, match: ALL };
      if (run !== undefined) needs.push(exactFormula(run));
      return { exact: undefined, match: conjunction(needs) };
    }
    case 'choice': {
      const options = node.of.map(literalsOf);
      if (options.every((option) => option.exact !== undefined)) {
        const all = [...new Set(options.flatMap((option) => option.exact as string[]))];
        if (all.length <= MAX_EXACT * 4) return { exact: all, match: ALL };
      }
      return { exact: undefined, match: disjunction(options.map(matchOf)) };
    }
    case 'repeat': {
      const inner = literalsOf(node.of);
      if (node.min === 0) return node.max === 1 && inner.exact !== undefined ? { exact: [...inner.exact, ''], match: ALL } : { exact: undefined, match: ALL };
      if (node.min === 1 && node.max === 1) return inner;
      // `\.{2,3}` needs "..": the minimum count of an exact item, multiplied out while it stays small.
      if (inner.exact !== undefined && node.min >= 2 && inner.exact.length ** node.min <= MAX_EXACT) {
        let copies: string[] = [''];
        const once: string[] = inner.exact;
        for (let count = 0; count < node.min; count += 1) copies = copies.flatMap((a) => once.map((b) => a + b));
        const needed = [...new Set(copies)];
        return node.max === node.min ? { exact: needed, match: ALL } : { exact: undefined, match: exactFormula(needed) };
      }
      return { exact: undefined, match: matchOf(inner) };
    }
  }
}

/** Both analyses of an expression, as data. */
export interface RegexAnalysis {
  requirement: RequirementPlan;
  formula: Formula;
}

/** This module, whose text is what the analyses' cache is checked against (./analysis-cache.ts). */
export const ANALYSER = import.meta.url;

/** The analyses made or read in this process, by flags and source (the engine and the operators both ask). */
const analyses = new Map<string, RegexAnalysis>();
let made = 0;

/** How many analyses this process has made (not read from a cache). */
export function analysesMade(): number {
  return made;
}

const analysisKey = (source: string, flags: string): string => `${flags}/${source}`;

/** Analyses read from the cache of an earlier start: they are not made again. */
export function knowAnalyses(known: Iterable<[string, RegexAnalysis]>): void {
  for (const [key, analysis] of known) if (!analyses.has(key)) analyses.set(key, analysis);
}

/** Every analysis this process holds, by key: what the cache keeps for the next start. */
export function heldAnalyses(): ReadonlyMap<string, RegexAnalysis> {
  return analyses;
}

/** Both analyses of an expression as `convertRegex` wrote it, from one parse; nothing required and ALL when it cannot be read. */
export function regexAnalysis(source: string, flags: string): RegexAnalysis {
  const key = analysisKey(source, flags);
  let analysis = analyses.get(key);
  if (analysis === undefined) {
    try {
      const node = new Parser(source, flags.includes('i')).parse();
      analysis = { requirement: requirementPlan(node), formula: matchOf(literalsOf(node)) };
    } catch {
      analysis = { requirement: true, formula: ALL };
    }
    analyses.set(key, analysis);
    made += 1;
  }
  return analysis;
}

export function analyseRegex(source: string, flags: string): { requirement: Requirement; formula: Formula } {
  const { requirement, formula } = regexAnalysis(source, flags);
  return { requirement: compileRequirement(requirement), formula };
}

export function atomsOf(formula: Formula, into: Set<string> = new Set()): Set<string> {
  if (formula.op === 'atom') into.add(formula.atom);
  else if (formula.op !== 'all') for (const part of formula.of) atomsOf(part, into);
  return into;
}

/** `@pm`: some phrase written entirely in the alphabet (phrases match case-insensitively). */
export function phraseRequirement(phrases: readonly string[]): Requirement {
  const needs = [...new Set(phrases.filter((phrase) => phrase !== '').map((phrase) => alphabetOf(phrase)))];
  if (needs.length === 0) return () => false;
  return (alphabet) => needs.some((need) => contains(alphabet, need));
}

/** Every class of `need` is in `alphabet`. */
export function contains(alphabet: Alphabet, need: Alphabet): boolean {
  return (alphabet & need) === need;
}

export function needsAnyOf(chars: string): Requirement {
  const classes = alphabetOf(chars);
  return (alphabet) => intersects(alphabet, classes);
}
