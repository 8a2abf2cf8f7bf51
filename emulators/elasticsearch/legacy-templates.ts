import { isJsonObject } from '../../shared/json-object.js';
import { checkIndexSettings } from './admin-parsers.js';
import { EsError } from './errors.js';
import { matchesPattern } from './glob.js';
import { mergeMappings, type Mappings } from './mapping.js';
import { flattenSettings, nestSettings, type AliasDef, type Json } from './store.js';

/** A legacy index template (`_template`), as Elasticsearch keeps it: settings flat, mappings without a type. */
export interface LegacyTemplate {
  order: number;
  version?: number;
  index_patterns: string[];
  settings: Record<string, string>;
  mappings: Mappings;
  aliases: Record<string, AliasDef>;
}

const KEYS = ['index_patterns', 'order', 'version', 'settings', 'mappings', 'aliases'];

/**
 * Legacy index templates (`_template`), deprecated since 7.8 but still served by 9.x, and still what Fluentd's
 * Elasticsearch output (`use_legacy_template`, on by default), Logstash with `template_api => legacy` and older
 * Beats install. They apply only to an index no composable template matches, all those that match merged by
 * `order` (the higher wins), and never make a data stream (MetadataCreateIndexService.applyV1Templates).
 */
export class LegacyTemplates {
  readonly templates = new Map<string, LegacyTemplate>();

  put(name: string, body: Json, create: boolean): void {
    if (create && this.templates.has(name)) throw new EsError(400, 'illegal_argument_exception', `index_template [${name}] already exists`);
    this.templates.set(name, checked(body));
  }

  /** The templates a name or a list of names and patterns asks for; a name that is no template is 404 with `{}`, as Elasticsearch answers. */
  get(names: string | undefined): Array<[string, LegacyTemplate]> | undefined {
    const wanted = names === undefined || names === '_all' ? ['*'] : names.split(',');
    const found = [...this.templates].filter(([name]) => wanted.some((pattern) => matchesPattern(pattern, name))).sort(([a], [b]) => a.localeCompare(b));
    return found.length === 0 && !wanted.some((pattern) => pattern.includes('*')) ? undefined : found;
  }

  delete(names: string): void {
    const matched = [...this.templates.keys()].filter((name) => names.split(',').some((pattern) => matchesPattern(pattern, name)));
    if (matched.length === 0) throw new EsError(404, 'index_template_missing_exception', `index_template [${names}] missing`);
    for (const name of matched) this.templates.delete(name);
  }

  /** What the templates matching an index name give it, lowest order first so that the highest wins. */
  applied(indexName: string): { settings: Record<string, string>; mappings: Mappings; aliases: Record<string, AliasDef> } {
    const matching = [...this.templates.values()].filter((template) => template.index_patterns.some((pattern) => matchesPattern(pattern, indexName))).sort((a, b) => a.order - b.order);
    let result: { settings: Record<string, string>; mappings: Mappings; aliases: Record<string, AliasDef> } = { settings: {}, mappings: {}, aliases: {} };
    for (const template of matching) {
      result = { settings: { ...result.settings, ...template.settings }, mappings: mergeMappings(result.mappings, template.mappings), aliases: { ...result.aliases, ...template.aliases } };
    }
    return result;
  }
}

/** A template as GET `_template` renders it. */
export function renderLegacyTemplate(template: LegacyTemplate, flat: boolean): Json {
  return { order: template.order, ...(template.version === undefined ? {} : { version: template.version }), index_patterns: template.index_patterns, settings: flat ? template.settings : nestSettings(template.settings), mappings: template.mappings, aliases: template.aliases };
}

function checked(body: Json): LegacyTemplate {
  for (const key of Object.keys(body)) if (!KEYS.includes(key)) throw new EsError(400, 'illegal_argument_exception', `unknown key [${key}] in the template`);
  const patterns = typeof body.index_patterns === 'string' ? [body.index_patterns] : body.index_patterns;
  if (!Array.isArray(patterns) || patterns.length === 0) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: index patterns are missing;');
  if (patterns.some((pattern) => typeof pattern !== 'string')) throw new EsError(400, 'illegal_argument_exception', 'Malformed [index_patterns] value, should be a list of strings');
  for (const key of ['order', 'version'] as const) {
    if (body[key] !== undefined && !Number.isInteger(Number(body[key]))) throw new EsError(400, 'illegal_argument_exception', `Malformed [${key}] value, should be an integer`);
  }
  if (body.settings !== undefined && !isJsonObject(body.settings)) throw new EsError(400, 'illegal_argument_exception', 'Malformed [settings] section, should include an inner object');
  if (body.aliases !== undefined && !isJsonObject(body.aliases)) throw new EsError(400, 'illegal_argument_exception', 'Malformed [aliases] section, should include an inner object');
  if (body.mappings !== undefined && !isJsonObject(body.mappings)) throw new EsError(400, 'illegal_argument_exception', 'Malformed [mappings] section, should include an inner object');
  let mappings = (body.mappings ?? {}) as Json;
  // Templates written for 6.x and 7.x nest their mappings under the type `_doc`, which Elasticsearch still takes.
  const keys = Object.keys(mappings);
  if (keys.length === 1 && keys[0] === '_doc' && isJsonObject(mappings._doc)) mappings = mappings._doc;
  // Merging checks the mappings as a put would.
  mergeMappings({}, mappings as Mappings);
  const settings = flattenSettings(body.settings as Json | undefined);
  checkIndexSettings(settings);
  return {
    order: body.order === undefined ? 0 : Number(body.order),
    ...(body.version === undefined ? {} : { version: Number(body.version) }),
    index_patterns: patterns as string[],
    settings,
    mappings: mappings as Mappings,
    aliases: (body.aliases ?? {}) as Record<string, AliasDef>,
  };
}
