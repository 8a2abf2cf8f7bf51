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
    // The trie, then breadth-first fail links folded into a full transition table.
    const edges: Array<Map<number, number>> = [new Map()];
    const ends: number[][] = [[]];
    for (const [atom, id] of this.ids) {
      let state = 0;
      for (let i = 0; i < atom.length; i += 1) {
        const column = this.columns[atom.charCodeAt(i) & 0xff] as number;
        let target = (edges[state] as Map<number, number>).get(column);
        if (target === undefined) {
          target = edges.length;
          edges.push(new Map());
          ends.push([]);
          (edges[state] as Map<number, number>).set(column, target);
        }
        state = target;
      }
      (ends[state] as number[]).push(id);
    }
    // Two bytes a transition while the states fit: the table is states × columns.
    const next = edges.length < 65536 ? new Uint16Array(edges.length * width) : new Int32Array(edges.length * width);
    const fail = new Int32Array(edges.length);
    const queue: number[] = [];
    for (const [column, target] of edges[0] as Map<number, number>) {
      next[column] = target;
      queue.push(target);
    }
    for (let head = 0; head < queue.length; head += 1) {
      const state = queue[head] as number;
      const failRow = (fail[state] as number) * width;
      (ends[state] as number[]).push(...(ends[fail[state] as number] as number[]));
      // The fail state's row (complete: it is shallower), then this state's own edges over it.
      next.copyWithin(state * width, failRow, failRow + width);
      for (const [column, target] of edges[state] as Map<number, number>) {
        fail[target] = next[failRow + column] as number;
        next[state * width + column] = target;
        queue.push(target);
      }
    }
    this.next = next;
    this.outputStart = new Int32Array(edges.length + 1);
    ends.forEach((list, state) => (this.outputStart[state + 1] = (this.outputStart[state] as number) + list.length));
    this.outputs = Int32Array.from(ends.flat());
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
