import type { EmulatedNode } from '../emulated-node.js';
import { resourceNotFound } from '../errors.js';
import { matchesPattern } from '../glob.js';
import { renderLegacyTemplate } from '../legacy-templates.js';
import { ok, type Reply, type Request, type Route, truthy } from '../router.js';
import { Cluster, type ComponentTemplate, type IndexTemplate, type Json, nestSettings } from '../store.js';

/** The templates a GET names (comma-separated, wildcards allowed); a plain name that matches none is a 404. */
function templatesNamed<T>(templates: Map<string, T>, name: string | undefined, kind: string): Array<[string, T]> {
  const found = [...templates].filter(([key]) => name === undefined || name.split(',').some((pattern) => matchesPattern(pattern, key)));
  if (name !== undefined && !name.includes('*') && found.length === 0) throw resourceNotFound(`${kind} matching [${name}] not found`);
  return found;
}

/** What the simulate APIs answer: a template as composed, and the other templates it overlaps. */
function simulation(composed: ReturnType<Cluster['composeTemplate']>, overlapping: Array<[string, IndexTemplate]>): Json {
  return { template: { settings: nestSettings(composed.settings), mappings: composed.mappings, aliases: composed.aliases }, overlapping: overlapping.map(([name, template]) => ({ name, index_patterns: template.index_patterns })) };
}

/** Index templates and component templates. */
export function templateRoutes(route: Route, node: EmulatedNode): void {
  const c = node.cluster;
  const simulate = (request: Request): Reply => {
    const { template, overlapping } = c.simulateTemplate(request.params.name, request.json as unknown as IndexTemplate);
    const composed = c.composeTemplate(template);
    return ok(simulation(composed, overlapping));
  };
  // Before `_index_template/{name}`, which would take `_simulate` for a template's name.
  route('POST', '/_index_template/_simulate', simulate);
  route('POST', '/_index_template/_simulate/{name}', simulate);
  route(['PUT', 'POST'], '/_index_template/{name}', (request) => {
    c.putIndexTemplate(request.params.name as string, request.json as unknown as IndexTemplate, truthy(request.query.create));
    return ok({ acknowledged: true });
  });
  // Legacy templates (`legacy-templates.ts`).
  route(['PUT', 'POST'], '/_template/{name}', (request) => {
    c.legacyTemplates.put(request.params.name as string, request.json, truthy(request.query.create));
    c.journal?.meta();
    return ok({ acknowledged: true });
  }, { bodyRequired: true });
  const getLegacy = (request: Request): Reply => {
    const found = c.legacyTemplates.get(request.params.name);
    if (found === undefined) return { status: 404, body: {} };
    return ok(Object.fromEntries(found.map(([name, template]) => [name, renderLegacyTemplate(template, truthy(request.query.flat_settings))])));
  };
  route('GET', '/_template', getLegacy);
  route('GET', '/_template/{name}', getLegacy);
  route('DELETE', '/_template/{name}', (request) => {
    c.legacyTemplates.delete(request.params.name as string);
    c.journal?.meta();
    return ok({ acknowledged: true });
  });
  const getTemplates = (request: Request): Reply => {
    const found = templatesNamed(c.indexTemplates, request.params.name, 'index template');
    return ok({ index_templates: found.map(([key, template]) => ({ name: key, index_template: { ...template, composed_of: template.composed_of ?? [] } })) });
  };
  route('GET', '/_index_template', getTemplates);
  route('GET', '/_index_template/{name}', getTemplates);
  route('DELETE', '/_index_template/{name}', (request) => {
    // MetadataIndexTemplateService.removeIndexTemplateV2: names and patterns, comma-separated; a name that is no template fails them all.
    const parts = (request.params.name as string).split(',');
    const missing = parts.filter((part) => !part.includes('*') && !c.indexTemplates.has(part));
    if (missing.length > 0) throw resourceNotFound(`index_template [${missing.join(',')}] missing`);
    const names = [...c.indexTemplates.keys()].filter((key) => parts.some((part) => matchesPattern(part, key)));
    for (const name of names) c.indexTemplates.delete(name);
    c.journal?.meta();
    return ok({ acknowledged: true });
  });
  route('POST', '/_index_template/_simulate_index/{name}', (request) => {
    const name = request.params.name as string;
    const found = c.findTemplate(name);
    if (!found) return ok({ template: { settings: {}, mappings: {}, aliases: {} }, overlapping: [] });
    const composed = c.composeTemplate(found[1]);
    // The other templates that match the index's name, which the chosen one's priority wins over.
    const overlapping = [...c.indexTemplates].filter(([other, template]) => other !== found[0] && template.index_patterns.some((pattern) => matchesPattern(pattern, name)));
    return ok(simulation(composed, overlapping));
  });
  route(['PUT', 'POST'], '/_component_template/{name}', (request) => {
    c.putComponentTemplate(request.params.name as string, request.json as unknown as ComponentTemplate, truthy(request.query.create));
    return ok({ acknowledged: true });
  });
  const getComponents = (request: Request): Reply => {
    const found = templatesNamed(c.componentTemplates, request.params.name, 'component template');
    return ok({ component_templates: found.map(([key, template]) => ({ name: key, component_template: template })) });
  };
  route('GET', '/_component_template', getComponents);
  route('GET', '/_component_template/{name}', getComponents);
  route('DELETE', '/_component_template/{name}', (request) => {
    for (const name of (request.params.name as string).split(',')) c.deleteComponentTemplate(name);
    return ok({ acknowledged: true });
  });
}
