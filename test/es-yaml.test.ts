import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Client, errors } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ElasticsearchEmulator } from '../emulators/elasticsearch/index.js';
import { packageRoot } from '../shared/paths.js';

/**
 * A small runner for the official clients' YAML REST tests (test/fixtures/es-rest-tests): each `do` is
 * executed with the official client's API of that name, then `match`, `set`, `is_true`, `is_false`,
 * `length`, `gt`/`gte`/`lt`/`lte` and `contains` are checked. After each test everything is deleted.
 */

const ROOT = join(packageRoot, 'test', 'fixtures', 'es-rest-tests');

/** Files that test what the emulator does not cover, each with the reason. */
const SKIPPED: Record<string, string> = {
  'indices/exists_template.yml': 'legacy `_template` index templates (replaced by `_index_template`, which is covered)',
  'indices/stats.yml': '`_stats` index statistics are not emulated',
  'indices/resolve.yml': '`_resolve/index` is not emulated',
  'cat/component_templates.yml': "expects Elasticsearch's built-in `metrics` component templates, which the emulator does not install",
};

/**
 * Some files omit the index of document APIs (the clients' harness supplies one). The runner supplies
 * this one for `index`, `get`, `delete`, `update` and `indices.delete` when none is given.
 */
const DEFAULT_INDEX = 'test';

/** REST-spec parameter names that the 9.x client spells differently. */
const RENAMED: Record<string, Record<string, string>> = {
  'ilm.put_lifecycle': { policy: 'name' },
  'ilm.get_lifecycle': { policy: 'name' },
  'ilm.delete_lifecycle': { policy: 'name' },
};

type Step = Record<string, unknown>;
type Stash = Map<string, unknown>;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : name.endsWith('.yml') ? [path] : [];
  });
}

function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}

function substitute(value: unknown, stash: Stash): unknown {
  if (typeof value === 'string' && value.startsWith('$')) return stash.has(value.slice(1)) ? stash.get(value.slice(1)) : value;
  if (Array.isArray(value)) return value.map((item) => substitute(item, stash));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item, stash)]));
  return value;
}

function lookup(response: unknown, path: string, stash: Stash): unknown {
  if (path === '' || path === '$body') return response;
  const parts = path.replace(/\\\./g, '\u0000').split('.').map((part) => part.replaceAll('\u0000', '.'));
  let node = response;
  for (const raw of parts) {
    const part = raw.startsWith('$') && stash.has(raw.slice(1)) ? String(stash.get(raw.slice(1))) : raw;
    if (node === null || node === undefined) return undefined;
    node = Array.isArray(node) && /^\d+$/.test(part) ? node[Number(part)] : (node as Record<string, unknown>)[part];
  }
  return node;
}

function isFalsy(value: unknown): boolean {
  return value === undefined || value === null || value === false || value === 0 || value === '' || value === 'false';
}

const CATCHES: Record<string, number> = { missing: 404, conflict: 409, bad_request: 400, unauthorized: 401, forbidden: 403, request_timeout: 408 };

async function run(client: Client, step: Step, stash: Stash, state: { response: unknown }): Promise<void> {
  const [kind, spec] = Object.entries(step)[0] as [string, unknown];
  if (kind === 'do') {
    const { catch: expectedError, headers: _headers, warnings: _warnings, allowed_warnings: _allowed, node_selector: _selector, ...call } = spec as Record<string, unknown>;
    const [api, rawParams] = Object.entries(call)[0] as [string, Record<string, unknown> | null];
    const params = (substitute(rawParams ?? {}, stash) ?? {}) as Record<string, unknown>;
    if (['index', 'get', 'delete', 'update', 'indices.delete', 'create'].includes(api) && params.index === undefined) params.index = DEFAULT_INDEX;
    if (typeof params.body === 'string' && api !== 'bulk') params.body = JSON.parse(params.body) as unknown;
    for (const [from, to] of Object.entries(RENAMED[api] ?? {})) {
      if (from in params) {
        params[to] = params[from];
        delete params[from];
      }
    }
    const { ignore, ...rest } = params;
    const target = api.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[camel(part)], client) as ((params: unknown, options?: unknown) => Promise<unknown>) | undefined;
    if (typeof target !== 'function') throw new Error(`no client API ${api}`);
    const namespace = api.includes('.') ? (client as unknown as Record<string, unknown>)[camel(api.split('.')[0] as string)] : client;
    try {
      state.response = await target.call(namespace, rest, ignore === undefined ? undefined : { ignore: Array.isArray(ignore) ? ignore : [ignore] });
      if (expectedError !== undefined) throw new Error(`${api} was expected to fail with ${String(expectedError)}`);
    } catch (error) {
      if (expectedError === undefined) throw error;
      const status = error instanceof errors.ResponseError ? error.meta.statusCode : undefined;
      const expected = String(expectedError);
      if (expected in CATCHES) expect(status, `${api} status`).toBe(CATCHES[expected]);
      else if (expected === 'request') expect(status).toBeGreaterThanOrEqual(400);
      else if (expected.startsWith('/')) expect(JSON.stringify(error instanceof errors.ResponseError ? error.meta.body : String(error))).toMatch(new RegExp(expected.slice(1, -1)));
      state.response = error instanceof errors.ResponseError ? error.meta.body : undefined;
    }
    return;
  }
  if (kind === 'is_true' || kind === 'is_false') {
    const actual = lookup(state.response, String(spec ?? ''), stash);
    expect(isFalsy(actual), `${kind} ${String(spec)}`).toBe(kind === 'is_false');
    return;
  }
  for (const [path, expectedRaw] of Object.entries((spec ?? {}) as Record<string, unknown>)) {
    const actual = lookup(state.response, path, stash);
    const expected = substitute(expectedRaw, stash);
    switch (kind) {
      case 'set':
        stash.set(String(expectedRaw), actual);
        break;
      case 'match':
        if (typeof expected === 'string' && /^\/[\s\S]*\/$/.test(expected.trim())) expect(String(actual)).toMatch(new RegExp(expected.trim().slice(1, -1)));
        else expect(actual, `match ${path}`).toEqual(expected);
        break;
      case 'length':
        expect(Array.isArray(actual) ? actual.length : Object.keys(actual as object).length, `length ${path}`).toBe(expected);
        break;
      case 'gt':
        expect(Number(actual)).toBeGreaterThan(Number(expected));
        break;
      case 'gte':
        expect(Number(actual)).toBeGreaterThanOrEqual(Number(expected));
        break;
      case 'lt':
        expect(Number(actual)).toBeLessThan(Number(expected));
        break;
      case 'lte':
        expect(Number(actual)).toBeLessThanOrEqual(Number(expected));
        break;
      case 'contains':
        expect(actual).toContainEqual(expected);
        break;
      default:
        throw new Error(`unknown step ${kind}`);
    }
  }
}

/** After each test, as the clients' runners do: delete data streams, indices, templates and policies. */
async function cleanUp(client: Client): Promise<void> {
  await client.indices.deleteDataStream({ name: '*' }, { ignore: [404] });
  await client.indices.delete({ index: '*', expand_wildcards: 'all' }, { ignore: [404] });
  for (const { name } of (await client.indices.getIndexTemplate()).index_templates) await client.indices.deleteIndexTemplate({ name });
  for (const { name } of (await client.cluster.getComponentTemplate()).component_templates) await client.cluster.deleteComponentTemplate({ name });
  for (const name of Object.keys(await client.ilm.getLifecycle())) await client.ilm.deleteLifecycle({ name });
  await client.ilm.start();
}

let emulator: ElasticsearchEmulator;
let client: Client;

beforeAll(async () => {
  emulator = await ElasticsearchEmulator.start({ port: 0 });
  client = new Client({ node: emulator.url });
});

afterAll(async () => {
  await client.close();
  await emulator.close();
});

const all = files(ROOT).map((path) => relative(ROOT, path)).sort();

describe('the clients’ YAML REST tests', () => {
  it('skips only the listed files, each with its reason', () => {
    expect(Object.keys(SKIPPED).every((file) => all.includes(file))).toBe(true);
    expect(all.length - Object.keys(SKIPPED).length).toBeGreaterThanOrEqual(29);
  });

  for (const file of all.filter((name) => !(name in SKIPPED))) {
    const documents = parseAllDocuments(readFileSync(join(ROOT, file), 'utf8')).map((document) => document.toJS() as Record<string, Step[]> | null);
    const sections = Object.assign({}, ...documents.filter((document) => document !== null)) as Record<string, Step[] | Record<string, unknown>>;
    const setup = (sections.setup ?? []) as Step[];
    const teardown = (sections.teardown ?? []) as Step[];
    for (const [name, steps] of Object.entries(sections)) {
      if (name === 'setup' || name === 'teardown' || name === 'requires') continue;
      it(`${file}: ${name}`, async () => {
        const stash: Stash = new Map();
        const state = { response: undefined as unknown };
        try {
          for (const step of [...setup, ...(steps as Step[])]) await run(client, step, stash, state);
        } finally {
          for (const step of teardown) await run(client, step, stash, state).catch(() => undefined);
          await cleanUp(client);
        }
      });
    }
  }
});
