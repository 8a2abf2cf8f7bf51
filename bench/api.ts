import { Client } from '@elastic/elasticsearch';
import { pino } from 'pino';
import { loadConfig } from '../shared/config.js';
import { loadSloFile } from '../shared/slo.js';
import { buildApi } from '../services/api/server.js';
import { ElasticsearchEmulator } from '../emulators/elasticsearch/index.js';
import type { EsRow } from './elasticsearch.js';

/**
 * The API's `/metrics` (the seed asks for under 50 ms whatever the data) and `/api/v1/slos` over real HTTP,
 * 300 sequential requests each, next to `/healthz` (the framework's floor) in the same run. p99 in ms.
 */

const REQUESTS = 300;

async function p99(url: string, headers: Record<string, string>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < REQUESTS; i += 1) {
    const start = performance.now();
    const response = await fetch(url, { headers });
    await response.arrayBuffer();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.ceil(0.99 * times.length) - 1] as number;
}

export async function benchApi(): Promise<EsRow[]> {
  const emulator = await ElasticsearchEmulator.start({ port: 0, logger: pino({ level: 'silent' }) });
  const es = new Client({ node: emulator.url });
  const key = 'bench-reader-key-0001';
  const config = loadConfig({ ELASTICSEARCH_URL: emulator.url, SLUICE_API_KEYS: key, SLUICE_API_RATE_LIMIT: '1000000' }, { servesApi: true });
  const { app } = await buildApi(config, pino({ level: 'silent' }), { es, slos: loadSloFile(config.sloFile) });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const headers = { 'x-api-key': key };
    const health = await p99(`${url}/healthz`, {});
    const metrics = await p99(`${url}/metrics`, headers);
    const slos = await p99(`${url}/api/v1/slos`, headers);
    return [
      { name: `GET /metrics, p99 of ${REQUESTS} (goal: under 50 ms)`, value: metrics, unit: 'ms', baseline: health, baselineName: 'GET /healthz' },
      { name: `GET /api/v1/slos, p99 of ${REQUESTS} (no rollups: the reads, not the data)`, value: slos, unit: 'ms', baseline: health, baselineName: 'GET /healthz' },
    ];
  } finally {
    await app.close();
    await es.close();
    await emulator.close();
  }
}
