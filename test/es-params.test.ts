import { readdirSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { ElasticsearchEmulator } from '../emulators/elasticsearch/index.js';
import { API_PARAMS, API_ROUTES, APIS_WITHOUT_BODY } from '../emulators/elasticsearch/rest-params.js';
import { packageRoot } from '../shared/paths.js';
import { emulatorPerFile, failure } from './support/elasticsearch.js';
import type { Client } from '@elastic/elasticsearch';

/**
 * Query parameters as Elasticsearch checks them (BaseRestHandler): a name the API does not read is a 400 naming it,
 * with the nearest known names suggested, before anything is done; every name the API reads is accepted.
 */

let es: Client;
let emulator: ElasticsearchEmulator;

emulatorPerFile((cluster) => ({ es, emulator } = cluster));

/** The query and body parameters each API of the installed official client declares (its generated `acceptedParams`). */
function clientAcceptedParams(): Map<string, { query: string[]; body: string[] }> {
  const folder = join(packageRoot, 'node_modules', '@elastic', 'elasticsearch', 'lib', 'api', 'api');
  const declared = new Map<string, { query: string[]; body: string[] }>();
  for (const file of readdirSync(folder).filter((name) => name.endsWith('.js'))) {
    const text = readFileSync(join(folder, file), 'utf8');
    for (const match of text.matchAll(/(?:const acceptedParams|this\[symbols_1\.kAcceptedParams\]) = \{/g)) {
      const start = match.index + match[0].length - 1;
      let depth = 0;
      let end = start;
      for (; end < text.length; end++) {
        if (text[end] === '{') depth++;
        else if (text[end] === '}' && --depth === 0) break;
      }
      // A literal of names only (the client's generated code): evaluated with nothing in scope.
      const apis = runInNewContext(`(${text.slice(start, end + 1)})`, { commonQueryParams: [] }) as Record<string, { query: string[]; body: string[] }>;
      for (const [api, { query, body }] of Object.entries(apis)) declared.set(api, { query: [...query].sort(), body });
    }
  }
  return declared;
}

/** A raw HTTP call (node:http, which sends a GET's body too, as clients of the search APIs do). */
function raw(method: string, path: string, body?: string): Promise<{ status: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const sent = httpRequest(`${emulator.url}${path}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        // An answer that is no error (a _cat table, say) has no reason.
        const json = text.startsWith('{') ? (JSON.parse(text) as { error?: { reason?: string } }) : {};
        resolve({ status: response.statusCode ?? 0, reason: json.error?.reason ?? '' });
      });
    });
    sent.on('error', reject);
    sent.end(body);
  });
}

/** A concrete path for a route pattern, each `{name}` filled in. */
function concrete(path: string): string {
  return path.replace(/\{(\w+)\}/g, (_match, name: string) => ({ index: 'params-idx', target: 'params-idx', metrics: '_all', metric: '_all', selector: '_local', block: 'write' })[name] ?? `params-${name}`);
}

describe('the parameters table', () => {
  it('is what the official client 9.4 declares for each API (regenerate the table if the client moved)', () => {
    const declared = clientAcceptedParams();
    for (const [api, params] of Object.entries(API_PARAMS)) expect([...params].sort(), api).toEqual(declared.get(api)?.query);
    const withoutBody = Object.keys(API_PARAMS).filter((api) => declared.get(api)?.body.length === 0);
    expect([...APIS_WITHOUT_BODY].sort()).toEqual(withoutBody.sort());
  });

  it('every route refuses a name its API does not read, and knows each name its API reads (suggested for a near miss)', async () => {
    for (const [api, routes] of Object.entries(API_ROUTES)) {
      for (const route of routes) {
        const [method, pattern] = route.split(' ') as [string, string];
        const path = concrete(pattern);
        const body = method === 'HEAD' ? undefined : '{}';
        const refused = await raw(method, `${path}?no_such_parameter=1`, body);
        expect(refused.status, route).toBe(400);
        if (method === 'HEAD') continue;
        expect(refused.reason, route).toBe(`request [${path}] contains unrecognized parameter: [no_such_parameter]`);
        // Each of the API's own names with a letter more: refused, with the name itself among the suggestions, so the
        // route knows it. Nothing runs: the check comes before the handler. A one-letter name (`_cat`'s h, s, v; q)
        // is no more than half alike to anything with a letter more, so never suggested: the _cat tests use them.
        const own = (API_PARAMS[api] ?? []).filter((name) => name.length > 1);
        if (own.length === 0) continue;
        const { reason } = await raw(method, `${path}?${own.map((name) => `${name}_=1`).join('&')}`, body);
        for (const name of own) {
          const suggested = new RegExp(`\\[${name}_\\] -> did you mean (?:any of )?\\[([^\\]]*)\\]`).exec(reason)?.[1]?.split(', ');
          expect(suggested, `${route} ${name}`).toContain(name);
        }
      }
    }
  });
});

describe('a request with a parameter Elasticsearch does not know', () => {
  it('is refused before anything is done: a document put with a typed mapping parameter is not written', async () => {
    // elastalert 0.2.4 against 9.x: PUT <index>/_doc/_mapping?include_type_name=true is a document write there.
    const refused = await failure(es.index({ index: 'params-docs', id: '_mapping', document: { properties: {} }, querystring: { include_type_name: true } }));
    expect(refused).toEqual({ status: 400, type: 'illegal_argument_exception', reason: 'request [/params-docs/_doc/_mapping] contains unrecognized parameter: [include_type_name]' });
    expect(await es.indices.exists({ index: 'params-docs' })).toBe(false);
  });

  it('names every unknown parameter in order, with the nearest known names (BaseRestHandler.unrecognized)', async () => {
    const { status, reason } = await raw('GET', '/_cluster/health?zzz=1&levle=indices&wait_for_node=1&pretty');
    expect(status).toBe(400);
    expect(reason).toMatch(/^request \[\/_cluster\/health\] contains unrecognized parameters: \[levle\] -> did you mean \[level\]\?, \[wait_for_node\] -> did you mean any of \[wait_for_nodes, [a-z_, ]+\]\?, \[zzz\]$/);
    // Known to every API: the response's format, the error trace.
    expect((await raw('GET', '/_cluster/health?format=json&human=true&error_trace=false&filter_path=status')).status).toBe(200);
  });

  it('the index options are read wherever one is (IndicesOptions.fromRequest), the _cat layout on every _cat API', async () => {
    await es.indices.create({ index: 'params-idx' });
    expect((await raw('GET', '/_all/_stats?ignore_unavailable=true&allow_no_indices=true&level=shards')).status).toBe(200);
    expect((await raw('GET', '/_cat/count?v=true&h=count&s=count&bytes=kb&time=ms&format=json')).status).toBe(200);
    expect((await raw('GET', '/_cat/count?expand_wildcards=all')).reason).toBe('request [/_cat/count] contains unrecognized parameter: [expand_wildcards]');
  });
});

describe('a body where the API reads none (BaseRestHandler)', () => {
  it('is refused after the parameters, whatever it holds, and nothing is done', async () => {
    await es.indices.create({ index: 'params-idx' });
    expect(await raw('GET', '/_cat/indices', '{}')).toEqual({ status: 400, reason: 'request [GET /_cat/indices] does not support having a body' });
    // Not parsed: a malformed body is the same refusal, and an unknown parameter comes first.
    expect(await raw('GET', '/_cluster/health', '{oops')).toEqual({ status: 400, reason: 'request [GET /_cluster/health] does not support having a body' });
    expect((await raw('DELETE', '/params-idx?bogus=1', '{}')).reason).toBe('request [/params-idx] contains unrecognized parameter: [bogus]');
    expect((await raw('DELETE', '/params-idx', '{}')).status).toBe(400);
    expect(await es.indices.exists({ index: 'params-idx' })).toBe(true);
    // Nor as the source parameter, which only an API that reads a body reads.
    expect((await raw('GET', '/_cat/health?source=%7B%7D&source_content_type=application/json')).reason).toBe('request [/_cat/health] contains unrecognized parameters: [source], [source_content_type]');
  });
});

describe('a body in the query (source and source_content_type)', () => {
  it('is read as the body, and refused without its type, as Elasticsearch reads it for clients that cannot send a body with a GET', async () => {
    await es.index({ index: 'params-idx', id: '1', document: { status: 200 } });
    await es.index({ index: 'params-idx', id: '2', document: { status: 500 }, refresh: true });
    const source = encodeURIComponent(JSON.stringify({ query: { term: { status: 500 } } }));
    const response = await fetch(`${emulator.url}/params-idx/_search?source=${source}&source_content_type=application/json`);
    const hits = ((await response.json()) as { hits: { hits: Array<{ _id: string }> } }).hits.hits;
    expect(hits.map((hit) => hit._id)).toEqual(['2']);
    expect(await raw('GET', `/params-idx/_search?source=${source}`)).toEqual({ status: 500, reason: 'source and source_content_type parameters are required' });
    expect(await raw('GET', `/params-idx/_search?source=${source}&source_content_type=text/plain`)).toEqual({ status: 500, reason: 'Unknown value for source_content_type [text/plain]' });
  });
});
