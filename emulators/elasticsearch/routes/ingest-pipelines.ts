import { isJsonObject } from '../../../shared/json-object.js';
import type { EmulatedNode } from '../emulated-node.js';
import { badRequest, EsError } from '../errors.js';
import { matchesPattern } from '../glob.js';
import { compilePipeline, type Pipeline, simulateIngest, simulatePipeline } from '../ingest.js';
import { ok, type Reply, type Request, type Route, truthy } from '../router.js';

/** Ingest pipelines. */
export function ingestPipelineRoutes(route: Route, node: EmulatedNode): void {
  const c = node.cluster;
  // Before `_ingest/pipeline/{id}`, which would take `_simulate` for a pipeline's id.
  const simulate = (request: Request): Reply => {
    const id = request.params.id;
    const body = request.json;
    let pipeline: Pipeline | undefined;
    if (id !== undefined) {
      pipeline = c.pipelines.get(id);
      if (pipeline === undefined) throw badRequest(`pipeline [${id}] does not exist`);
    } else if (body.pipeline === undefined || body.pipeline === null) throw new EsError(400, 'parse_exception', '[pipeline] required property is missing', { property_name: 'pipeline' });
    else if (!isJsonObject(body.pipeline)) throw new EsError(400, 'parse_exception', "[pipeline] property isn't a map", { property_name: 'pipeline' });
    else pipeline = compilePipeline('_simulate_pipeline', body.pipeline);
    return ok(simulatePipeline(id ?? '_simulate_pipeline', pipeline, body.docs, new Date(c.now()).toISOString(), truthy(request.query.verbose)));
  };
  route(['GET', 'POST'], '/_ingest/pipeline/_simulate', simulate, { bodyRequired: true });
  route(['GET', 'POST'], '/_ingest/pipeline/{id}/_simulate', simulate, { bodyRequired: true });
  route('PUT', '/_ingest/pipeline/{id}', (request) => {
    const id = request.params.id as string;
    c.pipelines.set(id, compilePipeline(id, request.json));
    c.journal?.meta();
    return ok({ acknowledged: true });
  }, { bodyRequired: true });
  const getPipelines = (request: Request): Reply => {
    const pattern = request.params.id;
    const found = [...c.pipelines].filter(([id]) => pattern === undefined || pattern.split(',').some((part) => matchesPattern(part, id)));
    // Elasticsearch answers a name it does not know with 404 and an empty object.
    if (pattern !== undefined && found.length === 0) return { status: 404, body: {} };
    return ok(Object.fromEntries(found.map(([id, pipeline]) => [id, pipeline.body])));
  };
  route('GET', '/_ingest/pipeline', getPipelines);
  route('GET', '/_ingest/pipeline/{id}', getPipelines);
  route('DELETE', '/_ingest/pipeline/{id}', (request) => {
    c.deletePipelines(request.params.id as string);
    return ok({ acknowledged: true });
  });
  // The simulate ingest API, after `_ingest/pipeline/_simulate`, which `{index}` would take.
  const simulateIngestion = (request: Request): Reply => ok(simulateIngest(request.json, request.params.index, request.query.pipeline, (name) => c.pipelinesOf(name), c.pipelines, c.timestamp()));
  route(['GET', 'POST'], '/_ingest/_simulate', simulateIngestion, { bodyRequired: true });
  route(['GET', 'POST'], '/_ingest/{index}/_simulate', simulateIngestion, { bodyRequired: true });
}
