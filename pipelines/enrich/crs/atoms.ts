import { atomsOf, type Formula } from './prefilter.js';

/** The ids of the atoms found in a text, each once: a dozen in a URI, so a list is quicker to fill and read than a Set. */
export type FoundAtoms = readonly number[];

/**
 * Aho–Corasick as a table, one lookup per byte, case-insensitive for ASCII as ModSecurity's matchers are.
 * Every atom of every rule found in one pass over a value (the screen), or the first phrase of an `@pm`
 * list (the operator). Bytes that appear in no atom share one column, and A–Z read as a–z, so the table
 * stays small. Atoms are given in lower case.
 */
export class AtomScanner {
  private readonly columns = new Uint8Array(256);
  private readonly width: number;
  private readonly next: Int32Array | Uint16Array;
  /** Atom ids ending at each state (its own and through its fail links), flattened. */
  private readonly outputStart: Int32Array;
  private readonly outputs: Int32Array;
  /** One per atom, set while a scan runs: single-byte atoms (`/`, `=`, `&`) end dozens of times in a URI. */
  private readonly marks: Uint8Array;
  readonly ids = new Map<string, number>();

  constructor(atoms: Iterable<string>) {
    for (const atom of atoms) if (!this.ids.has(atom)) this.ids.set(atom, this.ids.size);
    let width = 1;
    for (const atom of this.ids.keys()) {
      for (let i = 0; i < atom.length; i += 1) {
        const code = atom.charCodeAt(i) & 0xff;
        if (this.columns[code] === 0) this.columns[code] = width++;
      }
    }
    for (let code = 65; code <= 90; code += 1) this.columns[code] = this.columns[code + 32] as number;
    this.width = width;
    // The trie, written straight into the transition table (0: no edge yet; the root is never a target), then
    // breadth-first fail links folded into it. With a Map per state and a list per state for its outputs, CRS's
    // 1 082 file names (lfi-os-files.data) took 34–36 ms on a process's first build and 5.8–8.0 at the median of
    // the next 24; this way 21–26 and 2.5–4.1 (three processes each).
    const capacity = trieSizeBound(this.ids.keys());
    const next = capacity < 65536 ? new Uint16Array(capacity * width) : new Int32Array(capacity * width);
    const own: Array<number[] | undefined> = [];
    let states = 1;
    for (const [atom, id] of this.ids) {
      let state = 0;
      for (let i = 0; i < atom.length; i += 1) {
        const cell = state * width + (this.columns[atom.charCodeAt(i) & 0xff] as number);
        if (next[cell] === 0) next[cell] = states++;
        state = next[cell] as number;
      }
      (own[state] ??= []).push(id);
    }
    this.next = next;
    const outputsOf = foldFailLinks(next, width, states, own);
    this.outputStart = new Int32Array(states + 1);
    for (let state = 0; state < states; state += 1) this.outputStart[state + 1] = (this.outputStart[state] as number) + (outputsOf[state]?.length ?? 0);
    this.outputs = new Int32Array(this.outputStart[states] as number);
    for (let state = 0; state < states; state += 1) {
      const list = outputsOf[state];
      if (list !== undefined) this.outputs.set(list, this.outputStart[state] as number);
    }
    this.marks = new Uint8Array(this.ids.size);
  }

  /** The id of the atom that ends first in `text` (at one end, the longest: it is listed first), or -1. */
  first(text: string): number {
    const { columns, next, width, outputStart, outputs } = this;
    let state = 0;
    for (let i = 0; i < text.length; i += 1) {
      state = next[state * width + (columns[text.charCodeAt(i) & 0xff] as number)] as number;
      const at = outputStart[state] as number;
      if (at < (outputStart[state + 1] as number)) return outputs[at] as number;
    }
    return -1;
  }

  /** The ids of the atoms in `text`. */
  scan(text: string): FoundAtoms {
    const found: number[] = [];
    const { columns, next, width, outputStart, outputs, marks } = this;
    let state = 0;
    for (let i = 0; i < text.length; i += 1) {
      state = next[state * width + (columns[text.charCodeAt(i) & 0xff] as number)] as number;
      for (let at = outputStart[state] as number; at < (outputStart[state + 1] as number); at += 1) {
        const id = outputs[at] as number;
        if (marks[id] === 0) {
          marks[id] = 1;
          found.push(id);
        }
      }
    }
    for (const id of found) marks[id] = 0;
    return found;
  }
}

/**
 * At least the number of states of the atoms' trie (its nodes on the atoms as strings; the table's columns
 * can only merge more): sorted, each atom adds its length less what it shares with the one before.
 */
function trieSizeBound(atoms: Iterable<string>): number {
  const sorted = [...atoms].sort();
  let size = 1;
  let previous = '';
  for (const atom of sorted) {
    let shared = 0;
    while (shared < atom.length && shared < previous.length && atom.charCodeAt(shared) === previous.charCodeAt(shared)) shared += 1;
    size += atom.length - shared;
    previous = atom;
  }
  return size;
}

/**
 * Completes the trie's table breadth first: a state's missing transitions are its fail state's (shallower,
 * so complete already). A row holds only the trie's own edges until its state's turn, so a non-zero cell
 * then is a child. Returns each state's atoms: its own, then its fail state's (the longest first).
 */
function foldFailLinks(next: Uint16Array | Int32Array, width: number, states: number, own: Array<number[] | undefined>): Array<number[] | undefined> {
  const fail = new Int32Array(states);
  const queue = new Int32Array(states);
  const outputs: Array<number[] | undefined> = [own[0]];
  let tail = 0;
  for (let column = 0; column < width; column += 1) if (next[column] !== 0) queue[tail++] = next[column] as number;
  for (let head = 0; head < tail; head += 1) {
    const state = queue[head] as number;
    const row = state * width;
    const failRow = (fail[state] as number) * width;
    const mine = own[state];
    const inherited = outputs[fail[state] as number];
    outputs[state] = mine === undefined ? inherited : inherited === undefined ? mine : [...mine, ...inherited];
    for (let column = 0; column < width; column += 1) {
      const target = next[row + column] as number;
      if (target === 0) next[row + column] = next[failRow + column] as number;
      else {
        fail[target] = next[failRow + column] as number;
        queue[tail++] = target;
      }
    }
  }
  return outputs;
}

export type AtomTest = (found: FoundAtoms) => boolean;

const NO_ATOMS: FoundAtoms = [];

/**
 * A formula as a test of the found atom ids; undefined for ALL (nothing to test). A formula's verdict depends
 * only on which of its own atoms were found: when none was, it is its verdict on no atoms, known beforehand.
 * Most values hold none of a nested formula's atoms, and a few lookups answer them instead of a walk of the
 * tree (SQL injection's, 0.2–1 µs each for a new argument value).
 */
export function compileFormula(formula: Formula, ids: ReadonlyMap<string, number>): AtomTest | undefined {
  const test = compileNode(formula, ids);
  if (test === undefined || formula.op === 'atom' || (formula.op === 'or' && formula.of.every((part) => part.op === 'atom'))) return test;
  const own = new Set([...atomsOf(formula)].map((atom) => ids.get(atom) as number));
  const withNone = test(NO_ATOMS);
  return (found) => {
    for (const id of found) if (own.has(id)) return test(found);
    return withNone;
  };
}

function compileNode(formula: Formula, ids: ReadonlyMap<string, number>): AtomTest | undefined {
  switch (formula.op) {
    case 'all':
      return undefined;
    case 'atom': {
      const id = ids.get(formula.atom) as number;
      return (found) => found.includes(id);
    }
    case 'and': {
      const parts = formula.of.map((part) => compileNode(part, ids)).filter((part): part is AtomTest => part !== undefined);
      return (found) => parts.every((part) => part(found));
    }
    case 'or': {
      const parts = formula.of.map((part) => compileNode(part, ids));
      if (parts.includes(undefined)) return undefined;
      const tests = parts as AtomTest[];
      // Atoms only (most formulas, and @pm lists of hundreds): look the few found ids up, not every option.
      if (formula.of.every((part) => part.op === 'atom')) {
        const options = new Set(formula.of.map((part) => ids.get((part as { atom: string }).atom) as number));
        return (found) => {
          for (const id of found) if (options.has(id)) return true;
          return false;
        };
      }
      return (found) => tests.some((test) => test(found));
    }
  }
}
