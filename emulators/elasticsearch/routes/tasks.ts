import { CAT_COLUMNS } from '../cat-columns.js';
import { type EmulatedNode, NODE_NAME, NODE_ROLES } from '../emulated-node.js';
import { badRequest, resourceNotFound } from '../errors.js';
import { matchesPattern } from '../glob.js';
import { catReply, ok, type Reply, type Request, type Route, truthy } from '../router.js';
import type { Json } from '../store.js';

/**
 * The task management API. A task here runs to its end before any other request is answered, so the only task
 * that runs while tasks are listed is the listing itself, which Elasticsearch shows too; the results of tasks run
 * with `wait_for_completion=false` are kept and found by id (`tasks.ts`).
 */
export function taskRoutes(route: Route, node: EmulatedNode): void {
  route('GET', '/_tasks', (request) => ok(listTasks(node, request.query)));
  route('GET', '/_tasks/{id}', (request) => {
    const id = request.params.id as string;
    if (!/^[^:]+:\d+$/.test(id)) throw badRequest(`malformed task id ${id}`);
    const stored = node.tasks.result(id);
    if (stored === undefined) throw resourceNotFound(`task [${id}] isn't running and hasn't stored its results`);
    return ok(stored);
  });
  route('POST', '/_tasks/_cancel', () => ok({ nodes: {} }));
  route('GET', '/_cat/tasks', (request) => {
    const rows = listingTasks(node, request.query).map((task) => {
      const started = new Date(task.start_time_in_millis);
      return { action: task.action, task_id: `${task.node}:${task.id}`, parent_task_id: '-', type: task.type, start_time: String(task.start_time_in_millis), timestamp: started.toISOString().slice(11, 19), running_time: '0s', running_time_ns: '0', node_id: task.node, ip: '127.0.0.1', port: '9300', node: NODE_NAME };
    });
    return catReply(request, rows, CAT_COLUMNS.tasks);
  });
}

/** The task that lists tasks, which is all that runs while they are listed, if `actions` asks for it. */
function listingTasks(node: EmulatedNode, query: Record<string, string>): Array<{ node: string; id: number; type: string; action: string; start_time_in_millis: number } & Json> {
  const id = node.tasks.nextId();
  const action = 'cluster:monitor/tasks/lists';
  const wanted = query.actions?.split(',');
  if (wanted !== undefined && !wanted.some((pattern) => matchesPattern(pattern, action))) return [];
  return [{ node: node.nodeId, id, type: 'transport', action, ...(truthy(query.detailed) ? { description: '' } : {}), start_time_in_millis: Date.now(), running_time_in_nanos: 0, cancellable: false, headers: {} }];
}

function listTasks(node: EmulatedNode, query: Record<string, string>): Json {
  const tasks = listingTasks(node, query);
  if (query.group_by === 'none') return { tasks };
  if (query.group_by === 'parents') return { tasks: Object.fromEntries(tasks.map((each) => [`${node.nodeId}:${each.id}`, each])) };
  if (query.group_by !== undefined && query.group_by !== 'nodes') throw badRequest(`failed to parse [group_by]: no such value [${query.group_by}], expected one of [nodes, parents, none]`);
  if (tasks.length === 0) return { nodes: {} };
  return { nodes: { [node.nodeId]: { name: NODE_NAME, transport_address: '127.0.0.1:9300', host: '127.0.0.1', ip: '127.0.0.1:9300', roles: NODE_ROLES, attributes: {}, tasks: Object.fromEntries(tasks.map((each) => [`${node.nodeId}:${each.id}`, each])) } } };
}

/**
 * A request that may run as a task: with `wait_for_completion=false` it runs to its end all the same, its result is
 * kept under a task id (`tasks.ts`), and the answer is that id; otherwise it answers as usual. A request refused
 * before it starts is refused either way.
 */
export async function asTask(node: EmulatedNode, request: Request, action: string, description: string, run: () => Reply | Promise<Reply>): Promise<Reply> {
  if (request.query.wait_for_completion !== 'false') return run();
  const started = Date.now();
  const reply = await run();
  return ok({ task: node.tasks.record(action, description, started, (reply.body ?? {}) as Json) });
}
