import type { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll } from 'vitest';
import { createPipeline } from '../../pipelines/pipeline.js';
import { applyIlm } from '../../shared/ilm/apply.js';
import { loadIlmFiles } from '../../shared/ilm/files.js';
import { startElasticsearch } from './elasticsearch.js';

/**
 * Helpers the SLO, rollup and report tests and the report benchmark share: log lines written the way
 * Traefik and the API write them, sent through the real pipeline and bulk-created in Elasticsearch as the
 * ingest service writes them.
 */

export interface Request {
  at: number;
  status: number;
  ms: number;
  path?: string;
  method?: string;
}

/** A Traefik JSON access-log line (field names and units from Traefik's logdata.go: Duration in ns). */
export function traefikLine(request: Request): string {
  const ns = Math.round(request.ms * 1e6);
  return JSON.stringify({
    ClientAddr: '203.0.113.7:51234',
    ClientHost: '203.0.113.7',
    DownstreamStatus: request.status,
    Duration: ns,
    OriginStatus: request.status,
    RequestMethod: request.method ?? 'GET',
    RequestPath: request.path ?? '/api/v1/jobs',
    RequestProtocol: 'HTTP/1.1',
    RouterName: 'api@docker',
    StartUTC: new Date(request.at).toISOString(),
    entryPointName: 'websecure',
    level: 'info',
    msg: '',
    time: new Date(request.at + Math.ceil(request.ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  });
}

/** The API's JSON line for a job that completed or failed (the seed's messages). */
export function jobLine(at: number, ok: boolean, errorType = 'codec'): string {
  return JSON.stringify(
    ok
      ? { timestamp: new Date(at).toISOString(), level: 'INFO', message: 'Job processing completed', job_id: `j${at}`, processing_time: 12.5, component: 'video_processor' }
      : { timestamp: new Date(at).toISOString(), level: 'ERROR', message: 'Job processing failed', job_id: `j${at}`, component: 'video_processor', error_type: errorType },
  );
}

/** Lines through the pipeline (traefik or app by topic) into their data streams. */
export async function ingestLines(es: Client, lines: readonly { topic: 'logs-traefik' | 'logs-app' | 'logs-worker'; line: string }[], namespace = 'default'): Promise<void> {
  const pipeline = createPipeline({ namespace });
  for (let i = 0; i < lines.length; i += 20_000) {
    const operations = lines.slice(i, i + 20_000).flatMap(({ topic, line }) => {
      const outcome = pipeline({ value: line, topic });
      if (!outcome.ok) throw new Error(`${outcome.reason}: ${line}`);
      return [{ create: { _index: `logs-${(outcome.document.data_stream as { dataset: string }).dataset}-${namespace}` } }, outcome.document];
    });
    const result = await es.bulk({ refresh: true, operations });
    if (result.errors) throw new Error(JSON.stringify(result.items.find((item) => item.create?.error)));
  }
}

export async function installTemplates(es: Client): Promise<void> {
  await applyIlm(es, loadIlmFiles());
}

/**
 * An Elasticsearch emulator with ilm/'s templates, started before the tests of the calling describe block and stopped
 * after them; the returned function gives its client.
 */
export function templatedEmulator(): () => Client {
  let started: Awaited<ReturnType<typeof startElasticsearch>> | undefined;
  beforeAll(async () => {
    started = await startElasticsearch();
    await installTemplates(started.es);
  });
  afterAll(async () => {
    await started?.stop();
  });
  return () => {
    if (started === undefined) throw new Error('the emulator of this block has not started');
    return started.es;
  };
}

/** A worker's log line (epoch-second timestamps, as the workers write them): data that is not a request. */
export function workerLine(at: number, message = 'heartbeat'): string {
  return JSON.stringify({ timestamp: Math.floor(at / 1000), level: 'INFO', message, worker_id: 'w-1', queue: 'default' });
}

export type Line = Parameters<typeof ingestLines>[1][number];

/** `perMinute` requests in every minute of [from, to), spread over the minute; `shape` decides each one. */
export function steadyTraffic(from: number, to: number, perMinute: number, shape: (at: number, i: number) => Omit<Request, 'at'>): Line[] {
  const lines: Line[] = [];
  for (let minute = from; minute < to; minute += 60_000) {
    for (let i = 0; i < perMinute; i += 1) {
      const at = minute + Math.floor((i * 60_000) / perMinute);
      lines.push({ topic: 'logs-traefik', line: traefikLine({ at, ...shape(at, i) }) });
    }
  }
  return lines;
}
