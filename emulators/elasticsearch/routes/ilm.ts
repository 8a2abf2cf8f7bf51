import type { EmulatedNode } from '../emulated-node.js';
import { badRequest, resourceNotFound } from '../errors.js';
import { matchesPattern } from '../glob.js';
import { explain, runLifecycle, validatePolicy } from '../ilm.js';
import { ok, type Reply, type Request, type Route } from '../router.js';

/** Index lifecycle management. */
export function ilmRoutes(route: Route, node: EmulatedNode): void {
  const c = node.cluster;
  route('PUT', '/_ilm/policy/{name}', (request) => {
    const name = request.params.name as string;
    const policy = validatePolicy(request.json);
    const existing = c.policies.get(name);
    c.policies.set(name, { policy, version: (existing?.version ?? 0) + 1, modifiedDate: c.now() });
    c.journal?.meta();
    return ok({ acknowledged: true });
  });
  const getPolicies = (request: Request): Reply => {
    const name = request.params.name;
    const found = [...c.policies].filter(([key]) => name === undefined || name.split(',').some((pattern) => matchesPattern(pattern, key)));
    if (name !== undefined && found.length === 0) throw resourceNotFound(`Lifecycle policy not found: [${name}]`);
    return ok(
      Object.fromEntries(
        found.map(([key, policy]) => [
          key,
          {
            version: policy.version,
            modified_date: new Date(policy.modifiedDate).toISOString(),
            policy: policy.policy,
            in_use_by: {
              indices: [...c.indices.values()].filter((index) => index.settings['index.lifecycle.name'] === key).map((index) => index.name),
              data_streams: [...c.dataStreams.values()].filter((stream) => c.indices.get(stream.indices.at(-1) as string)?.settings['index.lifecycle.name'] === key).map((stream) => stream.name),
              composable_templates: [...c.indexTemplates].filter(([, template]) => c.composeTemplate(template).settings['index.lifecycle.name'] === key).map(([templateName]) => templateName),
            },
          },
        ]),
      ),
    );
  };
  route('GET', '/_ilm/policy', getPolicies);
  route('GET', '/_ilm/policy/{name}', getPolicies);
  route('DELETE', '/_ilm/policy/{name}', (request) => {
    const name = request.params.name as string;
    if (!c.policies.has(name)) throw resourceNotFound(`Lifecycle policy not found: ${name}`);
    const users = [...c.indices.values()].filter((index) => index.settings['index.lifecycle.name'] === name).map((index) => index.name);
    if (users.length > 0) throw badRequest(`Cannot delete policy [${name}]. It is in use by one or more indices: [${users.join(', ')}]`);
    c.policies.delete(name);
    c.journal?.meta();
    return ok({ acknowledged: true });
  });
  route('GET', '/_ilm/status', () => ok({ operation_mode: c.ilmRunning ? 'RUNNING' : 'STOPPED' }));
  route('POST', '/_ilm/start', () => {
    c.ilmRunning = true;
    c.journal?.meta();
    return ok({ acknowledged: true });
  });
  route('POST', '/_ilm/stop', () => {
    c.ilmRunning = false;
    c.journal?.meta();
    return ok({ acknowledged: true });
  });
  route('GET', '/{index}/_ilm/explain', (request) => {
    const indices = c.resolve(request.params.index, { expandHidden: true });
    const only = request.query.only_managed === 'true' ? indices.filter((index) => index.settings['index.lifecycle.name']) : indices;
    return ok({ indices: Object.fromEntries(only.map((index) => [index.name, explain(c, index)])) });
  });
  route('POST', '/{index}/_ilm/remove', (request) => {
    for (const index of c.resolve(request.params.index, { expandHidden: true })) {
      delete index.settings['index.lifecycle.name'];
      index.ilm = undefined;
    }
    c.journal?.meta();
    return ok({ has_failures: false, failed_indexes: [] });
  });
  route('POST', '/{index}/_ilm/retry', (request) => {
    for (const index of c.resolve(request.params.index, { expandHidden: true })) if (index.ilm?.step === 'ERROR') index.ilm = { ...index.ilm, step: 'init', action: 'new' };
    runLifecycle(c);
    return ok({ acknowledged: true });
  });
}
