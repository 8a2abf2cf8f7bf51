import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { createEnrichers } from '../pipelines/enrichers.js';
import { createPipeline } from '../pipelines/pipeline.js';
import { loadConfig } from '../shared/config.js';
import { applyIlm } from '../shared/ilm/apply.js';
import { loadIlmFiles } from '../shared/ilm/files.js';
import { packageRoot } from '../shared/paths.js';
import { BULK_ANSWER } from '../services/ingest/bulk-indexer.js';
import { documentId } from '../services/ingest/batches.js';
import { realisticLines, topicOf } from './pipeline.js';
import { cpuMs, freePort, sluiceProcess, waitForPort } from './process.js';

/**
 * Elasticsearch emulator: `_bulk` indexing of 500-byte log documents and of Sluice's own documents (the
 * pipeline's output for the realistic mix, into the data streams of ilm/), and a date_histogram × filters
 * aggregation over one million documents, each next to a baseline measured in the same run:
 * `JSON.parse` of the same documents, and a plain loop computing the same buckets.
 * The emulator runs as `sluice emulate elasticsearch` in its own process (one core).
 */

const BULK_DOCS = Number(process.env.BENCH_ES_BULK_DOCS ?? 200_000);
const AGG_DOCS = Number(process.env.BENCH_ES_AGG_DOCS ?? 1_000_000);
const SLUICE_DOCS = Number(process.env.BENCH_ES_SLUICE_DOCS ?? 50_000);
const PER_BULK = 5000;
const BULK_IN_FLIGHT = 2;
const HOUR = 3_600_000;
const START = Date.parse('2026-10-01T00:00:00Z');

export interface EsRow {
  name: string;
  value: number;
  unit: string;
  baseline: number;
  baselineName: string;
  goal?: string;
}

function logDoc(i: number): Record<string, unknown> {
  const status = i % 50 === 0 ? 503 : i % 17 === 0 ? 404 : 200;
  return {
    '@timestamp': new Date(START + i * 997).toISOString(),
    message: `GET /api/v1/jobs/${i % 1000} HTTP/1.1 ${status}`,
    log: { level: status >= 500 ? 'error' : 'info' },
    service: { name: 'rendiff-api' },
    http: { request: { method: i % 5 === 0 ? 'POST' : 'GET' }, response: { status_code: status, body: { bytes: 200 + (i % 5000) } } },
    url: { path: `/api/v1/jobs/${i % 1000}`, original: `/api/v1/jobs/${i % 1000}?fields=status` },
    source: { ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` },
    user_agent: { original: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36' },
    event: { duration: (i % 900) * 1_000_000, outcome: status >= 500 ? 'failure' : 'success', dataset: 'rendiff.api' },
    rendiff: { route: '/api/v1/jobs/{id}', job_id: `job-${i}` },
  };
}

function bulkBody(from: number, count: number, make: (i: number) => Record<string, unknown>, index: string): string {
  let body = '';
  for (let i = from; i < from + count; i += 1) body += `{"create":{"_index":"${index}"}}\n${JSON.stringify(make(i))}\n`;
  return body;
}

/**
 * Bulk bodies of Sluice documents: the realistic mix through the whole pipeline, each into its data stream under the
 * id the ingest worker gives it (topic, partition and offset: its exactly-once key), as the worker writes them.
 */
async function sluiceBodies(count: number): Promise<{ bodies: string[]; documents: string[] }> {
  const { enrichers, close } = await createEnrichers(loadConfig({}));
  const pipeline = createPipeline({ namespace: 'default', enrichers });
  const documents: string[] = [];
  const bodies: string[] = [];
  const offsets = new Map<string, number>();
  let body = '';
  for (const line of realisticLines(count)) {
    const topic = topicOf(line);
    const offset = offsets.get(topic) ?? 0;
    offsets.set(topic, offset + 1);
    const outcome = pipeline({ value: line, topic });
    if (!outcome.ok) continue;
    const stream = outcome.document.data_stream as { type: string; dataset: string; namespace: string };
    const document = JSON.stringify(outcome.document);
    documents.push(document);
    body += `{"create":{"_index":"${stream.type}-${stream.dataset}-${stream.namespace}","_id":${JSON.stringify(documentId(topic, 0, String(offset)))}}}\n${document}\n`;
    if (documents.length % PER_BULK === 0) {
      bodies.push(body);
      body = '';
    }
  }
  if (body !== '') bodies.push(body);
  close();
  return { bodies, documents };
}

/**
 * Posts the bodies with two requests in flight, as a bulk indexer keeps its pipeline full (the client's helper
 * defaults to five), asking for the answer the ingest worker asks for.
 */
async function postAll(url: string, bodies: string[]): Promise<void> {
  await Promise.all(Array.from({ length: BULK_IN_FLIGHT }, async (_, lane) => {
    for (let i = lane; i < bodies.length; i += BULK_IN_FLIGHT) await post(`${url}/_bulk?filter_path=${BULK_ANSWER}`, bodies[i] as string);
  }));
}

/**
 * Sends a bulk body; the answer opens with its `errors` flag, so the client need not parse a megabyte of items. Its
 * answer uncompressed, as the ingest worker's client asks (fetch would ask for gzip, which the emulator honours).
 */
async function post(url: string, body: string): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', 'accept-encoding': 'identity' }, body });
  const text = await response.text();
  if (!response.ok || !text.startsWith('{"errors":false')) throw new Error(`bulk failed: ${text.slice(0, 500)}`);
}

export async function startEmulator(port: number): Promise<ChildProcess> {
  const child = sluiceProcess(['emulate', 'elasticsearch', '--port', String(port)], { nodeFlags: ['--max-old-space-size=12288'] });
  await waitForPort(port);
  return child;
}

export async function benchElasticsearch(): Promise<EsRow[]> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = await startEmulator(port);
  const pid = child.pid ?? 0;
  try {
    await fetch(`${url}/_index_template/bench`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: readFileSync(join(packageRoot, 'bench', 'fixtures', 'logs-template.json'), 'utf8'),
    });

    // Bulk indexing: bodies prepared first, so only the emulator's work is timed.
    const bodies: string[] = [];
    for (let from = 0; from < BULK_DOCS; from += PER_BULK) bodies.push(bulkBody(from, Math.min(PER_BULK, BULK_DOCS - from), logDoc, 'logs-bench.api-default'));
    const docBytes = Buffer.byteLength(JSON.stringify(logDoc(1)));
    const parseStart = performance.now();
    for (const body of bodies) for (const line of body.split('\n')) if (line !== '') JSON.parse(line);
    const parseMs = performance.now() - parseStart;
    const cpuBefore = cpuMs(pid);
    const bulkStart = performance.now();
    await postAll(url, bodies);
    const bulkMs = performance.now() - bulkStart;
    const bulkCpuMs = cpuMs(pid) - cpuBefore;

    // Sluice's documents, into the data streams and mappings of ilm/ as the ingest worker writes them.
    const es = new Client({ node: url });
    await applyIlm(es, loadIlmFiles());
    await es.close();
    const sluice = await sluiceBodies(SLUICE_DOCS);
    const sluiceParseStart = performance.now();
    for (const document of sluice.documents) JSON.parse(document);
    const sluiceParseMs = performance.now() - sluiceParseStart;
    const sluiceCpuBefore = cpuMs(pid);
    await postAll(url, sluice.bodies);
    const sluiceCpuMs = cpuMs(pid) - sluiceCpuBefore;
    const sluiceBytes = Math.round(sluice.documents.reduce((sum, document) => sum + Buffer.byteLength(document), 0) / sluice.documents.length);

    // One million small documents for the aggregation.
    await fetch(`${url}/aggbench`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ settings: { number_of_replicas: 0 }, mappings: { properties: { '@timestamp': { type: 'date' }, status: { type: 'short' }, service: { type: 'keyword' } } } }) });
    const small = (i: number) => ({ '@timestamp': START + Math.floor((i * 30 * 24 * HOUR) / AGG_DOCS), status: i % 50 === 0 ? 503 : i % 17 === 0 ? 404 : 200, service: i % 3 === 0 ? 'worker' : 'api' });
    for (let from = 0; from < AGG_DOCS; from += 20_000) await post(`${url}/_bulk`, bulkBody(from, Math.min(20_000, AGG_DOCS - from), small, 'aggbench'));
    await fetch(`${url}/aggbench/_refresh`, { method: 'POST' });
    const query = {
      size: 0,
      aggs: { hours: { date_histogram: { field: '@timestamp', fixed_interval: '1h' }, aggs: { outcome: { filters: { filters: { errors: { range: { status: { gte: 500 } } }, api: { term: { service: 'api' } } } } } } } },
    };
    const timings: number[] = [];
    let buckets = 0;
    for (let run = 0; run < 3; run += 1) {
      const start = performance.now();
      const response = await fetch(`${url}/aggbench/_search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(query) });
      const result = (await response.json()) as { aggregations: { hours: { buckets: unknown[] } } };
      timings.push(performance.now() - start);
      buckets = result.aggregations.hours.buckets.length;
    }
    const aggMs = Math.min(...timings);

    // The baseline: the same buckets by a plain loop over the same million objects, in this process.
    const objects = Array.from({ length: AGG_DOCS }, (_, i) => small(i));
    const loopStart = performance.now();
    const counts = new Map<number, [number, number, number]>();
    for (const doc of objects) {
      const key = Math.floor(doc['@timestamp'] / HOUR) * HOUR;
      const entry = counts.get(key) ?? [0, 0, 0];
      entry[0] += 1;
      if (doc.status >= 500) entry[1] += 1;
      if (doc.service === 'api') entry[2] += 1;
      counts.set(key, entry);
    }
    const loopMs = performance.now() - loopStart;
    if (counts.size !== buckets) throw new Error(`the aggregation gave ${buckets} buckets, the loop ${counts.size}`);

    return [
      { name: `_bulk indexing, ${docBytes}-byte log documents (docs/s)`, value: (BULK_DOCS / bulkMs) * 1000, unit: 'docs/s', baseline: (BULK_DOCS / parseMs) * 1000, baselineName: 'JSON.parse of the same lines' },
      { name: '_bulk indexing per CPU-second of the emulator (docs/s)', value: (BULK_DOCS / bulkCpuMs) * 1000, unit: 'docs/s', baseline: (BULK_DOCS / parseMs) * 1000, baselineName: 'JSON.parse of the same lines' },
      { name: `_bulk indexing of Sluice documents (the realistic mix through the pipeline, ${sluiceBytes} bytes on average): the emulator's CPU per document`, value: (sluiceCpuMs * 1000) / sluice.documents.length, unit: 'µs', baseline: (sluiceParseMs * 1000) / sluice.documents.length, baselineName: 'JSON.parse of the same documents (µs each)', goal: '≤ 30 µs' },
      { name: `date_histogram (1h) × filters over ${AGG_DOCS.toLocaleString('en-US')} documents (ms, best of 3)`, value: aggMs, unit: 'ms', baseline: loopMs, baselineName: 'a plain loop over the same objects' },
    ];
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}
