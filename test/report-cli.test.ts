import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../shared/paths.js';
import type { Report } from '../services/rollup/report/model.js';
import { startElasticsearch } from './support/elasticsearch.js';
import { connectedProducer, createTopics, ingestEnvironment, metric, startWorker, waitForDocuments } from './support/ingest.js';
import { startKafka } from './support/kafka.js';
import { run, runSluice } from './support/process.js';
import { jobLine, steadyTraffic } from './support/rollups.js';

/**
 * The whole way: log lines produced into the Kafka emulator with kafkajs, ingested by the ingest service
 * into the Elasticsearch emulator, rolled up and reported by the `sluice` command, as an operator runs it.
 */

const T = (text: string) => Date.parse(text);
let kafka: Awaited<ReturnType<typeof startKafka>>;
let cluster: Awaited<ReturnType<typeof startElasticsearch>>;
let env: Record<string, string>;
let exposition = '';
const dir = mkdtempSync(join(tmpdir(), 'sluice-report-'));

// 7 October 2026, 14:00 to 15:00 UTC, 10 requests a minute (600); 14:20 to 14:30 every request fails with
// 502 (100). Ten jobs: eight completed, two failed with "codec".
beforeAll(async () => {
  kafka = await startKafka();
  cluster = await startElasticsearch();
  await createTopics(kafka.brokers);
  const worker = await startWorker(await ingestEnvironment(kafka.brokers, cluster.emulator.url));
  const requests = steadyTraffic(T('2026-10-07T14:00:00Z'), T('2026-10-07T15:00:00Z'), 10, (at) => (at >= T('2026-10-07T14:20:00Z') && at < T('2026-10-07T14:30:00Z') ? { status: 502, ms: 30_000, path: '/api/v1/jobs/8f14e45f' } : { status: 200, ms: 250, path: '/api/v1/jobs' }));
  const jobs = Array.from({ length: 10 }, (_, i) => jobLine(T('2026-10-07T14:00:30Z') + i * 60_000, i < 8));
  const producer = await connectedProducer(kafka.brokers);
  await producer.sendBatch({
    topicMessages: [
      { topic: 'logs-traefik', messages: requests.map(({ line }) => ({ value: line })) },
      { topic: 'logs-app', messages: jobs.map((value) => ({ value })) },
    ],
  });
  await producer.disconnect();
  await waitForDocuments(cluster.es, 610);
  exposition = await worker.registry.metrics();
  await worker.close();
  env = { ELASTICSEARCH_URL: cluster.emulator.url, KAFKA_BROKERS: kafka.brokers, LOG_LEVEL: 'silent' };
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
  await kafka?.close();
});

describe('sluice rollup and sluice report on ingested data', () => {
  it('the ingest worker counted the same events in its metrics derived from logs', () => {
    expect(metric(exposition, 'sluice_slo_events_total', { slo: 'api-availability', kind: 'valid' })).toBe(600);
    expect(metric(exposition, 'sluice_slo_events_total', { slo: 'api-availability', kind: 'good' })).toBe(500);
    expect(metric(exposition, 'sluice_http_requests_total', { status_class: '5xx' })).toBe(100);
    expect(metric(exposition, 'sluice_jobs_total', { outcome: 'completed' })).toBe(8);
    expect(metric(exposition, 'sluice_jobs_total', { outcome: 'failed', error_type: 'codec' })).toBe(2);
  });

  it('rolls up a range, then writes the report in all four formats, each with the same figures', async () => {
    const rollup = await runSluice(['rollup', '--from', '2026-10-01T00:00:00Z', '--to', '2026-11-01T00:00:00Z'], env);
    expect(rollup.stderr).toBe('');
    expect(rollup.code).toBe(0);
    expect(rollup.stdout).toMatch(/^rollup: \d+ rollup documents written for 2026-10-01T00:00:00.000Z to 2026-11-01T00:00:00.000Z in [\d.]+ s \(sluice-rollups-default-2026.10\)\n$/);

    for (const format of ['json', 'csv', 'html', 'pdf']) {
      const out = join(dir, `report.${format}`);
      const result = await runSluice(['report', '--month', '2026-10', '--format', format, '--out', out], env);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(new RegExp(`^report: 2026-10 \\(UTC, live, not issued\\) written to .*report\\.${format} as ${format}, \\d+ bytes\\n$`));
    }
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
    const availability = report.slos.find((s) => s.name === 'api-availability')!;
    // 500 good of 600; ten whole minutes down; one incident of ten minutes on the failing route.
    expect(availability.month).toMatchObject({ good: 500, valid: 600 });
    expect(availability.uptime).toMatchObject({ upMinutes: 50, downMinutes: 10 });
    expect(report.incidents.filter((i) => i.slo === 'api-availability').map((i) => [i.start, i.end, i.badEvents, i.mainRoute, i.mainError])).toEqual([['2026-10-07T14:20:00.000Z', '2026-10-07T14:30:00.000Z', 100, '/api/v1/jobs/{id}', 'HTTP 502']]);
    expect(report.slos.find((s) => s.name === 'job-success')!.month).toMatchObject({ good: 8, valid: 10 });
    expect(report.topContributors.jobErrorTypes).toEqual([{ errorType: 'codec', failed: 2, share: 1 }]);

    // CSV: the daily series, 31 days × 3 SLOs and a header.
    const csv = readFileSync(join(dir, 'report.csv'), 'utf8').trimEnd().split('\r\n');
    expect(csv).toHaveLength(1 + 31 * 3);
    expect(csv).toContain('2026-10,UTC,2026-10-07,api-availability,0.999,500,600,0.8333333333333334,traffic');

    // HTML: one self-contained file, charts as inline SVG, nothing fetched from elsewhere.
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html.match(/<svg /g)).toHaveLength(6);
    expect(html).not.toMatch(/\b(src|href)=|url\(|@import/);
    expect(html).toContain('500 / 600');

    // PDF: what pdftotext (poppler) reads out of it.
    const text = (await run('pdftotext', ['-layout', join(dir, 'report.pdf'), '-'])).stdout;
    expect(text).toContain('SLA report 2026-10: rendiff-api, rendiff-worker');
    expect(text).toMatch(/API availability\s+99\.90 %\s+83\.333 %\s+500 \/ 600\s+CRITICAL/);
    expect(text).toContain('/api/v1/jobs/{id}');
  }, 60_000);

  it('shows a progress bar on a terminal (through script(1), which gives the command a TTY), and none in a pipe', async () => {
    const command = `ELASTICSEARCH_URL=${env.ELASTICSEARCH_URL} KAFKA_BROKERS=${env.KAFKA_BROKERS} LOG_LEVEL=silent ${process.execPath} ${join(packageRoot, 'dist', 'bin', 'sluice.js')} rollup --from 2026-10-06T00:00:00Z --to 2026-10-09T00:00:00Z`;
    const terminal = await run('script', ['-qec', command, '/dev/null'], { timeoutMs: 60_000 });
    expect(terminal.stdout).toContain(`\rrollup [${'#'.repeat(10)}${' '.repeat(20)}] 1/3 days`);
    expect(terminal.stdout).toContain(`\rrollup [${'#'.repeat(30)}] 3/3 days`);
    const piped = await runSluice(['rollup', '--from', '2026-10-06T00:00:00Z', '--to', '2026-10-09T00:00:00Z'], env);
    expect(piped.stderr).toBe('');
  });

  it('the JSON validates against the published schema, checked by Python\u2019s jsonschema', async () => {
    const check = 'import json,sys; from jsonschema import Draft202012Validator as V; s=json.load(open(sys.argv[1])); V.check_schema(s); errors=[e.message for e in V(s).iter_errors(json.load(open(sys.argv[2])))]; print(len(errors)); print(errors[:3])';
    const valid = await run('/usr/bin/python3', ['-c', check, join(packageRoot, 'docs', 'report.schema.json'), join(dir, 'report.json')]);
    expect(valid.stdout.split('\n')[0], valid.stderr).toBe('0');
    // A report with a figure of the wrong type is refused, so the check can fail.
    const broken = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    broken.slos[0].month.valid = 'six hundred';
    writeFileSync(join(dir, 'broken.json'), JSON.stringify(broken));
    expect((await run('/usr/bin/python3', ['-c', check, join(packageRoot, 'docs', 'report.schema.json'), join(dir, 'broken.json')])).stdout.split('\n')[0]).toBe('1');
  });

  it('--rebuild issues a revision; later downloads serve it; --live builds anew', async () => {
    const issued = await runSluice(['report', '--month', '2026-10', '--format', 'json', '--rebuild', '--reason', 'first issue'], env);
    expect(issued.code, issued.stderr).toBe(0);
    expect((JSON.parse(issued.stdout) as Report).header).toMatchObject({ revision: 1, issued: true });
    const again = await runSluice(['report', '--month', '2026-10', '--format', 'json'], env);
    expect(JSON.parse(again.stdout)).toEqual(JSON.parse(issued.stdout));
    const live = await runSluice(['report', '--month', '2026-10', '--format', 'json', '--live'], env);
    expect((JSON.parse(live.stdout) as Report).header).toMatchObject({ revision: 0, issued: false });
    const thisMonth = new Date().toISOString().slice(0, 7);
    const early = await runSluice(['report', '--month', thisMonth, '--format', 'json', '--rebuild'], env);
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(new RegExp(`^error: ${thisMonth} has not ended in UTC: a report is issued only for a finished month.\\n`));
    // The month under way is reported so far, not issued; a month not begun has nothing to report.
    const soFar = await runSluice(['report', '--month', thisMonth, '--format', 'json'], env);
    expect((JSON.parse(soFar.stdout) as Report).header).toMatchObject({ month: thisMonth, issued: false });
    // Recomputing the rollups under an issued month says that its report keeps its figures, and how to issue anew.
    const recomputed = await runSluice(['rollup', '--from', '2026-09-30T00:00:00Z', '--to', '2026-10-02T00:00:00Z'], env);
    expect(recomputed.code, recomputed.stderr).toBe(0);
    const issuedAt = (JSON.parse(issued.stdout) as Report).header.generatedAt;
    expect(recomputed.stdout.split('\n').slice(1)).toEqual([`rollup: 2026-10's report was issued (revision 1, ${issuedAt}) and keeps its figures; \`sluice report --month 2026-10 --rebuild --reason "…"\` issues a revision from these rollups`, '']);
    const future = await runSluice(['report', '--month', '2099-01', '--format', 'json'], env);
    expect({ code: future.code, stdout: future.stdout, stderr: future.stderr }).toEqual({ code: 2, stdout: '', stderr: 'error: 2099-01 has not begun in UTC (it begins 2099-01-01T00:00:00.000Z): there is nothing to report yet.\n(run "sluice report --help" for its options)\n' });
  });

  it('a report of a namespace without rollups says so, and names the namespaces that have some', async () => {
    // The rollups above are in "default"; a report of another namespace (as the local mode's demo is "demo") is empty.
    const empty = await runSluice(['report', '--month', '2026-10', '--format', 'csv'], { ...env, SLUICE_NAMESPACE: 'staging' });
    expect(empty.code).toBe(0);
    expect(empty.stderr).toBe('report: no rollups of 2026-10 in namespace "staging" (SLUICE_NAMESPACE), so the report holds no data; namespace "default" has some: SLUICE_NAMESPACE=default npx sluice report --month 2026-10\n');
    const none = await runSluice(['report', '--month', '2026-08', '--format', 'csv'], env);
    expect(none.stderr).toBe('report: no rollups of 2026-08 in namespace "default" (SLUICE_NAMESPACE), so the report holds no data\n');
    const full = await runSluice(['report', '--month', '2026-10', '--format', 'csv'], env);
    expect(full.stderr).toBe('');
  });

  it('an SLO file with a mistake stops the verb with exit 2 and the line', async () => {
    const file = join(dir, 'slo.yaml');
    const text = readFileSync(join(packageRoot, 'slo.yaml'), 'utf8');
    const line = text.slice(0, text.indexOf('objective: { target: 0.999 }')).split('\n').length;
    writeFileSync(file, text.replace('objective: { target: 0.999 }', 'objective: { target: 99.9 }'));
    const result = await runSluice(['report', '--month', '2026-10', '--format', 'json'], { ...env, SLUICE_SLO_FILE: file });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^sluice: invalid SLO file .*slo\\.yaml:\\n {2}line ${line}: slos\\.0\\.objective\\.target: expected a share between 0 and 1 \\(0\\.999 for 99\\.9 %\\)\\n$`));
  });
});
