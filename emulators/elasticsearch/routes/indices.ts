import { checkCreateIndexBody, checkIndexSettings } from '../admin-parsers.js';
import type { EmulatedNode } from '../emulated-node.js';
import { dateMathIndexName } from '../dates.js';
import { badRequest } from '../errors.js';
import type { Mappings } from '../mapping.js';
import { ok, type Route } from '../router.js';
import { type AliasDef, flattenSettings, type Json, nestSettings } from '../store.js';

/** Creating, getting and deleting indices: last, as `/{index}` matches any single segment. */
export function indexRoutes(route: Route, node: EmulatedNode): void {
  const c = node.cluster;
  route('PUT', '/{index}', (request) => {
    checkCreateIndexBody(request.json);
    const body = request.json as { settings?: Json; mappings?: Mappings; aliases?: Record<string, AliasDef> };
    checkIndexSettings(flattenSettings(body.settings));
    const index = c.createIndex(dateMathIndexName(request.params.index as string, c.now()), body);
    return ok({ acknowledged: true, shards_acknowledged: true, index: index.name });
  });
  route('GET', '/{index}', (request) => {
    const indices = c.resolve(request.params.index, { expandHidden: request.params.index?.startsWith('.') === true });
    return ok(Object.fromEntries(indices.map((index) => [index.name, { aliases: Object.fromEntries(index.aliases), mappings: index.mappings, settings: nestSettings(index.settings), ...(index.dataStream ? { data_stream: index.dataStream } : {}) }])));
  });
  route('DELETE', '/{index}', (request) => {
    const expression = request.params.index as string;
    if (!expression.includes('*') && c.dataStreams.has(expression)) throw badRequest(`The provided expression [${expression}] matches a data stream, specify the corresponding concrete indices instead.`);
    c.deleteIndices(expression);
    return ok({ acknowledged: true });
  });
}
