import type { Client, estypes } from '@elastic/elasticsearch';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { get } from '../../pipelines/ecs.js';

/**
 * The live tail. One poller per API process follows what the ingest service indexed, by `event.ingested`
 * (set by Elasticsearch when it takes the event: the log streams' final pipeline), in every
 * `logs-*-<namespace>` stream: whatever the number of ingest workers, every indexed event reaches every API
 * replica, however late it was sent, and nothing is added to the ingest path. Polls overlap by a few seconds
 * (an event stamped just before the refresh that shows it) and ids already sent are skipped. Each client has its own
 * filter, a bounded socket buffer and a rate: what does not fit is dropped and counted, never queued
 * without bound, and the client is told how many it missed; a slow client never slows another one.
 */

const filterValue = z.string({ error: 'expected a string' }).min(1, 'an empty value matches nothing');

/**
 * A list of values, or one value alone for a list of one (`"level": "error"`), as Elasticsearch takes a lone index
 * name. An empty list is refused: it would match no event, a silent tail, where a client more likely meant every value.
 */
function oneOrMore(max: number) {
  const list = z.array(filterValue, { error: 'expected a string or a list of strings' }).min(1, 'an empty list matches nothing; leave the field out to take every value').max(max, `at most ${max} values`);
  return z.preprocess((given) => (typeof given === 'string' ? [given] : given), list).optional();
}

export const tailFilterSchema = z.strictObject({
  type: z.literal('filter'),
  service: oneOrMore(50),
  level: oneOrMore(10),
  tags: oneOrMore(50),
  text: z.string().min(1).max(200).optional(),
});
export type TailFilter = Omit<z.infer<typeof tailFilterSchema>, 'type'>;

type Document = Record<string, unknown>;

const PAGE = 1000;
const SLICE = 50;

/**
 * Where free text is looked for, the tail's `text` and the search's `q`: each field, and the one a search matches
 * words on (a URL and a user agent are keyword-like fields; ECS's `.text` multi-fields, in ilm/, hold their words).
 */
export const FREE_TEXT = [
  { field: 'message', words: 'message' },
  { field: 'error.message', words: 'error.message' },
  { field: 'url.original', words: 'url.original.text' },
  { field: 'user_agent.original', words: 'user_agent.original.text' },
] as const;

export function matches(filter: TailFilter, document: Document): boolean {
  if (filter.service && !filter.service.includes(String(get(document, 'service.name')))) return false;
  if (filter.level && !filter.level.includes(String(get(document, 'log.level')))) return false;
  if (filter.tags) {
    const tags = get(document, 'tags');
    if (!Array.isArray(tags) || !filter.tags.some((tag) => tags.includes(tag))) return false;
  }
  if (filter.text) {
    const needle = filter.text.toLowerCase();
    const haystack = FREE_TEXT.map(({ field }) => String(get(document, field) ?? '')).join(' ').toLowerCase();
    if (!haystack.includes(needle)) return false;
  }
  return true;
}

export interface TailLimits {
  /** Bytes a client's socket may hold unsent before its events are dropped. */
  maxBufferedBytes: number;
  /** Events a client is sent per second at most. */
  maxEventsPerSecond: number;
}

export class TailClient {
  filter: TailFilter = {};
  missed = 0;
  private second = 0;
  private sentThisSecond = 0;

  constructor(
    readonly socket: WebSocket,
    private readonly limits: TailLimits,
    /** Told of each event dropped for this client (the metric counts them as they happen). */
    private readonly onDrop: () => void = () => undefined,
  ) {}

  private send(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  /** Tells the client what it missed, once its socket has room again. */
  flushMissed(): void {
    if (this.missed > 0 && this.socket.bufferedAmount <= this.limits.maxBufferedBytes) {
      this.send({ type: 'missed', count: this.missed });
      this.missed = 0;
    }
  }

  offer(id: string, document: Document, now: number): void {
    if (!matches(this.filter, document)) return;
    const second = Math.floor(now / 1000);
    if (second !== this.second) {
      this.second = second;
      this.sentThisSecond = 0;
    }
    if (this.socket.bufferedAmount > this.limits.maxBufferedBytes || this.sentThisSecond >= this.limits.maxEventsPerSecond) {
      this.missed += 1;
      this.onDrop();
      return;
    }
    this.flushMissed();
    this.sentThisSecond += 1;
    this.send({ type: 'event', id, event: document });
  }
}

export interface TailHubOptions extends TailLimits {
  namespace: string;
  pollMs: number;
  maxClients: number;
  /** How far back each poll looks again, for documents that became searchable late. */
  overlapMs?: number;
  /** Told of each event dropped for a slow or over-rate client. */
  onDrop?: () => void;
  now?: () => number;
}

export class TailHub {
  private readonly clients = new Set<TailClient>();
  private timer: NodeJS.Timeout | undefined;
  private cursor = 0;
  private readonly seen = new Map<string, number>();
  private polling: Promise<void> | undefined;

  constructor(
    private readonly es: Client,
    private readonly options: TailHubOptions,
  ) {}

  get size(): number {
    return this.clients.size;
  }

  /** A new client, or undefined when the hub is full. */
  join(socket: WebSocket): TailClient | undefined {
    if (this.clients.size >= this.options.maxClients) return undefined;
    const client = new TailClient(socket, this.options, this.options.onDrop);
    this.clients.add(client);
    if (this.timer === undefined) {
      this.cursor = this.now() - 2000;
      this.timer = setInterval(() => void this.poll(), this.options.pollMs);
    }
    return client;
  }

  leave(client: TailClient): void {
    this.clients.delete(client);
    if (this.clients.size === 0) this.stop();
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async close(): Promise<void> {
    this.stop();
    await this.polling;
    for (const client of this.clients) client.socket.close(1001, 'the API is stopping');
    this.clients.clear();
  }

  private poll(): Promise<void> {
    if (this.polling) return this.polling;
    this.polling = this.fetch()
      .catch(() => undefined)
      .finally(() => {
        this.polling = undefined;
      });
    return this.polling;
  }

  /**
   * Everything indexed since the cursor (less the overlap), page by page through a point in time (many events
   * may share one `event.ingested`). The pages carry ids only; the sources of the ones not seen yet are fetched
   * after, so the overlap costs ids, not documents.
   */
  private async fetch(): Promise<void> {
    const overlap = this.options.overlapMs ?? 3000;
    const index = `logs-*-${this.options.namespace}`;
    const pit = await this.es.openPointInTime({ index, keep_alive: '30s', ignore_unavailable: true });
    const from = this.cursor - overlap;
    const unseen: { _index: string; _id: string; ingested: number }[] = [];
    let after: estypes.SortResults | undefined;
    try {
      for (;;) {
        const response = await this.es.search({
          pit: { id: pit.id, keep_alive: '30s' },
          size: PAGE,
          _source: false,
          query: { range: { 'event.ingested': { gte: from, format: 'epoch_millis' } } },
          sort: [{ 'event.ingested': { order: 'asc', unmapped_type: 'date' } }],
          ...(after ? { search_after: after } : {}),
        });
        for (const hit of response.hits.hits) if (hit._id !== undefined && !this.seen.has(hit._id)) unseen.push({ _index: hit._index, _id: hit._id, ingested: Number(hit.sort?.[0]) });
        if (response.hits.hits.length < PAGE) break;
        after = response.hits.hits[response.hits.hits.length - 1]?.sort;
      }
    } finally {
      await this.es.closePointInTime({ id: pit.id }).catch(() => undefined);
    }
    for (let i = 0; i < unseen.length; i += PAGE) await this.deliver(unseen.slice(i, i + PAGE));
    for (const client of this.clients) client.flushMissed();
    for (const [id, at] of this.seen) if (at < this.cursor - 2 * overlap) this.seen.delete(id);
  }

  private async deliver(batch: { _index: string; _id: string; ingested: number }[]): Promise<void> {
    const response = await this.es.search<Document>({ index: [...new Set(batch.map((entry) => entry._index))].join(','), size: batch.length, query: { ids: { values: batch.map((entry) => entry._id) } } });
    const sources = new Map(response.hits.hits.map((hit) => [hit._id, hit._source]));
    for (let i = 0; i < batch.length; i += 1) {
      const { _id: id, ingested } = batch[i] as { _id: string; ingested: number };
      const source = sources.get(id);
      if (source === undefined || this.seen.has(id)) continue;
      this.seen.set(id, ingested);
      if (ingested > this.cursor) this.cursor = ingested;
      const now = this.now();
      for (const client of this.clients) client.offer(id, source, now);
      // Let the sockets drain between slices of a burst: a reading client keeps up, only a stalled one fills.
      if (i % SLICE === SLICE - 1) await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
