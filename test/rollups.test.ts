import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { packageRoot } from '../shared/paths.js';
import { loadSloFile } from '../shared/slo.js';
import { rollupRange } from '../services/rollup/rollups.js';
import { readMinuteSeries, readRouteTotals } from '../services/rollup/series.js';
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
    const t0 = Date.parse('2026-11-03T10:00:00Z');
    await ingestLines(cluster.es, [
      { topic: 'logs-traefik', line: traefikLine({ at: t0 + 1000, status: 200, ms: 120 }) },
      { topic: 'logs-traefik', line: traefikLine({ at: t0 + 2000, status: 502, ms: 3000 }) },
      { topic: 'logs-traefik', line: traefikLine({ at: t0 + 61_000, status: 200, ms: 80, path: '/api/v1/jobs/8f14e45f' }) },
      { topic: 'logs-app', line: jobLine(t0 + 5000, true) },
      { topic: 'logs-app', line: jobLine(t0 + 6000, false) },
    ]);
    const result = await rollupRange(cluster.es, slos, 'default', t0, t0 + 3_600_000);
    console.log(result);
    const series = await readMinuteSeries(cluster.es, 'default', slos.slos.map((s) => s.name), t0, t0 + 3_600_000);
    console.log([...series.slos].map(([k, v]) => [k, v.good.slice(0, 3), v.valid.slice(0, 3)]), series.events.slice(0, 3), series.watermark, series.jobs);
    console.log(await readRouteTotals(cluster.es, 'default', t0 - 1800_000, t0 + 7200_000));
  });
});
