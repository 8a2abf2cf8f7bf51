import Mustache from 'mustache';
import { isJsonObject } from '../../shared/json-object.js';
import { badRequest, EsError, resourceNotFound } from './errors.js';
import type { Json } from './store.js';

/** A stored script (`_scripts/<id>`): only search templates (lang mustache) are kept, their source as text. */
export interface StoredScript {
  lang: 'mustache';
  source: string;
  options?: Record<string, string>;
}

/**
 * What `PUT _scripts/<id>` keeps: a mustache template, its source text (an object source is kept as its JSON, as
 * Elasticsearch keeps it). A Painless script is refused by name: the emulator runs no Painless.
 */
export function checkedScript(body: Json): StoredScript {
  const script = body.script;
  if (!isJsonObject(script)) throw badRequest('must specify script for stored script');
  if (script.lang === undefined) throw badRequest('must specify lang for stored script');
  if (script.lang === 'painless' || script.lang === 'expression') throw badRequest(`[${String(script.lang)}] scripts are valid in Elasticsearch but not supported by the emulator, which runs no scripts but search templates (lang [mustache])`);
  if (script.lang !== 'mustache') throw badRequest(`script_lang not supported [${String(script.lang)}]`);
  if (script.source === undefined || script.source === '') throw badRequest('must specify source for stored script');
  const source = typeof script.source === 'string' ? script.source : JSON.stringify(script.source);
  return { lang: 'mustache', source, ...(isJsonObject(script.options) ? { options: script.options as Record<string, string> } : {}) };
}

/** The template a search template request names (`id`, a stored one) or carries (`source`). */
export function templateOf(body: Json, scripts: ReadonlyMap<string, StoredScript>, id?: string): string {
  const wanted = id ?? (typeof body.id === 'string' ? body.id : undefined);
  if (wanted !== undefined) {
    const stored = scripts.get(wanted);
    if (stored === undefined) throw resourceNotFound(`unable to find script [${wanted}] in cluster state`);
    return stored.source;
  }
  if (body.source === undefined) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: template is missing;');
  return typeof body.source === 'string' ? body.source : JSON.stringify(body.source);
}

/** JSON string escaping without the quotes: what Elasticsearch's mustache does to `{{value}}` in a JSON template. */
function jsonEscape(value: unknown): string {
  return JSON.stringify(String(value)).slice(1, -1);
}

/** A value at a dotted path of the params (`a.b.0`), as a mustache name is looked up. */
function lookup(params: Json, path: string): unknown {
  let value: unknown = params;
  for (const part of path.trim().split('.')) value = isJsonObject(value) || Array.isArray(value) ? (value as Record<string, unknown>)[part] : undefined;
  return value;
}

/**
 * Renders a search template as Elasticsearch's CustomMustacheFactory does for JSON: `{{x}}` JSON-escaped,
 * `{{{x}}}` as it is, a missing value empty, and its functions `{{#toJson}}x{{/toJson}}`, `{{#join}}x{{/join}}`
 * (`delimiter='…'` too, default ","), `{{#url}}…{{/url}}`. The output is parsed as the request's JSON body.
 */
export function renderTemplate(template: string, params: Json): Json {
  const delimiters = new Map<string, string>();
  // `{{#join delimiter='||'}}x{{/join delimiter='||'}}` is no mustache name: each delimiter gets a function of its own.
  const text = template.replace(/\{\{([#/])join delimiter='([^']*)'\}\}/g, (_match, kind: string, delimiter: string) => {
    const name = `join_${delimiters.size}`;
    if (kind === '#') delimiters.set(name, delimiter);
    return `{{${kind}${[...delimiters].find(([, value]) => value === delimiter)?.[0] ?? name}}}`;
  });
  const join = (delimiter: string) => () => (inner: string): string => {
    const value = lookup(params, inner);
    return Array.isArray(value) ? value.map((item) => jsonEscape(item)).join(delimiter) : jsonEscape(value ?? '');
  };
  const view: Record<string, unknown> = {
    ...params,
    toJson: () => (inner: string) => JSON.stringify(lookup(params, inner) ?? null),
    join: join(','),
    url: () => (inner: string, render: (text: string) => string) => encodeURIComponent(render(inner)),
    ...Object.fromEntries([...delimiters].map(([name, delimiter]) => [name, join(delimiter)])),
  };
  const rendered = Mustache.render(text, view, undefined, { escape: jsonEscape });
  try {
    return JSON.parse(rendered) as Json;
  } catch (error) {
    throw new EsError(400, 'x_content_parse_exception', `the rendered search template is no JSON object: ${(error as Error).message}`);
  }
}
