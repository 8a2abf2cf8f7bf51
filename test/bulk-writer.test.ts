import { describe, expect, it } from 'vitest';
import { operationBytes, OperationWriter, type Operation } from '../services/ingest/bulk-indexer.js';

// The bulk indexer writes each operation into a shared chunk and reuses a chunk once all of its operations
// have finished. A chunk reused too early would send one document's bytes in place of another's.

const text = (operation: Operation) => operationBytes(operation).toString('utf8');
const action = (id: string) => `{"create":{"_index":"logs","_id":"${id}"}}\n`;

describe('operation writer', () => {
  it('encodes the action and the document as UTF-8 lines, whatever their characters', () => {
    const writer = new OperationWriter(1024, 2);
    const source = JSON.stringify({ city: 'São Paulo', title: '🎬 take two', quote: 'a "b" c' });
    const operation = writer.write(action('1'), source);
    expect(operationBytes(operation).equals(Buffer.from(`${action('1')}${source}\n`, 'utf8'))).toBe(true);
  });

  it('reuses a chunk only after every operation in it has finished', () => {
    // 75 characters an operation, 3 × that reserved: a 350-byte chunk holds two of them.
    const writer = new OperationWriter(350, 2);
    const source = (n: number) => JSON.stringify({ n, pad: 'x'.repeat(20) });
    const expected = new Map<Operation, string>();
    const write = (n: number) => {
      const operation = writer.write(action(String(n)), source(n));
      expected.set(operation, `${action(String(n))}${source(n)}\n`);
      return operation;
    };
    const [a, b] = [write(1), write(2)];
    expect(a.chunk).toBe(b.chunk);
    const c = write(3);
    expect(c.chunk).not.toBe(a.chunk);
    writer.release(a); // b still waits: its chunk must not be written over
    write(4);
    const e = write(5);
    expect(e.chunk).not.toBe(a.chunk);
    writer.release(b); // now the first chunk is free
    const f = write(6);
    write(7);
    const g = write(8);
    expect([f.chunk, g.chunk]).toContain(a.chunk);
    for (const released of [a, b]) expected.delete(released);
    for (const [operation, bytes] of expected) expect(text(operation)).toBe(bytes);
  });

  it('gives a document larger than a chunk a buffer of its own', () => {
    const writer = new OperationWriter(256, 2);
    const big = JSON.stringify({ message: 'é'.repeat(500) });
    const operation = writer.write(action('big'), big);
    expect(text(operation)).toBe(`${action('big')}${big}\n`);
    expect(operation.chunk.bytes.length).toBeGreaterThan(256);
  });
});
