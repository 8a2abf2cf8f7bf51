import { checkAliasActions } from '../admin-parsers.js';
import type { EmulatedNode } from '../emulated-node.js';
import { dateMathIndexName } from '../dates.js';
import { EsError } from '../errors.js';
import { matchesPattern } from '../glob.js';
import { ok, type Reply, type Request, type Route } from '../router.js';
import { aliasDef, type Json, resolveOptionsOf } from '../store.js';
import { badFieldValue } from '../strict.js';

/** Aliases. */
export function aliasRoutes(route: Route, node: EmulatedNode): void {
  const c = node.cluster;
  route('POST', '/_aliases', (request) => {
    // Every action is read and its indices and aliases found before any is applied: all or none, as in Elasticsearch,
    // but for a remove whose aliases are not there and that does not say `must_exist`: since 8.14 that action alone
    // fails, answered in `action_results` beside the others.
    const planned = checkAliasActions(request.json).map(([kind, spec]) => {
      if (spec.must_exist !== undefined && kind !== 'remove') throw badFieldValue(kind, 'must_exist', `[must_exist] is unsupported for [${kind.toUpperCase()}]`);
      const indexNames = namesOf(spec.indices, spec.index);
      const given = namesOf(spec.aliases, spec.alias);
      // An alias added may be named by date math (`<logs-{now/d}>`), as since 7.13.
      const aliasNames = given.map((alias) => (kind === 'add' ? dateMathIndexName(alias, c.now()) : alias));
      const indices = indexNames.flatMap((name) => c.resolve(name));
      const missing = kind === 'remove' ? aliasNames.filter((alias) => !indices.some((index) => [...index.aliases.keys()].some((name) => matchesPattern(alias, name)))) : [];
      if (missing.length > 0 && spec.must_exist === true) throw aliasesMissing(missing);
      const action = { type: kind, indices: indexNames, ...(kind === 'remove_index' ? {} : { aliases: given }) };
      return { kind, spec: spec as Json, indices, aliasNames, action, failure: missing.length === aliasNames.length && missing.length > 0 ? aliasesMissing(missing) : undefined };
    });
    for (const { kind, spec, indices, aliasNames, failure } of planned) {
      if (failure !== undefined) continue;
      for (const index of indices) {
        if (kind === 'remove_index') c.dropIndex(index);
        for (const alias of aliasNames) {
          if (kind === 'add') index.aliases.set(alias, aliasDef(spec));
          else if (kind === 'remove') for (const name of [...index.aliases.keys()].filter((key) => matchesPattern(alias, key))) index.aliases.delete(name);
        }
      }
    }
    c.journal?.meta();
    if (planned.every(({ failure }) => failure === undefined)) return ok({ acknowledged: true, errors: false });
    const results = planned.map(({ action, failure }) => ({ action, status: failure === undefined ? 200 : failure.status, ...(failure === undefined ? {} : { error: failure.toError() }) }));
    return ok({ acknowledged: true, errors: true, action_results: results });
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
  // RestGetAliasesAction: closed indices too unless `expand_wildcards` says otherwise; with names asked for (`_all` among
  // them), only the indices that have one; a name asked for plainly and found nowhere makes the answer a 404 that still
  // lists what was found.
  const getAliases = (request: Request): Reply => {
    const indices = c.resolve(request.params.index, resolveOptionsOf(request.query, { expandHidden: true, allowNoIndices: true, expandClosed: true }));
    const requested = request.params.name?.split(',');
    const body: Json = {};
    const returned = new Set<string>();
    for (const index of indices) {
      const aliases = Object.fromEntries([...index.aliases].filter(([alias]) => requested === undefined || aliasRequested(requested, alias)));
      for (const alias of Object.keys(aliases)) returned.add(alias);
      if (requested === undefined || Object.keys(aliases).length > 0) body[index.name] = { aliases };
    }
    const missing = (requested ?? []).filter((name) => name !== '_all' && !name.includes('*') && !name.startsWith('-') && !returned.has(name)).sort();
    if (missing.length === 0) return ok(body);
    const error = missing.length === 1 ? `alias [${missing[0]}] missing` : `aliases [${missing.join(',')}] missing`;
    return { status: 404, body: { error, status: 404, ...body } };
  };
  route('GET', '/_alias', getAliases);
  route('GET', '/_alias/{name}', getAliases);
  route('GET', '/{index}/_alias', getAliases);
  route('GET', '/{index}/_alias/{name}', getAliases);
}

/** An action's indices or aliases: the plural (a list or one name) or the singular, as AliasActions' parser reads them. */
function namesOf(plural: unknown, singular: unknown): string[] {
  if (plural === undefined) return singular === undefined ? [] : [String(singular)];
  return Array.isArray(plural) ? plural.map(String) : [String(plural)];
}

function aliasesMissing(aliases: string[]): EsError {
  return new EsError(404, 'aliases_not_found_exception', `aliases [${aliases.join(',')}] missing`, { 'resource.type': 'aliases', 'resource.id': aliases.join(',') });
}

/** Whether an alias is among the names asked for: patterns and `_all` in order, a `-name` after a wildcard taking it out again. */
function aliasRequested(requested: readonly string[], alias: string): boolean {
  let wanted = false;
  let afterWildcard = false;
  for (const name of requested) {
    if (afterWildcard && name.startsWith('-')) {
      if (matchesPattern(name.slice(1), alias)) wanted = false;
      continue;
    }
    if (name === '_all' || matchesPattern(name, alias)) wanted = true;
    if (name === '_all' || name.includes('*')) afterWildcard = true;
  }
  return wanted;
}
