import type { EmulatedNode } from '../emulated-node.js';
import { resourceNotFound } from '../errors.js';
import { ok, type Reply, type Request, type Route } from '../router.js';
import { checkedScript, renderTemplate, templateOf } from '../search-templates.js';
import type { Json } from '../store.js';
import { multiSearch, searchRequest } from './search.js';

/** Stored scripts (search templates only) and the search template APIs (`search-templates.ts`). */
export function searchTemplateRoutes(route: Route, node: EmulatedNode): void {
  const c = node.cluster;
  route(['PUT', 'POST'], '/_scripts/{id}', (request) => {
    c.scripts.set(request.params.id as string, checkedScript(request.json));
    c.journal?.meta();
    return ok({ acknowledged: true });
  }, { bodyRequired: true });
  route('GET', '/_scripts/{id}', (request) => {
    const id = request.params.id as string;
    const script = c.scripts.get(id);
    return script === undefined ? { status: 404, body: { _id: id, found: false } } : ok({ _id: id, found: true, script });
  });
  route('DELETE', '/_scripts/{id}', (request) => {
    const id = request.params.id as string;
    if (!c.scripts.delete(id)) throw resourceNotFound(`stored script [${id}] does not exist`);
    c.journal?.meta();
    return ok({ acknowledged: true });
  });
  const rendered = (body: Json, id?: string): Json => renderTemplate(templateOf(body, c.scripts, id), (body.params ?? {}) as Json);
  const render = (request: Request): Reply => ok({ template_output: rendered(request.json, request.params.id) });
  route(['GET', 'POST'], '/_render/template', render);
  route(['GET', 'POST'], '/_render/template/{id}', render);
  const searchTemplate = (request: Request): Reply => {
    const body = rendered(request.json);
    if (request.json.explain === true) body.explain = true;
    if (request.json.profile === true) body.profile = true;
    return ok(searchRequest(node, { ...request, json: body }));
  };
  route(['GET', 'POST'], '/_search/template', searchTemplate, { bodyRequired: true });
  route(['GET', 'POST'], '/{index}/_search/template', searchTemplate, { bodyRequired: true });
  route(['GET', 'POST'], '/_msearch/template', (request) => multiSearch(node, request, (body) => rendered(body)), { ndjson: true, bodyRequired: true });
  route(['GET', 'POST'], '/{index}/_msearch/template', (request) => multiSearch(node, request, (body) => rendered(body)), { ndjson: true, bodyRequired: true });
}
