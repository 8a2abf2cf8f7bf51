import type { Client } from '@elastic/elasticsearch';
import { isJsonObject } from '../json-object.js';
import { flatSettings, type IlmFiles } from './files.js';

/**
 * Installs the files idempotently: each policy and template is compared, in a canonical form, with what
 * the cluster has; only what differs is written, and the report says what changed.
 */

export interface Change {
  kind: 'policy' | 'ingest pipeline' | 'component template' | 'index template' | 'data stream';
  name: string;
  action: 'created' | 'updated' | 'unchanged';
  /** Changed paths, `path: old → new`. */
  changes: string[];
}

type Json = Record<string, unknown>;

/** Mappings with dotted property names expanded into objects, as Elasticsearch reads them. */
function expandMappings(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(expandMappings);
  if (!isJsonObject(value)) return value;
  const out: Json = {};
  for (const [key, child] of Object.entries(value)) out[key] = key === 'properties' && isJsonObject(child) ? expandProperties(child) : expandMappings(child);
  return out;
}

function expandProperties(properties: Json): Json {
  const out: Json = {};
  for (const [name, field] of Object.entries(properties)) {
    const [head, ...rest] = name.split('.');
    const expanded = rest.length === 0 ? expandMappings(field) : { properties: expandProperties({ [rest.join('.')]: field }) };
    const existing = out[head as string];
    out[head as string] = isJsonObject(existing) && isJsonObject(expanded) ? { ...existing, ...expanded, properties: { ...(existing.properties as Json), ...(expanded.properties as Json) } } : expanded;
  }
  return out;
}

function canonicalTemplate(template: unknown): Json {
  const value = isJsonObject(template) ? template : {};
  return {
    settings: flatSettings(value.settings),
    mappings: expandMappings(value.mappings ?? {}),
    aliases: value.aliases ?? {},
  };
}

/** A policy as Elasticsearch returns it: every phase with a min_age, delete with its default. */
function canonicalPolicy(policy: unknown): Json {
  const value = structuredClone(isJsonObject(policy) ? policy : {});
  for (const phase of Object.values(isJsonObject(value.phases) ? value.phases : {})) {
    if (!isJsonObject(phase)) continue;
    phase.min_age ??= '0ms';
    const actions = isJsonObject(phase.actions) ? phase.actions : {};
    if (isJsonObject(actions.delete)) actions.delete.delete_searchable_snapshot ??= true;
  }
  return value;
}

function canonicalIndexTemplate(template: unknown): Json {
  const value = isJsonObject(template) ? template : {};
  return {
    index_patterns: value.index_patterns,
    composed_of: value.composed_of ?? [],
    priority: value.priority,
    data_stream: isJsonObject(value.data_stream) ? { hidden: false, allow_custom_routing: false, ...value.data_stream } : undefined,
    template: canonicalTemplate(value.template),
    version: value.version,
    _meta: value._meta,
  };
}

/** A pipeline's own keys: what Elasticsearch adds when it stores one (such as its dates) is not ours to compare. */
function canonicalPipeline(pipeline: unknown): Json {
  const value = isJsonObject(pipeline) ? pipeline : {};
  return { description: value.description, processors: value.processors, on_failure: value.on_failure, version: value.version, _meta: value._meta };
}

function canonicalComponent(component: unknown): Json {
  const value = isJsonObject(component) ? component : {};
  return { template: canonicalTemplate(value.template), version: value.version, _meta: value._meta };
}

/** What differs between two canonical forms, as `path: old → new` lines. */
export function diff(before: unknown, after: unknown, path = ''): string[] {
  if (isJsonObject(before) && isJsonObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => diff(before[key], after[key], path === '' ? key : `${path}.${key}`));
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const show = (value: unknown): string => (value === undefined ? '(none)' : typeof value === 'string' ? value : JSON.stringify(value));
  return [`${path}: ${show(before)} → ${show(after)}`];
}

async function existing<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if ((error as { meta?: { statusCode?: number } }).meta?.statusCode === 404) return undefined;
    throw error;
  }
}

/** Installs policies and ingest pipelines, then component templates, then index templates (each needs the ones before). */
export async function applyIlm(es: Client, files: IlmFiles, options: { dryRun?: boolean } = {}): Promise<Change[]> {
  const changes: Change[] = [];
  const record = (kind: Change['kind'], name: string, before: Json | undefined, after: Json): boolean => {
    const paths = before === undefined ? [] : diff(before, after);
    const action = before === undefined ? 'created' : paths.length > 0 ? 'updated' : 'unchanged';
    changes.push({ kind, name, action, changes: paths });
    return action !== 'unchanged' && options.dryRun !== true;
  };

  for (const [name, file] of files.policies) {
    const found = await existing(es.ilm.getLifecycle({ name }));
    const before = found?.[name] === undefined ? undefined : canonicalPolicy(found[name].policy);
    if (record('policy', name, before, canonicalPolicy(file.policy))) await es.ilm.putLifecycle({ name, policy: file.policy as never });
  }
  for (const [id, file] of files.pipelines) {
    const found = (await existing(es.ingest.getPipeline({ id })))?.[id];
    if (record('ingest pipeline', id, found === undefined ? undefined : canonicalPipeline(found), canonicalPipeline(file))) await es.ingest.putPipeline({ id, ...(file as object) } as never);
  }
  for (const [name, file] of files.componentTemplates) {
    const found = await existing(es.cluster.getComponentTemplate({ name }));
    const current = found?.component_templates.find((entry) => entry.name === name)?.component_template;
    if (record('component template', name, current === undefined ? undefined : canonicalComponent(current), canonicalComponent(file))) {
      await es.cluster.putComponentTemplate({ name, ...(file as object) } as never);
    }
  }
  for (const [name, file] of files.indexTemplates) {
    const found = await existing(es.indices.getIndexTemplate({ name }));
    const current = found?.index_templates.find((entry) => entry.name === name)?.index_template;
    if (record('index template', name, current === undefined ? undefined : canonicalIndexTemplate(current), canonicalIndexTemplate(file))) {
      await es.indices.putIndexTemplate({ name, ...(file as object) } as never);
    }
  }
  changes.push(...(await updateDataStreams(es, files, changes, options.dryRun === true)));
  return changes;
}

/** The index templates with a data stream whose mappings a run changed: their own body, or a component they compose. */
function templatesChanged(files: IlmFiles, changes: Change[]): string[] {
  const changed = (kind: Change['kind'], name: string): boolean => changes.some((change) => change.kind === kind && change.name === name && change.action === 'updated');
  return [...files.indexTemplates]
    .filter(([name, file]) => file.data_stream !== undefined && (changed('index template', name) || file.composed_of.some((component) => changed('component template', component))))
    .map(([name]) => name);
}

/**
 * Brings the data streams of changed templates up to date, as Fleet does when a package is upgraded: a template applies
 * to the next backing index only, so the composed mappings are also put on each stream's write index, and a field or
 * multi-field added reaches what the stream indexes from now on rather than after its next rollover (up to a day).
 * Documents already indexed keep what they had. Where Elasticsearch refuses the mappings (a field's type changed), the
 * write index keeps its own and the report says why: the stream's next rollover takes the template.
 */
async function updateDataStreams(es: Client, files: IlmFiles, changes: Change[], dryRun: boolean): Promise<Change[]> {
  const updates: Change[] = [];
  for (const template of templatesChanged(files, changes)) {
    const patterns = (files.indexTemplates.get(template)?.index_patterns ?? []).join(',');
    const streams = (await es.indices.getDataStream({ name: patterns, expand_wildcards: 'all' })).data_streams.filter((stream) => stream.template === template);
    if (streams.length === 0) continue;
    const wanted = composedMappings(files, template);
    for (const stream of streams) {
      const writeIndex = stream.indices.at(-1)?.index_name ?? stream.name;
      const current = expandMappings((await es.indices.getMapping({ index: writeIndex }))[writeIndex]?.mappings ?? {});
      const paths = diff(projectOnto(current, wanted), wanted).map((line) => `${writeIndex}: ${line}`);
      if (paths.length === 0) continue;
      try {
        if (!dryRun) await es.indices.putMapping({ index: stream.name, write_index_only: true, ...(wanted as object) });
        updates.push({ kind: 'data stream', name: stream.name, action: 'updated', changes: paths });
      } catch (error) {
        const meta = (error as { meta?: { statusCode?: number; body?: { error?: { reason?: string } } } }).meta;
        if (meta?.statusCode !== 400) throw error;
        updates.push({ kind: 'data stream', name: stream.name, action: 'unchanged', changes: [`${writeIndex} keeps its mappings until the stream rolls over: ${meta.body?.error?.reason ?? (error as Error).message}`, ...paths] });
      }
    }
  }
  return updates;
}

/**
 * A template's mappings as the files compose them (its component templates in order, then its own, each a deep merge
 * over the ones before), so that a dry run compares with what is about to be installed, not with what is.
 */
function composedMappings(files: IlmFiles, name: string): Json {
  const template = files.indexTemplates.get(name);
  const layers = [...(template?.composed_of ?? []).map((component) => files.componentTemplates.get(component)?.template.mappings), template?.template.mappings];
  return layers.reduce<Json>((composed, layer) => deepMerge(composed, expandMappings(layer ?? {})) as Json, {});
}

function deepMerge(base: unknown, over: unknown): unknown {
  if (!isJsonObject(base) || !isJsonObject(over)) return over;
  const merged: Json = { ...base };
  for (const [key, value] of Object.entries(over)) merged[key] = deepMerge(merged[key], value);
  return merged;
}

/** `value` cut to the keys `shape` has, so that what an index added to its mappings by itself (dynamic fields) is no difference. */
function projectOnto(value: unknown, shape: unknown): unknown {
  if (!isJsonObject(value) || !isJsonObject(shape)) return value;
  return Object.fromEntries(Object.keys(shape).map((key) => [key, projectOnto(value[key], shape[key])]));
}
