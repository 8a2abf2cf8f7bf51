import { randomBytes } from 'node:crypto';

/**
 * Integers an answer must carry digit for digit where a JavaScript number cannot: Long.MAX_VALUE and
 * Long.MIN_VALUE, which Elasticsearch writes as the sort value of a document missing a long or date field,
 * the largest unsigned long, and nanosecond sort values past 2^53. JSON.stringify writes an ExactInteger as a marker string (its toJSON), and
 * `withExactIntegers` turns the markers back into the bare digits. The marker holds a random nonce, so no
 * stored string can pass for one.
 */
const MARKER = `@exact-integer:${randomBytes(8).toString('hex')}:`;
const MARKED = new RegExp(`"${MARKER}(-?\\d+)"`, 'g');

/** How many markers JSON.stringify has written; a payload needs mending only when it moved while it was written. */
let markersWritten = 0;

export class ExactInteger {
  constructor(readonly digits: string) {}

  toJSON(): string {
    markersWritten += 1;
    return `${MARKER}${this.digits}`;
  }
}

/** The count to hand `withExactIntegers` after serialising. */
export function exactIntegersWritten(): number {
  return markersWritten;
}

/** JSON (or YAML with double-quoted strings) written since `before`, each marker replaced by its digits. */
export function withExactIntegers(text: string, before: number): string {
  return markersWritten === before ? text : text.replace(MARKED, '$1');
}
