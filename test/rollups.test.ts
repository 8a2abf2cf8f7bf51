import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { join } from 'node:path';
import { packageRoot } from '../shared/paths.js';
import { loadSloFile } from '../shared/slo.js';
import { rollupRange } from '../services/rollup/rollups.js';
import { generateReport } from '../services/rollup/report/generate.js';
import { renderReport } from '../services/rollup/report/render.js';
import { startElasticsearch } from './support/elasticsearch.js';
import { ingestLines, installTemplates, jobLine, traefikLine } from './support/rollups.js';

const slos = loadSloFile(join(packageRoot, 'slo.yaml'));
let cluster: Awaited<ReturnType<typeof startElasticsearch>>;
beforeAll(async () => {
  cluster = await startElasticsearch();
  await installTemplates(cluster.es);
});
afterAll(async () => cluster.stop());

describe('rollups', () => {
  it('sanity', async () => {
    const from = Date.parse('2026-11-01T00:00:00Z');
    const lines: Parameters<typeof ingestLines>[1] = [];
    const routes = ['/api/v1/jobs', '/api/v1/jobs/8f14e45f', '/api/v1/convert', '/health'];
    for (let m = 0; m < 30 * 1440; m += 2) {
      if (m > 14 * 1440 && m < 14 * 1440 + 180) continue; // gap
      const at = from + m * 60_000;
      const outage = m >= 20 * 1440 + 600 && m < 20 * 1440 + 640;
      const route = routes[m % 4]!;
      lines.push({ topic: 'logs-traefik', line: traefikLine({ at, status: outage ? 502 : 200, ms: 50 + (m % 97) * (route === '/api/v1/convert' ? 30 : 3), path: route }) });
      if (m % 30 === 0) lines.push({ topic: 'logs-app', line: jobLine(at + 500, m % 600 !== 0, m % 1200 === 0 ? 'codec' : 'timeout') });
    }
    await ingestLines(cluster.es, lines);
    console.time('rollup');
    await rollupRange(cluster.es, slos, 'default', from, from + 31 * 86_400_000);
    console.timeEnd('rollup');
    console.time('report');
    const report = await generateReport(cluster.es, slos, 'default', '2026-11', 'Europe/Berlin', { now: Date.parse('2026-12-01T02:00:00Z') });
    console.timeEnd('report');
    for (const format of ['json', 'csv', 'html', 'pdf'] as const) writeFileSync(`/tmp/scratch/report.${format}`, await renderReport(report, format));
  }, 120_000);
});
