import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@elastic/elasticsearch';
import type { Logger } from '../../shared/logging.js';
import { backoffMs } from '../../shared/backoff.js';

/**
 * Sluice's bulk indexer. The client's own helper (`client.helpers.bulk`) is not used: it reports each
 * document only through onDrop/onSuccess callbacks without a way to tie them back to Kafka offsets, it retries
 * only 429 items and a fixed number of times, and on a failed request (connection refused, 503) it gives up
 * instead of waiting, so it cannot keep the promise "commit only what Elasticsearch acknowledged".
 *
 * Each document added gets a promise of its outcome. Requests are flushed by bytes, by documents and by time,
 * at most `concurrency` at once. A whole request that fails (connection refused, 429, 5xx, …) is retried
 * without limit, with exponential backoff and jitter; items answered 429 or 5xx are retried up to
 * `maxRetries` times; any other item error (a mapping error, 400) is final at once.
 */

/**
 * A request is sent once it holds this much, when `maxBytes` is larger: a backlog then goes to Elasticsearch in
 * slices, each indexed while the worker makes the next (the worker lets the event loop write a request as
 * soon as add() says one was sent). Made in one go, a fetch's documents all waited for the end of the fetch,
 * then the worker waited for them with nothing to do: in the sustained benchmark 26–29 % of the two cores
 * stayed idle. 250 KB to 1 MB gave rates within one spread there (2 MB less). At a steady few events a fetch
 * never reaches it, and stays one request.
 */
const SLICE_BYTES = 512 * 1024;
/** The longest wait between two attempts at a request or an item. */
const MAX_BACKOFF_MS = 10_000;

/**
 * What the indexer reads of a bulk answer, as Beats asks for it: each item's status and error. The full
 * items (index, id, version, shards, sequence numbers) are several times larger, and Elasticsearch
 * serialising them and the worker reading them back cost both sides CPU per document for nothing.
 */
export const BULK_ANSWER = 'errors,items.*.status,items.*.error';

export type ItemOutcome = { result: 'indexed' } | { result: 'duplicate' } | { result: 'failed'; reason: string };

/** A group of documents that can be abandoned together (one Kafka batch): they are then neither sent nor retried. */
export interface Ticket {
  abandoned: boolean;
}

/**
 * Where the outcomes of a group of documents go (one Kafka batch), by the slot each was added with: one
 * object per group rather than a promise and its callbacks per document.
 */
export interface OutcomeSink {
  /** Elasticsearch has answered for the document for good. */
  settle(slot: number, outcome: ItemOutcome): void;
  /** The document was given up before that: its group was abandoned, or the indexer closed. */
  abandon(slot: number): void;
}

export interface BulkIndexerOptions {
  maxBytes: number;
  maxDocs: number;
  flushIntervalMs: number;
  concurrency: number;
  maxRetries: number;
  /** The worker's in-flight bound: how much encoded memory it may keep for reuse. */
  maxInflightBytes: number;
  logger: Logger;
  /** A request ended: its time, size and whether Elasticsearch answered at all. */
  onRequest?(seconds: number, documents: number, bytes: number, answered: boolean): void;
  /** Documents of `topic` sent again: one item answered 429/5xx, or all of a request that failed whole. */
  onRetry?(kind: 'item' | 'request', topic: string, documents: number): void;
  /** Elasticsearch stopped (true) or started again (false) answering bulk requests. */
  onStall?(stalled: boolean): void;
}

interface Pending {
  /** The Kafka topic the document came from, for the metrics. */
  topic: string;
  /** The action line and the document, each ending in a newline, in UTF-8 as they go into the request body. */
  operation: Operation;
  attempts: number;
  ticket: Ticket;
  sink: OutcomeSink;
  slot: number;
  /** Settled or abandoned: its sink has heard of it and its bytes are released, once. */
  done: boolean;
}

interface BulkItemResponse {
  status: number;
  error?: { type?: string; reason?: string; caused_by?: { reason?: string } };
}

export class BulkIndexer {
  private buffer: Pending[] = [];
  private bufferBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly waiting: Pending[][] = [];
  private active = 0;
  private stalled = false;
  private flushScheduled = false;
  private readonly closing = new AbortController();
  /** Items waiting out their backoff before they are sent again. */
  private readonly retrying = new Map<Pending[], NodeJS.Timeout>();
  private readonly writer: OperationWriter;
  private readonly actionPrefixes = new Map<string, string>();
  /** What a request holds at most before it is sent. */
  private readonly requestBytes: number;

  constructor(
    private readonly es: Client,
    private readonly options: BulkIndexerOptions,
  ) {
    this.requestBytes = Math.min(options.maxBytes, SLICE_BYTES);
    // Room for two requests: a request spans two chunks (and is copied together) only when one runs out.
    const chunkBytes = 2 * Math.max(this.requestBytes, 64 * 1024);
    // Encoded documents are at most half of what the in-flight bound counts (it counts the messages too).
    this.writer = new OperationWriter(chunkBytes, Math.max(2, Math.floor(options.maxInflightBytes / 2 / chunkBytes)));
  }

  /**
   * Queues one `create` of a document; `sink` hears of it under `slot` when Elasticsearch has answered for good.
   * True when this sent what was buffered (a limit reached, or the writer moved to a new chunk).
   */
  add(index: string, id: string, source: string, ticket: Ticket, topic: string, sink: OutcomeSink, slot: number): boolean {
    const operation = this.writer.write(`${this.actionPrefix(index)}${JSON.stringify(id)}}}\n`, source);
    // The writer moved to a new chunk: what is buffered goes now, so that a request never spans two chunks
    // (joining them was a copy of megabytes into memory touched for the first time, every few requests).
    const sent = this.buffer.length > 0 && (this.buffer[this.buffer.length - 1] as Pending).operation.chunk !== operation.chunk && this.flush();
    return this.enqueue({ topic, operation, attempts: 0, ticket, sink, slot, done: false }) || sent;
  }

  /** `{"create":{"_index":"…","_id":` for an index: a worker writes to a few indices, so it is built once each. */
  private actionPrefix(index: string): string {
    let prefix = this.actionPrefixes.get(index);
    if (prefix === undefined) this.actionPrefixes.set(index, (prefix = `{"create":{"_index":${JSON.stringify(index)},"_id":`));
    return prefix;
  }

  private settle(item: Pending, outcome: ItemOutcome): void {
    if (item.done) return;
    item.done = true;
    this.writer.release(item.operation);
    item.sink.settle(item.slot, outcome);
  }

  private abandon(item: Pending): void {
    if (item.done) return;
    item.done = true;
    this.writer.release(item.operation);
    item.sink.abandon(item.slot);
  }

  /** Sends what is buffered now, without waiting for the size or time limit; false when nothing was. */
  flush(): boolean {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0) return false;
    this.waiting.push(this.buffer);
    this.buffer = [];
    this.bufferBytes = 0;
    this.pump();
    return true;
  }

  /**
   * Flushes once the current turn of the event loop ends, so that the Kafka batches handled in the same turn
   * (one fetch's worth) share bulk requests instead of sending one small request each.
   */
  flushSoon(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** Stops every wait and retry: what is not acknowledged yet is abandoned (its sink hears so). */
  abandonAll(): void {
    this.closing.abort();
    clearTimeout(this.timer);
    for (const timer of this.retrying.values()) clearTimeout(timer);
    for (const item of [...this.buffer, ...this.waiting.flat(), ...[...this.retrying.keys()].flat()]) this.abandon(item);
    this.buffer = [];
    this.waiting.length = 0;
    this.retrying.clear();
  }

  /** True when the item's arrival sent what was buffered (a size or count limit reached). */
  private enqueue(item: Pending): boolean {
    if (this.closing.signal.aborted) {
      this.abandon(item);
      return false;
    }
    this.buffer.push(item);
    this.bufferBytes += item.operation.end - item.operation.start;
    if (this.bufferBytes >= this.requestBytes || this.buffer.length >= this.options.maxDocs) return this.flush();
    this.timer ??= setTimeout(() => this.flush(), this.options.flushIntervalMs);
    return false;
  }

  private pump(): void {
    while (this.active < this.options.concurrency && this.waiting.length > 0) {
      const items = this.waiting.shift() as Pending[];
      this.active += 1;
      void this.send(items).finally(() => {
        this.active -= 1;
        this.pump();
      });
    }
  }

  private countRetries(kind: 'item' | 'request', items: Pending[]): void {
    if (this.options.onRetry === undefined) return;
    for (const [topic, documents] of countByTopic(items)) this.options.onRetry(kind, topic, documents);
  }

  private setStalled(stalled: boolean): void {
    if (stalled === this.stalled) return;
    this.stalled = stalled;
    this.options.onStall?.(stalled);
  }

  private async send(batch: Pending[]): Promise<void> {
    let items = batch;
    for (let attempt = 1; ; attempt += 1) {
      items = items.filter((item) => {
        if (!item.ticket.abandoned) return true;
        this.abandon(item);
        return false;
      });
      if (items.length === 0) return;
      const body = requestBody(items);
      const bytes = body.length;
      const started = performance.now();
      let answer: { items: Array<Record<string, BulkItemResponse>> };
      try {
        // The body is sent as the bytes it is: the client passes a Buffer through (it serialises only objects).
        answer = (await this.es.bulk({ operations: body as unknown as [], filter_path: BULK_ANSWER }, { maxRetries: 0, signal: this.closing.signal })) as unknown as typeof answer;
      } catch (error) {
        this.options.onRequest?.((performance.now() - started) / 1000, items.length, bytes, false);
        if (this.closing.signal.aborted) {
          for (const item of items) this.abandon(item);
          return;
        }
        this.setStalled(true);
        this.countRetries('request', items);
        const wait = backoffMs(attempt - 1, MAX_BACKOFF_MS);
        this.options.logger.warn({ err: describe(error), documents: items.length, attempt, retryInMs: Math.round(wait) }, 'bulk request failed; retrying');
        try {
          await sleep(wait, undefined, { signal: this.closing.signal });
        } catch {
          for (const item of items) this.abandon(item);
          return;
        }
        continue;
      }
      this.options.onRequest?.((performance.now() - started) / 1000, items.length, bytes, true);
      this.setStalled(false);
      this.settleRequest(items, answer.items);
      return;
    }
  }

  private settleRequest(items: Pending[], answers: Array<Record<string, BulkItemResponse>>): void {
    const retry: Pending[] = [];
    items.forEach((item, i) => {
      const answer = answers[i]?.create;
      if (answer === undefined) this.settle(item, { result: 'failed', reason: 'Elasticsearch returned no result for this document' });
      else if (answer.status === 200 || answer.status === 201) this.settle(item, { result: 'indexed' });
      else if (answer.status === 409) this.settle(item, { result: 'duplicate' });
      else if (answer.status === 429 || answer.status >= 500) {
        item.attempts += 1;
        if (item.attempts > this.options.maxRetries) this.settle(item, { result: 'failed', reason: `${answer.status} ${errorText(answer)}, still after ${this.options.maxRetries} retries` });
        else retry.push(item);
      } else this.settle(item, { result: 'failed', reason: `${answer.status} ${errorText(answer)}` });
    });
    if (retry.length === 0) return;
    // One wait for the items of one request, by the attempts of the most retried among them.
    const attempts = Math.max(...retry.map((item) => item.attempts));
    this.countRetries('item', retry);
    const timer = setTimeout(() => {
      this.retrying.delete(retry);
      for (const item of retry) this.enqueue(item);
      this.flush();
    }, backoffMs(attempts - 1, MAX_BACKOFF_MS));
    this.retrying.set(retry, timer);
  }
}

function countByTopic(items: Pending[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item.topic, (counts.get(item.topic) ?? 0) + 1);
  return counts;
}

function errorText(answer: BulkItemResponse): string {
  const error = answer.error;
  if (error === undefined) return 'error';
  return `${error.type ?? 'error'}: ${error.reason ?? ''}${error.caused_by?.reason === undefined ? '' : ` (${error.caused_by.reason})`}`;
}

function describe(error: unknown): string {
  const meta = (error as { meta?: { statusCode?: number } }).meta;
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return meta?.statusCode === undefined ? message : `${meta.statusCode} ${message}`;
}

const SPARE_CHUNKS_IDLE_MS = 10_000;

/** A buffer that operations are written into, reused once none of them is waiting any more. */
interface Chunk {
  bytes: Buffer;
  /** Operations written into it that are not finished yet. */
  live: number;
}

/** An operation's bytes: where they lie in their chunk (offsets, not a view: one object less per document). */
export interface Operation {
  chunk: Chunk;
  start: number;
  end: number;
}

/** The bytes of an operation, as a view of its chunk. */
export function operationBytes(operation: Operation): Buffer {
  return operation.chunk.bytes.subarray(operation.start, operation.end);
}

/**
 * Encodes operations into large chunks, each operation a range of its chunk. A request whose operations were
 * written one after the other (the usual case) is then one view of one chunk, sent without a copy: the
 * client's own way, joining strings and measuring and encoding the joined text, cost the worker about a tenth
 * of its CPU. Chunks are reused once every operation in them has finished, because writing into memory the
 * process has never touched costs about eight times as much here (page faults) as writing into reused memory.
 */
export class OperationWriter {
  /** None until the first write, so that an idle worker holds none. */
  private current: Chunk = { bytes: Buffer.alloc(0), live: 0 };
  private used = 0;
  private readonly free: Chunk[] = [];
  /**
   * Spare chunks are dropped once no new chunk has been started for a while (a worker that fills less than a
   * chunk in that time has no use for them), so that an idle worker gives the memory back. Refreshed per chunk:
   * refreshing the timer per write cost 0.5 µs of each document (55 ms in a profile of 100 000), 1 % of a worker.
   */
  private readonly trim = setTimeout(() => (this.free.length = 0), SPARE_CHUNKS_IDLE_MS).unref();

  constructor(
    private readonly chunkBytes: number,
    /** As many as the in-flight bound allows, so that a backlog cycles through the same memory. */
    private readonly maxSpare: number,
  ) {}

  write(action: string, source: string): Operation {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8; the newline after the document one.
    const most = (action.length + source.length) * 3 + 1;
    if (this.current.bytes.length - this.used < most) this.nextChunk(most);
    const chunk = this.current;
    const start = this.used;
    this.used += chunk.bytes.write(action, start, 'utf8');
    this.used += chunk.bytes.write(source, this.used, 'utf8');
    chunk.bytes[this.used] = 0x0a;
    this.used += 1;
    chunk.live += 1;
    return { chunk, start, end: this.used };
  }

  /** The operation has finished (acknowledged, failed for good or abandoned): its bytes may be overwritten. */
  release(operation: Operation): void {
    const chunk = operation.chunk;
    chunk.live -= 1;
    if (chunk.live === 0 && chunk !== this.current) this.recycle(chunk);
  }

  /** A document larger than a chunk had one of its own, which is not kept. */
  private recycle(chunk: Chunk): void {
    if (chunk.bytes.length === this.chunkBytes && this.free.length < this.maxSpare) this.free.push(chunk);
  }

  private nextChunk(most: number): void {
    this.trim.refresh();
    if (this.current.live === 0) this.recycle(this.current);
    const spare = most <= this.chunkBytes ? this.free.pop() : undefined;
    this.current = spare ?? { bytes: Buffer.allocUnsafe(Math.max(this.chunkBytes, most)), live: 0 };
    this.used = 0;
  }
}

/** The NDJSON body of a request: one view when its operations lie next to each other in one chunk. */
function requestBody(items: Pending[]): Buffer {
  const first = (items[0] as Pending).operation;
  let end = first.end;
  for (let i = 1; i < items.length; i += 1) {
    const operation = (items[i] as Pending).operation;
    if (operation.chunk !== first.chunk || operation.start !== end) return Buffer.concat(items.map((item) => operationBytes(item.operation)));
    end = operation.end;
  }
  return first.chunk.bytes.subarray(first.start, end);
}
