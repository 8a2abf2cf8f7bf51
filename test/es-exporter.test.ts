import type { Client } from '@elastic/elasticsearch';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ElasticsearchEmulator } from '../emulators/elasticsearch/index.js';
import { metric } from '../bench/process.js';
import { startElasticsearch } from './support/elasticsearch.js';
import { exited, freePort, waitFor } from './support/process.js';

// Debian's prometheus-elasticsearch-exporter (1.5.0): what operators put beside a cluster to watch it. Each of its
// collectors reports `<collector>_up` 0 and logs a warning when an API answers other than Elasticsearch does.
const COLLECTORS = ['cluster_health', 'clustersettings_stats', 'data_stream_stats', 'index_stats', 'indices_mappings_stats', 'indices_settings_stats', 'node_stats', 'slm_stats', 'snapshot_stats'];

let emulator: ElasticsearchEmulator;
let es: Client;
let stop: () => Promise<void>;
let exporter: ChildProcess;
let exporterUrl: string;
let exporterLog = '';

beforeAll(async () => {
  ({ emulator, es, stop } = await startElasticsearch({ dataDir: mkdtempSync(join(tmpdir(), 'sluice-es-exporter-')) }));
  await es.indices.create({ index: 'web-1', settings: { number_of_replicas: 0 }, aliases: { web: {} } });
  await es.bulk({ refresh: true, operations: [1, 2, 3].flatMap((n) => [{ index: { _index: 'web-1' } }, { n, message: `request ${n}` }]) });
  // One replica on one node: the replica cannot be assigned, so the cluster is yellow, as a real single node is.
  // The disk flood stage's block, which the exporter counts as a read-only index.
  await es.indices.create({ index: 'archive-1', settings: { number_of_replicas: 1, 'index.blocks.read_only_allow_delete': true } });
  await es.indices.putIndexTemplate({ name: 'logs', index_patterns: ['logs-*-*'], data_stream: {}, template: { settings: { number_of_replicas: 0 } } });
  await es.index({ index: 'logs-app-default', document: { '@timestamp': '2026-11-30T10:00:00Z', message: 'hello' }, refresh: true });
  const port = await freePort();
  exporterUrl = `http://127.0.0.1:${port}`;
  exporter = spawn('prometheus-elasticsearch-exporter', [`--es.uri=${emulator.url}`, `--web.listen-address=127.0.0.1:${port}`, '--es.all', '--es.indices', '--es.indices_settings', '--es.indices_mappings', '--es.aliases', '--es.cluster_settings', '--es.shards', '--es.snapshots', '--es.slm', '--es.data_stream'], { stdio: ['ignore', 'pipe', 'pipe'] });
  exporter.stdout?.on('data', (chunk: Buffer) => (exporterLog += chunk.toString()));
  exporter.stderr?.on('data', (chunk: Buffer) => (exporterLog += chunk.toString()));
  await waitFor(() => fetch(`${exporterUrl}/metrics`).then((response) => response.ok, () => false), 20_000, `the exporter to listen (its log: ${exporterLog})`);
}, 60_000);

afterAll(async () => {
  exporter.kill();
  await exited(exporter);
  await stop();
});

describe('Debian’s prometheus-elasticsearch-exporter against the emulator', () => {
  it('scrapes every collector without a failure, and its figures are the cluster’s', async () => {
    const text = await fetch(`${exporterUrl}/metrics`).then((response) => response.text());
    for (const collector of COLLECTORS) {
      expect(metric(text, `elasticsearch_${collector}_up`), collector).toBe(1);
      expect(metric(text, `elasticsearch_${collector}_json_parse_failures`) + metric(text, `elasticsearch_${collector}_json_parse_failures_total`), collector).toBe(0);
    }
    expect(exporterLog).not.toMatch(/level=(warn|error)/);

    expect(metric(text, 'elasticsearch_cluster_health_status', { color: 'yellow' })).toBe(1);
    expect(metric(text, 'elasticsearch_cluster_health_unassigned_shards')).toBe(1);
    expect(metric(text, 'elasticsearch_indices_docs_primary', { index: 'web-1' })).toBe(3);
    expect(metric(text, 'elasticsearch_indices_aliases', { index: 'web-1', alias: 'web' })).toBe(1);
    expect(metric(text, 'elasticsearch_indices_settings_stats_read_only_indices')).toBe(1);
    expect(metric(text, 'elasticsearch_data_stream_backing_indices_total', { data_stream: 'logs-app-default' })).toBe(1);
    expect(metric(text, 'elasticsearch_slm_stats_operation_mode', { operation_mode: 'RUNNING' })).toBe(1);
    // The node's own figures are read from the machine, not made up: a zero disk or memory would page someone.
    expect(metric(text, 'elasticsearch_indices_docs')).toBe(4);
    const size = metric(text, 'elasticsearch_filesystem_data_size_bytes');
    expect(size).toBeGreaterThan(0);
    expect(metric(text, 'elasticsearch_filesystem_data_available_bytes')).toBeGreaterThan(0);
    expect(metric(text, 'elasticsearch_filesystem_data_available_bytes')).toBeLessThanOrEqual(size);
    expect(metric(text, 'elasticsearch_os_mem_free_bytes')).toBeGreaterThan(0);
    expect(metric(text, 'elasticsearch_jvm_uptime_seconds')).toBeGreaterThan(0);
    expect(metric(text, 'elasticsearch_process_open_files_count')).toBeGreaterThan(0);
  });

  it('follows the cluster: a stopped SLM and a new index show at the next scrape', async () => {
    await es.slm.stop();
    await es.index({ index: 'web-1', document: { n: 4 }, refresh: true });
    const text = await fetch(`${exporterUrl}/metrics`).then((response) => response.text());
    expect(metric(text, 'elasticsearch_slm_stats_operation_mode', { operation_mode: 'STOPPED' })).toBe(1);
    expect(metric(text, 'elasticsearch_indices_docs_primary', { index: 'web-1' })).toBe(4);
    await es.slm.start();
  });
});
