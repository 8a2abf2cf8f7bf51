import { randomBytes } from 'node:crypto';
import { parseTimeValue } from '../../shared/time-value.js';
import { badRequest, EsError } from './errors.js';
import type { PreparedSearch, Target } from './search.js';

/** `search.max_open_scroll_context`, and a like bound on points in time, so a leaking client cannot exhaust memory. */
const MAX_OPEN_CONTEXTS = 500;

interface Scroll {
  prepared: PreparedSearch;
  position: number;
  size: number;
  shards: number;
  expiresAt: number;
}

interface PointInTime {
  targets: Target[];
  expiresAt: number;
}

function keepAlive(text: string | undefined, name: string): number {
  const ms = text === undefined ? undefined : parseTimeValue(text);
  if (ms === undefined) throw badRequest(`failed to parse setting [${name}] with value [${text ?? ''}] as a time value: unit is missing or unrecognized`);
  return ms;
}

function missing(id: string): EsError {
  return new EsError(404, 'search_context_missing_exception', `No search context found for id [${id}]`);
}

/** URL-safe base64, as Elasticsearch encodes scroll and point-in-time ids: a client may put one in a URL's path. */
function newId(): string {
  return randomBytes(30).toString('base64url');
}

/**
 * Scroll cursors and points in time: each keeps what its search saw (the sorted hits of a scroll, the
 * documents of a point in time) until its keep-alive runs out or it is cleared, as on a real node.
 */
export class SearchContexts {
  private readonly scrolls = new Map<string, Scroll>();
  private readonly pits = new Map<string, PointInTime>();

  private expire(): void {
    const now = Date.now();
    for (const [id, scroll] of this.scrolls) if (scroll.expiresAt <= now) this.scrolls.delete(id);
    for (const [id, pit] of this.pits) if (pit.expiresAt <= now) this.pits.delete(id);
  }

  openScroll(prepared: PreparedSearch, size: number, shards: number, keep: string): string {
    this.expire();
    if (this.scrolls.size >= MAX_OPEN_CONTEXTS) {
      throw new EsError(429, 'es_rejected_execution_exception', `Trying to create too many scroll contexts. Must be less than or equal to: [${MAX_OPEN_CONTEXTS}]. This limit can be set by changing the [search.max_open_scroll_context] setting.`);
    }
    const id = newId();
    this.scrolls.set(id, { prepared, position: size, size, shards, expiresAt: Date.now() + keepAlive(keep, 'scroll') });
    return id;
  }

  /** The next page of a scroll; its keep-alive restarts when given. */
  nextPage(id: string, keep: string | undefined): { prepared: PreparedSearch; from: number; size: number; shards: number } {
    this.expire();
    const scroll = this.scrolls.get(id);
    if (scroll === undefined) throw missing(id);
    if (keep !== undefined) scroll.expiresAt = Date.now() + keepAlive(keep, 'scroll');
    const from = scroll.position;
    scroll.position += scroll.size;
    return { prepared: scroll.prepared, from, size: scroll.size, shards: scroll.shards };
  }

  clearScrolls(ids: string[] | 'all'): number {
    this.expire();
    if (ids === 'all') {
      const freed = this.scrolls.size;
      this.scrolls.clear();
      return freed;
    }
    return ids.filter((id) => this.scrolls.delete(id)).length;
  }

  openPit(targets: Target[], keep: string | undefined): string {
    if (keep === undefined) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: [keep_alive] is not specified;');
    this.expire();
    if (this.pits.size >= MAX_OPEN_CONTEXTS) throw new EsError(429, 'es_rejected_execution_exception', `Trying to create too many point in time contexts. Must be less than or equal to: [${MAX_OPEN_CONTEXTS}].`);
    const id = newId();
    this.pits.set(id, { targets, expiresAt: Date.now() + keepAlive(keep, 'keep_alive') });
    return id;
  }

  pit(id: string, keep: string | undefined): Target[] {
    this.expire();
    const pit = this.pits.get(id);
    if (pit === undefined) throw missing(id);
    if (keep !== undefined) pit.expiresAt = Date.now() + keepAlive(keep, 'keep_alive');
    return pit.targets;
  }

  closePit(id: string): boolean {
    this.expire();
    return this.pits.delete(id);
  }
}
