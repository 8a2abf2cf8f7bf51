import type { Json } from './store.js';

/** What a by-query or reindex task reports as its status: its response's counts (BulkByScrollTask.Status). */
const STATUS_KEYS = ['total', 'updated', 'created', 'deleted', 'batches', 'version_conflicts', 'noops', 'retries', 'throttled_millis', 'requests_per_second', 'throttled_until_millis'];

/**
 * Task ids, and the results of the tasks a request asked to run in the background (`wait_for_completion=false`).
 * The emulator runs such a task to its end before it answers with the task's id, as its async search completes
 * before answering: `GET _tasks/<id>` then finds it completed with its response, as Elasticsearch finds a
 * finished task's result in its `.tasks` index. Results are kept in memory, until the emulator stops.
 */
export class Tasks {
  private lastId = 0;
  private readonly results = new Map<string, Json>();

  constructor(private readonly nodeId: string) {}

  nextId(): number {
    this.lastId += 1;
    return this.lastId;
  }

  /** Keeps a finished task's result; gives the id a client asks for it by. */
  record(action: string, description: string, started: number, response: Json): string {
    const id = this.nextId();
    const status = Object.fromEntries(STATUS_KEYS.filter((key) => key in response).map((key) => [key, response[key]]));
    const task = { node: this.nodeId, id, type: 'transport', action, status, description, start_time_in_millis: started, running_time_in_nanos: Math.round((Date.now() - started) * 1e6), cancellable: true, cancelled: false, headers: {} };
    const name = `${this.nodeId}:${id}`;
    this.results.set(name, { completed: true, task, response });
    return name;
  }

  result(name: string): Json | undefined {
    return this.results.get(name);
  }
}
