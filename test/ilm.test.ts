import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { EMULATED_VERSION } from '../emulators/elasticsearch/index.js';
import type { ElasticsearchEmulator } from '../emulators/elasticsearch/index.js';
import { realisticLines, topicOf } from '../bench/pipeline.js';
import { createEnrichers } from '../pipelines/enrichers.js';
import { createPipeline } from '../pipelines/pipeline.js';
import type { Input } from '../pipelines/types.js';
import { loadConfig } from '../shared/config.js';
import { applyIlm } from '../shared/ilm/apply.js';
import { IlmFileError, ILM_DIR, loadIlmFiles, withSettings, type IlmFiles } from '../shared/ilm/files.js';
import { ilmStatus, statusTable } from '../shared/ilm/status.js';
import { packageRoot } from '../shared/paths.js';
import { startElasticsearch } from './support/elasticsearch.js';
import { run } from './support/process.js';

const DATASETS = ['logs-rendiff.api', 'logs-rendiff.traefik', 'logs-rendiff.worker', 'logs-rendiff.postgres', 'logs-rendiff.security', 'logs-sluice.dlq', 'logs-sluice.generic'];
/** Written by id (a recomputed rollup, a report revision): plain indices, since a data stream refuses overwrites. */
const PLAIN = ['sluice-reports', 'sluice-rollups'];

/** The files with the settings of an environment (defaults when empty). */
function filesFor(env: NodeJS.ProcessEnv = {}, dir?: string): IlmFiles {
  return withSettings(loadIlmFiles(dir), loadConfig(env).ilm);
}

function problemsOf(action: () => unknown): string[] {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(IlmFileError);
    return [...(error as IlmFileError).problems];
  }
  throw new Error('expected the files to be rejected');
}

/** A copy of ilm/ to break on purpose. */
function copyOfIlm(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-ilm-'));
  cpSync(ILM_DIR, dir, { recursive: true });
  return dir;
}

function edit(path: string, change: (json: any) => void): void {
  const json = JSON.parse(readFileSync(path, 'utf8'));
  change(json);
  writeFileSync(path, JSON.stringify(json));
}

/** ECS's own definitions: generated/ecs/ecs_flat.yml of elastic/ecs v8.11.0 (test/fixtures/ecs/SOURCE.md). */
const ECS = JSON.parse(readFileSync(join(packageRoot, 'test', 'fixtures', 'ecs', 'fields-8.11.0.json'), 'utf8')) as Record<string, { type: string; multi_fields?: Record<string, string>; allowed_values?: Record<string, string[] | null> }>;

/**
 * A document's categorisation against ECS's allowed values, and each event.type expected by one of its categories at
 * least (the rule of Kibana's integration assistant, handleCategorizationValidation: [web, authentication] with
 * [access, start] is sound, access being web's and start authentication's).
 */
function categorisationProblems(event: Record<string, unknown> | undefined): string[] {
  const values = (field: string): string[] => [(event ?? {})[field]].flat().filter((value): value is string => typeof value === 'string');
  const problems = ['kind', 'category', 'type', 'outcome'].flatMap((field) => values(field).filter((value) => ECS[`event.${field}`]?.allowed_values?.[value] === undefined).map((value) => `event.${field} ${value}`));
  const categories = values('category').filter((category) => ECS['event.category']?.allowed_values?.[category] !== undefined);
  if (categories.length > 0) {
    for (const type of values('type')) if (!categories.some((category) => ECS['event.category']?.allowed_values?.[category]?.includes(type))) problems.push(`event.type ${type} under event.category ${categories.join(', ')}`);
  }
  return problems;
}

/**
 * Each ECS field of the named mappings (a template's, an index's) whose type or multi-fields are not ECS's, named
 * `<mapping> <path>`, and how many ECS fields there were.
 */
function ecsDifferences(mappings: Iterable<[string, Record<string, any> | undefined]>): { differences: string[]; checked: number } {
  const mapped = (children: Record<string, any>, prefix: string): Array<[string, any]> =>
    Object.entries(children).flatMap(([name, field]) => [...(field.type === undefined || field.type === 'object' ? [] : [[`${prefix}${name}`, field] as [string, any]]), ...(field.properties === undefined ? [] : mapped(field.properties, `${prefix}${name}.`))]);
  const differences: string[] = [];
  let checked = 0;
  for (const [mapping, properties] of mappings) {
    for (const [path, field] of mapped(properties ?? {}, '')) {
      const definition = ECS[path];
      if (definition === undefined) continue;
      checked += 1;
      const subFields = Object.fromEntries(Object.entries((field.fields ?? {}) as Record<string, { type: string }>).map(([name, sub]) => [name, sub.type]));
      if (field.type !== definition.type) differences.push(`${mapping} ${path}: ${field.type}, ECS ${definition.type}`);
      for (const [name, type] of Object.entries(definition.multi_fields ?? {})) if (subFields[name] !== type) differences.push(`${mapping} ${path}.${name}: ${subFields[name] ?? 'missing'}, ECS ${type}`);
    }
  }
  return { differences, checked };
}

describe('the files in ilm/', () => {
  it('validate, and give every dataset a data stream template above the built-in ones, with a lifecycle', () => {
    const files = loadIlmFiles();
    expect([...files.policies.keys()].sort()).toEqual(['rendiff-logs-policy', 'sluice-logs', 'sluice-rollups', 'sluice-security']);
    expect([...files.indexTemplates.keys()].sort()).toEqual([...DATASETS, ...PLAIN].sort());
    for (const name of PLAIN) {
      const template = files.indexTemplates.get(name);
      expect(template?.index_patterns).toEqual([`${name}-*`]);
      expect(template?.data_stream).toBeUndefined();
    }
    expect((files.indexTemplates.get('sluice-rollups')?.template.settings?.index as { lifecycle: { name: string } }).lifecycle.name).toBe('sluice-rollups');
    // An issued report is kept for good: no lifecycle deletes it.
    expect(files.indexTemplates.get('sluice-reports')?.template.settings).toBeUndefined();
    // A rollup index is never rolled over (it is written by id, and named by its month).
    expect(files.policies.get('sluice-rollups')?.policy.phases.hot?.actions.rollover).toBeUndefined();
    for (const [name, template] of [...files.indexTemplates].filter(([name]) => !PLAIN.includes(name))) {
      expect(template.index_patterns).toEqual([`${name}-*`]);
      expect(template.data_stream).toEqual({});
      expect(template.priority).toBeGreaterThan(100);
      expect(template.composed_of.slice(0, 2)).toEqual(['sluice-settings', 'sluice-ecs-base']);
      expect((template.template.settings?.index as { lifecycle: { name: string } }).lifecycle.name).toMatch(/^sluice-/);
    }
  });

  it('map ECS fields with explicit types', () => {
    const base = loadIlmFiles().componentTemplates.get('sluice-ecs-base')?.template.mappings?.properties as Record<string, any>;
    expect(base.message).toEqual({ type: 'match_only_text' });
    expect(base.source.properties.ip).toEqual({ type: 'ip' });
    expect(base.source.properties.geo.properties.location).toEqual({ type: 'geo_point' });
    expect(base.event.properties.duration).toEqual({ type: 'long' });
    expect(base['@timestamp']).toEqual({ type: 'date' });
    expect(base.data_stream.properties.dataset).toEqual({ type: 'constant_keyword' });
    expect(base.log.properties.level).toEqual({ type: 'keyword', ignore_above: 1024 });
  });

  it('map every ECS field they name as ECS 8.11 defines it, with its multi-fields', () => {
    const { differences, checked } = ecsDifferences([...loadIlmFiles().componentTemplates].map(([template, file]) => [template, file.template.mappings?.properties]));
    expect(checked).toBeGreaterThan(100);
    expect(differences).toEqual([]);
  });

  it('follow the policies the issue names: logs 1 d / 50 GB, warm at 7 d, 30 d; security 90 d; rollups 400 d; the seed’s 10 GB / 7 d / 30 d', () => {
    const { policies } = loadIlmFiles();
    const logs = policies.get('sluice-logs')?.policy.phases;
    expect(logs?.hot?.actions.rollover).toEqual({ max_primary_shard_size: '50gb', max_age: '1d' });
    expect(logs?.warm).toMatchObject({ min_age: '7d', actions: { readonly: {}, forcemerge: { max_num_segments: 1 }, allocate: { number_of_replicas: 0 } } });
    expect(logs?.delete?.min_age).toBe('30d');
    expect(policies.get('sluice-security')?.policy.phases.delete?.min_age).toBe('90d');
    expect(policies.get('sluice-rollups')?.policy.phases.delete?.min_age).toBe('400d');
    const seed = policies.get('rendiff-logs-policy')?.policy.phases;
    expect(seed?.hot?.actions.rollover).toEqual({ max_primary_shard_size: '10gb', max_age: '7d' });
    expect(seed?.delete?.min_age).toBe('30d');
  });

  it('take retention from settings, and the logs policy by name', () => {
    const files = filesFor({ SLUICE_LOGS_RETENTION: '45d', SLUICE_LOGS_WARM_AFTER: '3d', SLUICE_LOGS_ROLLOVER_MAX_AGE: '12h', SLUICE_LOGS_ROLLOVER_MAX_SIZE: '20GB', SLUICE_SECURITY_RETENTION: '180d', SLUICE_ROLLUPS_RETENTION: '800d' });
    const logs = files.policies.get('sluice-logs')?.policy.phases;
    expect([logs?.delete?.min_age, logs?.warm?.min_age, logs?.hot?.actions.rollover]).toEqual(['45d', '3d', { max_primary_shard_size: '20gb', max_age: '12h' }]);
    expect(files.policies.get('sluice-security')?.policy.phases.delete?.min_age).toBe('180d');
    expect(files.policies.get('sluice-rollups')?.policy.phases.delete?.min_age).toBe('800d');
    // The files themselves are untouched.
    expect(loadIlmFiles().policies.get('sluice-logs')?.policy.phases.delete?.min_age).toBe('30d');

    const seed = filesFor({ SLUICE_LOGS_POLICY: 'rendiff-logs-policy', SLUICE_LOGS_RETENTION: '60d' });
    expect((seed.indexTemplates.get('logs-rendiff.api')?.template.settings?.index as any).lifecycle.name).toBe('rendiff-logs-policy');
    expect((seed.indexTemplates.get('sluice-rollups')?.template.settings?.index as any).lifecycle.name).toBe('sluice-rollups');
    expect(seed.policies.get('rendiff-logs-policy')?.policy.phases.delete?.min_age).toBe('60d');
  });

  it('refuse settings that cannot work, naming the setting', () => {
    expect(problemsOf(() => filesFor({ SLUICE_LOGS_POLICY: 'no-such' }))).toEqual(['SLUICE_LOGS_POLICY="no-such": expected one of the policies in ilm/policies/: rendiff-logs-policy, sluice-logs, sluice-rollups, sluice-security']);
    expect(problemsOf(() => filesFor({ SLUICE_LOGS_RETENTION: '3d' }))[0]).toMatch(/policy sluice-logs: the delete phase \(min_age 3d\) would start before the warm phase/);
  });

  it('a malformed file fails with the file name and the JSON path of the error', () => {
    const dir = copyOfIlm();
    edit(join(dir, 'component-templates', 'sluice-rendiff-api.json'), (json) => {
      json.template.mappings.properties.rendiff.properties.job_id = { type: 'keyword', ignore_abov: 10 };
    });
    edit(join(dir, 'index-templates', 'logs-rendiff.worker.json'), (json) => {
      json.priority = 50;
    });
    edit(join(dir, 'policies', 'sluice-security.json'), (json) => {
      json.policy.phases.delete.min_age = '90 days';
    });
    writeFileSync(join(dir, 'policies', 'broken.json'), '{ "policy": ');
    const problems = problemsOf(() => loadIlmFiles(dir));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`component-templates/sluice-rendiff-api\\.json: \\$\\.template\\.mappings\\.properties\\.rendiff\\.properties\\.job_id: Unrecognized key:? "?ignore_abov"?`)),
        expect.stringMatching(/index-templates\/logs-rendiff\.worker\.json: \$\.priority: must be above 100/),
        expect.stringMatching(/policies\/sluice-security\.json: \$\.policy\.phases\.delete\.min_age: expected a time value such as "30d"/),
        expect.stringMatching(/policies\/broken\.json: not valid JSON/),
      ]),
    );
    // Each names its file by its path from where sluice runs.
    for (const problem of problems) expect(problem.startsWith(relative(process.cwd(), dir))).toBe(true);
  });

  it('refuse a field that changes type between datasets, and references that do not resolve', () => {
    const dir = copyOfIlm();
    edit(join(dir, 'component-templates', 'sluice-rendiff-worker.json'), (json) => {
      json.template.mappings.properties.rendiff.properties.job_id = { type: 'long' };
    });
    edit(join(dir, 'index-templates', 'logs-sluice.dlq.json'), (json) => {
      json.composed_of.push('missing-component');
      json.template.settings.index.lifecycle.name = 'missing-policy';
      json.template.settings.index.default_pipeline = 'missing-pipeline';
    });
    const problems = problemsOf(() => loadIlmFiles(dir));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/field rendiff\.job_id is long here but keyword in .*logs-rendiff\.api\.json; a field must have one type in every data stream/),
        expect.stringMatching(/logs-sluice\.dlq\.json: \$\.composed_of\[3\]: no component template "missing-component"/),
        expect.stringMatching(/logs-sluice\.dlq\.json: \$\.template\.settings\.index\.lifecycle\.name: no policy "missing-policy"/),
        expect.stringMatching(/logs-sluice\.dlq\.json: \$\.template\.settings\.index\.default_pipeline: no ingest pipeline "missing-pipeline" in .*ingest-pipelines\//),
      ]),
    );
  });
});

describe('versions', () => {
  it('docker-compose.elk.yml runs the Elasticsearch the files are written for, of the client’s and the emulator’s major', () => {
    const compose = parseYaml(readFileSync(join(packageRoot, 'docker-compose.elk.yml'), 'utf8')) as { services: Record<string, { image: string }> };
    // The image tag is ${STACK_VERSION:-9.4.0}: the default, which .env.example sets too.
    const version = /(\d+\.\d+\.\d+)/.exec(compose.services.elasticsearch?.image ?? '')?.[1] as string;
    expect(readFileSync(join(packageRoot, '.env.example'), 'utf8')).toContain(`STACK_VERSION=${version}`);
    const client = (JSON.parse(readFileSync(join(packageRoot, 'node_modules', '@elastic', 'elasticsearch', 'package.json'), 'utf8')) as { version: string }).version;
    expect(version.split('.').slice(0, 2)).toEqual(EMULATED_VERSION.split('.').slice(0, 2));
    expect(version.split('.')[0]).toBe(client.split('.')[0]);
    expect(compose.services.kibana?.image.split(':').slice(1)).toEqual(compose.services.elasticsearch?.image.split(':').slice(1));
  });
});

describe('installing them in Elasticsearch (the emulator, through the client)', () => {
  let es: Client;
  let emulator: ElasticsearchEmulator;
  let stop: () => Promise<void>;
  let writes: string[];

  beforeEach(async () => {
    ({ es, emulator, stop } = await startElasticsearch());
    writes = [];
    es.diagnostic.on('request', (_error, event) => {
      const method = event?.meta.request.params.method;
      if (method === 'PUT' || method === 'POST') writes.push(`${method} ${event?.meta.request.params.path}`);
    });
  });

  afterEach(async () => {
    await stop();
  });

  it('apply twice: the second run writes nothing', async () => {
    const first = await applyIlm(es, filesFor());
    expect(first.every((change) => change.action === 'created')).toBe(true);
    // Four policies, one ingest pipeline, ten component templates and nine index templates.
    expect(first).toHaveLength(4 + 1 + 10 + 9);
    expect(writes).toHaveLength(24);
    // The pipeline before the template that names it (indexOf of a write that never happened would be -1).
    expect(writes).toContain('PUT /_ingest/pipeline/sluice-logs-final');
    expect(writes.indexOf('PUT /_ingest/pipeline/sluice-logs-final')).toBeLessThan(writes.indexOf('PUT /_component_template/sluice-ecs-base'));
    writes.length = 0;
    const second = await applyIlm(es, filesFor());
    expect(second.every((change) => change.action === 'unchanged')).toBe(true);
    expect(writes).toEqual([]);
  });

  it('a changed retention updates exactly that policy, and says what changed', async () => {
    await applyIlm(es, filesFor());
    writes.length = 0;
    const changes = await applyIlm(es, filesFor({ SLUICE_SECURITY_RETENTION: '120d' }));
    expect(changes.filter((change) => change.action !== 'unchanged')).toEqual([{ kind: 'policy', name: 'sluice-security', action: 'updated', changes: ['phases.delete.min_age: 90d → 120d'] }]);
    expect(writes).toEqual(['PUT /_ilm/policy/sluice-security']);
    expect((await es.ilm.getLifecycle({ name: 'sluice-security' }))['sluice-security']?.version).toBe(2);
    expect((await es.ilm.getLifecycle({ name: 'sluice-logs' }))['sluice-logs']?.version).toBe(1);
  });

  it('a changed ingest pipeline is updated alone, and says what changed', async () => {
    await applyIlm(es, filesFor());
    writes.length = 0;
    const files = filesFor();
    const pipeline = files.pipelines.get('sluice-logs-final');
    files.pipelines.set('sluice-logs-final', { ...pipeline, processors: pipeline?.processors ?? [], description: 'changed' });
    const changes = await applyIlm(es, files);
    expect(changes.filter((change) => change.action !== 'unchanged')).toEqual([{ kind: 'ingest pipeline', name: 'sluice-logs-final', action: 'updated', changes: [expect.stringMatching(/^description: Final pipeline of every Sluice log data stream.* → changed$/)] }]);
    expect(writes).toEqual(['PUT /_ingest/pipeline/sluice-logs-final']);
  });

  it('a dry run reports and writes nothing', async () => {
    const changes = await applyIlm(es, filesFor(), { dryRun: true });
    expect(changes.every((change) => change.action === 'created')).toBe(true);
    expect(writes).toEqual([]);
    expect(Object.keys(await es.ilm.getLifecycle())).toEqual([]);
  });

  it('an upgrade puts the changed mappings on each existing data stream\'s write index, as Fleet does; a type change waits for the rollover', async () => {
    // The templates before url.original had its ECS multi-field, and a stream written under them.
    const before = filesFor();
    const base = before.componentTemplates.get('sluice-ecs-base')?.template.mappings?.properties as Record<string, any>;
    const withText = structuredClone(base.url.properties.original);
    delete base.url.properties.original.fields;
    await applyIlm(es, before);
    const access = (path: string) => ({ '@timestamp': '2026-11-01T10:00:00Z', url: { original: path } });
    await es.bulk({ refresh: true, operations: [{ create: { _index: 'logs-rendiff.traefik-default' } }, access('/api/v1/auth/login?next=%2Fjobs')] });
    const byWord = async () => (await es.count({ index: 'logs-rendiff.traefik-default', query: { match: { 'url.original.text': 'login' } } })).count;
    expect(await byWord()).toBe(0);
    await es.indices.rollover({ alias: 'logs-rendiff.traefik-default' });

    writes.length = 0;
    const dryRun = await applyIlm(es, filesFor(), { dryRun: true });
    expect(writes).toEqual([]);
    const [stream] = (await es.indices.getDataStream({ name: 'logs-rendiff.traefik-default' })).data_streams;
    const writeIndex = stream?.indices.at(-1)?.index_name as string;
    const expected = { kind: 'data stream', name: 'logs-rendiff.traefik-default', action: 'updated', changes: [`${writeIndex}: properties.url.properties.original.fields: (none) → {"text":{"type":"match_only_text"}}`] };
    expect(dryRun.filter((change) => change.kind === 'data stream')).toEqual([expected]);

    const upgrade = await applyIlm(es, filesFor());
    expect(upgrade.filter((change) => change.action !== 'unchanged').map((change) => `${change.kind} ${change.name}`)).toEqual(['component template sluice-ecs-base', 'data stream logs-rendiff.traefik-default']);
    expect(upgrade.filter((change) => change.kind === 'data stream')).toEqual([expected]);
    expect(writes).toEqual(['PUT /_component_template/sluice-ecs-base', 'PUT /logs-rendiff.traefik-default/_mapping']);
    const original = async (index: string) => ((await es.indices.getMapping({ index }))[index]?.mappings.properties?.url as any).properties.original;
    expect(await original(writeIndex)).toEqual(withText);
    // Only the write index: the backing index rolled over from keeps the mappings its documents were indexed with.
    expect(await original(stream?.indices[0]?.index_name as string)).toEqual({ type: 'wildcard' });
    // What the stream indexes from now on is found by a word of its URL; the document indexed before keeps what it had, as in Elasticsearch.
    await es.bulk({ refresh: true, operations: [{ create: { _index: 'logs-rendiff.traefik-default' } }, access('/api/v1/auth/login')] });
    expect(await byWord()).toBe(1);
    writes.length = 0;
    expect((await applyIlm(es, filesFor())).every((change) => change.action === 'unchanged')).toBe(true);
    expect(writes).toEqual([]);

    // A field whose type changes cannot be put on the write index: it keeps its mappings, and the report says why.
    const retyped = filesFor();
    (retyped.componentTemplates.get('sluice-rendiff-traefik')?.template.mappings?.properties as Record<string, any>).traefik.properties.retry_attempts = { type: 'keyword' };
    const refused = (await applyIlm(es, retyped)).filter((change) => change.kind === 'data stream');
    expect(refused).toEqual([{ kind: 'data stream', name: 'logs-rendiff.traefik-default', action: 'unchanged', changes: [expect.stringMatching(new RegExp(`^${writeIndex.replaceAll('.', '\\.')} keeps its mappings until the stream rolls over: mapper \\[traefik\\.retry_attempts\\] cannot be changed from type \\[\\w+\\] to \\[keyword\\]`)), `${writeIndex}: properties.traefik.properties.retry_attempts.type: long → keyword`] }]);
  });

  it('a document of each dataset lands in its data stream, with the mapping and policy; a wrong type fails per item', async () => {
    await applyIlm(es, filesFor());
    const at = '2026-11-01T10:00:00Z';
    const good = { '@timestamp': at, message: 'ok', source: { ip: '203.0.113.7', geo: { location: { lat: 52.5, lon: 13.4 } } }, event: { duration: 150_000_000 }, http: { response: { status_code: 200 } } };
    const bad = { '@timestamp': at, source: { ip: 'not an address' } };
    const operations = DATASETS.flatMap((dataset) => [{ create: { _index: `${dataset}-default` } }, good, { create: { _index: `${dataset}-default` } }, bad]);
    const result = await es.bulk({ refresh: true, operations });
    expect(result.items.map((item) => item.create?.status)).toEqual(DATASETS.flatMap(() => [201, 400]));
    expect(result.items[1]?.create?.error?.reason).toMatch(/failed to parse field \[source\.ip\] of type \[ip\]/);
    for (const dataset of DATASETS) {
      const [stream] = (await es.indices.getDataStream({ name: `${dataset}-default` })).data_streams;
      expect(stream?.template).toBe(dataset);
      const backing = stream?.indices[0]?.index_name as string;
      const index = (await es.indices.get({ index: backing }))[backing] as any;
      expect(index?.mappings?.properties?.source?.properties?.ip).toEqual({ type: 'ip' });
      expect(index?.mappings?.properties?.message).toEqual({ type: 'match_only_text' });
      expect((index?.settings?.index as any)?.lifecycle?.name).toBe(dataset === 'logs-rendiff.security' ? 'sluice-security' : 'sluice-logs');
      expect((await es.count({ index: `${dataset}-default` })).count).toBe(1);
    }
    // The final pipeline stamped event.ingested when the emulator took each document (the shipper sent none).
    const stamped = await es.search<{ event?: { ingested?: string } }>({ index: 'logs-*', size: 20 });
    expect(stamped.hits.hits).toHaveLength(DATASETS.length);
    for (const hit of stamped.hits.hits) expect(Date.now() - Date.parse(hit._source?.event?.ingested ?? '')).toBeLessThan(60_000);
  });

  it('what the pipelines write lands in ECS fields mapped as ECS 8.11 defines them, dynamic ones included, categorised with its allowed values', async () => {
    await applyIlm(es, filesFor());
    // Real servers' lines (Filebeat's module test logs), and lines written for Sluice (the examples, the benchmarks' mix,
    // traefik-access.jsonl), every enricher on.
    const inputs: Input[] = realisticLines(5000).map((line) => ({ value: line, topic: topicOf(line) }));
    const fixtures = join(packageRoot, 'test', 'fixtures');
    const files: Array<[string, string]> = [
      ...['app.log', 'app-loggers.log'].map((name): [string, string] => ['logs-app', join(packageRoot, 'examples', name)]),
      ['logs-traefik', join(packageRoot, 'examples', 'traefik.log')], ['logs-worker', join(packageRoot, 'examples', 'worker.log')], ['logs-postgres', join(packageRoot, 'examples', 'postgres.log')],
      ['logs-traefik', join(fixtures, 'traefik-access.jsonl')], ['logs-traefik', join(fixtures, 'filebeat-traefik', 'test.log')],
      ...['filebeat-postgresql', 'filebeat-system', 'filebeat-web-access', 'filebeat-web-errors', 'filebeat-redis', 'klog'].flatMap((dir) => readdirSync(join(fixtures, dir)).filter((name) => name.endsWith('.log')).map((name): [string, string] => [dir === 'filebeat-postgresql' ? 'logs-postgres' : 'logs-generic', join(fixtures, dir, name)])),
    ];
    for (const [topic, file] of files) for (const line of readFileSync(file, 'utf8').split('\n')) if (line.trim() !== '') inputs.push({ value: line, topic });
    const { enrichers, close } = await createEnrichers(loadConfig({}));
    try {
      const pipeline = createPipeline({ namespace: 'default', enrichers });
      const categorisation = new Set<string>();
      const operations = inputs.flatMap((input) => {
        const outcome = pipeline(input);
        if (!outcome.ok) return [];
        for (const problem of categorisationProblems(outcome.document.event as Record<string, unknown> | undefined)) categorisation.add(`${input.topic} ${problem}`);
        const stream = outcome.document.data_stream as { type: string; dataset: string; namespace: string };
        return [{ create: { _index: `${stream.type}-${stream.dataset}-${stream.namespace}` } }, outcome.document];
      });
      expect(operations.length / 2).toBeGreaterThan(5000);
      expect([...categorisation]).toEqual([]);
      for (let i = 0; i < operations.length; i += 4000) expect((await es.bulk({ operations: operations.slice(i, i + 4000) })).errors).toBe(false);
    } finally {
      close();
    }
    const { differences, checked } = ecsDifferences(Object.entries(await es.indices.getMapping({ index: 'logs-*' })).map(([index, { mappings }]) => [index, mappings.properties]));
    expect(checked).toBeGreaterThan(200);
    expect(differences).toEqual([]);
  });

  it('with the clock advanced: rollover, warm, the old index deleted at 30 d, the rollups kept to 400 d', async () => {
    await applyIlm(es, filesFor());
    const advance = async (by: string) => fetch(`${emulator.url}/_emulator/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: by }) });
    const write = (stream: string) => es.index({ index: stream, op_type: 'create', document: { '@timestamp': new Date().toISOString(), message: 'x' } });
    await write('logs-rendiff.api-default');
    await es.index({ index: 'sluice-rollups-default-2026.11', id: 'slo-minute', document: { '@timestamp': new Date().toISOString(), sli: { kind: 'minute', resolution: 'minute', slos: { 'api-availability': { good: 1, valid: 1 } }, events: 1 } } });
    const streamIndices = async (name: string) => (await ilmStatus(es)).filter((row) => row.dataStream === name);
    const rollupIndex = async () => (await ilmStatus(es)).find((row) => row.index === 'sluice-rollups-default-2026.11');

    await advance('25h');
    let api = await streamIndices('logs-rendiff.api-default');
    expect(api).toHaveLength(2);
    const first = api[0]?.index as string;
    await write('logs-rendiff.api-default');

    await advance('7d');
    api = await streamIndices('logs-rendiff.api-default');
    expect(api.find((row) => row.index === first)).toMatchObject({ phase: 'warm', policy: 'sluice-logs', error: null });

    await advance('23d');
    api = await streamIndices('logs-rendiff.api-default');
    expect(api.map((row) => row.index)).not.toContain(first);

    // 31 days: a rollup index stays hot (and writable) until 35 days, so last month's rollups can still be recomputed.
    expect(await rollupIndex()).toMatchObject({ dataStream: null, policy: 'sluice-rollups', phase: 'hot', error: null });
    await advance('360d');
    expect(await rollupIndex()).toMatchObject({ phase: 'warm', error: null });
    await advance('10d');
    expect(await rollupIndex()).toBeUndefined();
  });

  it('status shows each backing index with phase, age, size, documents and ILM errors, as a table or JSON', async () => {
    await applyIlm(es, filesFor());
    await es.bulk({ refresh: true, operations: [{ create: { _index: 'logs-rendiff.api-default' } }, { '@timestamp': '2026-11-01T00:00:00Z', message: 'a' }, { create: { _index: 'logs-rendiff.api-default' } }, { '@timestamp': '2026-11-01T00:00:01Z', message: 'b' }] });
    // A policy deleted behind Sluice's back: the index that names it reports an ILM step error.
    await es.ilm.deleteLifecycle({ name: 'sluice-security' });
    await es.index({ index: 'logs-rendiff.security-default', op_type: 'create', document: { '@timestamp': '2026-11-01T00:00:00Z' }, refresh: true });
    await fetch(`${emulator.url}/_emulator/ilm/_run`, { method: 'POST' });
    const rows = await ilmStatus(es);
    expect(rows.find((row) => row.dataStream === 'logs-rendiff.api-default')).toMatchObject({ writeIndex: true, policy: 'sluice-logs', phase: 'hot', docs: 2, error: null });
    expect(rows.find((row) => row.dataStream === 'logs-rendiff.api-default')?.sizeBytes).toBeGreaterThan(0);
    expect(rows.find((row) => row.dataStream === 'logs-rendiff.security-default')?.error).toBe('policy [sluice-security] does not exist');
    const table = statusTable(rows);
    expect(table.split('\n')[0]).toMatch(/^DATA STREAM\s+INDEX\s+POLICY\s+PHASE\s+ACTION\s+AGE\s+DOCS\s+SIZE\s+ERROR$/);
    expect(table).toMatch(/logs-rendiff\.api-default\s+\.ds-logs-rendiff\.api-default-\S+ \*\s+sluice-logs\s+hot/);
  });
});

describe('sluice ilm from the command line', () => {
  const SLUICE = join(packageRoot, 'dist', 'bin', 'sluice.js');

  it('apply, apply again, status --json; a malformed folder fails with exit 2, the file and the JSON path', async () => {
    const { emulator, stop } = await startElasticsearch();
    const env = ['env', `ELASTICSEARCH_URL=${emulator.url}`, `PATH=${process.env.PATH}`];
    try {
      const first = await run(env[0] as string, [...env.slice(1), process.execPath, SLUICE, 'ilm', 'apply'], { cwd: packageRoot });
      expect(first.code).toBe(0);
      expect(first.stdout.trim().split('\n').at(-1)).toBe('ilm apply: 24 created, 0 updated, 0 unchanged');
      const second = await run(env[0] as string, [...env.slice(1), 'SLUICE_LOGS_RETENTION=40d', process.execPath, SLUICE, 'ilm', 'apply'], { cwd: packageRoot });
      expect(second.stdout).toContain('policy sluice-logs: updated\n    phases.delete.min_age: 30d → 40d');
      expect(second.stdout.trim().split('\n').at(-1)).toBe('ilm apply: 0 created, 1 updated, 23 unchanged');
      const status = await run(env[0] as string, [...env.slice(1), process.execPath, SLUICE, 'ilm', 'status', '--json'], { cwd: packageRoot });
      expect(JSON.parse(status.stdout)).toEqual([]);

      const dir = copyOfIlm();
      edit(join(dir, 'index-templates', 'logs-rendiff.api.json'), (json) => {
        json.index_patterns = 'logs-rendiff.api-*';
      });
      const broken = await run(env[0] as string, [...env.slice(1), process.execPath, SLUICE, 'ilm', 'apply', '--dir', dir], { cwd: packageRoot });
      expect(broken.code).toBe(2);
      expect(broken.stderr).toMatch(/index-templates\/logs-rendiff\.api\.json: \$\.index_patterns: /);
    } finally {
      await stop();
    }
  });
});
