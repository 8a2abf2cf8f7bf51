import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { z } from 'zod';
import type { Config } from '../config.js';
import { isJsonObject } from '../json-object.js';
import { packageRoot } from '../paths.js';
import { parseTimeValue } from '../time-value.js';

/**
 * The files in ilm/: lifecycle policies, ingest pipelines, component templates and index templates, as an operator could
 * apply them by hand. Each is checked against a zod schema of its shape (unknown keys refused, so a typo
 * fails here, not in the cluster), then all of them together.
 */

export const ILM_DIR = join(packageRoot, 'ilm');

/** A problem in one file, with the JSON path of what is wrong. */
export class IlmFileError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid files in ilm/:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
    this.name = 'IlmFileError';
  }
}

const duration = z.string().regex(/^\d+(d|h|m|s|ms)$/, 'expected a time value such as "30d"');
const size = z.string().regex(/^\d+(b|kb|mb|gb|tb|pb)$/i, 'expected a byte size such as "50gb"');

const rollover = z
  .object({
    max_age: duration,
    max_docs: z.number().int().positive(),
    max_size: size,
    max_primary_shard_size: size,
    max_primary_shard_docs: z.number().int().positive(),
    min_age: duration,
    min_docs: z.number().int().nonnegative(),
    min_size: size,
    min_primary_shard_size: size,
    min_primary_shard_docs: z.number().int().nonnegative(),
  })
  .partial()
  .strict()
  .refine((value) => Object.keys(value).some((key) => key.startsWith('max_')), 'a rollover needs at least one max_* condition');

const actions = z
  .object({
    rollover,
    set_priority: z.object({ priority: z.number().int().nonnegative().nullable() }).strict(),
    readonly: z.object({}).strict(),
    forcemerge: z.object({ max_num_segments: z.number().int().positive(), index_codec: z.literal('best_compression').optional() }).strict(),
    allocate: z.object({ number_of_replicas: z.number().int().nonnegative(), include: z.record(z.string(), z.string()), exclude: z.record(z.string(), z.string()), require: z.record(z.string(), z.string()) }).partial().strict(),
    shrink: z.object({ number_of_shards: z.number().int().positive(), max_primary_shard_size: size }).partial().strict(),
    delete: z.object({ delete_searchable_snapshot: z.boolean() }).partial().strict(),
  })
  .partial()
  .strict();

const phase = z.object({ min_age: duration.optional(), actions }).strict();

export const policySchema = z
  .object({
    policy: z
      .object({
        _meta: z.record(z.string(), z.unknown()).optional(),
        phases: z.object({ hot: phase, warm: phase, cold: phase, frozen: phase, delete: phase }).partial().strict(),
      })
      .strict(),
  })
  .strict();

const FIELD_TYPES = [
  'keyword', 'constant_keyword', 'wildcard', 'text', 'match_only_text', 'long', 'integer', 'short', 'byte', 'double', 'float',
  'half_float', 'scaled_float', 'unsigned_long', 'boolean', 'date', 'date_nanos', 'ip', 'geo_point', 'object', 'flattened', 'nested',
] as const;

export interface FieldMapping {
  type?: (typeof FIELD_TYPES)[number];
  properties?: Record<string, FieldMapping>;
  fields?: Record<string, FieldMapping>;
  [parameter: string]: unknown;
}

const field: z.ZodType<FieldMapping> = z.lazy(() =>
  z
    .object({
      type: z.enum(FIELD_TYPES),
      properties: z.record(z.string(), field),
      fields: z.record(z.string(), field),
      ignore_above: z.number().int().positive(),
      format: z.string(),
      scaling_factor: z.number().positive(),
      value: z.string(),
      index: z.boolean(),
      doc_values: z.boolean(),
      null_value: z.union([z.string(), z.number(), z.boolean()]),
      ignore_malformed: z.boolean(),
      coerce: z.boolean(),
      enabled: z.boolean(),
      dynamic: z.union([z.boolean(), z.enum(['true', 'false', 'strict', 'runtime'])]),
    })
    .partial()
    .strict(),
);

const mappings = z
  .object({
    dynamic: z.union([z.boolean(), z.enum(['true', 'false', 'strict', 'runtime'])]),
    date_detection: z.boolean(),
    numeric_detection: z.boolean(),
    dynamic_templates: z.array(
      z.record(
        z.string(),
        z.object({ match_mapping_type: z.union([z.string(), z.array(z.string())]), match: z.string(), unmatch: z.string(), path_match: z.string(), path_unmatch: z.string(), mapping: field }).partial().required({ mapping: true }).strict(),
      ),
    ),
    properties: z.record(z.string(), field),
    _meta: z.record(z.string(), z.unknown()),
  })
  .partial()
  .strict();

const meta = z.record(z.string(), z.unknown());
const settings = z.record(z.string(), z.unknown());

export const componentTemplateSchema = z
  .object({
    template: z.object({ settings, mappings, aliases: z.record(z.string(), z.unknown()) }).partial().strict(),
    version: z.number().int().optional(),
    _meta: meta.optional(),
  })
  .strict();

export const indexTemplateSchema = z
  .object({
    index_patterns: z.array(z.string().min(1)).min(1),
    // Absent for the plain indices (rollups, reports) that are written by id.
    data_stream: z.object({ hidden: z.boolean(), allow_custom_routing: z.boolean() }).partial().strict().optional(),
    // Above Elasticsearch's built-in logs-*-* and metrics-*-* templates, which have priority 100.
    priority: z.number().int().gt(100, 'must be above 100, the priority of Elasticsearch’s built-in logs and metrics templates'),
    composed_of: z.array(z.string()),
    template: z.object({ settings, mappings, aliases: z.record(z.string(), z.unknown()) }).partial().strict(),
    version: z.number().int().optional(),
    _meta: meta.optional(),
    allow_auto_create: z.boolean().optional(),
  })
  .strict();

/** An ingest pipeline: the processors are Elasticsearch's to check (the emulator refuses those it cannot run). */
export const pipelineSchema = z
  .object({
    description: z.string().optional(),
    processors: z.array(z.record(z.string(), z.record(z.string(), z.unknown())).refine((processor) => Object.keys(processor).length === 1, 'a processor is an object with one processor type as its key')).min(1),
    version: z.number().int().optional(),
    _meta: meta.optional(),
  })
  .strict();

export type PolicyFile = z.infer<typeof policySchema>;
export type PipelineFile = z.infer<typeof pipelineSchema>;
export type ComponentTemplateFile = z.infer<typeof componentTemplateSchema>;
export type IndexTemplateFile = z.infer<typeof indexTemplateSchema>;

export interface IlmFiles {
  policies: Map<string, PolicyFile>;
  pipelines: Map<string, PipelineFile>;
  componentTemplates: Map<string, ComponentTemplateFile>;
  indexTemplates: Map<string, IndexTemplateFile>;
}

/** `$.template.mappings.properties["source.ip"]` from a zod issue path. */
function jsonPath(path: ReadonlyArray<PropertyKey>): string {
  return `$${path.map((part) => (typeof part === 'number' ? `[${part}]` : /^[A-Za-z_$][\w$]*$/.test(String(part)) ? `.${String(part)}` : `[${JSON.stringify(String(part))}]`)).join('')}`;
}

function readFolder<T>(dir: string, folder: string, schema: z.ZodType<T>, problems: string[]): Map<string, T> {
  const found = new Map<string, T>();
  for (const name of readdirSync(join(dir, folder)).filter((entry) => entry.endsWith('.json')).sort()) {
    const path = join(dir, folder, name);
    const shown = join(relative(process.cwd(), dir) || '.', folder, name);
    let document: unknown;
    try {
      document = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      problems.push(`${shown}: not valid JSON: ${(error as Error).message}`);
      continue;
    }
    const result = schema.safeParse(document);
    if (!result.success) {
      for (const issue of result.error.issues) problems.push(`${shown}: ${jsonPath(issue.path)}: ${issue.message}`);
      continue;
    }
    found.set(name.slice(0, -'.json'.length), result.data);
  }
  return found;
}

/** Settings as Elasticsearch keeps them: flat `index.*` keys with string values, whether written nested or flat. */
export function flatSettings(settings: unknown, prefix = ''): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [key, value] of Object.entries(isJsonObject(settings) ? settings : {})) {
    const path = `${prefix}${key}`;
    if (isJsonObject(value)) Object.assign(flat, flatSettings(value, `${path}.`));
    else flat[prefix === '' && !path.startsWith('index.') ? `index.${path}` : path] = String(value);
  }
  return flat;
}

/** The ingest pipelines a template's settings name (`index.default_pipeline`, `index.final_pipeline`). */
function pipelinesNamed(settings: Record<string, unknown> | undefined): Array<[string, string]> {
  const flat = flatSettings(settings);
  return (['default_pipeline', 'final_pipeline'] as const).flatMap((key) => {
    const name = flat[`index.${key}`];
    return name !== undefined && name !== '_none' ? [[key, name] as [string, string]] : [];
  });
}

function lifecycleName(template: IndexTemplateFile): string | undefined {
  return flatSettings(template.template.settings)['index.lifecycle.name'];
}

/** Every leaf field of a mapping with its type, by full path. */
function leafTypes(properties: Record<string, FieldMapping> | undefined, prefix = '', into = new Map<string, string>()): Map<string, string> {
  for (const [name, mapping] of Object.entries(properties ?? {})) {
    const path = `${prefix}${name}`;
    if (mapping.properties !== undefined) leafTypes(mapping.properties, `${path}.`, into);
    else into.set(path, mapping.type ?? 'object');
  }
  return into;
}

/**
 * The fields the templates map, by full path with their type (one type each: loadIlmFiles checks it), and the
 * paths that are objects on the way to them. What a value must fit for Elasticsearch to index it there.
 */
export function mappedFields(files: IlmFiles): { types: ReadonlyMap<string, string>; objects: ReadonlySet<string> } {
  const types = new Map<string, string>();
  for (const template of [...files.componentTemplates.values(), ...files.indexTemplates.values()]) leafTypes(template.template.mappings?.properties, '', types);
  const objects = new Set<string>();
  for (const path of types.keys()) for (let dot = path.indexOf('.'); dot > 0; dot = path.indexOf('.', dot + 1)) objects.add(path.slice(0, dot));
  return { types, objects };
}

/** Reads and checks every file in ilm/ (or `dir`); throws IlmFileError naming each file and JSON path that is wrong. */
export function loadIlmFiles(dir = ILM_DIR): IlmFiles {
  const problems: string[] = [];
  const files: IlmFiles = {
    policies: readFolder(dir, 'policies', policySchema, problems),
    pipelines: readFolder(dir, 'ingest-pipelines', pipelineSchema, problems),
    componentTemplates: readFolder(dir, 'component-templates', componentTemplateSchema, problems),
    indexTemplates: readFolder(dir, 'index-templates', indexTemplateSchema, problems),
  };
  if (problems.length > 0) throw new IlmFileError(problems);

  // Across files: references resolve, and a field has one type in every data stream.
  const typeOf = new Map<string, { type: string; template: string }>();
  const shownDir = relative(process.cwd(), dir) || '.';
  for (const [folder, templates] of [['component-templates', files.componentTemplates], ['index-templates', files.indexTemplates]] as const) {
    for (const [name, template] of templates) {
      for (const [key, pipeline] of pipelinesNamed(template.template.settings)) {
        if (!files.pipelines.has(pipeline)) problems.push(`${join(shownDir, folder, `${name}.json`)}: $.template.settings.index.${key}: no ingest pipeline "${pipeline}" in ${join(shownDir, 'ingest-pipelines')}/`);
      }
    }
  }
  for (const [name, template] of files.indexTemplates) {
    const where = join(shownDir, 'index-templates', `${name}.json`);
    template.composed_of.forEach((component, i) => {
      if (!files.componentTemplates.has(component)) problems.push(`${where}: $.composed_of[${i}]: no component template "${component}" in ${join(shownDir, 'component-templates')}/`);
    });
    const policy = lifecycleName(template);
    if (policy !== undefined && !files.policies.has(policy)) problems.push(`${where}: $.template.settings.index.lifecycle.name: no policy "${policy}" in ${join(shownDir, 'policies')}/`);
    const layers = [...template.composed_of.map((component) => files.componentTemplates.get(component)?.template.mappings), template.template.mappings];
    for (const layer of layers) {
      for (const [path, type] of leafTypes(layer?.properties)) {
        const seen = typeOf.get(path);
        if (seen !== undefined && seen.type !== type) problems.push(`${where}: field ${path} is ${type} here but ${seen.type} in ${seen.template}; a field must have one type in every data stream`);
        else if (seen === undefined) typeOf.set(path, { type, template: where });
      }
    }
  }
  if (problems.length > 0) throw new IlmFileError(problems);
  return files;
}

const PHASE_ORDER = ['hot', 'warm', 'cold', 'frozen', 'delete'] as const;


/**
 * The files as they should be installed: retention settings applied to their policies and the chosen
 * logs policy put into the log templates. Errors name the setting at fault.
 */
export function withSettings(files: IlmFiles, ilm: Config['ilm']): IlmFiles {
  const problems: string[] = [];
  if (!files.policies.has(ilm.logsPolicy)) problems.push(`SLUICE_LOGS_POLICY="${ilm.logsPolicy}": expected one of the policies in ilm/policies/: ${[...files.policies.keys()].join(', ')}`);
  if (problems.length > 0) throw new IlmFileError(problems);
  const policies = new Map([...files.policies].map(([name, file]) => [name, structuredClone(file)]));
  const logs = policies.get(ilm.logsPolicy) as PolicyFile;
  const phases = logs.policy.phases;
  /** Each override sets one figure of the logs policy; false when the policy has nowhere to put it. */
  const overrides: Array<[string, string | undefined, (value: string) => boolean]> = [
    ['SLUICE_LOGS_RETENTION', ilm.logs.retention, (value) => (phases.delete ? ((phases.delete.min_age = value), true) : false)],
    ['SLUICE_LOGS_WARM_AFTER', ilm.logs.warmAfter, (value) => (phases.warm ? ((phases.warm.min_age = value), true) : false)],
    ['SLUICE_LOGS_ROLLOVER_MAX_AGE', ilm.logs.rolloverMaxAge, (value) => (phases.hot?.actions.rollover ? ((phases.hot.actions.rollover.max_age = value), true) : false)],
    ['SLUICE_LOGS_ROLLOVER_MAX_SIZE', ilm.logs.rolloverMaxSize, (value) => (phases.hot?.actions.rollover ? ((phases.hot.actions.rollover.max_primary_shard_size = value.toLowerCase()), true) : false)],
  ];
  for (const [setting, value, apply] of overrides) {
    if (value !== undefined && !apply(value)) problems.push(`${setting}="${value}": the policy ${ilm.logsPolicy} has no phase or rollover to set it on`);
  }
  const security = policies.get('sluice-security')?.policy.phases.delete;
  if (ilm.securityRetention !== undefined && security) security.min_age = ilm.securityRetention;
  const rollups = policies.get('sluice-rollups')?.policy.phases.delete;
  if (ilm.rollupsRetention !== undefined && rollups) rollups.min_age = ilm.rollupsRetention;

  // Phases must follow one another in time, or Elasticsearch would run them out of order.
  for (const [name, file] of policies) {
    let previous: { phase: string; ms: number } | undefined;
    for (const phaseName of PHASE_ORDER) {
      const definition = file.policy.phases[phaseName];
      if (definition === undefined) continue;
      const ms = parseTimeValue(definition.min_age ?? '0ms') ?? 0;
      if (previous !== undefined && ms < previous.ms) {
        problems.push(`policy ${name}: the ${phaseName} phase (min_age ${definition.min_age}) would start before the ${previous.phase} phase; check SLUICE_*_RETENTION and SLUICE_LOGS_WARM_AFTER`);
      }
      previous = { phase: phaseName, ms };
    }
  }
  if (problems.length > 0) throw new IlmFileError(problems);

  const indexTemplates = new Map(
    [...files.indexTemplates].map(([name, template]) => {
      const copy = structuredClone(template);
      if (lifecycleName(copy) === 'sluice-logs' && ilm.logsPolicy !== 'sluice-logs') copy.template.settings = { ...copy.template.settings, index: { ...(copy.template.settings?.index as object), lifecycle: { name: ilm.logsPolicy } } };
      return [name, copy];
    }),
  );
  return { policies, pipelines: files.pipelines, componentTemplates: files.componentTemplates, indexTemplates };
}
