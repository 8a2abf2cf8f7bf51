import type { Doc } from './store.js';

/** The bounds of a numeric or date range query, as its matcher compares them. */
export interface RangeBounds {
  field: string;
  low: number;
  high: number;
  lowOpen: boolean;
  highOpen: boolean;
}

const MIN_TAIL = 4096;

/**
 * One numeric field's values in order, with their documents, so that a range filter (every time-bounded
 * search: the rollups, the detectors, the live tail) visits the documents in its range instead of all of
 * them. Documents made visible later go to an unsorted tail, merged in once it reaches an eighth of the
 * sorted part: a log index that keeps growing pays a linear merge now and then, not a sort per search.
 */
export class RangeColumn {
  private values = new Float64Array(0);
  private docs: Doc[] = [];
  private tailValues: number[] = [];
  private tailDocs: Doc[] = [];
  /** Whether a document holds more than one value of the field (it can then be found twice). */
  private multiValued = false;

  constructor(
    readonly field: string,
    visible: Iterable<Doc>,
  ) {
    for (const doc of visible) this.add(doc);
    this.merge();
  }

  add(doc: Doc): void {
    let values = 0;
    doc.fields.some(this.field, (value) => {
      if (typeof value === 'number') {
        this.tailValues.push(value);
        this.tailDocs.push(doc);
        values += 1;
      }
      return false;
    });
    if (values > 1) this.multiValued = true;
    if (this.tailValues.length > Math.max(MIN_TAIL, this.values.length / 8)) this.merge();
  }

  /** The documents with a value in the bounds (each once), in no particular order. */
  between(bounds: RangeBounds): Doc[] {
    const inside = (value: number) => (bounds.lowOpen ? value > bounds.low : value >= bounds.low) && (bounds.highOpen ? value < bounds.high : value <= bounds.high);
    const found: Doc[] = [];
    for (let i = this.first(bounds.low, bounds.lowOpen); i < this.values.length && inside(this.values[i] as number); i += 1) found.push(this.docs[i] as Doc);
    for (let i = 0; i < this.tailValues.length; i += 1) if (inside(this.tailValues[i] as number)) found.push(this.tailDocs[i] as Doc);
    return this.multiValued ? [...new Set(found)] : found;
  }

  /** The first position whose value is above low (open) or at least low (closed). */
  private first(low: number, open: boolean): number {
    let lo = 0;
    let hi = this.values.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const value = this.values[mid] as number;
      if (open ? value <= low : value < low) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private merge(): void {
    if (this.tailValues.length === 0) return;
    const order = this.tailValues.map((_, i) => i).sort((a, b) => (this.tailValues[a] as number) - (this.tailValues[b] as number));
    const values = new Float64Array(this.values.length + order.length);
    const docs: Doc[] = new Array(values.length);
    let i = 0;
    let j = 0;
    for (let k = 0; k < values.length; k += 1) {
      const tail = order[j];
      if (i < this.values.length && (tail === undefined || (this.values[i] as number) <= (this.tailValues[tail] as number))) {
        values[k] = this.values[i] as number;
        docs[k] = this.docs[i] as Doc;
        i += 1;
      } else {
        values[k] = this.tailValues[tail as number] as number;
        docs[k] = this.tailDocs[tail as number] as Doc;
        j += 1;
      }
    }
    this.values = values;
    this.docs = docs;
    this.tailValues = [];
    this.tailDocs = [];
  }
}
