import { badRequest, EsError } from './errors.js';
import { flattenSettings, sourceOf, type AliasDef, type Cluster, type Index, type Json } from './store.js';

export type ResizeKind = 'clone' | 'shrink' | 'split';

/** Settings that belong to the source index alone, never copied to a resized one (its identity, its blocks, its state). */
const NOT_COPIED = /^index\.(uuid|provided_name|creation_date|version\.created|blocks\.|verified_before_close|resize\.|lifecycle\.indexing_complete)/;

/**
 * The resize APIs (`_clone`, `_shrink`, `_split`), as MetadataCreateIndexService validates and performs them: the
 * source must be write-blocked, the target's shard count must fit the source's (equal for a clone, a factor for a
 * shrink, a multiple for a split that the routing shards allow), and the target takes the source's settings and
 * mappings, the request's settings and aliases over them, and every document with its id. The emulator keeps one
 * real shard whatever the count says, so the documents are copied, as Elasticsearch's hard-linked segments hold
 * them; their versions start again at 1.
 */
export function resizeIndex(cluster: Cluster, kind: ResizeKind, sourceName: string, targetName: string, body: Json): Index {
  const [source, ...more] = cluster.resolve(sourceName);
  if (source === undefined || more.length > 0) throw badRequest(`${kind} needs one source index, but [${sourceName}] resolves to ${more.length + (source ? 1 : 0)}`);
  if (source.settings['index.blocks.write'] !== 'true' && source.settings['index.blocks.read_only'] !== 'true') {
    throw new EsError(400, 'illegal_state_exception', `index ${source.name} must be read-only to resize index. use "index.blocks.write=true"`);
  }
  const requested = flattenSettings(body.settings as Json | undefined);
  const sourceShards = Number(source.settings['index.number_of_shards'] ?? 1);
  const targetShards = Number(requested['index.number_of_shards'] ?? (kind === 'shrink' ? 1 : sourceShards));
  checkShardCount(kind, source, sourceShards, targetShards);
  const copied = Object.fromEntries(Object.entries(source.settings).filter(([key]) => !NOT_COPIED.test(key)));
  const target = cluster.createIndex(targetName, {
    settings: { ...copied, ...requested, 'index.number_of_shards': String(targetShards), 'index.resize.source.name': source.name, 'index.resize.source.uuid': source.uuid },
    mappings: source.mappings,
    aliases: (body.aliases ?? {}) as Record<string, AliasDef>,
  }, undefined, false);
  for (const doc of source.docs.values()) cluster.indexDoc(target, doc.id, sourceOf(doc), 'create');
  target.refresh();
  return target;
}

function checkShardCount(kind: ResizeKind, source: Index, sourceShards: number, targetShards: number): void {
  if (!Number.isInteger(targetShards) || targetShards < 1) throw badRequest(`Failed to parse value [${targetShards}] for setting [index.number_of_shards] must be >= 1`);
  if (kind === 'clone' && targetShards !== sourceShards) throw badRequest(`can't change the number of shards for a clone operation from [${sourceShards}] to [${targetShards}]`);
  if (kind === 'shrink' && sourceShards % targetShards !== 0) throw badRequest(`the number of source shards [${sourceShards}] must be a multiple of [${targetShards}]`);
  if (kind === 'shrink' && targetShards > sourceShards) throw badRequest(`the number of target shards [${targetShards}] must be less that the number of source shards [${sourceShards}]`);
  if (kind === 'split') {
    if (targetShards % sourceShards !== 0) throw badRequest(`the number of source shards [${sourceShards}] must be a factor of [${targetShards}]`);
    if (targetShards < sourceShards) throw badRequest(`the number of target shards [${targetShards}] must be greater than the number of source shards [${sourceShards}]`);
    const routing = Number(source.settings['index.number_of_routing_shards'] ?? defaultRoutingShards(sourceShards));
    if (routing % targetShards !== 0) throw badRequest(`the number of routing shards [${routing}] must be a multiple of the target shards [${targetShards}]`);
  }
}

/** MetadataCreateIndexService.calculateNumRoutingShards: as many doublings of the shards as stay within 1 024. */
function defaultRoutingShards(shards: number): number {
  const log2Shards = shards <= 1 ? 0 : 32 - Math.clz32(shards - 1);
  return shards * 2 ** Math.max(1, 10 - log2Shards);
}
