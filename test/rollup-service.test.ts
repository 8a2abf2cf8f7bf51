import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../shared/config.js';
import { packageRoot } from '../shared/paths.js';
import { loadSloFile } from '../shared/slo.js';
import { startRollups } from '../services/rollup/rollup-service.js';
import { issuedReport } from '../services/rollup/report/store.js';
import { rollupRange } from '../services/rollup/rollups.js';
import { readMinuteSeries } from '../services/rollup/series.js';
import { startElasticsearch } from './support/elasticsearch.js';
import { scrape } from './support/ingest.js';
import { freePort, waitFor } from './support/process.js';
import { ingestLines, installTemplates, traefikLine } from './support/rollups.js';

const SLOS = loadSloFile(join(packageRoot, 'slo.yaml'));
const T = (text: string) => Date.parse(text);
let cluster: Awaited<ReturnType<typeof startElasticsearch>>;
beforeAll(async () => {
  cluster = await startElasticsearch();
  await installTemplates(cluster.es);
});
afterAll(async () => cluster.stop());

async function service(namespace: string, at: () => number) {
  const config = loadConfig({ ELASTICSEARCH_URL: cluster.emulator.url, SLUICE_NAMESPACE: namespace, SLUICE_ROLLUP_INTERVAL: '100ms', SLUICE_ROLLUP_METRICS_PORT: String(await freePort()), SLUICE_ILM_APPLY: 'false' });
  return startRollups(config, pino({ level: 'silent' }), { now: at });
}

const request = (at: string, status: number) => ({ topic: 'logs-traefik' as const, line: traefikLine({ at: T(at), status, ms: 40 }) });
const availability = async (namespace: string, minute: string) => {
  const series = await readMinuteSeries(cluster.es, namespace, ['api-availability'], T(minute), T(minute) + 60_000);
  const { good, valid } = series.slos.get('api-availability')!;
  return [good[0], valid[0]];
};

describe('the rollup service', () => {
  it('recomputes the trailing window on every run, so a late event counts', async () => {
    let now = T('2026-11-20T12:00:30Z');
    await ingestLines(cluster.es, [request('2026-11-20T11:59:10Z', 200)], 'trail');
    const running = await service('trail', () => now);
    try {
      await waitFor(() => running.runs() >= 1, 10_000, 'a first run');
      expect(await availability('trail', '2026-11-20T11:59:00Z')).toEqual([1, 1]);
      // Ten minutes later a late failure for 11:59 arrives; it is inside the 2 h window of the next run.
      await ingestLines(cluster.es, [request('2026-11-20T11:59:50Z', 503)], 'trail');
      now += 600_000;
      const runs = running.runs();
      await waitFor(() => running.runs() >= runs + 1, 10_000, 'another run');
      expect(await availability('trail', '2026-11-20T11:59:00Z')).toEqual([1, 2]);
      const metrics = await scrape(running.metricsUrl);
      expect(metrics).toMatch(/^sluice_rollup_runs_total\{outcome="success"\} [1-9]/m);
      expect(metrics).toMatch(/^sluice_rollup_documents_written_total [1-9]/m);
    } finally {
      await running.close();
    }
  });

  it('does not freeze a month without any data (a fresh installation)', async () => {
    const running = await service('empty', () => T('2026-12-01T05:00:00Z'));
    try {
      await waitFor(() => running.runs() >= 2, 10_000, 'two runs');
      expect(await issuedReport(cluster.es, 'empty', '2026-11', 'UTC')).toBeUndefined();
      expect(await scrape(running.metricsUrl)).toMatch(/^sluice_reports_issued_total 0$/m);
    } finally {
      await running.close();
    }
  });

  it('issues last month\u2019s report once the grace period (1 h) has passed, once', async () => {
    await ingestLines(cluster.es, [request('2026-11-15T08:00:00Z', 200), request('2026-11-15T08:00:01Z', 500)], 'issue');
    await rollupRange(cluster.es, SLOS, 'issue', T('2026-11-01T00:00:00Z'), T('2026-12-01T00:00:00Z'));
    let now = T('2026-12-01T00:59:00Z');
    const running = await service('issue', () => now);
    try {
      await waitFor(() => running.runs() >= 2, 10_000, 'two runs');
      expect(await issuedReport(cluster.es, 'issue', '2026-11', 'UTC')).toBeUndefined();
      now = T('2026-12-01T01:00:00Z');
      const runs = running.runs();
      await waitFor(() => running.runs() >= runs + 3, 10_000, 'three more runs');
      const report = await issuedReport(cluster.es, 'issue', '2026-11', 'UTC');
      expect(report?.header).toMatchObject({ revision: 1, issued: true, generatedAt: '2026-12-01T01:00:00.000Z', complete: true });
      expect(report?.slos[0]?.month).toMatchObject({ good: 1, valid: 2 });
      expect(await scrape(running.metricsUrl)).toMatch(/^sluice_reports_issued_total 1$/m);
      const stored = await cluster.es.search({ index: 'sluice-reports-issue', query: { match_all: {} } });
      expect(stored.hits.hits.map((hit) => (hit._source as { reason: string }).reason)).toEqual(['issued automatically after the grace period']);
    } finally {
      await running.close();
    }
  });
});
