import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
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
import { ingestLines, installTemplates, steadyTraffic, traefikLine } from './support/rollups.js';

const SLOS = loadSloFile(join(packageRoot, 'slo.yaml'));
const T = (text: string) => Date.parse(text);
let cluster: Awaited<ReturnType<typeof startElasticsearch>>;
beforeAll(async () => {
  cluster = await startElasticsearch();
  await installTemplates(cluster.es);
});
afterAll(async () => cluster.stop());

async function service(namespace: string, at: () => number, extra: Record<string, string> = {}) {
  const config = loadConfig({ ELASTICSEARCH_URL: cluster.emulator.url, SLUICE_NAMESPACE: namespace, SLUICE_ROLLUP_INTERVAL: '100ms', SLUICE_ROLLUP_METRICS_PORT: String(await freePort()), SLUICE_ILM_APPLY: 'false', ...extra });
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

  it('notifies from the rollups: an hour of 2 % errors pages the webhook of notify.yaml', async () => {
    const received: string[] = [];
    const hook = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push(body);
        response.end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    const file = join(mkdtempSync(join(tmpdir(), 'sluice-notify-')), 'notify.yaml');
    writeFileSync(file, `receivers:\n  - { name: ops, type: webhook, url: "http://127.0.0.1:${(hook.address() as AddressInfo).port}/" }\nroutes:\n  - { severity: critical, receivers: [ops] }\n`);
    // 11:00 to 12:00, 50 requests a minute, one in fifty failing: 2 % (burn 20 at 99.9 %).
    const lines = steadyTraffic(T('2026-11-25T11:00:00Z'), T('2026-11-25T12:00:00Z'), 50, (_at, i) => ({ status: i === 0 ? 503 : 200, ms: 30 }));
    await ingestLines(cluster.es, lines, 'notify');
    await rollupRange(cluster.es, SLOS, 'notify', T('2026-11-25T10:00:00Z'), T('2026-11-25T12:00:00Z'));
    const running = await service('notify', () => T('2026-11-25T12:00:10Z'), { SLUICE_NOTIFY_FILE: file });
    try {
      await waitFor(() => received.length >= 1, 10_000, 'a notification');
      // Only this hour has traffic: the 6 h window's ratio is the same 2 %, so both page pairs fire.
      expect(JSON.parse(received[0] as string)).toMatchObject({ status: 'firing', alerts: [{ slo: 'api-availability', severity: 'critical', description: 'burn rate 20.0 over 1h and 20.0 over 5m (threshold 14.4); burn rate 20.0 over 6h and 20.0 over 30m (threshold 6)' }] });
    } finally {
      await running.close();
      hook.close();
    }
  });
});
