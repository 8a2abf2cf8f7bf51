import { checkAliasActions } from '../admin-parsers.js';
import type { EmulatedNode } from '../emulated-node.js';
import { dateMathIndexName } from '../dates.js';
import { EsError } from '../errors.js';
import { matchesPattern } from '../glob.js';
import { ok, type Reply, type Request, type Route } from '../router.js';
import { aliasDef, type Json } from '../store.js';

/** Aliases. */
export function aliasRoutes(route: Route, node: EmulatedNode): void {
  const c = node.cluster;
  route('POST', '/_aliases', (request) => {
    // Every action is read and its indices and aliases found before any is applied: all or none, as in Elasticsearch.
    const planned = checkAliasActions(request.json).map(([kind, spec]) => {
      const indexNames = (spec.indices as string[] | undefined) ?? [spec.index as string];
      // An alias added may be named by date math (`<logs-{now/d}>`), as since 7.13.
      const aliasNames = ((spec.aliases as string[] | undefined) ?? [spec.alias as string]).map((alias) => (kind === 'add' ? dateMathIndexName(alias, c.now()) : alias));
      const indices = indexNames.flatMap((name) => c.resolve(name));
      if (kind === 'remove' && spec.must_exist === true) {
        const missing = aliasNames.find((alias) => !indices.some((index) => index.aliases.has(alias)));
        if (missing !== undefined) throw new EsError(404, 'aliases_not_found_exception', `aliases [${missing}] missing`);
      }
      return { kind, spec: spec as Json, indices, aliasNames };
    });
    for (const { kind, spec, indices, aliasNames } of planned) {
      for (const index of indices) {
        if (kind === 'remove_index') c.dropIndex(index);
        for (const alias of aliasNames) {
          if (kind === 'add') index.aliases.set(alias, aliasDef(spec));
          else if (kind === 'remove') index.aliases.delete(alias);
        }
      }
    }
    c.journal?.meta();
    return ok({ acknowledged: true, errors: false });
  });
  const putAlias = (request: Request): Reply => {
    for (const index of c.resolve(request.params.index)) index.aliases.set(request.params.name as string, aliasDef(request.json));
    c.journal?.meta();
    return ok({ acknowledged: true });
  };
  route(['PUT', 'POST'], '/{index}/_alias/{name}', putAlias);
  route(['PUT', 'POST'], '/{index}/_aliases/{name}', putAlias);
  route('DELETE', '/{index}/_alias/{name}', (request) => {
    let removed = 0;
    for (const index of c.resolve(request.params.index)) {
      for (const alias of [...index.aliases.keys()]) if ((request.params.name as string).split(',').some((pattern) => matchesPattern(pattern, alias)) && index.aliases.delete(alias)) removed += 1;
    }
    if (removed === 0) throw new EsError(404, 'aliases_not_found_exception', `aliases [${request.params.name}] missing`, { 'resource.type': 'aliases', 'resource.id': request.params.name });
    c.journal?.meta();
    return ok({ acknowledged: true });
  });
  const getAliases = (request: Request): Reply => {
    const indices = c.resolve(request.params.index, { expandHidden: true, allowNoIndices: true });
    const wanted = request.params.name?.split(',');
    const body: Json = {};
    for (const index of indices) {
      const aliases = Object.fromEntries([...index.aliases].filter(([alias]) => wanted === undefined || wanted.some((pattern) => matchesPattern(pattern, alias))));
      if (wanted === undefined || Object.keys(aliases).length > 0) body[index.name] = { aliases };
    }
    if (wanted !== undefined && Object.keys(body).length === 0) return { status: 404, body: { error: `alias [${request.params.name}] missing`, status: 404 } };
    return ok(body);
  };
  route('GET', '/_alias', getAliases);
  route('GET', '/_alias/{name}', getAliases);
  route('GET', '/{index}/_alias', getAliases);
  route('GET', '/{index}/_alias/{name}', getAliases);
}
