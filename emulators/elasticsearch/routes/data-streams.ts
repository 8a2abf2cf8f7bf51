import { isJsonObject } from '../../../shared/json-object.js';
import { type EmulatedNode, wantsReplicas } from '../emulated-node.js';
import { badRequest, EsError, indexNotFound } from '../errors.js';
import { matchesPattern } from '../glob.js';
import { ok, type Reply, type Request, type Route } from '../router.js';
import type { DataStream, Index, Json } from '../store.js';

/** The body of `_data_stream/_modify` (ModifyDataStreamsAction.Request): `actions`, each one action of one stream and one index. */
function dataStreamActions(body: Json): Array<{ type: 'add_backing_index' | 'remove_backing_index'; dataStream: string; index: string }> {
  for (const key of Object.keys(body)) if (key !== 'actions') throw new EsError(400, 'x_content_parse_exception', `[1:3] [data_stream_actions] unknown field [${key}]`);
  if (!Array.isArray(body.actions)) throw badRequest('Required [actions]');
  return body.actions.map((entry: unknown) => {
    const [type, ...more] = Object.keys(isJsonObject(entry) ? entry : {});
    if ((type !== 'add_backing_index' && type !== 'remove_backing_index') || more.length > 0) throw new EsError(400, 'x_content_parse_exception', `[1:15] [data_stream_actions] failed to parse field [actions]`);
    const spec = (entry as Record<string, unknown>)[type] as Record<string, unknown>;
    if (typeof spec?.data_stream !== 'string') throw badRequest('data stream name is missing');
    if (typeof spec.index !== 'string') throw badRequest('index name is missing');
    return { type, dataStream: spec.data_stream, index: spec.index };
  });
}

/** Data streams. */
export function dataStreamRoutes(route: Route, node: EmulatedNode): void {
  const c = node.cluster;
  const streamsNamed = (name: string | undefined): DataStream[] => {
    const streams = [...c.dataStreams.values()].filter((stream) => name === undefined || name.split(',').some((pattern) => matchesPattern(pattern, stream.name)));
    if (name !== undefined && !name.includes('*') && streams.length === 0) throw indexNotFound(name);
    return streams;
  };
  const streamStats = (request: Request): Reply => {
    const streams = streamsNamed(request.params.name);
    const indices = streams.flatMap((stream) => stream.indices.map((name) => c.indices.get(name) as Index));
    return ok({
      _shards: { total: indices.length * 2, successful: indices.length, failed: 0 },
      data_stream_count: streams.length,
      backing_indices: indices.length,
      total_store_size_bytes: indices.reduce((sum, index) => sum + index.bytes, 0),
      data_streams: streams.map((stream) => {
        const backing = stream.indices.map((name) => c.indices.get(name) as Index);
        const timestamps = backing.flatMap((index) => [...index.view.values()].flatMap((doc) => doc.fields.get('@timestamp') ?? [])).map(Number);
        return { data_stream: stream.name, backing_indices: backing.length, store_size_bytes: backing.reduce((sum, index) => sum + index.bytes, 0), maximum_timestamp: timestamps.reduce((max, value) => Math.max(max, value), 0) };
      }),
    });
  };
  route('GET', '/_data_stream/_stats', streamStats);
  route('GET', '/_data_stream/{name}/_stats', streamStats);
  route('PUT', '/_data_stream/{name}', (request) => {
    c.createDataStream(request.params.name as string);
    return ok({ acknowledged: true });
  });
  route('POST', '/_data_stream/_migrate/{name}', (request) => {
    c.migrateToDataStream(request.params.name as string);
    return ok({ acknowledged: true });
  });
  route('POST', '/_data_stream/_modify', (request) => {
    c.modifyDataStreams(dataStreamActions(request.json));
    return ok({ acknowledged: true });
  }, { bodyRequired: true });
  const getStreams = (request: Request): Reply => {
    const streams = streamsNamed(request.params.name);
    return ok({
      data_streams: streams.map((stream) => {
        const indices = stream.indices.map((backing) => c.indices.get(backing) as Index);
        const write = indices.at(-1);
        return {
          name: stream.name,
          timestamp_field: { name: '@timestamp' },
          indices: indices.map((index) => ({ index_name: index.name, index_uuid: index.uuid, prefer_ilm: true, ilm_policy: index.settings['index.lifecycle.name'], managed_by: index.settings['index.lifecycle.name'] ? 'Index Lifecycle Management' : 'Unmanaged' })),
          generation: stream.generation,
          status: wantsReplicas(indices) ? 'YELLOW' : 'GREEN',
          template: stream.template,
          ilm_policy: write?.settings['index.lifecycle.name'],
          next_generation_managed_by: write?.settings['index.lifecycle.name'] ? 'Index Lifecycle Management' : 'Unmanaged',
          prefer_ilm: true,
          hidden: false,
          system: false,
          allow_custom_routing: false,
          replicated: false,
          rollover_on_write: false,
        };
      }),
    });
  };
  route('GET', '/_data_stream', getStreams);
  route('GET', '/_data_stream/{name}', getStreams);
  route('DELETE', '/_data_stream/{name}', (request) => {
    c.deleteDataStreams(request.params.name as string);
    return ok({ acknowledged: true });
  });
}
