/**
 * The async search API (`_async_search`), which Kibana's Discover and dashboards search through by default. A
 * search here always completes before it answers, so it is never partial nor running; with `keep_on_completion`
 * its answer is kept under an id until `keep_alive` passes, for GET, status and DELETE, as Elasticsearch keeps it.
 */
import { randomBytes } from 'node:crypto';
import { parseTimeValue } from '../../shared/time-value.js';
import { badRequest, resourceNotFound } from './errors.js';
import type { Json } from './store.js';

interface Kept {
  response: Json;
  started: number;
  completed: number;
  expires: number;
}

/** Elasticsearch's default `keep_alive` of an async search: five days. */
const DEFAULT_KEEP_ALIVE_MS = 5 * 24 * 3_600_000;

export class AsyncSearches {
  private readonly kept = new Map<string, Kept>();

  /** Answers a search that ran as `_async_search` submits it; kept when `keep_on_completion` asks. */
  submit(query: Record<string, string | undefined>, started: number, run: () => Json, now: number): Json {
    if (query.scroll !== undefined) throw badRequest('[scroll] is not supported in an async search; use a point in time');
    const keepAlive = query.keep_alive === undefined ? DEFAULT_KEEP_ALIVE_MS : parseTimeValue(query.keep_alive);
    if (keepAlive === undefined || keepAlive < 1000) throw badRequest(`[keep_alive] must be greater than 1 second, got: ${query.keep_alive ?? ''}`);
    const response = run();
    const entry: Kept = { response, started, completed: now, expires: now + keepAlive };
    if (query.keep_on_completion !== 'true') return this.render(undefined, entry);
    const id = randomBytes(24).toString('base64url');
    this.kept.set(id, entry);
    return this.render(id, entry);
  }

  get(id: string, now: number): Json {
    return this.render(id, this.find(id, now));
  }

  /** `_async_search/status/<id>`: how the kept search ended, without its hits. */
  status(id: string, now: number): Json {
    const entry = this.find(id, now);
    const { _shards: shards } = entry.response as { _shards?: Json };
    return { id, is_running: false, is_partial: false, start_time_in_millis: entry.started, expiration_time_in_millis: entry.expires, completion_time_in_millis: entry.completed, ...(shards === undefined ? {} : { _shards: shards }), completion_status: 200 };
  }

  delete(id: string, now: number): Json {
    this.find(id, now);
    this.kept.delete(id);
    return { acknowledged: true };
  }

  private find(id: string, now: number): Kept {
    const entry = this.kept.get(id);
    if (entry !== undefined && entry.expires <= now) this.kept.delete(id);
    if (entry === undefined || entry.expires <= now) throw resourceNotFound(id);
    return entry;
  }

  private render(id: string | undefined, entry: Kept): Json {
    return { ...(id === undefined ? {} : { id }), is_partial: false, is_running: false, start_time_in_millis: entry.started, expiration_time_in_millis: entry.expires, completion_time_in_millis: entry.completed, response: entry.response };
  }
}
