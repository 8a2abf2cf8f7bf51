import { randomUUID } from 'node:crypto';

/** What a DocTable holds: anything with an id (the emulator's stored documents). */
export interface Identified {
  readonly id: string;
}

const ID_DIGITS = 10;

/**
 * The ids the cluster gives documents sent without one: 20 characters, like Elasticsearch's. A prefix random per
 * process keeps them unique across restarts; a counter in base 36 (ten digits, zero-padded) follows, so an id
 * tells back the number it was made from.
 */
export class AutoIds {
  private readonly prefix = randomUUID().replaceAll('-', '').slice(0, 20 - ID_DIGITS);
  private count = 0;

  next(): string {
    return `${this.prefix}${(this.count++).toString(36).padStart(ID_DIGITS, '0')}`;
  }

  /**
   * The number of an id of this form (this process's prefix, then ten digits 0–9 and a–z), -1 for any other. Ten
   * such digits and a number are one-to-one, so two ids with the same number are the same id.
   */
  numberOf(id: string): number {
    if (id.length !== this.prefix.length + ID_DIGITS || !id.startsWith(this.prefix)) return -1;
    let number = 0;
    for (let i = this.prefix.length; i < id.length; i += 1) {
      const code = id.charCodeAt(i);
      const digit = code >= 48 && code <= 57 ? code - 48 : code >= 97 && code <= 122 ? code - 87 : -1;
      if (digit < 0) return -1;
      number = number * 36 + digit;
    }
    return number;
  }
}

/**
 * Documents by id, iterated in the order their ids were first set, as a Map's entries are. Log indices only ever
 * append documents under ids the cluster made, in the order it made them: those are kept in an array and found by
 * the number in their id (a binary search), for as long as nothing else happens to the table. The first other
 * write (an id the client chose, an id set again, a delete) moves them into a Map in the same order, and the table
 * is a Map from then on.
 */
export class DocTable<T extends Identified> {
  private appended: T[] = [];
  /** The number of each appended document's id, increasing. */
  private numbers: number[] = [];
  private byId: Map<string, T> | undefined;

  constructor(private readonly ids: AutoIds) {}

  get size(): number {
    return this.byId === undefined ? this.appended.length : this.byId.size;
  }

  get(id: string): T | undefined {
    if (this.byId !== undefined) return this.byId.get(id);
    const slot = this.slotOf(id);
    return slot < 0 ? undefined : this.appended[slot];
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  /** Sets the document under its id: a new id goes last, as in a Map; an id already held keeps its place. */
  set(doc: T): void {
    if (this.byId === undefined) {
      const number = this.ids.numberOf(doc.id);
      if (number >= 0 && (this.numbers.length === 0 || number > (this.numbers[this.numbers.length - 1] as number))) {
        this.appended.push(doc);
        this.numbers.push(number);
        return;
      }
      this.byId = this.toMap();
    }
    this.byId.set(doc.id, doc);
  }

  delete(id: string): boolean {
    if (this.byId === undefined) {
      if (this.slotOf(id) < 0) return false;
      this.byId = this.toMap();
    }
    return this.byId.delete(id);
  }

  values(): IterableIterator<T> {
    return this.byId === undefined ? this.appended.values() : this.byId.values();
  }

  private slotOf(id: string): number {
    const number = this.ids.numberOf(id);
    if (number < 0) return -1;
    let low = 0;
    let high = this.numbers.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const found = this.numbers[middle] as number;
      if (found === number) return middle;
      if (found < number) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }

  /** The appended documents as a Map; the arrays are let go, not emptied, so that an iteration under way goes on over them. */
  private toMap(): Map<string, T> {
    const byId = new Map<string, T>();
    for (const doc of this.appended) byId.set(doc.id, doc);
    this.appended = [];
    this.numbers = [];
    return byId;
  }
}
