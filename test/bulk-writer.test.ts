import { afterEach, describe, expect, it, vi } from 'vitest';
import { BulkIndexer, operationBytes, OperationWriter, type Operation, type OutcomeSink } from '../services/ingest/bulk-indexer.js';
import { createLogger } from '../shared/logging.js';
import { startElasticsearch } from './support/elasticsearch.js';

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

  describe('spare chunks', () => {
    afterEach(() => vi.useRealTimers());
    // Chunks of 350 bytes hold two operations: 1 and 2 fill the first, 3 starts the second and 1 and 2 finish,
    // so the first is kept as a spare; 4 still fits in the second, 5 needs a chunk.
    const spareThenNext = (idleMs: number) => {
      vi.useFakeTimers();
      const writer = new OperationWriter(350, 2);
      const write = (n: number) => writer.write(action(String(n)), JSON.stringify({ n, pad: 'x'.repeat(20) }));
      const [a, b] = [write(1), write(2)];
      write(3);
      writer.release(a);
      writer.release(b);
      vi.advanceTimersByTime(idleMs);
      write(4);
      return { first: a.chunk.bytes, next: write(5).chunk.bytes };
    };

    it('are reused while chunks keep being started', () => {
      const { first, next } = spareThenNext(9_000);
      expect(next).toBe(first);
    });

    it('are dropped once no chunk has been started for 10 s, so that an idle worker gives the memory back', () => {
      const { first, next } = spareThenNext(10_001);
      expect(next).not.toBe(first);
    });
  });

  it('gives a document larger than a chunk a buffer of its own', () => {
    const writer = new OperationWriter(256, 2);
    const big = JSON.stringify({ message: 'é'.repeat(500) });
    const operation = writer.write(action('big'), big);
    expect(text(operation)).toBe(`${action('big')}${big}\n`);
    expect(operation.chunk.bytes.length).toBeGreaterThan(256);
  });
});

describe('bulk indexer', () => {
  /** 2 600 documents of about 1 KB through an indexer into the emulator; the request bodies as they were sent. */
  async function indexAll(maxBytes: number) {
    const { es, stop } = await startElasticsearch();
    try {
      const bodies: Buffer[] = [];
      // Each body is noted on its way; the real client still sends it to the emulator, which indexes it.
      const bulk = es.bulk.bind(es);
      Object.assign(es, { bulk: (params: { operations: unknown }, options: unknown) => (bodies.push(params.operations as Buffer), bulk(params as never, options as never)) });
      const indexer = new BulkIndexer(es, { maxBytes, maxDocs: 100_000, flushIntervalMs: 60_000, concurrency: 2, maxRetries: 1, maxInflightBytes: 128 * maxBytes, logger: createLogger('silent') });
      const outcomes: string[] = [];
      let settled = 0;
      let settle: () => void = () => undefined;
      const all = new Promise<void>((resolve) => (settle = resolve));
      const sink: OutcomeSink = {
        settle(slot, outcome) {
          outcomes[slot] = outcome.result;
          if ((settled += 1) === 2600) settle();
        },
        abandon: () => undefined,
      };
      const ticket = { abandoned: false };
      // add() says when it sent what was buffered (the ingest worker then lets the request be written).
      let signalled = 0;
      for (let i = 0; i < 2600; i += 1) if (indexer.add('logs-chunks', `d${i}`, JSON.stringify({ i, pad: 'x'.repeat(1000) }), ticket, 'logs', sink, i)) signalled += 1;
      expect(indexer.flush()).toBe(true);
      expect(indexer.flush()).toBe(false);
      await all;
      expect(signalled).toBe(bodies.length - 1);
      expect(outcomes.every((outcome) => outcome === 'indexed')).toBe(true);
      await es.indices.refresh({ index: 'logs-chunks' });
      expect((await es.count({ index: 'logs-chunks' })).count).toBe(2600);
      indexer.abandonAll();
      return bodies;
    } finally {
      await stop();
    }
  }

  it('sends each request as one view of one chunk: what is buffered goes before the writer moves to a new chunk', async () => {
    // Requests of 512 KB, chunks of 1 MB: 2 600 documents of about 1 KB (2.7 MB) make a request that reaches
    // the first chunk's end, which would span two chunks unless the indexer sends it there.
    const bodies = await indexAll(512 * 1024);
    const chunkBytes = 1024 * 1024;
    expect(bodies.length).toBeGreaterThan(1);
    // The writer moves on when an operation might not fit (3 bytes per character at worst, about 3 KB here).
    expect(bodies.some((body) => body.byteOffset + body.length > chunkBytes - 4 * 1024 && body.length < 512 * 1024)).toBe(true);
    // A view of a chunk shares the chunk's memory; a joined copy would have memory of its own size.
    for (const body of bodies) expect(body.buffer.byteLength).toBe(chunkBytes);
  });

  it('sends a backlog in slices of 512 KB even when SLUICE_BULK_MAX_BYTES allows more', async () => {
    const bodies = await indexAll(5 * 1024 * 1024);
    // The writer's chunks hold two requests of that size (1 MB), not two of SLUICE_BULK_MAX_BYTES.
    for (const body of bodies) expect(body.buffer.byteLength).toBe(1024 * 1024);
    const operationBytes = (bodies[0] as Buffer).length / ((bodies[0] as Buffer).toString().split('\n').length - 1) * 2;
    expect(bodies.length).toBeGreaterThanOrEqual(5);
    for (const body of bodies.slice(0, -1)) {
      expect(body.length).toBeLessThan(512 * 1024 + operationBytes);
      // Sent once it holds 512 KB, or earlier at the end of its chunk (the writer's next operation might not fit).
      if (body.length < 512 * 1024) expect(body.byteOffset + body.length).toBeGreaterThan(1024 * 1024 - 4 * 1024);
    }
  });
});
